package dashboard

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/ssrun/ssrun/dashboard/scalefixture"
	"github.com/ssrun/ssrun/runtime/journal"
	"github.com/ssrun/ssrun/status"
)

// The scale benchmarks: an experiment of 10,000 members (a manifest in the runtime's layout, ~10 MB),
// timed for what `ssrun status` does (the baseline: read the manifest, latest rows), what the dashboard
// does on every change (read and build its views, diff) and what it serves at first load.
// Run: go test -run '^$' -bench Scale -benchtime 5x ./dashboard

const scaleMembers = 10000

// writeScaleManifest writes the scale fixture (package scalefixture) or fails the test.
func writeScaleManifest(tb testing.TB, dir string, n int, changed bool) {
	tb.Helper()
	if err := scalefixture.Write(dir, n, changed); err != nil {
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

// BenchmarkScaleJournalChange is the dashboard's work when only the journal changed (a member's end
// appended), side by side: reading the manifest again and merging the journal (what every change
// cost before), against merging the journal into a copy of the views (journalOnly).
// Run: go test -run '^$' -bench ScaleJournalChange -benchtime 5x ./dashboard
func BenchmarkScaleJournalChange(b *testing.B) {
	dir := b.TempDir()
	writeScaleManifest(b, dir, scaleMembers, false)
	w, err := journal.Create(journalPath(status.ManifestPath(dir)), journal.Record{Exp: "big"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range scaleMembers {
		name := fmt.Sprintf("ens_%d", i)
		recs := []journal.Record{{Ev: journal.EvLaunch, Run: "run-000", Name: name, Ens: "ens", Dir: filepath.Join(dir, "status", name)},
			{Ev: journal.EvStarted, Run: "run-000", Name: name, Job: fmt.Sprint(10000 + i)}}
		if i%2 == 0 {
			recs = append(recs, journal.Record{Ev: journal.EvEnd, Run: "run-000", Name: name, Status: "Completed", Code: new(int)})
		}
		if err := w.Append(false, recs...); err != nil {
			b.Fatal(err)
		}
	}
	old := loadExperiment(0, dir)
	rc := 0
	w.Append(true, journal.Record{Ev: journal.EvEnd, Run: "run-000", Name: "ens_1", Status: "Completed", Code: &rc})
	w.Close()
	check := func(x *Experiment) {
		if j := x.Job("run-000/ensemble/ens/ens_1"); j == nil || j.Status() != "Completed" {
			b.Fatalf("ens_1: %+v", j)
		}
	}
	b.Run("manifest-and-journal", func(b *testing.B) {
		for b.Loop() {
			check(loadExperiment(0, dir))
		}
	})
	b.Run("journal-only", func(b *testing.B) {
		for b.Loop() {
			x, ok := journalOnly(old, status.ManifestPath(dir))
			if !ok {
				b.Fatal("journalOnly refused")
			}
			check(x)
		}
	})
}
