package launch

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"
)

const members = 1000

// BenchmarkLaunch1000 launches a 1,000-member ensemble of `true` through launchers/local, and in the
// same iteration the same 1,000 commands through `xargs -P2`, `xargs -P0` and a bare os/exec loop.
// It reports each wall time in ms and the ratios local/xargs-P2 and local/os-exec (below 1 is faster).
func BenchmarkLaunch1000(b *testing.B) {
	var local, localFiles, osExec, xargs2, xargs0 time.Duration
	for b.Loop() {
		outDir := b.TempDir()
		local += measure(b, func() (time.Duration, error) { return LocalEnsemble(members, "") })
		localFiles += measure(b, func() (time.Duration, error) { return LocalEnsemble(members, outDir) })
		osExec += measure(b, func() (time.Duration, error) { return OSExec(members) })
		xargs2 += measure(b, func() (time.Duration, error) { return Xargs(members, 2) })
		xargs0 += measure(b, func() (time.Duration, error) { return Xargs(members, 0) })
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / n }
	b.ReportMetric(ms(local), "local-ms")
	b.ReportMetric(ms(localFiles), "local+files-ms")
	b.ReportMetric(ms(osExec), "os/exec-ms")
	b.ReportMetric(ms(xargs2), "xargs-P2-ms")
	b.ReportMetric(ms(xargs0), "xargs-P0-ms")
	b.ReportMetric(float64(local)/float64(xargs2), "local/xargs-P2")
	b.ReportMetric(float64(local)/float64(osExec), "local/os-exec")
}

func measure(b *testing.B, run func() (time.Duration, error)) time.Duration {
	b.Helper()
	d, err := run()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// TestHarness runs every measured path on a small ensemble, so the benchmark cannot rot unnoticed and
// each path is known to run all its members (every member leaves its output file).
func TestHarness(t *testing.T) {
	const n = 20
	dir := t.TempDir()
	if _, err := LocalEnsemble(n, dir); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("ens_%d.out", i))); err != nil {
			t.Errorf("member %d left no output file: %v", i, err)
		}
	}
	if _, err := OSExec(n); err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{2, 0} {
		if _, err := Xargs(n, p); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkThreads300 keeps 300 members alive for a second, first through launchers/local, then
// through a bare os/exec loop, and reports how many OS threads each made the Go runtime create: a
// launcher that blocks a thread in wait(2) per member needs one thread per live member. Go never
// frees idle threads, so only the first iteration is counted; run it with -benchtime=1x.
func BenchmarkThreads300(b *testing.B) {
	threads := pprof.Lookup("threadcreate")
	first := true
	for b.Loop() {
		before := threads.Count()
		if err := SleepingEnsemble(300, time.Second, true); err != nil {
			b.Fatal(err)
		}
		afterLocal := threads.Count()
		if err := SleepingEnsemble(300, time.Second, false); err != nil {
			b.Fatal(err)
		}
		if first {
			b.ReportMetric(float64(afterLocal-before), "local-threads")
			b.ReportMetric(float64(threads.Count()-afterLocal), "os/exec-threads")
			first = false
		}
	}
}
