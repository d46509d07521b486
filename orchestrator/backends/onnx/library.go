package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// EnvLibrary is the environment variable naming the ONNX Runtime shared library.
const EnvLibrary = "SSRUN_ONNXRUNTIME_LIB"

// libraryNames are the file names ResolveLibrary tries first inside a directory: conda's and the
// release tarballs' link, and the npm package's file.
var libraryNames = []string{"libonnxruntime.so", "libonnxruntime.so.1"}

// ResolveLibrary turns what a user gave (a file, or a directory holding libonnxruntime.so) into the
// library's path. A relative path is looked up under dir first (AI.CONFIG BACKENDSPATH), then as it
// is. The error says what was looked at, since a wrong path is the usual mistake.
func ResolveLibrary(path, dir string) (string, error) {
	if path == "" {
		return "", errors.New("onnx: empty library path")
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
		for _, name := range libraryNames {
			if f := filepath.Join(c, name); fileExists(f) {
				return f, nil
			}
		}
		// Python wheels ship only the fully versioned name (onnxruntime/capi/libonnxruntime.so.1.20.1).
		if versioned, _ := filepath.Glob(filepath.Join(c, "libonnxruntime.so.*")); len(versioned) > 0 {
			sort.Strings(versioned)
			return versioned[len(versioned)-1], nil
		}
	}
	return "", fmt.Errorf("onnx: no ONNX Runtime library at %q (looked at %v; want libonnxruntime.so or a directory holding it)", path, candidates)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// DefaultLibrary is the library a developer checkout has after `make onnxruntime`, looked up from
// dir upwards (tests run in package directories); empty if there is none.
func DefaultLibrary(dir string) string {
	for {
		f := filepath.Join(dir, ".onnxruntime", "lib", "libonnxruntime.so")
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
