package host

import (
	"errors"
	"fmt"
	"io"

	"go.starlark.net/starlark"
)

// Exit codes of `ssrun` (docs/design.md §2).
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// UsageError is a mistake on the command line (bad flag value, missing script); exit code 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// ErrInterrupted reports a run stopped by SIGINT/SIGTERM after every launched job was stopped.
var ErrInterrupted = errors.New("interrupted: every job launched by this run was stopped")

// ExitCode maps a Run error to the process exit code.
func ExitCode(err error) int {
	var usage *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrInterrupted):
		return ExitInterrupted
	case errors.As(err, &usage):
		return ExitUsage
	default:
		return ExitFailure
	}
}

// Report writes err for a person: the Starlark backtrace (file:line:col of every frame, then the
// message) for script errors, one line otherwise.
func Report(w io.Writer, err error) {
	if err == nil {
		return
	}
	var evalErr *starlark.EvalError
	if errors.As(err, &evalErr) {
		fmt.Fprintln(w, evalErr.Backtrace())
		return
	}
	fmt.Fprintf(w, "ssrun: %v\n", err)
}
