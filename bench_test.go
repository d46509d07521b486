package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkEnsemble1000 generates and runs a 1,000-member ensemble of `true` through the ssrun CLI, and
// in the same run times the baseline: `xargs -P2 -n1 true` running the same 1,000 commands. It reports both
// and their ratio (ssrun / xargs).
//
//	go test -run '^$' -bench Ensemble1000 -benchtime 3x .
func BenchmarkEnsemble1000(b *testing.B) {
	dir := b.TempDir()
	script := `exp = Experiment("bench")
rs = exp.create_run_settings(exe="true")
ens = exp.create_ensemble("ens", replicas=1000, run_settings=rs)
exp.generate(ens, overwrite=True)
exp.start(ens, block=True)
`
	if err := os.WriteFile(filepath.Join(dir, "bench.star"), []byte(script), 0o644); err != nil {
		b.Fatal(err)
	}
	// One input line per job: xargs runs `true LINE`, an exec without a shell like ssrun's.
	commands := strings.Repeat("x\n", 1000)
	var ssrunTime, xargsTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cmd := exec.Command(ssrunBin, "-q", "bench.star")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ssrun: %v\n%s", err, out)
		}
		ssrunTime += time.Since(start)

		start = time.Now()
		xargs := exec.Command("xargs", "-P2", "-n1", "true")
		xargs.Stdin = strings.NewReader(commands)
		if out, err := xargs.CombinedOutput(); err != nil {
			b.Fatalf("xargs: %v\n%s", err, out)
		}
		xargsTime += time.Since(start)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(ssrunTime.Seconds()/n, "ssrun-s/op")
	b.ReportMetric(xargsTime.Seconds()/n, "xargs-s/op")
	b.ReportMetric(ssrunTime.Seconds()/xargsTime.Seconds(), "ratio")
	fmt.Fprintf(os.Stderr, "1000 x true: ssrun %.2fs, xargs -P2 %.2fs, ratio %.2f\n",
		ssrunTime.Seconds()/n, xargsTime.Seconds()/n, ssrunTime.Seconds()/xargsTime.Seconds())
}
