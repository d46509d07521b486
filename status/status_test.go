package status

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssrun/ssrun/host"
)

// runExperiment runs a real driver script (two local models: `true` and `false`) and returns the
// experiment directory it wrote.
func runExperiment(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "driver.star")
	src := `exp = Experiment("demo", launcher="local")
ok = exp.create_model("ok", exp.create_run_settings(exe="true"))
bad = exp.create_model("bad", exp.create_run_settings(exe="false"))
exp.start(ok, bad, block=True)
`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := host.Run(context.Background(), host.Options{Script: script, Stdout: io.Discard, Stderr: &stderr}); err != nil {
		t.Fatalf("running the driver: %v\n%s", err, stderr.String())
	}
	return filepath.Join(dir, "demo")
}

func runStatus(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestStatusJSONOfRealRun(t *testing.T) {
	expDir := runExperiment(t)
	code, out, errOut := runStatus(expDir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []Row
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if len(rows) != 2 {
		t.Fatalf("want 2 rows, got %d:\n%s", len(rows), out)
	}
	want := []struct {
		name, status string
		rc           int
	}{{"ok", "Completed", 0}, {"bad", "Failed", 1}}
	for i, w := range want {
		r := rows[i]
		if r.Name != w.name || r.Type != "model" || r.Status != w.status || r.ReturnCode == nil || *r.ReturnCode != w.rc {
			t.Errorf("row %d = %+v, want %s model %s rc %d", i, r, w.name, w.status, w.rc)
		}
		if r.JobID == "" || r.Run == "" {
			t.Errorf("row %d has no job id or run: %+v", i, r)
		}
		if _, err := os.Stat(r.OutFile); err != nil {
			t.Errorf("row %d out file: %v", i, err)
		}
	}
	if _, again, _ := runStatus(expDir, "--json"); again != out {
		t.Errorf("--json is not deterministic:\n%s\n%s", out, again)
	}
}

func TestStatusTableOfRealRun(t *testing.T) {
	expDir := runExperiment(t)
	t.Chdir(expDir) // EXP_DIR defaults to the current directory
	code, out, errOut := runStatus()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("want a header and 2 rows, got:\n%s", out)
	}
	for i, want := range [][]string{{"ok", "model", "Completed", "0"}, {"bad", "model", "Failed", "1"}} {
		f := strings.Fields(lines[i+1])
		if len(f) != 7 || f[0] != want[0] || f[1] != want[1] || f[4] != want[2] || f[5] != want[3] {
			t.Errorf("row %d = %q, want name %s type %s status %s rc %s", i, lines[i+1], want[0], want[1], want[2], want[3])
		}
	}
}

func TestStatusMissingManifest(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runStatus(dir)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
	}
	if want := ManifestPath(dir); !strings.Contains(errOut, want) {
		t.Errorf("error %q does not name %s", errOut, want)
	}
	if code, _, _ := runStatus(dir, "--watch"); code != 1 {
		t.Errorf("--watch on a missing manifest: exit %d, want 1", code)
	}
}

func TestStatusUsage(t *testing.T) {
	for _, args := range [][]string{{"a", "b"}, {"--bogus"}} {
		if code, _, errOut := runStatus(args...); code != 2 || errOut == "" {
			t.Errorf("ssrun status %q: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
}

// lockedBuffer collects the output of a --watch running in another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls out until it holds n tables, failing the test after a few seconds.
func waitFor(t *testing.T, out *lockedBuffer, n int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if s := out.String(); strings.Count(s, "NAME") >= n {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("want %d tables, got:\n%s", n, out.String())
	return ""
}

// replaceAtomically rewrites path the way the runtime does: a temporary file renamed over it.
func replaceAtomically(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestStatusWatchFollowsManifest starts `ssrun status --watch`, replaces the manifest as the runtime
// does, expects a second table with the new status, then interrupts it with SIGINT and expects exit 0.
func TestStatusWatchFollowsManifest(t *testing.T) {
	expDir := runExperiment(t)
	manifest := ManifestPath(expDir)
	var out lockedBuffer
	done := make(chan int, 1)
	go func() { done <- Main([]string{expDir, "--watch"}, &out, io.Discard) }()
	first := waitFor(t, &out, 1)
	if strings.Contains(first, "Cancelled") {
		t.Fatalf("first table already shows Cancelled:\n%s", first)
	}
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	replaceAtomically(t, manifest, bytes.Replace(data, []byte(`"Completed"`), []byte(`"Cancelled"`), 1))
	all := waitFor(t, &out, 2)
	second := all[strings.LastIndex(all, "NAME"):]
	if !strings.Contains(second, "Cancelled") || !strings.Contains(second, "Failed") {
		t.Errorf("second table does not show the new manifest:\n%s", second)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("--watch interrupted: exit %d, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("--watch did not end on SIGINT")
	}
}
