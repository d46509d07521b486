// Package db holds the database benchmark of bench/db: run.sh and its load generator (load/). The test
// here only checks that the benchmark still runs, on tiny sizes; figures come from `make bench-db`.
package db

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

// TestSmoke runs run.sh with BENCH_SMOKE=1 against the orchestrator's ssrundb binary and checks that
// every case printed a positive rate for redis-server and both ssrun servers.
func TestSmoke(t *testing.T) {
	for _, tool := range []string{"redis-server", "redis-benchmark", "redis-cli"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found: ci/setup-redis.sh should have installed it", tool)
			}
			t.Skipf("%s not found: install redis-server and redis-tools (apt-get install redis-server redis-tools)", tool)
		}
	}
	bin := filepath.Join(t.TempDir(), "ssrundb")
	if out, err := exec.Command("go", "build", "-o", bin, "../../orchestrator/testdata/ssrundb").CombinedOutput(); err != nil {
		t.Fatalf("building ssrundb: %v\n%s", err, out)
	}
	out := ssruntest.RunScript(t, "run.sh", "BENCH_SMOKE=1", "SSRUN_DB="+bin)
	want := map[string]bool{}
	for _, c := range []string{"3B_-P1_SET", "3B_-P1_GET", "3B_-P16_SET", "3B_-P16_GET", "4KiB_-P1_SET",
		"4KiB_-P16_GET", "4KiB_TENSORSET", "4KiB_TENSORGET"} {
		want[c] = true
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !want[f[0]] {
			continue
		}
		for i, server := range []string{"redis", "ssrun/2", "ssrun/1"} {
			if rps, err := strconv.ParseFloat(f[1+i], 64); err != nil || rps <= 0 {
				t.Errorf("%s: %s rate %q is not a positive number", f[0], server, f[1+i])
			}
		}
		delete(want, f[0])
	}
	for c := range want {
		t.Errorf("case %s missing from the output", c)
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}
