package dryrun

import "github.com/ssrun/ssrun/launchers"

// handle is a recorded job, finished from the start.
type handle struct {
	id   string
	done chan struct{}
}

// closedChannel is shared by every handle: all dry-run jobs are done as soon as they are launched.
var closedChannel = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

func newHandle(id string) *handle { return &handle{id: id, done: closedChannel} }

func (h *handle) ID() string            { return h.id }
func (h *handle) Done() <-chan struct{} { return h.done }

// Result is Completed with exit code 0: the plan assumes every step succeeds.
func (h *handle) Result() launchers.Result {
	return launchers.Result{Status: launchers.StatusCompleted, ExitCode: 0}
}

// Stop does nothing: the job is already finished.
func (h *handle) Stop() error { return nil }
