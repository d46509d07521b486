package ssruntest

import (
	"os"
	"os/exec"
	"testing"
)

// RunScript runs the bash script path (a benchmark's run.sh, from the test's package directory) with
// env added to the test's environment and returns its combined output; the test fails with that
// output if the script does.
func RunScript(t testing.TB, path string, env ...string) []byte {
	t.Helper()
	cmd := exec.Command("bash", path)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, out)
	}
	return out
}
