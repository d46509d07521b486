package runtime

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"unicode/utf8"
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
	// MPMD are the further programs of a multi-program launch (make_mpmd), each with its own run
	// arguments, executable and arguments, run by the same run command after a ":".
	MPMD []*RunSettings

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
	c.MPMD = nil
	for _, m := range rs.MPMD {
		c.MPMD = append(c.MPMD, m.Clone())
	}
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
	if class, ok := rs.reservedRunArg(arg); ok {
		rs.logger().Warn("Could not set argument '" + arg + "': it is a reserved arguement of '" + class + "'")
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

// RunCommandStyle is the family of the run command, which decides how run arguments are formatted:
// "srun", "aprun", "jsrun", "mpi" (mpirun, mpiexec, orterun) or "" (literal, SmartSim's base
// RunSettings).
func (rs *RunSettings) RunCommandStyle() string {
	switch filepath.Base(rs.RunCommand) {
	case "srun":
		return "srun"
	case "aprun":
		return "aprun"
	case "jsrun":
		return "jsrun"
	case "mpirun", "mpiexec", "orterun":
		return "mpi"
	}
	return ""
}

// FormatRunArgs renders the run arguments as SmartSim's settings class for the run command does:
// srun, aprun and jsrun: one-letter key "-k v", longer "--key=v", empty or None value a bare flag; MPI:
// "--key v" or a bare "--key" (wdir/wd are reserved and dropped); anything else literally ({"-np": 2}
// → ["-np", "2"], a None value becomes "None").
func (rs *RunSettings) FormatRunArgs() []string {
	out := make([]string, 0, 2*len(rs.RunArgs))
	style := rs.RunCommandStyle()
	if style == "aprun" || style == "jsrun" {
		style = "srun"
	}
	for _, a := range rs.RunArgs {
		bare := a.IsNone || a.Value == ""
		switch {
		case style == "srun" && utf8.RuneCountInString(a.Key) == 1 && bare:
			out = append(out, "-"+a.Key)
		case style == "srun" && utf8.RuneCountInString(a.Key) == 1:
			out = append(out, "-"+a.Key, a.Value)
		case style == "srun" && bare:
			out = append(out, "--"+a.Key)
		case style == "srun":
			out = append(out, "--"+a.Key+"="+a.Value)
		case style == "mpi" && (a.Key == "wdir" || a.Key == "wd"):
		case style == "mpi" && bare:
			out = append(out, "--"+a.Key)
		case style == "mpi":
			out = append(out, "--"+a.Key, a.Value)
		default:
			out = append(out, a.Key, noneOr(a.Value, a.IsNone))
		}
	}
	return out
}

// SetTime sets the walltime run argument ("time") as HH:MM:SS from hours, minutes and seconds, which
// may overflow into each other as SmartSim's set_time allows: (0, 0, 72) → 00:01:12.
func (rs *RunSettings) SetTime(hours, minutes, seconds int) {
	rs.Set("time", FormatWalltime(hours, minutes, seconds), false, true)
}

// FormatWalltime normalises hours, minutes and seconds to HH:MM:SS.
func FormatWalltime(hours, minutes, seconds int) string {
	total := hours*3600 + minutes*60 + seconds
	return fmt.Sprintf("%02d:%02d:%02d", total/3600, total%3600/60, total%60)
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
	argv = append(argv, rs.ExeArgs...)
	for _, m := range rs.MPMD {
		argv = append(argv, ":")
		argv = append(argv, m.FormatRunArgs()...)
		argv = append(argv, m.mpiEnvArgs()...)
		argv = append(argv, m.Exe)
		argv = append(argv, m.ExeArgs...)
	}
	return argv
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

// String renders the settings as SmartSim's RunSettings str() does (launch summaries, previews).
func (rs *RunSettings) String() string {
	if rs == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Executable: %s\nExecutable Arguments: %s", rs.Exe, strings.Join(rs.ExeArgs, " "))
	if rs.RunCommand != "" {
		fmt.Fprintf(&b, "\nRun Command: %s", rs.RunCommand)
	}
	if len(rs.RunArgs) > 0 {
		b.WriteString("\nRun Arguments:")
		for _, a := range rs.RunArgs {
			fmt.Fprintf(&b, "\n%s = %s", a.Key, noneOr(a.Value, a.IsNone))
		}
	}
	return b.String()
}
