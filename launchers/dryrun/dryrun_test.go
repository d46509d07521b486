package dryrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ssrun/ssrun/launchers"
)

func TestLaunchRecordsJobsInOrderAndCompletesThem(t *testing.T) {
	dir := t.TempDir()
	l := New()
	jobs := []launchers.Job{
		{Name: "sim_0", Argv: []string{"/bin/false"}, Dir: dir, Env: []string{"A=1"}, EnvDelta: []string{"A=1"},
			Stdout: filepath.Join(dir, "missing", "sim_0.out"), Stderr: filepath.Join(dir, "missing", "sim_0.err")},
		{Name: "sim_1", Argv: []string{"no-such-program", "--flag"}, Dir: filepath.Join(dir, "nowhere")},
	}
	for i, job := range jobs {
		h, err := l.Launch(context.Background(), job)
		if err != nil {
			t.Fatalf("launch %d: %v", i, err)
		}
		if want := []string{"dryrun-1", "dryrun-2"}[i]; h.ID() != want {
			t.Errorf("ID = %q, want %q", h.ID(), want)
		}
		select {
		case <-h.Done():
		default:
			t.Fatalf("job %d not done at once", i)
		}
		if got, want := h.Result(), (launchers.Result{Status: launchers.StatusCompleted}); got != want {
			t.Errorf("Result = %+v, want %+v", got, want)
		}
		if err := h.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	}
	if diff := cmp.Diff(jobs, l.Jobs()); diff != "" {
		t.Errorf("Jobs() mismatch (-want +got):\n%s", diff)
	}
	// Nothing was run or written: /bin/false did not fail the job, and no output directory appeared.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("dry run wrote %d entries under %s", len(entries), dir)
	}
}

func TestRecordsCannotBeChangedAfterTheFact(t *testing.T) {
	l := New()
	argv := []string{"echo", "a"}
	if _, err := l.Launch(context.Background(), launchers.Job{Name: "m", Argv: argv}); err != nil {
		t.Fatal(err)
	}
	argv[1] = "changed by caller"
	got := l.Jobs()
	got[0].Argv[0] = "changed by reader"
	if want := []string{"echo", "a"}; !cmp.Equal(l.Jobs()[0].Argv, want) {
		t.Errorf("recorded argv = %q, want %q", l.Jobs()[0].Argv, want)
	}
}

func TestRefusesInvalidJobsAndLaunchesAfterClose(t *testing.T) {
	l := New()
	if _, err := l.Launch(context.Background(), launchers.Job{Name: "empty"}); err == nil {
		t.Error("job without a command was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Launch(ctx, launchers.Job{Name: "m", Argv: []string{"true"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("launch with cancelled context: err = %v, want context.Canceled", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Launch(context.Background(), launchers.Job{Name: "m", Argv: []string{"true"}}); !errors.Is(err, launchers.ErrClosed) {
		t.Errorf("launch after Close: err = %v, want ErrClosed", err)
	}
	if n := len(l.Jobs()); n != 0 {
		t.Errorf("%d refused jobs were recorded", n)
	}
	if l.Name() != "dryrun" {
		t.Errorf("Name = %q", l.Name())
	}
}
