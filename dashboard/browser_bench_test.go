package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ssrun/ssrun/dashboard/scalefixture"
	"github.com/ssrun/ssrun/internal/ssruntest"
)

// BenchmarkBrowser measures what a person waits for, in headless Chromium, on the scale fixture:
// the dashboard's first contentful paint, DOMContentLoaded, load, and when the member table shows its
// first rows (all from the Performance API, ms since navigation start); how long a member's status
// change on disk takes to show on the open page; and `ssrun report`'s time, size and paint. Each
// binary of SSRUN_BENCH_BINS ("name=path,name=path"; default: this tree, built) is measured on the
// same experiments in the same run, so a baseline build (bench/dashboard/run.sh builds the last
// commit before the paged dashboard) is compared side by side. Not part of `make test`:
//
//	go test -run '^$' -bench Browser -benchtime 1x ./dashboard      (or make bench-dashboard)
//
// SSRUN_BENCH_MEMBERS (default 1000,10000) are the sizes, SSRUN_BENCH_RUNS (default 3) the loads per
// figure (medians), SSRUN_BENCH_TIMEOUT (default 180s) how long one load may take before it is
// reported as not painted.
func BenchmarkBrowser(b *testing.B) {
	chromium := findChromiumTB(b)
	bins := benchBins(b)
	sizes := benchInts(b, "SSRUN_BENCH_MEMBERS", "1000,10000")
	runs := benchInts(b, "SSRUN_BENCH_RUNS", "3")[0]
	timeout := 180 * time.Second
	if v := os.Getenv("SSRUN_BENCH_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("SSRUN_BENCH_TIMEOUT=%s: %v", v, err)
		}
		timeout = d
	}
	ctx := benchBrowser(b, chromium)
	for _, n := range sizes {
		dir := filepath.Join(b.TempDir(), fmt.Sprintf("exp-%d", n))
		completed, err := scalefixture.Encode(dir, n, false)
		if err != nil {
			b.Fatal(err)
		}
		failed, err := scalefixture.Encode(dir, n, true)
		if err != nil {
			b.Fatal(err)
		}
		for _, bin := range bins {
			if err := scalefixture.Replace(dir, completed); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("page/%s/members=%d", bin.name, n), func(b *testing.B) {
				url := startDashboard(b, bin.path, dir)
				loads := measurePaints(b, ctx, url, runs, timeout)
				reportPaints(b, loads)
				if loads[len(loads)-1].Rows >= 0 { // a page to watch
					b.ReportMetric(msOf(updateLatency(b, ctx, dir, failed, completed, timeout)), "update-ms")
				}
				b.ReportMetric(float64(peakRSS(b, url))/1024, "server-MiB")
			})
			b.Run(fmt.Sprintf("report/%s/members=%d", bin.name, n), func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "report.html")
				start := time.Now()
				if msg, err := exec.Command(bin.path, "report", dir, "-o", out).CombinedOutput(); err != nil {
					b.Fatalf("%s report: %v\n%s", bin.name, err, msg)
				}
				b.ReportMetric(msOf(time.Since(start)), "write-ms")
				reportPaints(b, measurePaints(b, ctx, "file://"+out, runs, timeout))
			})
		}
	}
}

type benchBin struct{ name, path string }

// benchBins reads SSRUN_BENCH_BINS, else builds this tree.
func benchBins(b *testing.B) []benchBin {
	v := os.Getenv("SSRUN_BENCH_BINS")
	if v == "" {
		return []benchBin{{"new", ssruntest.BuildForTest(b, "ssrun-bench-")}}
	}
	var out []benchBin
	for _, kv := range strings.Split(v, ",") {
		name, path, ok := strings.Cut(kv, "=")
		if !ok {
			b.Fatalf("SSRUN_BENCH_BINS: %q is not name=path", kv)
		}
		if _, err := os.Stat(path); err != nil {
			b.Fatalf("SSRUN_BENCH_BINS: %v", err)
		}
		out = append(out, benchBin{name, path})
	}
	return out
}

func benchInts(b *testing.B, env, def string) []int {
	v := os.Getenv(env)
	if v == "" {
		v = def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("%s=%s: want positive integers separated by commas", env, v)
		}
		out = append(out, n)
	}
	return out
}

func findChromiumTB(tb testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	tb.Skip("chromium is not installed: run ci/setup-chromium.sh (apt-get install chromium)")
	return ""
}

// startDashboard runs `bin dashboard dir --port 0` until the benchmark ends and returns its URL.
func startDashboard(b *testing.B, bin, dir string) string {
	url, pid := runDashboard(b, bin, dir)
	dashboards = append(dashboards, struct {
		url string
		pid int
	}{url, pid})
	return url
}

