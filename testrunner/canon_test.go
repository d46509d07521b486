package testrunner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/host"
)

// TestPlanCanonAcrossDirectories runs every example's dry run twice, from two copies of examples/ at
// different depths with different working directories (the first from above the examples directory,
// the second from inside it), and requires byte-identical canonical JSON plans that hold no absolute
// path of either copy, no time and no pid.
func TestPlanCanonAcrossDirectories(t *testing.T) {
	scripts, err := Discover([]string{filepath.Join("..", "examples")})
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	first := filepath.Join(t.TempDir(), "a")
	second := filepath.Join(t.TempDir(), "deeper", "b", "c")
	for _, dst := range []string{first, second} {
		copyTree(t, filepath.Join("..", "examples"), filepath.Join(dst, "examples"))
	}
	for _, script := range scripts {
		name, _ := filepath.Rel(filepath.Join("..", "examples"), script)
		t.Run(name, func(t *testing.T) {
			one, err1 := planJSON(t, first, filepath.Join("examples", name))
			two, err2 := planJSON(t, filepath.Join(second, "examples", filepath.Dir(name)), filepath.Base(name))
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("one run failed, the other did not: %v / %v", err1, err2)
			}
			if err1 != nil { // a batch example on the local launcher: the failure must be as canonical
				if err1.Error() != err2.Error() || strings.Contains(err1.Error(), first) {
					t.Fatalf("errors differ between directories:\n%v\n%v", err1, err2)
				}
				return
			}
			if !bytes.Equal(one, two) {
				t.Fatalf("plans differ between directories:\n%s", unifiedDiff("from "+first, "from "+second, string(one), string(two)))
			}
			for _, leak := range []string{first, second, strings.TrimSuffix(os.TempDir(), "/") + "/"} {
				if bytes.Contains(one, []byte(leak)) {
					t.Errorf("plan holds the absolute path %s", leak)
				}
			}
			if regexp.MustCompile(`20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d`).Match(one) {
				t.Errorf("plan holds a date or time:\n%s", one)
			}
			var doc any
			if err := json.Unmarshal(one, &doc); err != nil {
				t.Fatalf("plan is not JSON: %v", err)
			}
			var canon bytes.Buffer
			enc := json.NewEncoder(&canon) // map keys sorted
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(doc); err != nil || !bytes.Equal(canon.Bytes(), one) {
				t.Errorf("plan keys are not sorted or the layout is not canonical")
			}
		})
	}
}

// planJSON runs script's dry run from directory dir and returns the canonical JSON plan.
func planJSON(t *testing.T, dir, script string) ([]byte, error) {
	t.Chdir(dir)
	var plan bytes.Buffer
	err := host.Run(context.Background(), host.Options{Script: script, DryRun: true, PlanFormat: host.PlanJSON, Stdout: &plan, Stderr: io.Discard})
	return plan.Bytes(), err
}

// copyTree copies the directory src to dst with cp -a (modes and symlinks kept).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}
