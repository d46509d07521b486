package torch_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestModelsAreReproducible reruns testdata/make_models.py (Debian's python3-torch) and checks the
// committed models and expected outputs are exactly what it makes.
func TestModelsAreReproducible(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/bin/python3 lacks torch: ci/setup-torch.sh installs python3-torch")
		}
		t.Skip("/usr/bin/python3 lacks torch (apt-get install python3-torch)")
	}
	dir := t.TempDir()
	script := readFile(t, "testdata/make_models.py")
	if err := os.WriteFile(filepath.Join(dir, "make_models.py"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", "make_models.py")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make_models.py: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	made := 0
	for _, e := range entries {
		if e.Name() == "make_models.py" {
			continue
		}
		want := readFile(t, filepath.Join(dir, e.Name()))
		got, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			t.Errorf("%s is made by make_models.py but not committed", e.Name())
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/%s differs from what make_models.py makes: rerun it (expected outputs depend on the BLAS numpy and libtorch use: they are made with Debian's reference libblas, which ci/setup-onnx.sh selects)", e.Name())
		}
		made++
	}
	if made < 6 {
		t.Fatalf("make_models.py made only %d files", made)
	}
}
