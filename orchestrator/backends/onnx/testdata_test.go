package onnx_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestModelsAreReproducible regenerates the test models with testdata/make_models.py (Debian's
// python3-onnx and numpy) and checks the committed files are exactly what it makes.
func TestModelsAreReproducible(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import onnx, numpy").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/bin/python3 lacks onnx or numpy: ci/setup-onnx.sh installs python3-onnx python3-numpy")
		}
		t.Skip("/usr/bin/python3 lacks onnx or numpy (apt-get install python3-onnx python3-numpy)")
	}
	dir := t.TempDir()
	script, err := os.ReadFile("testdata/make_models.py")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "make_models.py"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", "make_models.py")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make_models.py: %v\n%s", err, out)
	}
	made := 0
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) == "make_models.py" {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		want, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join("testdata", rel))
		if err != nil {
			t.Errorf("%s is made by make_models.py but not committed", rel)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/%s differs from what make_models.py makes: rerun it (expected outputs depend on the BLAS numpy and libtorch use: they are made with Debian's reference libblas, which ci/setup-onnx.sh selects)", rel)
		}
		made++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if made < 5 {
		t.Fatalf("make_models.py made only %d files", made)
	}
}
