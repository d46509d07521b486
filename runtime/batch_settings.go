package runtime

import (
	"strconv"
	"strings"
)

// BatchSettings describes a batch submission (sbatch, qsub, bsub) wrapping an entity. Kind names the
// scheduler's command. The local launcher rejects entities carrying batch settings at start, as SmartSim.
type BatchSettings struct {
	Kind      string // "sbatch", "qsub" or "bsub"
	Nodes     int
	Time      string
	Queue     string
	Account   string
	BatchArgs []Arg
	Preamble  []string
}

// batchKindFor maps a launcher name to its batch command, as SmartSim's create_batch_settings.
func batchKindFor(launcher string) (string, error) {
	switch launcher {
	case "slurm":
		return "sbatch", nil
	case "pbs", "pals":
		return "qsub", nil
	case "lsf":
		return "bsub", nil
	case "local":
		return "", Errorf(SmartSimError, "Local launcher does not support batch workloads")
	}
	return "", Errorf(SmartSimError, "User attempted to make batch settings for unsupported launcher %s", launcher)
}

// TypeName is SmartSim's class name for these settings, used in error messages.
func (bs *BatchSettings) TypeName() string {
	switch bs.Kind {
	case "sbatch":
		return "SbatchSettings"
	case "qsub":
		return "QsubBatchSettings"
	case "bsub":
		return "BsubBatchSettings"
	}
	return "BatchSettings"
}

// Clone returns a deep copy.
func (bs *BatchSettings) Clone() *BatchSettings {
	if bs == nil {
		return nil
	}
	c := *bs
	c.BatchArgs = append([]Arg(nil), bs.BatchArgs...)
	c.Preamble = append([]string(nil), bs.Preamble...)
	return &c
}

// AddPreamble appends lines run at the top of the batch script.
func (bs *BatchSettings) AddPreamble(lines ...string) { bs.Preamble = append(bs.Preamble, lines...) }

// effectiveArgs is the user's batch_args followed by the setters SmartSim applies after them (nodes,
// walltime, queue, account); falsy values are not set.
func (bs *BatchSettings) effectiveArgs() []Arg {
	args := append([]Arg(nil), bs.BatchArgs...)
	set := func(k, v string) {
		if v != "" {
			args = mergeArgs(args, []Arg{{Key: k, Value: v}})
		}
	}
	nodes := ""
	if bs.Nodes > 0 {
		nodes = strconv.Itoa(bs.Nodes)
	}
	switch bs.Kind {
	case "qsub":
		set("nodes", nodes)
		set("walltime", bs.Time)
		set("q", bs.Queue)
		set("A", bs.Account)
	case "bsub":
		set("nnodes", nodes)
		set("W", bs.Time)
		set("q", bs.Queue)
		set("P", bs.Account)
	default:
		set("nodes", nodes)
		set("time", bs.Time)
		set("partition", bs.Queue)
		set("account", bs.Account)
	}
	return args
}

// FormatBatchArgs renders the batch arguments as the scheduler's settings class does: sbatch below,
// qsub and bsub in batch_settings_pbs_lsf.go (one option per element, each becoming one directive).
func (bs *BatchSettings) FormatBatchArgs() []string {
	switch bs.Kind {
	case "qsub":
		return bs.formatQsubArgs()
	case "bsub":
		return bs.formatBsubArgs()
	}
	return bs.formatSbatchArgs()
}

// formatSbatchArgs renders the batch arguments as SmartSim's Sbatch settings do: a one-letter key gives
// "-k value" (two tokens), a longer one "--key=value", a None or empty value a bare flag.
func (bs *BatchSettings) formatSbatchArgs() []string {
	var out []string
	for _, a := range bs.effectiveArgs() {
		key := strings.TrimLeft(a.Key, "-")
		bare := a.IsNone || a.Value == ""
		switch {
		case len(key) == 1 && bare:
			out = append(out, "-"+key)
		case len(key) == 1:
			out = append(out, "-"+key, a.Value)
		case bare:
			out = append(out, "--"+key)
		default:
			out = append(out, "--"+key+"="+a.Value)
		}
	}
	return out
}
