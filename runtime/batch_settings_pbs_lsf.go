package runtime

import (
	"strings"
)

// formatQsubArgs renders qsub options as SmartSim's QsubBatchSettings: nodes and walltime become the
// resource requests "-l select=N" and "-l walltime=T", every other key "-key value" (a bare "-key" for
// None or ""), in the order the arguments were set.
func (bs *BatchSettings) formatQsubArgs() []string {
	var out []string
	for _, a := range bs.effectiveArgs() {
		key := strings.TrimLeft(a.Key, "-")
		switch {
		case key == "nodes" && a.Value != "":
			out = append(out, "-l select="+a.Value)
		case key == "walltime" && a.Value != "":
			out = append(out, "-l walltime="+a.Value)
		case a.IsNone || a.Value == "":
			out = append(out, "-"+key)
		default:
			out = append(out, "-"+key+" "+a.Value)
		}
	}
	return out
}

// formatBsubArgs renders bsub options as SmartSim's BsubBatchSettings: "-key value" each, with the
// walltime in LSF's HH:MM (seconds dropped: LSF's -W takes minutes).
func (bs *BatchSettings) formatBsubArgs() []string {
	var out []string
	for _, a := range bs.effectiveArgs() {
		key := strings.TrimLeft(a.Key, "-")
		switch {
		case a.IsNone || a.Value == "":
			out = append(out, "-"+key)
		case key == "W":
			out = append(out, "-W "+lsfWalltime(a.Value))
		default:
			out = append(out, "-"+key+" "+a.Value)
		}
	}
	return out
}

// lsfWalltime turns HH:MM:SS into HH:MM; anything else is passed through for bsub to judge.
func lsfWalltime(t string) string {
	if parts := strings.Split(t, ":"); len(parts) == 3 {
		return parts[0] + ":" + parts[1]
	}
	return t
}
