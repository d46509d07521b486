package runtime

import "strings"

// BatchArgSetters maps the batch-settings setters SmartSim's classes have beyond nodes, walltime, queue
// and account to the batch argument each sets per batch command. A setter with no key for the
// settings' command is not supported there.
var BatchArgSetters = map[string]map[string]string{
	"set_hostlist":      {"sbatch": "nodelist", "bsub": "m"},
	"set_cpus_per_task": {"sbatch": "cpus-per-task"},
	"set_tasks":         {"sbatch": "ntasks", "bsub": "n"},
	"set_smts":          {"bsub": "alloc_flags"},
}

// ApplyBatchSetter sets the batch argument of setter to the values (hosts, or one number). sbatch
// joins hosts with commas; bsub's -m takes them space-separated in quotes, as SmartSim writes them.
// It reports false, after a warning, when the batch command has no such option.
func (bs *BatchSettings) ApplyBatchSetter(setter string, values []string, log func(string)) bool {
	key, ok := BatchArgSetters[setter][bs.Kind]
	if !ok {
		log(setter + " is not supported by " + bs.TypeName() + "; nothing was set")
		return false
	}
	value := strings.Join(values, ",")
	if bs.Kind == "bsub" && key == "m" {
		value = `"` + strings.Join(values, " ") + `"`
	}
	if bs.Kind == "bsub" && key == "alloc_flags" {
		value = "smt" + value
	}
	bs.BatchArgs = mergeArgs(bs.BatchArgs, []Arg{{Key: key, Value: value}})
	return true
}
