package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssrun/ssrun/internal/ssruntest"
	"github.com/ssrun/ssrun/status"
)

// The browser tests drive Debian's headless Chromium (ci/setup-chromium.sh) against `ssrun dashboard`
// on an experiment that is running, and against `ssrun report` after it ended, the way a user would:
// real ssrun processes, a real database with telemetry on, a real browser.

// findChromium returns the browser to drive; by hand without one the test skips and says how to get
// it, in CI it fails.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: ci/setup-chromium.sh installs it")
	}
	t.Skip("chromium is not installed: run ci/setup-chromium.sh (apt-get install chromium) to run the browser tests")
	return ""
}

// artifactDir is where screenshots go: $SSRUN_TEST_ARTIFACTS, else a fixed directory under the
// system's temporary directory, so they outlive the test.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("SSRUN_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ssrun-test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless Chromium with a fresh profile and no network chatter of its own.
func browser(t *testing.T, chromium string) context.Context { return benchBrowser(t, chromium) }

func benchBrowser(t testing.TB, chromium string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-timer-throttling", true), chromedp.Flag("disable-renderer-backgrounding", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now, with no timeout on this first run
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// eval evaluates a JS expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitJS waits until the JS expression is true, returning how long it took.
func waitJS(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not true after %v (last error %v): %s", what, timeout, err, expr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatal(err)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// liveDriver starts a database with telemetry on, then an ensemble whose members print a line, store
// a 256 KiB tensor (the memory chart rises) and wait for their gate file to appear before finishing,
// so the test decides when each one ends.
const liveDriver = `exp = Experiment("live", launcher="local")
db = exp.create_database(port=int(vars["port"]), db_identifier="tdb")
db.telemetry.enable()
exp.start(db)
script = "m=${0#--tag=}; echo started $m; \"$SSRUN\" client put-tensor --db-id tdb --dtype UINT8 --file \"$BLOB\" data_$m; while [ ! -e \"$GATE/$m\" ]; do sleep 0.05; done; echo finished $m"
rs = exp.create_run_settings(exe="sh", exe_args=["-c", script], env_vars={"GATE": vars["gate"], "SSRUN": vars["ssrun"], "BLOB": vars["blob"]})
ens = exp.create_ensemble("ens", params={"tag": ["alpha", "beta", "gamma"]}, params_as_args=["tag"], run_settings=rs)
exp.generate(ens, overwrite=True)
exp.start(ens, block=True)
exp.stop(db)
`

// memberStatuses reads the manifest as the test's own eyes on the disk: member name → status.
func memberStatuses(expDir string) map[string]string {
	out := map[string]string{}
	m, err := status.ReadManifest(status.ManifestPath(expDir))
	if err != nil {
		return out
	}
	for _, e := range m.Latest() {
		for _, j := range e.Jobs {
			out[j.Name] = j.Telemetry.Status
		}
	}
	return out
}

func waitDisk(t *testing.T, what string, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("on disk: %s did not happen within 30 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Now()
}

func TestBrowserDashboardAndReport(t *testing.T) {
	chromium := findChromium(t)
	bin := ssruntest.BuildForTest(t, "ssrun-browser-")
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	os.MkdirAll(gate, 0o755)
	script := filepath.Join(dir, "driver.star")
	os.WriteFile(script, []byte(liveDriver), 0o644)
	expDir := filepath.Join(dir, "live")

	// The experiment, as a user runs it.
	blob := filepath.Join(dir, "blob")
	os.WriteFile(blob, make([]byte, 256<<10), 0o644)
	driver := exec.Command(bin, "--telemetry-interval", "100ms", script, "--", "gate="+gate, "ssrun="+bin, "blob="+blob,
		fmt.Sprintf("port=%d", ssruntest.FreePort(t)))
	driverLog := &strings.Builder{}
	driver.Stdout, driver.Stderr = driverLog, driverLog
	if err := driver.Start(); err != nil {
		t.Fatal(err)
	}
	driverDone := make(chan error, 1)
	go func() { driverDone <- driver.Wait() }()
	defer func() {
		for _, m := range []string{"alpha", "beta", "gamma"} { // let the members end if the test failed early
			os.WriteFile(filepath.Join(gate, m), nil, 0o644)
		}
		select {
		case <-driverDone:
		case <-time.After(20 * time.Second):
			driver.Process.Kill()
		}
	}()
	waitDisk(t, "three members running", func() bool {
		s := memberStatuses(expDir)
		return s["ens_0"] == "Running" && s["ens_1"] == "Running" && s["ens_2"] == "Running"
	})

	// The dashboard, as a user starts it: port 0, address read from its first line.
	url, _ := runDashboard(t, bin, expDir)

	ctx := browser(t, chromium)
	do(t, ctx, chromedp.Navigate(url))
	waitJS(t, ctx, "the page connects to the event stream", `document.querySelector("#live.on") !== null`, 10*time.Second)
	names := eval[[]string](t, ctx, `[...document.querySelectorAll("a.open")].map(a => a.textContent)`)
	for _, want := range []string{"ens_0", "ens_1", "ens_2", "tdb_0"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("page lists %v, lacks %s", names, want)
		}
	}

	// The log tail shows the member's output.
	key0 := "run-001/ensemble/ens/ens_0"
	do(t, ctx, chromedp.Click(chromedp.CSS(`a.open[data-key="`+key0+`"]`)))
	waitJS(t, ctx, "ens_0's log tail", `(document.querySelector("#detail .log-out pre") || {}).textContent === "started alpha\n"`, 10*time.Second)

	// The shard's memory chart has points, and gains more while the page is open (collector CSVs change).
	do(t, ctx, chromedp.Click(chromedp.CSS(`a.open[data-key="run-000/orchestrator/tdb/tdb_0"]`)))
	points := `Number((document.querySelector("#detail .chart-memory svg") || {dataset: {}}).dataset.points || 0)`
	waitJS(t, ctx, "the shard's memory chart has points", points+` >= 2`, 10*time.Second)
	n := eval[int](t, ctx, points)
	waitJS(t, ctx, "the memory chart follows new samples", points+` > `+fmt.Sprint(n), 10*time.Second)
	if addr := eval[string](t, ctx, `document.querySelector("#detail dd.addr").textContent`); !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("shard address %q", addr)
	}

	// A member's end on disk shows on the page within 1 s.
	row := domID(0, "run-001/ensemble/ens/ens_1")
	badge := `document.querySelector("#` + row + ` .st .badge").textContent`
	if got := eval[string](t, ctx, badge); got != "Running" {
		t.Fatalf("ens_1 shows %q before its end", got)
	}
	os.WriteFile(filepath.Join(gate, "beta"), nil, 0o644)
	onDisk := waitDisk(t, "ens_1 completed in the manifest", func() bool { return memberStatuses(expDir)["ens_1"] == "Completed" })
	waitJS(t, ctx, "ens_1 shows Completed", badge+` === "Completed"`, 5*time.Second)
	latency := time.Since(onDisk)
	t.Logf("status change: on the page %v after the manifest showed it", latency.Round(time.Millisecond))
	if latency > time.Second {
		t.Errorf("the page showed ens_1's end %v after the disk did, want within 1 s", latency)
	}
	waitJS(t, ctx, "the timeline shows ens_1's end", `document.querySelectorAll("svg.gantt rect.bar.status-Completed").length === 1`, 5*time.Second)
	do(t, ctx, chromedp.Click(chromedp.CSS(`a.open[data-key="run-000/orchestrator/tdb/tdb_0"]`)))
	waitJS(t, ctx, "tdb_0 selected", points+` >= 2`, 10*time.Second)
	screenshot(t, ctx, "dashboard.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`a.open[data-key="`+key0+`"]`)))
	waitJS(t, ctx, "ens_0 selected", `(document.querySelector("#detail .log-out pre") || {}).textContent === "started alpha\n"`, 10*time.Second)

	// The driver ends; the page follows it to the end, then the report shows the same.
	os.WriteFile(filepath.Join(gate, "alpha"), nil, 0o644)
	os.WriteFile(filepath.Join(gate, "gamma"), nil, 0o644)
	select {
	case err := <-driverDone:
		if err != nil {
			t.Fatalf("driver: %v\n%s", err, driverLog)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("driver did not end:\n%s", driverLog)
	}
	driverDone <- nil // for the deferred cleanup
	waitJS(t, ctx, "every member completed on the page",
		`[...document.querySelectorAll("tr .st .badge")].filter(b => b.textContent === "Completed").length === 3`, 10*time.Second)
	waitJS(t, ctx, "ens_0's tail ends with its last line", `(document.querySelector("#detail .log-out pre") || {}).textContent === "started alpha\nfinished alpha\n"`, 10*time.Second)

	report := filepath.Join(dir, "report.html")
	if b, err := exec.Command(bin, "report", expDir, "-o", report).CombinedOutput(); err != nil {
		t.Fatalf("ssrun report: %v\n%s", err, b)
	}
	do(t, ctx, chromedp.Navigate("file://"+report))
	if n := eval[int](t, ctx, `document.scripts.length + document.querySelectorAll("link[rel=stylesheet]").length`); n != 0 {
		t.Errorf("report has %d scripts or external stylesheets", n)
	}
	statuses := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("table.jobs tbody tr")].map(tr => [tr.querySelector("a").textContent, tr.querySelector(".st").textContent]))`)
	want := map[string]string{"ens_0": "Completed", "ens_1": "Completed", "ens_2": "Completed", "tdb_0": "Cancelled"}
	if js, _ := json.Marshal(statuses); fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Errorf("report statuses %s, want %v", js, want)
	}
	if tail := eval[string](t, ctx, `document.getElementById("d-`+domID(0, "run-001/ensemble/ens/ens_2")+`").querySelector(".log-out pre").textContent`); tail != "started gamma\nfinished gamma\n" {
		t.Errorf("report's ens_2 log tail %q", tail)
	}
	if n := eval[int](t, ctx, `Number(document.querySelector(".chart-memory svg").dataset.points)`); n < 2 {
		t.Errorf("report's memory chart has %d points", n)
	}
	if bars := eval[int](t, ctx, `document.querySelectorAll("svg.gantt rect.bar.status-Completed").length`); bars != 3 {
		t.Errorf("report's timeline has %d Completed bars, want 3", bars)
	}
	screenshot(t, ctx, "report.png")
}
