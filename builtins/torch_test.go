package builtins_test

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/builtins"
)

// TestTorchPlaceholderHasTheDatabaseNames checks that the driver's torch knows the same names as the
// database's (so a typo shows as a missing attribute in both places) and that calling one explains
// where it runs.
func TestTorchPlaceholderHasTheDatabaseNames(t *testing.T) {
	thread := &starlark.Thread{Name: "torch"}
	env := starlark.StringDict{"torch": builtins.Torch}
	v, err := starlark.EvalOptions(&syntax.FileOptions{}, thread, "names", `"matmul" in dir(torch) and "softmax" in dir(torch) and "float32" in dir(torch)`, env)
	if err != nil || v != starlark.True {
		t.Errorf("dir(torch) lacks database names: %v %v", v, err)
	}
	_, err = starlark.EvalOptions(&syntax.FileOptions{}, thread, "call", "torch.neg(1)", env)
	if err == nil || !strings.Contains(err.Error(), "torch.neg runs only inside the database") {
		t.Errorf("calling torch.neg in the driver: %v", err)
	}
	_, err = starlark.EvalOptions(&syntax.FileOptions{}, thread, "typo", "torch.negate", env)
	if err == nil || !strings.Contains(err.Error(), "has no .negate field or method") {
		t.Errorf("torch.negate in the driver: %v", err)
	}
}
