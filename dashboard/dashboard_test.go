package dashboard

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/host"
	"github.com/ssrun/ssrun/status"
)

// runDriver runs a real driver script (local launcher) in a new directory and returns the
// experiment directory it wrote.
func runDriver(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "driver.star")
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := host.Run(context.Background(), host.Options{Script: script, Stdout: io.Discard, Stderr: &stderr}); err != nil {
		t.Fatalf("running the driver: %v\n%s", err, stderr.String())
	}
	return filepath.Join(dir, "demo")
}

// demoDriver: an ensemble of three members that print their parameter, and a model that fails.
const demoDriver = `exp = Experiment("demo", launcher="local")
rs = exp.create_run_settings(exe="sh", exe_args=["-c", "echo member says $X"], env_vars={"X": "hello"})
ens = exp.create_ensemble("ens", params={"x": [1, 2, 3]}, run_settings=rs)
bad = exp.create_model("bad", exp.create_run_settings(exe="sh", exe_args=["-c", "echo oops >&2; exit 3"]))
exp.generate(ens, bad, overwrite=True)
exp.start(ens, bad, block=True)
`

func newTestServer(t *testing.T, dirs ...string) (*Server, *httptest.Server) {
	t.Helper()
	s, err := NewServer(dirs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.loopbackOnly = true
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestPageListsJobsOfRealRun(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	_, ts := newTestServer(t, expDir)
	code, page := get(t, ts.URL+"/")
	if code != 200 {
		t.Fatalf("GET /: %d\n%s", code, page)
	}
	for _, want := range []string{">ens_0</a>", ">ens_2</a>", ">bad</a>", `status-Completed">Completed`, `status-Failed">Failed`,
		`<td class="rc">3</td>`, `<svg class="gantt"`, `data-bars="4"`, `src="/static/app.js"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, asset := range []string{"/static/app.js", "/static/style.css"} {
		if code, body := get(t, ts.URL+asset); code != 200 || len(body) < 500 {
			t.Errorf("GET %s: %d, %d bytes", asset, code, len(body))
		}
	}
}

func TestJobFragmentShowsConfigurationAndLogs(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	_, ts := newTestServer(t, expDir)
	q := url.Values{"exp": {"0"}, "key": {"run-000/ensemble/ens/ens_1"}}
	code, frag := get(t, ts.URL+"/fragment/job?"+q.Encode())
	if code != 200 {
		t.Fatalf("%d %s", code, frag)
	}
	for _, want := range []string{"member says hello", "<th>x</th><td>2</td>", "X=hello", "/bin/sh -c &#39;echo member says $X&#39;", "Return code</dt><dd class=\"rc\">0"} {
		if !strings.Contains(frag, want) {
			t.Errorf("ens_1 fragment lacks %q:\n%s", want, frag)
		}
	}
	q.Set("key", "run-000/model/bad/bad")
	if _, frag := get(t, ts.URL+"/fragment/job?"+q.Encode()); !strings.Contains(frag, "oops") {
		t.Errorf("bad's fragment does not show its stderr:\n%s", frag)
	}
	q.Set("key", "run-000/model/nope/nope")
	if code, _ := get(t, ts.URL+"/fragment/job?"+q.Encode()); code != 404 {
		t.Errorf("unknown job: %d, want 404", code)
	}
}

// TestFileAccessIsConfined: the file endpoint serves files of the experiment and refuses everything
// that resolves outside it, however it is spelled; a manifest naming an outside file as a log does
// not leak it either.
func TestFileAccessIsConfined(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("top secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(expDir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(expDir, "escape-dir")); err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, expDir)
	fileURL := func(p string) string { return ts.URL + "/file?exp=0&path=" + url.QueryEscape(p) }
	if code, body := get(t, fileURL("ens/ens_0/ens_0.out")); code != 200 || !strings.Contains(body, "member says hello") {
		t.Errorf("a log inside the experiment (through its symlink): %d %q", code, body)
	}
	rel, _ := filepath.Rel(expDir, outside)
	for _, p := range []string{outside, rel, "../" + filepath.Base(expDir) + "/../../" + filepath.Base(filepath.Dir(outside)) + "/secret.txt",
		"escape.txt", "escape-dir/secret.txt", "/etc/passwd", "../../../../../../etc/passwd", "ens/../../x", "a\x00b"} {
		code, body := get(t, fileURL(p))
		if code != http.StatusForbidden || strings.Contains(body, "top secret") || strings.Contains(body, "root:") {
			t.Errorf("path %q: %d %q, want 403", p, code, body)
		}
	}
	// Percent-encoded dots in the raw query decode to the same refused path.
	if code, _ := get(t, ts.URL+"/file?exp=0&path=%2e%2e%2f%2e%2e%2fetc%2fpasswd"); code != http.StatusForbidden {
		t.Errorf("encoded traversal: %d, want 403", code)
	}
	if code, _ := get(t, ts.URL+"/file?exp=7&path=x"); code != 404 {
		t.Errorf("unknown experiment: %d, want 404", code)
	}
	// A manifest whose out_file names a file outside: the job's fragment refuses to show it.
	manifest := status.ManifestPath(expDir)
	data, _ := os.ReadFile(manifest)
	data = bytes.Replace(data, []byte(filepath.Join(expDir, ".smartsim/telemetry/demo/run-000/model/bad/bad.err")), []byte(outside), 1)
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, ts2 := newTestServer(t, expDir)
	_, frag := get(t, ts2.URL+"/fragment/job?exp=0&key="+url.QueryEscape("run-000/model/bad/bad"))
	if strings.Contains(frag, "top secret") || !strings.Contains(frag, "refused") {
		t.Errorf("a manifest pointing outside leaked or did not say why:\n%s", frag)
	}
}

// TestForeignHostRefused: bound to loopback, the server refuses a request naming another host (DNS
// rebinding), and accepts localhost as an ssh tunnel sends it.
func TestForeignHostRefused(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	_, ts := newTestServer(t, expDir)
	for host, want := range map[string]int{"evil.example:8000": 403, "localhost:8000": 200, "127.0.0.1": 200, "[::1]:9": 200} {
		req, _ := http.NewRequest("GET", ts.URL+"/", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// sseReader reads events from a text/event-stream.
type sseReader struct {
	events chan [2]string
}

// followEvents starts s following its experiments until the test ends and opens its event stream from
// the current version, past the hello.
func followEvents(t *testing.T, s *Server, ts *httptest.Server) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go s.Follow(ctx)
	_, version := s.snapshot()
	events := openEvents(t, ts.URL+"/events?since="+itoa(version))
	events.next(t, "hello", 5*time.Second)
	return events
}

func openEvents(t *testing.T, u string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := &sseReader{events: make(chan [2]string, 64)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var event, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && event != "":
				r.events <- [2]string{event, data}
				event, data = "", ""
			}
		}
	}()
	return r
}

// next returns the next event named name, skipping others, or fails after timeout.
func (r *sseReader) next(t *testing.T, name string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-r.events:
			if ev[0] == name {
				return ev[1]
			}
		case <-deadline:
			t.Fatalf("no %q event within %v", name, timeout)
			return ""
		}
	}
}

func replaceAtomically(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// TestLiveUpdates follows an experiment through the changes a run makes and a few it must survive:
// a status change (a patch of that row), a half-written manifest (nothing; the last good state
// stays), a manifest removed (reload, shown as missing) and written again (reload), a log appended
// (the job stream says changed).
func TestLiveUpdates(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	s, ts := newTestServer(t, expDir)
	events := followEvents(t, s, ts)

	manifest := status.ManifestPath(expDir)
	good, _ := os.ReadFile(manifest)
	changed := bytes.Replace(good, []byte(`"status": "Failed"`), []byte(`"status": "Cancelled"`), 1)
	replaceAtomically(t, manifest, changed)
	patch := events.next(t, "patch", 5*time.Second)
	if !strings.Contains(patch, `"status":"Cancelled"`) || !strings.Contains(patch, "run-000/model/bad/bad") || !strings.Contains(patch, "Cancelled 1") {
		t.Errorf("patch does not carry the change and the new counts: %s", patch)
	}
	if _, page := get(t, ts.URL+"/"); !strings.Contains(page, `status-Cancelled">Cancelled`) {
		t.Errorf("page after the change does not show it")
	}

	if err := os.WriteFile(manifest, changed[:len(changed)/2], 0o644); err != nil { // a non-atomic writer mid-write
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, page := get(t, ts.URL+"/"); !strings.Contains(page, ">ens_1</a>") {
		t.Errorf("a half-written manifest lost the last good state")
	}

	// The manifest removed, the journal still says what ran: the members stay, with the journal's
	// statuses (bad ended Failed, whatever the edited manifest said).
	os.Remove(manifest)
	if patch := events.next(t, "patch", 5*time.Second); !strings.Contains(patch, `"status":"Failed"`) {
		t.Errorf("without the manifest, the journal's status is not shown: %s", patch)
	}
	os.Remove(filepath.Join(filepath.Dir(manifest), "journal.jsonl"))
	events.next(t, "reload", 5*time.Second)
	if _, frag := get(t, ts.URL+"/fragment/experiment?exp=0"); !strings.Contains(frag, "no manifest at") {
		t.Errorf("a removed manifest is not shown as missing:\n%s", frag)
	}
	replaceAtomically(t, manifest, good)
	events.next(t, "reload", 5*time.Second)
	if _, frag := get(t, ts.URL+"/fragment/experiment?exp=0"); !strings.Contains(frag, ">ens_1</a>") {
		t.Errorf("the manifest written again is not shown:\n%s", frag)
	}

	jobEvents := openEvents(t, ts.URL+"/events/job?exp=0&key="+url.QueryEscape("run-000/ensemble/ens/ens_2"))
	jobEvents.next(t, "hello", 5*time.Second)
	out := filepath.Join(expDir, ".smartsim/telemetry/demo/run-000/ensemble/ens/ens_2/ens_2.out")
	f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("a later line\n")
	f.Close()
	jobEvents.next(t, "changed", 5*time.Second)
	if _, frag := get(t, ts.URL+"/fragment/job?exp=0&key="+url.QueryEscape("run-000/ensemble/ens/ens_2")); !strings.Contains(frag, "a later line") {
		t.Errorf("the fragment does not show the appended line")
	}

	// A page that connects behind the current version is told to reload.
	behind := openEvents(t, ts.URL+"/events?since=0")
	behind.next(t, "reload", 5*time.Second)
}

// TestExperimentNotRunYet: a directory with no manifest is shown as waiting, and picked up when the
// run creates .smartsim/telemetry/manifest.json below it.
func TestExperimentNotRunYet(t *testing.T) {
	ran := runDriver(t, demoDriver)
	empty := t.TempDir()
	s, ts := newTestServer(t, empty)
	events := followEvents(t, s, ts)
	if _, page := get(t, ts.URL+"/"); !strings.Contains(page, "no manifest at") {
		t.Fatalf("empty directory not shown as waiting")
	}
	data, _ := os.ReadFile(status.ManifestPath(ran))
	if err := os.MkdirAll(filepath.Dir(status.ManifestPath(empty)), 0o755); err != nil {
		t.Fatal(err)
	}
	replaceAtomically(t, status.ManifestPath(empty), data)
	events.next(t, "reload", 5*time.Second)
	if _, page := get(t, ts.URL+"/"); !strings.Contains(page, ">ens_0</a>") {
		t.Errorf("manifest that appeared is not shown")
	}
}

func TestReportIsStaticAndComplete(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	out := filepath.Join(t.TempDir(), "report.html")
	var stderr bytes.Buffer
	if code := ReportMain([]string{expDir, "-o", out}, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	if strings.Contains(html, "<script") || strings.Contains(html, `<link rel="stylesheet"`) || strings.Contains(html, "http://") {
		t.Errorf("report is not self-contained")
	}
	for _, want := range []string{"<style>", "member says hello", "oops", `<svg class="gantt"`, `id="d-j0-run-000_2fensemble_2fens_2fens_5f1"`, `href="#d-j0-run-000_2fensemble_2fens_2fens_5f1"`} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if code := ReportMain([]string{t.TempDir()}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "no manifest at") {
		t.Errorf("report of a directory without manifest: exit %d, %s", code, stderr.String())
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"--port", "70000"}, {"--bogus"}, {"/no/such/dir"}} {
		var stderr bytes.Buffer
		if code := Main(args, io.Discard, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("dashboard %q: exit %d, %q", args, code, stderr.String())
		}
	}
	var stderr bytes.Buffer
	if code := ReportMain(nil, io.Discard, &stderr); code != 2 {
		t.Errorf("report without EXP_DIR: exit %d", code)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
