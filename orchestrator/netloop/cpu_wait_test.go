package netloop

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The share is the run-queue wait between two samples over the wall time between them, read from
// schedstat's second field, and clamped to [0, 1].
func TestCPUWaitShare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "schedstat")
	write := func(content string) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := &Loop{cpuWait: cpuWait{path: path}}
	at := time.Unix(1000, 0)
	write("5000000000 1000000000 700\n")
	l.cpuWait.sample(at)
	if got := l.CPUWaitShare(); got != 0 {
		t.Fatalf("share after one sample = %v, want 0", got)
	}
	write("5100000000 1030000000 720\n") // 30 ms waited in a 100 ms tick
	l.cpuWait.sample(at.Add(100 * time.Millisecond))
	if got := l.CPUWaitShare(); got < 0.299 || got > 0.301 {
		t.Errorf("share = %v, want 0.3", got)
	}
	write("5200000000 1530000000 740\n") // more than the tick: clamped
	l.cpuWait.sample(at.Add(200 * time.Millisecond))
	if got := l.CPUWaitShare(); got != 1 {
		t.Errorf("share = %v, want 1", got)
	}
	write("garbage") // unreadable: the last share stays
	l.cpuWait.sample(at.Add(300 * time.Millisecond))
	if got := l.CPUWaitShare(); got != 1 {
		t.Errorf("share after an unreadable sample = %v, want 1", got)
	}
}

// A running loop reads its own thread's statistics on each tick, where the kernel keeps them.
func TestCPUWaitShareOfARunningLoop(t *testing.T) {
	if _, err := os.Stat("/proc/thread-self/schedstat"); err != nil {
		t.Skip("the kernel keeps no scheduler statistics")
	}
	var l *Loop
	sampled := make(chan time.Time, 100) // when each tick's sample was taken, read on the loop's goroutine
	l, err := New(Options{Tick: 5 * time.Millisecond, OnTick: func() { sampled <- l.cpuWait.lastAt }})
	if err != nil {
		t.Fatal(err)
	}
	go l.Run()
	defer l.Close()
	first, second := <-sampled, <-sampled
	if first.IsZero() || !second.After(first) {
		t.Errorf("samples at %v then %v: the loop did not read its thread's statistics on each tick", first, second)
	}
	if got := l.CPUWaitShare(); got < 0 || got > 1 {
		t.Errorf("share = %v, want within [0, 1]", got)
	}
}
