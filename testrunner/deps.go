package testrunner

import (
	"path/filepath"
	"sort"

	"github.com/ssrun/ssrun/host"
)

// dependencies returns the files a script's result depends on, absolute and sorted: the script itself,
// every file it loaded, and every file its entities attach. Watch mode re-runs the script when one of
// them changes.
func dependencies(script string, run host.ScriptRun) []string {
	set := map[string]bool{}
	if abs, err := filepath.Abs(script); err == nil {
		set[abs] = true
	}
	for _, p := range run.Loaded {
		set[p] = true
	}
	for _, p := range run.Attached {
		set[p] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
