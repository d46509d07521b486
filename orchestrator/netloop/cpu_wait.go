package netloop

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// A loop is one thread. On a machine with cores to spare that is its strength (no hand-offs between
// threads); on one whose cores its clients already fill, the kernel's fair scheduler gives that one
// thread a share of a core, where goroutines spread over every core Go is given would get more. The
// loop measures which case it is in: how long its thread waited on a run queue, ready to run, for
// each second it ran or waited (the second number of /proc/thread-self/schedstat, kept by the kernel
// with CONFIG_SCHED_INFO, which Debian's and most distributions' kernels have).

// cpuWait follows the run-queue wait of the loop's thread between two ticks.
type cpuWait struct {
	path     string // /proc/thread-self/schedstat, read on the loop's own (locked) thread
	lastWait time.Duration
	lastAt   time.Time
	share    atomic.Uint64 // math.Float64bits of the last share; 0 until two readings
}

// sample reads the thread's run-queue wait at now and updates the share since the last sample.
func (w *cpuWait) sample(now time.Time) {
	wait, ok := readRunDelay(w.path)
	if !ok {
		return
	}
	if !w.lastAt.IsZero() {
		if elapsed := now.Sub(w.lastAt); elapsed > 0 {
			share := min(1, max(0, float64(wait-w.lastWait)/float64(elapsed)))
			w.share.Store(math.Float64bits(share))
		}
	}
	w.lastWait, w.lastAt = wait, now
}

// readRunDelay returns the run_delay field of a schedstat file (nanoseconds spent runnable, waiting
// for a CPU); false when the kernel keeps none.
func readRunDelay(path string) (time.Duration, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	fields := bytes.Fields(b)
	if len(fields) < 2 {
		return 0, false
	}
	ns, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ns), true
}

// CPUWaitShare is the fraction of the last tick (0 to 1) the loop's thread spent ready to run but
// waiting for a CPU: near 0 when the loop has a core to itself, a third when it shares two cores
// with two busy client threads. It is 0 for a loop without ticks, and where the kernel keeps no
// scheduler statistics.
func (l *Loop) CPUWaitShare() float64 {
	return math.Float64frombits(l.cpuWait.share.Load())
}
