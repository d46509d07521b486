// Package ml_test runs the ML examples end to end: a real ssrun binary (built once here) runs each
// driver, whose database shard (with the TORCH backend) and application are real processes, and the
// application's printed results are checked against PyTorch's (files/make_files.py) or by hand.
package ml_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

var ssrunBin string

func TestMain(m *testing.M) { ssruntest.Main(m, "ssrun-ml-", &ssrunBin) }

// torchBackend builds the TORCH shim (make torch-backend) and returns its path; without libtorch the
// test skips, except in CI, which installs it (ci/setup-torch.sh).
func torchBackend(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/include/torch/script.h"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("libtorch is not installed: ci/setup-torch.sh installs libtorch-dev python3-torch")
		}
		t.Skip("libtorch is not installed (apt-get install libtorch-dev python3-torch, or bash ci/setup-torch.sh)")
	}
	root, _ := filepath.Abs("../..")
	cmd := exec.Command("make", "-s", "torch-backend")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make torch-backend: %v\n%s", err, out)
	}
	return filepath.Join(root, ".torch-backend")
}

// output is what the application printed: a header line and the result as JSON.
type output struct {
	header string
	Shape  []int64   `json:"shape"`
	Values []float64 `json:"values"`
}

// runExample runs one driver on a copy of this directory with env added, checks the application
// completed, and returns what it printed.
func runExample(t *testing.T, script, expDir string, env ...string) output {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-R", script, "apps", "files", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ssrunBin, script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "SSRUN="+ssrunBin), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ssrun %s: %v\n%s", script, err, out)
	}
	if !strings.Contains(string(out), `status: ["Completed"]`) {
		t.Fatalf("%s: the application did not complete:\n%s", script, out)
	}
	text, err := os.ReadFile(filepath.Join(dir, expDir, "app", "app.out"))
	if err != nil {
		t.Fatal(err)
	}
	header, js, _ := strings.Cut(strings.TrimSpace(string(text)), "\n")
	o := output{header: header}
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		t.Fatalf("%s: app.out %q: %v", script, text, err)
	}
	return o
}

func near(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %v, want %v", name, got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-5*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s: %v, want %v", name, got, want)
		}
	}
}

// Every example with the TORCH backend: the results are PyTorch's.
func TestExamplesWithTorch(t *testing.T) {
	env := "SSRUN_TORCH_BACKEND=" + torchBackend(t)
	o := runExample(t, "inmemory_model.star", "inmemory-model", env)
	near(t, "affine", o.Values, []float64{3, 5, 7, 9})

	o = runExample(t, "model_from_file.star", "model-from-file", env)
	var want struct {
		Values []float64 `json:"values"`
	}
	b, err := os.ReadFile("files/cnn_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	near(t, "cnn", o.Values, want.Values)

	o = runExample(t, "script_from_file.star", "script-from-file", env)
	// normalize(1..6): (x - 3.5) / std, std = sqrt(3.5) (unbiased, as torch.std)
	var norm []float64
	for x := 1.0; x <= 6; x++ {
		norm = append(norm, (x-3.5)/math.Sqrt(3.5))
	}
	near(t, "normalize", o.Values, norm)

	o = runExample(t, "script_from_string.star", "script-from-string", env)
	near(t, "negate", o.Values, []float64{-1, -2, -3, -4, -5, -6})

	o = runExample(t, "torchscript_function.star", "torchscript-function", env)
	near(t, "timestwo", o.Values, []float64{2, 4, 6, 8, 10, 12})
}

// Without the TORCH backend, the function and the script from a string (valid in both languages)
// run in ssrun's Starlark dialect with the same results.
func TestScriptExamplesWithoutTorch(t *testing.T) {
	env := "SSRUN_TORCH_BACKEND="
	o := runExample(t, "torchscript_function.star", "torchscript-function", env)
	near(t, "timestwo", o.Values, []float64{2, 4, 6, 8, 10, 12})
	o = runExample(t, "script_from_string.star", "script-from-string", env)
	near(t, "negate", o.Values, []float64{-1, -2, -3, -4, -5, -6})
}

// The committed files are exactly what files/make_files.py makes (Debian's python3-torch).
func TestFilesAreReproducible(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/bin/python3 lacks torch: ci/setup-torch.sh installs python3-torch")
		}
		t.Skip("/usr/bin/python3 lacks torch (apt-get install python3-torch)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "files/make_files.py", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	cmd := exec.Command("/usr/bin/python3", "make_files.py")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make_files.py: %v\n%s", err, out)
	}
	for _, name := range []string{"_affine_pt.star", "cnn.pt", "cnn_expected.json", "preprocess.py"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("files", name))
		if err != nil || string(got) != string(want) {
			t.Errorf("files/%s differs from what make_files.py makes: rerun it (%v) (expected outputs depend on the BLAS numpy and libtorch use: they are made with Debian's reference libblas, which ci/setup-onnx.sh selects)", name, err)
		}
	}
}
