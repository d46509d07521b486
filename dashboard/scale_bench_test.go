package dashboard

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssrun/ssrun/status"
)

// The scale benchmarks: an experiment of 10,000 members (a manifest in the runtime's layout, ~10 MB),
// timed for what `ssrun status` does (the baseline: read the manifest, latest rows), what the dashboard
// does on every change (read and build its views, diff) and what it serves at first load.
// Run: go test -run '^$' -bench Scale -benchtime 5x ./dashboard

const scaleMembers = 10000

// writeScaleManifest writes a manifest of one ensemble of n members, half completed, half running,
// with what the runtime records per member; changed=true marks member 0 Failed (one status change).
func writeScaleManifest(tb testing.TB, dir string, n int, changed bool) {
	tb.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	members := make([]map[string]any, n)
	for i := range members {
		name := fmt.Sprintf("ens_%d", i)
		sdir := filepath.Join(dir, ".smartsim/telemetry/big/run-000/ensemble/ens", name)
		meta := map[string]any{"status_dir": sdir, "job_id": fmt.Sprint(10000 + i), "step_name": name + "-run-000",
			"status": "Running", "return_code": nil, "argv": []string{"/usr/bin/sim", "--steps=10", "--x=" + fmt.Sprint(i)},
			"env": []string{"SSKEYOUT=" + name}, "start_time": t0.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano), "end_time": nil}
		if i%2 == 0 || (changed && i == 0) {
			st, rc := "Completed", 0
			if changed && i == 0 {
				st, rc = "Failed", 1
			}
			meta["status"], meta["return_code"] = st, rc
			meta["end_time"] = t0.Add(time.Duration(i)*time.Millisecond + time.Minute).Format(time.RFC3339Nano)
		}
		members[i] = map[string]any{"name": name, "path": filepath.Join(dir, "ens", name), "exe_args": []string{"--steps=10"},
			"run_settings":   map[string]any{"exe": []string{"/usr/bin/sim"}, "run_command": "", "run_args": map[string]any{}},
			"batch_settings": map[string]any{}, "params": map[string]string{"x": fmt.Sprint(i)},
			"files":              map[string][]string{"Copy": {"in.txt"}, "Symlink": {}, "Configure": {}},
			"telemetry_metadata": meta, "out_file": filepath.Join(sdir, name+".out"), "err_file": filepath.Join(sdir, name+".err")}
	}
	doc := map[string]any{"schema info": map[string]string{"version": "0.0.4"},
		"experiment": map[string]any{"name": "big", "path": dir, "launcher": "Local"},
		"runs": []any{map[string]any{"run_id": "run-000", "timestamp": 1, "model": []any{}, "orchestrator": []any{},
			"ensemble": []any{map[string]any{"name": "ens", "path": filepath.Join(dir, "ens"), "models": members}}}}}
	data, _ := json.MarshalIndent(doc, "", "  ")
	path := status.ManifestPath(dir)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkScaleStatusRows is the baseline: what `ssrun status` does with the manifest.
func BenchmarkScaleStatusRows(b *testing.B) {
	dir := b.TempDir()
	writeScaleManifest(b, dir, scaleMembers, false)
	for b.Loop() {
		if rows, err := status.ReadRows(status.ManifestPath(dir)); err != nil || len(rows) != scaleMembers {
			b.Fatal(err)
		}
	}
}

// BenchmarkScaleRefresh is the dashboard's work per manifest change: read, build the views, diff
// against the previous state (one member changed) and encode the patch.
func BenchmarkScaleRefresh(b *testing.B) {
	dir := b.TempDir()
	writeScaleManifest(b, dir, scaleMembers, false)
	old := loadExperiment(0, dir)
	writeScaleManifest(b, dir, scaleMembers, true)
	for b.Loop() {
		cur := loadExperiment(0, dir)
		p, structural := diff(old, cur)
		if structural || p == nil || len(p.Rows) != 1 {
			b.Fatalf("diff: structural %v, patch %+v", structural, p)
		}
		sseMessage("patch", 1, p)
	}
}

// BenchmarkScalePage is GET / of the 10,000-member experiment (the bytes a browser first receives).
func BenchmarkScalePage(b *testing.B) {
	dir := b.TempDir()
	writeScaleManifest(b, dir, scaleMembers, false)
	s, err := NewServer([]string{dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	size := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = "localhost"
		h.ServeHTTP(rec, req)
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size)/1e6, "MB/page")
}
