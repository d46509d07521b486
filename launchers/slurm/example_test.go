package slurm_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/host"
)

// TestSeedManualAppendExampleRunsAsOneBatchJob runs examples/ensemble_append_batch.star (a batch
// ensemble with two appended models) on the real Slurm, as `ssrun --launcher slurm -D nodes=1` would.
func TestSeedManualAppendExampleRunsAsOneBatchJob(t *testing.T) {
	requireSlurm(t)
	t.Setenv("SSRUN_WLM_INTERVAL", "200ms")
	root := t.TempDir()
	if out, err := exec.Command("cp", "-a", "../../examples", root).CombinedOutput(); err != nil {
		t.Fatalf("copy examples: %v: %s", err, out)
	}
	var stdout, stderr bytes.Buffer
	err := host.Run(context.Background(), host.Options{Script: filepath.Join(root, "examples", "ensemble_append_batch.star"),
		Launcher: "slurm", Vars: map[string]string{"nodes": "1"}, Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatalf("ssrun: %v\n%s", err, stderr.String())
	}
	ens := filepath.Join(root, "examples", "append-batch", "ensemble-append")
	script, err := os.ReadFile(filepath.Join(ens, "ensemble-append.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(script), " &\n") != 2 || !strings.Contains(string(script), "#SBATCH --nodes=1\n") {
		t.Errorf("batch script:\n%s", script)
	}
	for i, m := range []string{"model_1", "model_2"} {
		out, err := os.ReadFile(filepath.Join(ens, m, m+".out"))
		if err != nil || !strings.Contains(string(out), "args: path/to/script_"+string(rune('1'+i))) {
			t.Errorf("%s output %q (%v)\nlog:\n%s", m, out, err, stderr.String())
		}
	}
	if n := strings.Count(stderr.String(), "): Completed"); n != 2 {
		t.Errorf("%d members reported Completed, want 2; log:\n%s", n, stderr.String())
	}
}
