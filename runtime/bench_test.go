package runtime

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/launchers/local"
)

// BenchmarkEnsemble1000 generates and runs (blocking) a 1,000-member ensemble of `true` through the
// runtime and the local launcher, and in the same run times `xargs -P2` and `xargs -P0` running the
// same 1,000 commands. It reports both and the ratio (ssrun / xargs -P2).
func BenchmarkEnsemble1000(b *testing.B) {
	const n = 1000
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true on PATH")
	}
	var ssrun, gen, xargs2, xargs0 time.Duration
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		l := local.New(local.Options{})
		exp, err := NewExperiment("bench", "", "local", Options{Cwd: dir, Launcher: l, Log: testLogger(discard{})})
		if err != nil {
			b.Fatal(err)
		}
		rs, _ := exp.CreateRunSettings(RunSettingsArgs{Exe: truePath})
		ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Replicas: n})
		start := time.Now()
		if err := exp.Generate([]Entity{ens}, GenerateOptions{}); err != nil {
			b.Fatal(err)
		}
		gen += time.Since(start)
		if err := exp.Start(context.Background(), []Entity{ens}, StartOptions{Block: true}); err != nil {
			b.Fatal(err)
		}
		ssrun += time.Since(start)
		exp.Close()
		l.Close()
		xargs2 += timeXargs(b, truePath, n, "2")
		xargs0 += timeXargs(b, truePath, n, "0")
	}
	b.ReportMetric(ssrun.Seconds()/float64(b.N), "ssrun-s")
	b.ReportMetric(gen.Seconds()/float64(b.N), "generate-s")
	b.ReportMetric(xargs2.Seconds()/float64(b.N), "xargs-P2-s")
	b.ReportMetric(xargs0.Seconds()/float64(b.N), "xargs-P0-s")
	b.ReportMetric(ssrun.Seconds()/xargs2.Seconds(), "ratio-vs-P2")
}

func timeXargs(b *testing.B, truePath string, n int, parallel string) time.Duration {
	input := strings.Repeat("x\n", n)
	cmd := exec.Command("xargs", "-P"+parallel, "-n1", truePath) // `true x`, n times, no shell
	cmd.Stdin = strings.NewReader(input)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
