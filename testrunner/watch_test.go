package testrunner

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWatchRerunsAffectedScripts drives watch mode as an author does: edit an attached input file
// (outside the suite directory), a loaded module, a script; add a new script; and checks after each
// change that exactly the affected scripts ran again.
func TestWatchRerunsAffectedScripts(t *testing.T) {
	root := t.TempDir()
	suiteDir := filepath.Join(root, "suite")
	writeFiles(t, root, map[string]string{
		"inputs/in.txt": "x = ;x;\n",
		"suite/_lib.star": `def settings(exp):
    return exp.create_run_settings(exe="echo")
`,
		"suite/a.star": `load("_lib.star", "settings")
exp = Experiment("a", launcher="local")
ens = exp.create_ensemble("e", params={"x": [1, 2]}, run_settings=settings(exp))
ens.attach_generator_files(to_configure=["../inputs/in.txt"])
exp.generate(ens)
`,
		"suite/b.star": "x = 1\n",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, Config{Paths: []string{suiteDir}}, &out) }()

	a, b, c := filepath.Join(suiteDir, "a.star"), filepath.Join(suiteDir, "b.star"), filepath.Join(suiteDir, "c.star")
	round := waitRound(t, &out, 0)
	wantRan(t, round, []string{a, b}, "2 passed, 0 failed")

	writeFiles(t, root, map[string]string{"inputs/in.txt": "x = ;x; changed\n"})
	round = waitRound(t, &out, 1)
	wantRan(t, round, []string{a}, "1 passed, 0 failed")
	if !strings.Contains(round, "changed: "+filepath.Join(root, "inputs", "in.txt")) {
		t.Fatalf("round does not name the changed file:\n%s", round)
	}

	writeFiles(t, root, map[string]string{"suite/_lib.star": "def settings(exp):\n    return exp.create_run_settings(exe=\"true\")\n"})
	wantRan(t, waitRound(t, &out, 2), []string{a}, "1 passed, 0 failed")

	writeFiles(t, root, map[string]string{"suite/b.star": "fail(\"broken\")\n"})
	round = waitRound(t, &out, 3)
	wantRan(t, round, []string{b}, "0 passed, 1 failed")
	if !strings.Contains(round, "broken") {
		t.Fatalf("failure not reported:\n%s", round)
	}

	writeFiles(t, root, map[string]string{"suite/c.star": "y = 2\n"})
	wantRan(t, waitRound(t, &out, 4), []string{c}, "1 passed, 0 failed")

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Watch returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

// waitRound waits until out holds round n+1 (rounds end with the summary line) and returns round n.
func waitRound(t *testing.T, out *syncBuffer, n int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		rounds := strings.SplitAfter(out.String(), " failed\n")
		if len(rounds) > n+1 { // the text after the last summary is the next round, maybe empty
			return rounds[n]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no round %d after 10s; output:\n%s", n, out.String())
	return ""
}

// wantRan checks the tests reported in a round and its summary line.
func wantRan(t *testing.T, round string, scripts []string, summary string) {
	t.Helper()
	if got := names(round); strings.Join(got, " ") != strings.Join(scripts, " ") {
		t.Fatalf("round ran %q, want %q:\n%s", got, scripts, round)
	}
	if !strings.HasSuffix(round, summary+"\n") {
		t.Fatalf("round does not end with %q:\n%s", summary, round)
	}
}

// TestWatchBadPath fails fast on a path that does not exist.
func TestWatchBadPath(t *testing.T) {
	err := Watch(context.Background(), Config{Paths: []string{filepath.Join(t.TempDir(), "missing")}}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Watch on a missing path: %v", err)
	}
}
