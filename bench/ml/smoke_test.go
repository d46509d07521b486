package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/internal/ssruntest"
	"github.com/ssrun/ssrun/orchestrator/backends/onnx"
)

// TestSmoke runs run.sh on tiny sizes (2 clients, 200 ms cells, one round, batching off and adaptive)
// against the orchestrator's ssrundb binary and redis-server, and checks that every row of the cost
// and request-pattern tables printed a positive rate. It proves the benchmark runs; figures come from
// `make bench-ml`.
func TestSmoke(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not found: ci/setup-redis.sh should have installed it")
		}
		t.Skip("redis-server not found (apt-get install redis-server)")
	}
	lib := os.Getenv(onnx.EnvLibrary)
	if lib == "" {
		wd, _ := os.Getwd()
		lib = onnx.DefaultLibrary(wd)
	}
	if lib == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no ONNX Runtime: ci/setup-onnx.sh runs `make onnxruntime`")
		}
		t.Skip("no ONNX Runtime: run `make onnxruntime`")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ssrundb")
	if out, err := exec.Command("go", "build", "-o", bin, "../../orchestrator/testdata/ssrundb").CombinedOutput(); err != nil {
		t.Fatalf("building ssrundb: %v\n%s", err, out)
	}
	out := ssruntest.RunScript(t, "run.sh", "SSRUN_DB="+bin, onnx.EnvLibrary+"="+lib, "RESULTS="+filepath.Join(dir, "ml.md"),
		"TABLES=cost,pattern", "MODES=off,ADAPTIVE 2000", "PATTERN_CLIENTS=2", "DURATION=200ms", "ROUNDS=1")
	rows := map[string]*regexp.Regexp{
		"cost, batch 32":             regexp.MustCompile(`(?m)^\| 32 \| [1-9]\d* \|`),
		"redis-server":               regexp.MustCompile(`(?m)^\| redis-server: SET, SET, GET of the same sizes \| [1-9]\d* \|`),
		"ssrun db SET/GET":           regexp.MustCompile(`(?m)^\| ssrun db: SET, SET, GET of the same sizes \| [1-9]\d* \|`),
		"ssrun db, batching off":     regexp.MustCompile(`(?m)^\| ssrun db, batching off \| [1-9]\d* \|.*\| 1\.00x \|$`),
		"ceiling of batching":        regexp.MustCompile(`(?m)^\| ssrun db, a free model of the same shapes \(x\[:, :10\]\), batching off \| [1-9]\d* \|`),
		"ssrun db, adaptive batches": regexp.MustCompile(`(?m)^\| ssrun db, adaptive \(BATCHSIZE 32 ADAPTIVE 2000\) \| [1-9]\d* \|`),
	}
	for name, re := range rows {
		if !re.Match(out) {
			t.Errorf("no %s row with a positive rate", name)
		}
	}
	if t.Failed() || !strings.Contains(string(out), "server CPU µs/req") {
		t.Fatalf("output:\n%s", out)
	}
}
