// Package generate holds the generation benchmark of bench/generate: run.sh and its driver script.
// The test here only checks that the benchmark still runs, on tiny sizes; figures come from
// `make bench-generate`.
package generate

import (
	"regexp"
	"testing"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

// TestSmoke builds ssrun and runs run.sh for 5 members with a 1 MiB copied file, one round: both
// sides must report a time (run.sh itself checks the last member's copy and configured file).
func TestSmoke(t *testing.T) {
	bin := ssruntest.BuildForTest(t, "ssrun-bench-generate")
	out := ssruntest.RunScript(t, "run.sh", "SSRUN="+bin, "MEMBERS=5", "SIZE_MIB=1", "ROUNDS=1")
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^ssrun exp\.generate +\d+ ms`),
		regexp.MustCompile(`(?m)^shell loop of cp, same copies +\d+ ms`),
		regexp.MustCompile(`(?m)^ratio ssrun/cp: \d+\.\d\d`),
	} {
		if !re.Match(out) {
			t.Errorf("no line matching %s", re)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}
