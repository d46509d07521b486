package runtime

import (
	"log/slog"
	"strings"
)

// Arg is one named setting whose value may be None (a run argument, a batch argument or an environment
// variable). None is distinct from "": SmartSim prints a None run-arg value as "None" and a None env
// value as "KEY=".
type Arg struct {
	Key    string
	Value  string
	IsNone bool
}

// RunSettings says how to run one entity: the executable (resolved to an absolute path when created),
// its arguments, an optional run command (srun, mpirun, ...) with its arguments, and extra environment.
// Ensemble members get deep copies (Clone), so changing one member's settings never changes another's.
type RunSettings struct {
	Exe        string
	ExeArgs    []string
	RunCommand string
	RunArgs    []Arg
	EnvVars    []Arg

	log *slog.Logger
}

// Clone returns a deep copy.
func (rs *RunSettings) Clone() *RunSettings {
	if rs == nil {
		return nil
	}
	c := *rs
	c.ExeArgs = append([]string(nil), rs.ExeArgs...)
	c.RunArgs = append([]Arg(nil), rs.RunArgs...)
	c.EnvVars = append([]Arg(nil), rs.EnvVars...)
	return &c
}

// SplitArgs splits a string of arguments on whitespace, as SmartSim does (no shell quoting).
func SplitArgs(s string) []string { return strings.Fields(s) }

// AddExeArgs appends arguments given as a list of strings (the adapter rejects non-strings with
// SmartSim's TypeError "Executable arguments should be a list of str").
func (rs *RunSettings) AddExeArgs(args ...string) {
	rs.ExeArgs = append(rs.ExeArgs, args...)
}

// AddExeArgsString appends arguments given as one string, split on whitespace.
func (rs *RunSettings) AddExeArgsString(s string) {
	rs.AddExeArgs(SplitArgs(s)...)
}

// Set sets run argument arg (spaces and leading dashes stripped, as SmartSim) to value, or to None when
// isNone. With condition false nothing is set and an info line is logged; overwriting a different value
// logs a warning.
func (rs *RunSettings) Set(arg, value string, isNone, condition bool) {
	arg = strings.TrimLeft(strings.TrimSpace(arg), "-")
	if !condition {
		rs.logger().Info("Could not set argument '" + arg + "': condition not met")
		return
	}
	for i, a := range rs.RunArgs {
		if a.Key == arg {
			if a.Value != value || a.IsNone != isNone {
				rs.logger().Warn("Overwritting argument '" + arg + "' with value '" + noneOr(value, isNone) + "'")
			}
			rs.RunArgs[i] = Arg{Key: arg, Value: value, IsNone: isNone}
			return
		}
	}
	rs.RunArgs = append(rs.RunArgs, Arg{Key: arg, Value: value, IsNone: isNone})
}

// UpdateEnv sets environment variables (values already str()-ed by the adapter, which rejects types
// other than str/int/float/bool), replacing existing keys in place and appending new ones.
func (rs *RunSettings) UpdateEnv(vars []Arg) {
	rs.EnvVars = mergeArgs(rs.EnvVars, vars)
}

// FormatRunArgs renders run arguments literally as SmartSim's base RunSettings does:
// {"-np": 2} → ["-np", "2"]; a None value becomes "None".
func (rs *RunSettings) FormatRunArgs() []string {
	out := make([]string, 0, 2*len(rs.RunArgs))
	for _, a := range rs.RunArgs {
		out = append(out, a.Key, noneOr(a.Value, a.IsNone))
	}
	return out
}

// FormatEnvVars renders KEY=value, with KEY= for a None value, in insertion order.
func (rs *RunSettings) FormatEnvVars() []string {
	out := make([]string, 0, len(rs.EnvVars))
	for _, a := range rs.EnvVars {
		if a.IsNone {
			out = append(out, a.Key+"=")
		} else {
			out = append(out, a.Key+"="+a.Value)
		}
	}
	return out
}

// Command is the full argv: run command and its arguments (when a run command is set), then the
// executable and its arguments.
func (rs *RunSettings) Command() []string {
	var argv []string
	if rs.RunCommand != "" {
		argv = append(argv, rs.RunCommand)
		argv = append(argv, rs.FormatRunArgs()...)
	}
	argv = append(argv, rs.Exe)
	return append(argv, rs.ExeArgs...)
}

func (rs *RunSettings) logger() *slog.Logger {
	if rs.log != nil {
		return rs.log
	}
	return slog.Default()
}

func noneOr(v string, isNone bool) string {
	if isNone {
		return "None"
	}
	return v
}

// mergeArgs updates base with upd: existing keys keep their position, new keys are appended.
func mergeArgs(base, upd []Arg) []Arg {
	out := append([]Arg(nil), base...)
	for _, u := range upd {
		replaced := false
		for i := range out {
			if out[i].Key == u.Key {
				out[i] = u
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, u)
		}
	}
	return out
}
