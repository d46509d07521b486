package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// withProfiles runs fn under the profiles the environment asks for, for the benchmarks of bench/
// (issue 14): SSRUN_CPUPROFILE=PATH writes a CPU profile of the whole run; SSRUN_MEMPROFILE=PATH writes
// the heap profile taken when the live heap was at its largest (checked every 50 ms), since the peak,
// not the end of a run, is what bounds a driver's memory. Unset, they cost nothing.
func withProfiles(fn func() int) int {
	if path := os.Getenv("SSRUN_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ssrun: SSRUN_CPUPROFILE: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "ssrun: SSRUN_CPUPROFILE: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if path := os.Getenv("SSRUN_MEMPROFILE"); path != "" {
		stop := peakHeapProfile(path)
		defer stop()
	}
	return fn()
}

// peakHeapProfile samples the live heap and keeps the heap profile of its highest point; the returned
// function stops sampling and writes that profile to path.
func peakHeapProfile(path string) (stop func()) {
	runtime.MemProfileRate = 64 * 1024
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var (
		mu   sync.Mutex
		peak uint64
		best bytes.Buffer
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	take := func() {
		metrics.Read(sample)
		if live := sample[0].Value.Uint64(); live > peak+peak/20 || best.Len() == 0 {
			peak = live
			best.Reset()
			pprof.Lookup("heap").WriteTo(&best, 0)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				mu.Lock()
				take()
				mu.Unlock()
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		take()
		if err := os.WriteFile(path, best.Bytes(), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "ssrun: SSRUN_MEMPROFILE: %v\n", err)
		}
	}
}
