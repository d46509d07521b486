// Package wlmtest holds what the scheduler launchers' tests share: recording fake scheduler commands on
// PATH, and an experiment wired to a launcher under test. It is imported by _test.go files only.
package wlmtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/launchers/wlm"
	"github.com/ssrun/ssrun/runtime"
)

// FakeScheduler puts the recording fake commands of the calling package's testdata/fakebin first on
// PATH and points them, through stateVar, at a fresh directory where they keep their state and the
// calls they received; it returns that directory.
func FakeScheduler(t *testing.T, stateVar string) string {
	t.Helper()
	bin, err := filepath.Abs("testdata/fakebin")
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv(stateVar, state)
	return state
}

// Experiment makes an experiment named after the launcher in a temporary directory, closed when the
// test ends.
func Experiment(t *testing.T, l *wlm.Launcher) *runtime.Experiment {
	t.Helper()
	dir := t.TempDir()
	exp, err := runtime.NewExperiment(l.Name(), dir, l.Name(), runtime.Options{Cwd: dir, Launcher: l})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exp.Close() })
	return exp
}

// ShellSettings runs script with /bin/sh under a literal run command (/bin/env), so batch members run
// as plain processes inside the fake scheduler's job.
func ShellSettings(t *testing.T, exp *runtime.Experiment, script string) *runtime.RunSettings {
	t.Helper()
	rs, err := exp.CreateRunSettings(runtime.RunSettingsArgs{Exe: "/bin/sh", ExeArgs: []string{"-c", script}, RunCommand: "/bin/env"})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// Calls are the command lines the fake scheduler received, in order.
func Calls(t *testing.T, state string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "calls"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}
