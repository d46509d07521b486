package testrunner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnifiedDiffMatchesDiffU compares the hunks of unifiedDiff with those of GNU `diff -u` on edits
// that exercise context merging, changes at both ends, insertions only, deletions only and a missing
// final newline. Hunk bodies and @@ headers must be identical.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	diffTool, err := exec.LookPath("diff")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("diff (diffutils) is not installed")
		}
		t.Skip("diff (diffutils) is not installed")
	}
	base := make([]string, 30)
	for i := range base {
		base[i] = "line " + string(rune('a'+i%26)) + strings.Repeat("x", i)
	}
	join := func(lines []string) string { return strings.Join(lines, "\n") + "\n" }
	edit := func(f func(l []string) []string) string {
		return join(f(append([]string(nil), base...)))
	}
	cases := map[string][2]string{
		"one change":       {join(base), edit(func(l []string) []string { l[10] = "changed"; return l })},
		"close changes":    {join(base), edit(func(l []string) []string { l[10], l[15] = "c1", "c2"; return l })},
		"far changes":      {join(base), edit(func(l []string) []string { l[2], l[25] = "c1", "c2"; return l })},
		"first and last":   {join(base), edit(func(l []string) []string { l[0], l[29] = "first", "last"; return l })},
		"insert only":      {join(base), edit(func(l []string) []string { return append(l[:5], append([]string{"new1", "new2"}, l[5:]...)...) })},
		"delete only":      {join(base), edit(func(l []string) []string { return append(l[:20], l[23:]...) })},
		"from empty":       {"", "a\nb\n"},
		"to empty":         {"a\nb\n", ""},
		"no final newline": {"a\nb\n", "a\nb"},
	}
	dir := t.TempDir()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			writeFiles(t, dir, map[string]string{"a": c[0], "b": c[1]})
			want, _ := exec.Command(diffTool, "-u", a, b).Output() // exit 1: files differ
			got := unifiedDiff(a, b, c[0], c[1])
			if body(got) != body(string(want)) {
				t.Fatalf("unifiedDiff:\n%s\ndiff -u:\n%s", got, want)
			}
		})
	}
	if d := unifiedDiff("a", "b", "same\n", "same\n"); d != "" {
		t.Fatalf("equal texts gave a diff: %q", d)
	}
}

// body drops the ---/+++ header lines (diff -u adds timestamps).
func body(diff string) string {
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 2 {
		return diff
	}
	return strings.Join(lines[2:], "")
}
