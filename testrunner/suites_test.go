package testrunner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRepositorySuites runs the repository's testdata/ suites as `ssrun test testdata/` does (goldens,
// test functions, directives) so `go test` alone catches a regression of the Starlark API, and checks
// that dry runs leave testdata/ untouched. (`make test` also runs `ssrun test testdata/ examples/`
// through the binary.)
func TestRepositorySuites(t *testing.T) {
	root := filepath.Join("..", "testdata")
	before := listTree(t, root)
	var out bytes.Buffer
	sum, err := Run(context.Background(), Config{Paths: []string{root}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed > 0 || sum.Passed == 0 {
		t.Fatalf("%d passed, %d failed:\n%s", sum.Passed, sum.Failed, out.String())
	}
	if diff := cmp.Diff(before, listTree(t, root)); diff != "" {
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
