// Package ssruntest builds the ssrun binary for tests that must run it as a separate process: the
// end-to-end tests of the CLI and the examples, and runtime tests whose database shards are `ssrun db`.
package ssruntest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Build compiles ssrun into a new temporary directory named after prefix and returns the binary's
// path and a cleanup that removes the directory. It uses the go command of the running toolchain so
// the binary matches the test's build.
func Build(prefix string) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	bin = filepath.Join(dir, "ssrun")
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "github.com/ssrun/ssrun").CombinedOutput()
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building ssrun: %v\n%s", err, out)
	}
	return bin, cleanup, nil
}
