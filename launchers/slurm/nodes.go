package slurm

import (
	"context"
	"fmt"
	"strings"

	"github.com/ssrun/ssrun/launchers/wlm"
)

// AllocationNodes lists the nodes of a job: `scontrol -o show job ID` gives its NodeList in Slurm's
// compressed form (n[1-3],gpu7), which `scontrol show hostnames` expands, one name per line.
func (Scheduler) AllocationNodes(ctx context.Context, alloc string) ([]string, error) {
	out, err := wlm.Run(ctx, "", "", "scontrol", "-o", "show", "job", alloc)
	if err != nil {
		return nil, err
	}
	list, err := ParseNodeList(out)
	if err != nil {
		return nil, fmt.Errorf("job %s: %v", alloc, err)
	}
	names, err := wlm.Run(ctx, "", "", "scontrol", "show", "hostnames", list)
	if err != nil {
		return nil, err
	}
	return strings.Fields(names), nil
}

// ParseNodeList returns the NodeList= field of `scontrol -o show job` output; a job still pending
// has none ("(null)").
func ParseNodeList(out string) (string, error) {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "NodeList="); ok {
			if v == "" || v == "(null)" {
				return "", fmt.Errorf("no nodes allocated yet")
			}
			return v, nil
		}
	}
	return "", fmt.Errorf("no NodeList in scontrol output")
}
