package onnx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/backends/onnx"
)

// The backend reports the session's input and output names.
func TestSessionNames(t *testing.T) {
	b, err := onnx.Load(library(t), onnx.Options{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Prepare(ai.ModelSpec{Device: "CPU", Blob: readFile(t, testdataModel("add_mul"))})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Inputs(), ",") + "->" + strings.Join(m.Outputs(), ","); got != "a,b->c,d" {
		t.Fatalf("names %s, want a,b->c,d from the session", got)
	}
}

// Loader resolves AI.CONFIG LOADBACKEND paths: a directory holding the library, a name under
// BACKENDSPATH; other backends and missing files are refused with what was looked at.
func TestLoaderResolvesPaths(t *testing.T) {
	lib := library(t)
	dir := filepath.Dir(lib)
	load := onnx.Loader(onnx.Options{}, func() string { return dir })
	for _, path := range []string{dir, filepath.Base(lib), lib} {
		b, err := load("ONNX", path)
		if err != nil || b.Name() != "ONNX" {
			t.Fatalf("LOADBACKEND ONNX %s: %v", path, err)
		}
	}
	if _, err := load("TORCH", lib); err == nil || !strings.Contains(err.Error(), "no TORCH backend") {
		t.Fatalf("TORCH: %v", err)
	}
	empty := t.TempDir()
	if _, err := load("ONNX", empty); err == nil || !strings.Contains(err.Error(), "want libonnxruntime.so") {
		t.Fatalf("empty directory: %v", err)
	}
	// A directory holding only a versioned name, as Python wheels ship it (onnxruntime/capi).
	wheel := t.TempDir()
	versioned := filepath.Join(wheel, "libonnxruntime.so.1.30.0")
	if err := os.Symlink(lib, versioned); err != nil {
		t.Fatal(err)
	}
	if got, err := onnx.ResolveLibrary(wheel, ""); err != nil || got != versioned {
		t.Fatalf("ResolveLibrary(wheel dir) = %q, %v", got, err)
	}
	if _, err := load("ONNX", wheel); err != nil {
		t.Fatalf("LOADBACKEND ONNX <wheel dir>: %v", err)
	}
	// Another library file than the one loaded is refused: one ONNX Runtime per process.
	other := filepath.Join(empty, "libonnxruntime.so")
	if err := os.WriteFile(other, []byte("not a library"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := load("ONNX", other); err == nil || !strings.Contains(err.Error(), "already loaded") {
		t.Fatalf("second library: %v", err)
	}
}
