package runtime

import "strings"

// Slurm's --export takes a comma-separated list, so a variable whose value holds a comma (SSDB of a
// sharded database) cannot go through it. SmartSim's SrunSettings splits the environment in two:
// format_env_vars leaves those variables out, and format_comma_sep_env_vars gives the --export list
// (exportable K=V, then the compound variables' bare names) and the compound K=V pairs, which the
// launcher passes through `env K=V ... srun`.

// UserFormatEnvVars is what SmartSim's format_env_vars returns for these settings: FormatEnvVars, but
// for srun (SrunSettings) without the variables whose value holds a comma, which
// FormatCommaSepEnvVars returns instead.
func (rs *RunSettings) UserFormatEnvVars() []string {
	if rs.RunCommandStyle() != "srun" {
		return rs.FormatEnvVars()
	}
	var out []string
	for _, kv := range rs.FormatEnvVars() {
		if !strings.Contains(kv, ",") {
			out = append(out, kv)
		}
	}
	return out
}

// FormatCommaSepEnvVars is SrunSettings.format_comma_sep_env_vars: the --export list (without its
// leading ALL) and the compound variables of these settings and their MPMD programs.
func (rs *RunSettings) FormatCommaSepEnvVars() (string, []string) {
	var exportable, keyOnly, compound []string
	for _, a := range rs.EnvVars {
		kv := a.Key + "=" + envValue(a)
		if strings.Contains(envValue(a), ",") {
			keyOnly = append(keyOnly, a.Key)
			compound = append(compound, kv)
		} else {
			exportable = append(exportable, kv)
		}
	}
	for _, m := range rs.MPMD {
		for _, a := range m.EnvVars {
			if strings.Contains(envValue(a), ",") {
				compound = append(compound, a.Key+"="+envValue(a))
			}
		}
	}
	return strings.Join(append(exportable, keyOnly...), ","), compound
}

// envValue is a variable's value as format_env_vars writes it (None → empty).
func envValue(a Arg) string {
	if a.IsNone {
		return ""
	}
	return a.Value
}

// reservedRunArgs are the run arguments a settings class keeps for itself; set() refuses them with
// SmartSim's warning (SrunSettings.reserved_run_args: srun's working directory is the entity's).
var reservedRunArgs = map[string]struct {
	class string
	args  []string
}{
	"srun": {"SrunSettings", []string{"chdir", "D"}},
}

// reservedRunArg reports whether arg is reserved for these settings' run command, and the SmartSim
// class name the warning names.
func (rs *RunSettings) reservedRunArg(arg string) (string, bool) {
	r, ok := reservedRunArgs[rs.RunCommandStyle()]
	if !ok {
		return "", false
	}
	for _, a := range r.args {
		if a == arg {
			return r.class, true
		}
	}
	return "", false
}
