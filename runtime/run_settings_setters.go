package runtime

import (
	"path/filepath"
	"sort"
)

// RunArgSetters maps SmartSim's run-settings setters to the run argument each sets for each family of
// run command (RunCommandStyle): set_tasks is srun's --ntasks, mpirun's --n, aprun's --pes, jsrun's
// --np. A setter with no key for the settings' family is not supported there: SmartSim logs a warning
// and sets nothing, and so does ApplySetter.
var RunArgSetters = map[string]map[string]string{
	"set_nodes":           {"srun": "nodes"},
	"set_tasks":           {"srun": "ntasks", "mpi": "n", "aprun": "pes", "jsrun": "np"},
	"set_tasks_per_node":  {"srun": "ntasks-per-node", "mpi": "npernode", "aprun": "pes-per-node"},
	"set_cpus_per_task":   {"srun": "cpus-per-task", "mpi": "cpus-per-proc", "aprun": "cpus-per-pe", "jsrun": "cpu_per_rs"},
	"set_hostlist":        {"srun": "nodelist", "mpi": "host", "aprun": "node-list"},
	"set_excluded_hosts":  {"srun": "exclude", "aprun": "exclude-node-list"},
	"set_walltime":        {"srun": "time", "mpi": "timeout", "aprun": "cpu-time-limit"},
	"set_binding":         {"mpi": "bind-to", "jsrun": "bind"},
	"set_task_map":        {"mpi": "map-by"},
	"set_het_group":       {"srun": "het-group"},
	"set_memory_per_node": {"srun": "mem", "aprun": "memory-per-pe"},
	"set_node_feature":    {"srun": "C"},
	"set_broadcast":       {"srun": "bcast"},
	"set_verbose_launch":  {"srun": "verbose", "mpi": "verbose", "aprun": "debug"},
	"set_quiet_launch":    {"srun": "quiet", "mpi": "quiet", "aprun": "quiet"},
}

// RunArgSetterNames are RunArgSetters' names, sorted.
func RunArgSetterNames() []string {
	names := make([]string, 0, len(RunArgSetters))
	for n := range RunArgSetters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TypeName is SmartSim's class for these settings, chosen by the run command as create_run_settings
// chooses it.
func (rs *RunSettings) TypeName() string {
	switch filepath.Base(rs.RunCommand) {
	case "srun":
		return "SrunSettings"
	case "mpirun":
		return "MpirunSettings"
	case "mpiexec":
		return "MpiexecSettings"
	case "orterun":
		return "OrterunSettings"
	case "aprun":
		return "AprunSettings"
	case "jsrun":
		return "JsrunSettings"
	}
	return "RunSettings"
}

// ApplySetter runs setter with an already formatted value (lists comma-joined by the adapter; memory
// as "<MB>M"). flag true sets a bare flag (set_verbose_launch(True)); remove true deletes the argument
// (set_verbose_launch(False)). It reports false, after SmartSim's warning, when the settings' run
// command has no such option.
func (rs *RunSettings) ApplySetter(setter, value string, flag, remove bool) bool {
	key, ok := RunArgSetters[setter][rs.RunCommandStyle()]
	if !ok {
		rs.logger().Warn(setter + " is not supported by " + rs.TypeName() + "; nothing was set")
		return false
	}
	if remove {
		for i, a := range rs.RunArgs {
			if a.Key == key {
				rs.RunArgs = append(rs.RunArgs[:i:i], rs.RunArgs[i+1:]...)
				break
			}
		}
		return true
	}
	rs.Set(key, value, flag, true)
	return true
}
