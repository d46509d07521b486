package host

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

// progressDriver: an ensemble of three members, one failing, the others taking about a second, so a
// blocking start shows at least the start and the end of the wait.
const progressDriver = `exp = Experiment("p", launcher="local")
rs = exp.create_run_settings(exe="sh", exe_args=["-c", "sleep 1.2; exit $0"])
ens = exp.create_ensemble("ens", params={"rc": [0, 3, 0]}, params_as_args=["rc"], run_settings=rs)
exp.start(ens, block=True)
`

// TestProgressLineOnTerminal: on a terminal, a blocking start redraws one line in place (carriage
// return, erase) with the counts and the clock, log lines are written above it, and the line is gone
// when the wait ends; off a terminal, or with -q, nothing but the log is written.
func TestProgressLineOnTerminal(t *testing.T) {
	f := newFixture(t)
	f.file("p.star", strings.ReplaceAll(progressDriver, `"sleep 1.2; exit $0"`, `"sleep 1.2; exit ${0#--rc=}"`))
	terminal := func(io.Writer) bool { return true }
	_, stderr, err := f.run("p.star", Options{IsTerminal: terminal})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, want := range []string{
		eraseLine + "ens: 0/3 completed, 3 running, 0 failed, 00:00 elapsed",
		"ens: 2/3 completed, 0 running, 1 failed, 00:01 elapsed",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%q", want, stderr)
		}
	}
	if !strings.HasSuffix(stderr, "elapsed"+eraseLine) {
		t.Errorf("the progress line is not cleared at the end:\n%q", stderr)
	}
	// A log line written while the progress line is shown starts on a clean line and the progress
	// line is drawn again after it.
	if i := strings.Index(stderr, "INFO ens_0("); i < 0 || !strings.HasSuffix(stderr[:i], eraseLine) {
		t.Errorf("a job's log line does not erase the progress line first:\n%q", stderr)
	}
	for name, opts := range map[string]Options{"not a terminal": {}, "-q": {IsTerminal: terminal, LogLevel: slog.LevelWarn}} {
		_, stderr, err := f.run("p.star", opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(stderr, "\r") || strings.Contains(stderr, "elapsed") {
			t.Errorf("%s: progress written:\n%q", name, stderr)
		}
	}
}