// runDashboard starts `bin dashboard dir --port 0` as a user does, stops it (SIGINT) when tb ends, and
// returns the URL from its first line and its pid.
func runDashboard(tb testing.TB, bin, dir string) (string, int) {
	tb.Helper()
	cmd := exec.Command(bin, "dashboard", dir, "--port", "0")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	url := regexp.MustCompile(`http://[^ ]+/`).FindString(line)
	if err != nil || url == "" {
		tb.Fatalf("dashboard's first line %q: %v", line, err)
	}
	return url, cmd.Process.Pid
}

// paint is one page load as the Performance API saw it, in ms since navigation start (-1: did not
// happen within the timeout).
type paint struct {
	FCP, DCL, Load, Rows float64
	Bytes                float64 // the document's decoded size
}

// rowsProbe records, on every new document, the first animation frame in which a member table has a
// row: when the reader can see the first rows.
const rowsProbe = `window.__ssrunRows = -1;
(function probe() {
  if (document.querySelector("table.jobs tbody tr")) { window.__ssrunRows = performance.now(); return; }
  requestAnimationFrame(probe);
})();`

func measurePaint(b *testing.B, ctx context.Context, url string, timeout time.Duration) paint {
	b.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := chromedp.Do(c, chromedp.Navigate("about:blank"), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: rowsProbe})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: url})
		return err
	}))
	if err != nil {
		b.Fatal(err)
	}
	const probe = `(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  if (!nav || !fcp || window.__ssrunRows === undefined || window.__ssrunRows < 0 || nav.loadEventEnd === 0) return "";
  return JSON.stringify({FCP: fcp.startTime, DCL: nav.domContentLoadedEventEnd, Load: nav.loadEventEnd,
    Rows: Math.max(window.__ssrunRows, fcp.startTime), Bytes: nav.decodedBodySize});
})()`
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, cancel := context.WithTimeout(ctx, timeout)
		v, err := chromedp.Run(c, chromedp.Evaluate[string](probe))
		cancel()
		if err == nil && v != "" {
			var p paint
			if err := json.Unmarshal([]byte(v), &p); err != nil {
				b.Fatal(err)
			}
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Logf("%s: no first rows within %v", url, timeout)
	return paint{-1, -1, -1, -1, -1}
}

// measurePaints loads url runs times; a load that took over 20 s (or never painted) is not repeated:
// its order of magnitude is the finding, and the machine is shared.
func measurePaints(b *testing.B, ctx context.Context, url string, runs int, timeout time.Duration) []paint {
	var loads []paint
	for range runs {
		p := measurePaint(b, ctx, url, timeout)
		loads = append(loads, p)
		if p.Load < 0 || p.Load > 20000 {
			break
		}
	}
	return loads
}

// reportPaints reports the medians of the loads.
func reportPaints(b *testing.B, loads []paint) {
	med := func(f func(paint) float64) float64 {
		v := make([]float64, len(loads))
		for i, l := range loads {
			v[i] = f(l)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	b.ReportMetric(med(func(p paint) float64 { return p.FCP }), "fcp-ms")
	b.ReportMetric(med(func(p paint) float64 { return p.Rows }), "rows-ms")
	b.ReportMetric(med(func(p paint) float64 { return p.DCL }), "dcl-ms")
	b.ReportMetric(med(func(p paint) float64 { return p.Load }), "load-ms")
	b.ReportMetric(med(func(p paint) float64 { return p.Bytes })/1e6, "MB")
	b.ReportMetric(0, "ns/op") // the wall time of the whole sub-benchmark says nothing
}

// updateLatency puts the manifest with member 0 Failed in place and times until the open page shows
// it, then puts the first one back.
func updateLatency(b *testing.B, ctx context.Context, dir string, failed, completed []byte, timeout time.Duration) time.Duration {
	b.Helper()
	badge := `(() => { const a = [...document.querySelectorAll("a.open")].find(a => a.textContent === "ens_0");
  return a ? a.closest("tr").querySelector(".st .badge").textContent : ""; })()`
	start := time.Now()
	if err := scalefixture.Replace(dir, failed); err != nil {
		b.Fatal(err)
	}
	defer scalefixture.Replace(dir, completed)
	for time.Since(start) < timeout {
		c, cancel := context.WithTimeout(ctx, timeout)
		v, err := chromedp.Run(c, chromedp.Evaluate[string](badge))
		cancel()
		if err == nil && v == "Failed" {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Logf("ens_0 did not show Failed within %v", timeout)
	return -time.Millisecond
}

// peakRSS is the peak resident size (KiB) of the dashboard process serving url, from /proc.
func peakRSS(b *testing.B, url string) int {
	for _, p := range dashboards {
		if p.url == url {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
			if err != nil {
				b.Fatal(err)
			}
			for _, line := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
					return kb
				}
			}
		}
	}
	return 0
}

// dashboards are the dashboards the benchmark started (their URL and pid).
var dashboards []struct {
	url string
	pid int
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
