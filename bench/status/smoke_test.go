// Package status holds the benchmark of `ssrun status` at scale (bench/status/run.sh) and its fixture
// generator (bench/status/fixture). The test here only checks that the benchmark still runs, on tiny
// sizes; figures come from `make bench-status`.
package status

import (
	"regexp"
	"testing"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

// TestSmoke builds ssrun and runs run.sh on 40 members replicated from a real run of 4, once, this
// build as its own baseline: every row must report times and the same bytes from both sides.
func TestSmoke(t *testing.T) {
	bin := ssruntest.BuildForTest(t, "ssrun-bench-status")
	out := ssruntest.RunScript(t, "run.sh", "SSRUN="+bin, "SSRUN_BASE="+bin, "MEMBERS=40", "SOURCE=4", "RUNS=1")
	if !regexp.MustCompile(`(?m)^source: a real run of 4 members: manifest \d+ B/member, journal \d+ B/member$`).Match(out) {
		t.Errorf("no line describing the source run")
	}
	for _, state := range []string{"finished", "stale"} {
		for _, output := range []string{"table", "json"} {
			re := regexp.MustCompile(`(?m)^` + state + ` +` + output + ` +\d+ ms +\d+ ms +(\d+|-) ms +\S+ +\S+ yes$`)
			if !re.Match(out) {
				t.Errorf("no line matching %s", re)
			}
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}
