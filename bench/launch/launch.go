// Package launch measures how fast ssrun's local launcher starts and reaps a large ensemble, side by
// side with the baselines an HPC user would reach for: `xargs -P` running the same commands, and a
// bare os/exec loop (the floor for any Go launcher).
package launch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/local"
)

// Command is what every member runs: `true`, so the figures are launch and reap cost, not work.
const Command = "true"

// LocalEnsemble launches n members through launchers/local all at once and waits for all of them.
// With outDir set, each member writes to its own .out/.err files there, as ssrun's members do.
func LocalEnsemble(n int, outDir string) (time.Duration, error) {
	l := local.New(local.Options{})
	defer l.Close()
	env := os.Environ()
	start := time.Now()
	handles := make([]launchers.Handle, 0, n)
	for i := range n {
		job := launchers.Job{Name: fmt.Sprintf("ens_%d", i), Argv: []string{Command}, Env: env}
		if outDir != "" {
			job.Stdout = filepath.Join(outDir, job.Name+".out")
			job.Stderr = filepath.Join(outDir, job.Name+".err")
		}
		h, err := l.Launch(context.Background(), job)
		if err != nil {
			return 0, err
		}
		handles = append(handles, h)
	}
	for _, h := range handles {
		<-h.Done()
		if r := h.Result(); r.Status != launchers.StatusCompleted {
			return 0, fmt.Errorf("member %s ended %s (%d)", h.ID(), r.Status, r.ExitCode)
		}
	}
	return time.Since(start), nil
}

// OSExec is the floor: exec.Command + Start for each member and one goroutine blocked in Wait per
// member, with no process groups, no status tracking and no output files.
func OSExec(n int) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		cmd := exec.Command(Command)
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// Xargs runs the same n commands with `xargs -P parallel` (0: as many at once as possible).
func Xargs(n, parallel int) (time.Duration, error) {
	lines := strings.Repeat("x\n", n)
	cmd := exec.Command("xargs", "-P", fmt.Sprint(parallel), "-I{}", Command)
	cmd.Stdin = strings.NewReader(lines)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("xargs -P%d: %w", parallel, err)
	}
	return time.Since(start), nil
}

// SleepingEnsemble launches n members that each sleep for d through launchers/local (viaLauncher) or
// a bare os/exec loop, and waits for all: members that are alive together, as a real ensemble's are,
// show what waiting costs in OS threads.
func SleepingEnsemble(n int, d time.Duration, viaLauncher bool) error {
	argv := []string{"sleep", fmt.Sprintf("%.3f", d.Seconds())}
	if !viaLauncher {
		var wg sync.WaitGroup
		for range n {
			cmd := exec.Command(argv[0], argv[1:]...)
			if err := cmd.Start(); err != nil {
				return err
			}
			wg.Go(func() { cmd.Wait() })
		}
		wg.Wait()
		return nil
	}
	l := local.New(local.Options{})
	defer l.Close()
	handles := make([]launchers.Handle, 0, n)
	for i := range n {
		h, err := l.Launch(context.Background(), launchers.Job{Name: fmt.Sprint(i), Argv: argv})
		if err != nil {
			return err
		}
		handles = append(handles, h)
	}
	for _, h := range handles {
		<-h.Done()
	}
	return nil
}
