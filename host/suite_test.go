package host

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSuites runs every testdata/*.star in dry run: each is an assert-style suite of the Starlark API
// (builtins and SmartSim's error cases). A failed assertion stops the script and fails the test with
// the script's backtrace. A dry run must leave testdata/ untouched.
func TestSuites(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("..", "testdata", "*.star"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no suites found: %v", err)
	}
	before := listTree(t, filepath.Join("..", "testdata"))
	for _, script := range scripts {
		t.Run(filepath.Base(script), func(t *testing.T) {
			var stderr bytes.Buffer
			err := Run(context.Background(), Options{Script: script, DryRun: true, Stdout: io.Discard, Stderr: &stderr})
			if err != nil {
				var bt bytes.Buffer
				Report(&bt, err)
				t.Fatalf("%s\nlog:\n%s", bt.String(), stderr.String())
			}
		})
	}
	if diff := cmp.Diff(before, listTree(t, filepath.Join("..", "testdata"))); diff != "" {
		t.Fatalf("dry runs wrote under testdata (-before +after):\n%s", diff)
	}
}

func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
