package colocated

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// runProgram runs the model's program with env, its standard streams the wrapper's own, and returns
// its exit code: its own, 128+N when signal N killed it, 126/127 when it cannot be executed or found.
// SIGINT and SIGTERM received by the wrapper are forwarded to it. A signal that arrived while the
// database was starting (pending) means the program does not start at all.
func runProgram(argv, env []string, sigs <-chan os.Signal, pending <-chan os.Signal, stderr io.Writer) int {
	select {
	case sig := <-pending:
		return 128 + int(sig.(syscall.Signal))
	default:
	}
	path, err := lookPath(argv[0])
	if err != nil {
		fmt.Fprintf(stderr, "ssrun colocated: %v\n", err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return exitNotFound
		}
		return exitCannotExecute
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Its own process group, so that a signal reaches it once, forwarded by the wrapper, also when the
	// launcher signals the wrapper's whole group; it dies with the wrapper if the wrapper is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "ssrun colocated: cannot run %s: %v\n", argv[0], err)
		return exitCannotExecute
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	return exitCode(cmd.ProcessState, err)
}

// lookPath finds the program as execvp would (the program's PATH is the wrapper's); a name without a
// slash found only through "." in PATH is accepted as a shell would take it.
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrDot) {
		return p, nil
	}
	return p, err
}

// exitCode is the shell's view of how a process ended.
func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return exitCannotExecute
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
