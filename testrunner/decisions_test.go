package testrunner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/host"
)

// TestTagDecisionsInPlan checks docs/design.md §4's tag decisions end to end through the plan of
// testdata/design_decisions.star: the configured files' sha256 must be those of the text the decisions
// give (non-greedy matching, escaped tag, literal values, unknown tags stripped).
func TestTagDecisionsInPlan(t *testing.T) {
	run, err := host.RunTest(context.Background(), host.Options{Script: filepath.Join("..", "testdata", "design_decisions.star"), Stderr: io.Discard}, "")
	if err != nil {
		t.Fatal(err)
	}
	for file, text := range map[string]string{
		"$EXP/tags/tags.in":     "a \\1 b $& c unknown d\n", // from "a ;x; b ;y; c ;unknown; d"
		"$EXP/dots/dot_tags.in": "v = 1 and 2 and z\n",      // from "v = .x. and .y. and .z." with tag "."
	} {
		sum := sha256.Sum256([]byte(text))
		want := "write   " + file + " sha256:" + hex.EncodeToString(sum[:])[:12]
		if !strings.Contains(string(run.Plan), want) {
			t.Errorf("plan lacks %q (content %q):\n%s", want, text, run.Plan)
		}
	}
}
