package runtime

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/dryrun"
	"github.com/ssrun/ssrun/launchers/local"
)

// logBuffer collects log lines for assertions; safe for the watcher goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newExp makes an experiment rooted in a fresh temporary directory with the given launcher
// ("local" → a real local launcher, "dryrun" → the recording one, "" → none).
func newExp(t *testing.T, kind string, mutate ...func(*Options)) (*Experiment, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	opts := Options{Cwd: t.TempDir(), Log: testLogger(logs)}
	var l launchers.Launcher
	switch kind {
	case "local":
		ll := local.New(local.Options{})
		t.Cleanup(func() { ll.Close() })
		l = ll
	case "dryrun":
		l = dryrun.New()
		opts.DryRun = true
	}
	opts.Launcher = l
	for _, m := range mutate {
		m(&opts)
	}
	exp, err := NewExperiment("exp", "", "local", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exp.Close() })
	return exp, logs
}

func mustRS(t *testing.T, exp *Experiment, exe string, args ...string) *RunSettings {
	t.Helper()
	rs, err := exp.CreateRunSettings(RunSettingsArgs{Exe: exe, ExeArgs: args})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func ints(vals ...string) ParamValue { return List(vals...) }

// wantErr checks err is an *Error of class whose message contains text.
func wantErr(t *testing.T, err error, class Class, text string) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("got error %v (%T), want %s containing %q", err, err, class, text)
	}
	if e.Class != class || !bytes.Contains([]byte(e.Msg), []byte(text)) {
		t.Fatalf("got %q, want %s containing %q", e.Error(), class, text)
	}
}

func memberParams(ens *Ensemble) []Params {
	var out []Params
	for _, m := range ens.Models() {
		out = append(out, m.Params)
	}
	return out
}
