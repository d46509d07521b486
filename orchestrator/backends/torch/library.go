package torch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvLibrary is the environment variable naming the shim library.
const EnvLibrary = "SSRUN_TORCH_BACKEND"

// LibraryName is the shim's file name (`make torch-backend` writes .torch-backend/LibraryName).
const LibraryName = "libssrun_torch.so"

// ResolveLibrary turns what a user gave (the shim's file, or a directory holding it) into its path. A
// relative path is looked up under dir first (AI.CONFIG BACKENDSPATH), then as it is.
func ResolveLibrary(path, dir string) (string, error) {
	if path == "" {
		return "", errors.New("torch: empty library path")
	}
	candidates := []string{path}
	if !filepath.IsAbs(path) && dir != "" {
		candidates = []string{filepath.Join(dir, path), path}
	}
	for _, c := range candidates {
		st, err := os.Stat(c)
		if err != nil {
			continue
		}
		if !st.IsDir() {
			return c, nil
		}
		if f := filepath.Join(c, LibraryName); fileExists(f) {
			return f, nil
		}
	}
	return "", fmt.Errorf("torch: no TORCH backend at %q (looked at %v; want %s, built by `make torch-backend` with libtorch-dev installed)", path, candidates, LibraryName)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// DefaultLibrary is the shim a developer checkout has after `make torch-backend`, looked up from dir
// upwards (tests run in package directories); empty if there is none.
func DefaultLibrary(dir string) string {
	for {
		f := filepath.Join(dir, ".torch-backend", LibraryName)
		if fileExists(f) {
			return f
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
