package colocated

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkStepOverhead is what colocation adds to a step: the same program (true) run plain, as the
// baseline, and under `ssrun colocated` (database started, PING answered, program run, database
// stopped). Compare the two ns/op from one run: go test -run - -bench StepOverhead ./colocated
func BenchmarkStepOverhead(b *testing.B) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true(1)")
	}
	sock := filepath.Join(b.TempDir(), "bench.sock")
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"plain", []string{truePath}},
		{"colocated", []string{ssrunBin, "colocated", "--unix-socket", sock, "--", truePath}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command(c.argv[0], c.argv[1:]...).CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", c.argv, err, out)
				}
			}
		})
	}
}
