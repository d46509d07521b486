// Package ssruntest builds the ssrun binary for tests that must run it as a separate process: the
// end-to-end tests of the CLI and the examples, and runtime tests whose database shards are `ssrun db`.
package ssruntest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles ssrun into a new temporary directory named after prefix and returns the binary's
// path and a cleanup that removes the directory. It uses the go command `go test` runs under (GOROOT's
// bin, which the go command puts first on PATH for the tests it runs), so the binary matches the
// test's build.
func Build(prefix string) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	bin = filepath.Join(dir, "ssrun")
	out, err := exec.Command(goCommand(), "build", "-o", bin, "github.com/ssrun/ssrun").CombinedOutput()
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building ssrun: %v\n%s", err, out)
	}
	return bin, cleanup, nil
}

// goCommand is the go command of the toolchain running the tests: $GOROOT/bin/go as `go test` sets
// GOROOT for them, else the go on PATH.
func goCommand() string {
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

// Main is the TestMain of a package whose tests run the ssrun binary: it builds it once, stores its
// path in *bin, runs the tests and removes the binary again.
func Main(m *testing.M, prefix string, bin *string) {
	path, cleanup, err := Build(prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = path
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// BuildForTest builds the binary for one test and removes it when the test ends.
func BuildForTest(t testing.TB, prefix string) string {
	t.Helper()
	bin, cleanup, err := Build(prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	return bin
}
