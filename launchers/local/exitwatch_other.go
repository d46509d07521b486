//go:build unix && !linux

package local

import "syscall"

// exitWatch has no pidfd outside Linux: the exit is learnt by reaping, and leftovers of a job's process
// group are not killed after its leader exits, since the group id may already belong to someone else.
type exitWatch struct{}

func (w *exitWatch) configure(attr *syscall.SysProcAttr) {}
func (w *exitWatch) arm()                                {}
func (w *exitWatch) wait() bool                          { return false }
func (w *exitWatch) release()                            {}
