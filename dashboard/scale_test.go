package dashboard

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/member"
	"github.com/ssrun/ssrun/runtime/journal"
	"github.com/ssrun/ssrun/status"
)

// The tests of what keeps a large experiment usable: a table read a page at a time, patches bounded
// to a page of rows, a timeline by buckets, a report that folds what completed.

var rowRE = regexp.MustCompile(`<tr id="j0-`)

func TestTablePagesFiltersAndSearches(t *testing.T) {
	dir := t.TempDir()
	writeScaleManifest(t, dir, 1000, true) // ens_0 Failed, other even members Completed, odd Running
	_, ts := newTestServer(t, dir)

	_, page := get(t, ts.URL+"/")
	if n := len(rowRE.FindAllString(page, -1)); n != pageSize {
		t.Errorf("first page has %d rows, want %d", n, pageSize)
	}
	for _, want := range []string{"1–200 of 1,000", `class="page next" href="/?exp=0&amp;page=1&amp;run=run-000#t-`, `Failed 1`, `Running 500`, `<svg class="progress"`, `<svg class="gantt buckets"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, ">ens_200</a>") {
		t.Errorf("the first page shows a row of the second")
	}

	frag := func(q string) (string, int) {
		t.Helper()
		code, body := get(t, ts.URL+"/fragment/table?exp=0&run=run-000&"+q)
		if code != 200 {
			t.Fatalf("fragment %s: %d %s", q, code, body)
		}
		return body, len(rowRE.FindAllString(body, -1))
	}
	if body, n := frag("page=4"); n != 200 || !strings.Contains(body, "801–1,000 of 1,000") || !strings.Contains(body, ">ens_999</a>") || strings.Contains(body, `class="page next"`) {
		t.Errorf("last page: %d rows\n%.600s", n, body)
	}
	if body, _ := frag("page=99"); !strings.Contains(body, "801–1,000 of 1,000") {
		t.Errorf("a page past the end does not show the last one")
	}
	if body, n := frag("status=Failed"); n != 1 || !strings.Contains(body, ">ens_0</a>") || !strings.Contains(body, `<option value="Failed" selected>`) {
		t.Errorf("status=Failed: %d rows", n)
	}
	if body, n := frag("q=" + url.QueryEscape("ENS_99")); n != 11 || !strings.Contains(body, "1–11 of 11") {
		t.Errorf("search ENS_99 (ens_99, ens_990…ens_999): %d rows\n%.400s", n, body)
	}
	if body, n := frag("status=Running&q=ens_99"); n != 6 { // ens_99 and the odd ens_99x
		t.Errorf("Running and ens_99: %d rows\n%.400s", n, body)
	}
	if body, n := frag("status=Cancelled"); n != 0 || !strings.Contains(body, "no job matches") || !strings.Contains(body, `<option value="Cancelled" selected>Cancelled (0)`) {
		t.Errorf("a status no job has: %d rows\n%.600s", n, body)
	}
	// Without the script, the pager's link is the page itself.
	if _, body := get(t, ts.URL+"/?exp=0&run=run-000&status=Running&page=1"); !strings.Contains(body, "201–400 of 500") || !strings.Contains(body, ">ens_401</a>") {
		t.Errorf("the page with a table query does not show that page")
	}
	if code, _ := get(t, ts.URL+"/fragment/table?exp=0&run=nope"); code != 404 {
		t.Errorf("unknown run: %d", code)
	}
}

// TestPageSizeBounded: the page of a 10,000-member run is about the size of a 1,000-member one (its
// table and timeline do not grow with the run).
func TestPageSizeBounded(t *testing.T) {
	size := func(n int) int {
		dir := t.TempDir()
		writeScaleManifest(t, dir, n, false)
		_, ts := newTestServer(t, dir)
		_, page := get(t, ts.URL+"/")
		return len(page)
	}
	small, large := size(1000), size(10000)
	if large > small*13/10 {
		t.Errorf("page of 10,000 members is %d bytes, of 1,000 %d: it grows with the run", large, small)
	}
	t.Logf("page: %d bytes at 1,000 members, %d at 10,000", small, large)
}

func TestPatchCarriesAtMostAPageOfRows(t *testing.T) {
	dir := t.TempDir()
	writeScaleManifest(t, dir, 1000, false)
	old := loadExperiment(0, dir)
	writeScaleManifest(t, dir, 1000, true)
	p, structural := diff(old, loadExperiment(0, dir))
	if structural || p == nil || len(p.Rows) != 1 || len(p.Runs) != 1 || p.Runs[0].More || p.Runs[0].Changed != 1 {
		t.Fatalf("one change: structural %v, %+v", structural, p)
	}

	// Every running member ends: 500 changed rows are one message saying so, with no rows.
	cur := loadExperiment(0, dir)
	for _, j := range cur.Runs[0].Jobs {
		if j.Status() == "Running" {
			j.Telemetry.Status = "Completed"
		}
	}
	p, _ = diff(old, cur)
	if len(p.Rows) != 0 || !p.Runs[0].More || p.Runs[0].Changed != 501 {
		t.Fatalf("a burst: %d rows, %+v", len(p.Rows), p.Runs)
	}
	s, _ := newTestServer(t, dir)
	s.summaries(cur, p.Runs)
	msg := sseMessage("patch", 2, p)
	if !bytes.Contains(msg, []byte(`Completed 999`)) || len(msg) > 4096 {
		t.Errorf("the burst's patch (%d bytes) lacks the new counts: %s", len(msg), msg)
	}
}

func TestGanttBuckets(t *testing.T) {
	dir := t.TempDir()
	writeScaleManifest(t, dir, 10000, true)
	x := loadExperiment(0, dir)
	svg := string(gantt(x.Runs[0].Jobs, time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)))
	if !strings.Contains(svg, `data-bars="10000" data-buckets="50"`) {
		t.Errorf("timeline of 10,000: %.300s", svg)
	}
	if n := strings.Count(svg, "<rect "); n > 50*3 || n < 50*2 {
		t.Errorf("timeline of 10,000 draws %d shapes, want two or three per row of 50", n)
	}
	if !strings.Contains(svg, `<title>ens_0 … ens_199: 1 Failed, 00:00:00–00:01:00</title>`) {
		t.Errorf("the first row does not name its failed member's bucket:\n%.2000s", svg)
	}
}

// TestJournalCorrectsStaleManifest: the runtime may write the manifest less often than members
// change; the journal says what the manifest does not yet, and the dashboard shows the journal's word.
func TestJournalCorrectsStaleManifest(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	path := status.ManifestPath(expDir)
	m, _ := os.ReadFile(path)
	stale := bytes.ReplaceAll(bytes.ReplaceAll(m, []byte(`"status": "Completed"`), []byte(`"status": "Running"`)), []byte(`"return_code": 0,`), []byte(`"return_code": null,`))
	if bytes.Equal(stale, m) {
		t.Fatal("the fixture's manifest did not change")
	}
	replaceAtomically(t, path, stale)
	x := loadExperiment(0, expDir)
	if x.Err != nil || x.JournalErr != nil {
		t.Fatal(x.Err, x.JournalErr)
	}
	for _, j := range x.Runs[0].Jobs {
		if j.Status() == "Running" {
			t.Errorf("%s shows the stale manifest's Running, the journal recorded its end", j.Key)
		}
	}
	if j := x.Job("run-000/ensemble/ens/ens_1"); j == nil || j.Status() != "Completed" || j.ReturnCode() != "0" {
		t.Errorf("ens_1: %+v", j)
	}

	// A journal that cannot be read: the manifest's word, and the page says why.
	os.WriteFile(journalPath(path), []byte("not json\n"), 0o644)
	_, ts := newTestServer(t, expDir)
	if _, page := get(t, ts.URL+"/"); !strings.Contains(page, "journal not read") || !strings.Contains(page, "journal.jsonl:1") {
		t.Errorf("a corrupt journal is not reported")
	}
}

func TestReportOfLargeRun(t *testing.T) {
	dir := t.TempDir()
	writeScaleManifest(t, dir, 1000, true)
	s, _ := newTestServer(t, dir)
	var b bytes.Buffer
	if err := s.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	r := b.String()
	for _, want := range []string{"Jobs that did not complete: 501", `<details class="completed"><summary>499 completed jobs, 200 a row</summary>`,
		"Details below for the first 50", `href="#d-j0-run-000_2fensemble_2fens_2fens_5f0"`,
		"<tr><td>ens_2 … ens_400</td><td>200</td><td>00:00:00</td><td>00:01:00</td><td>1m00s</td><td>1m00s</td></tr>",
		"<tr><td>ens_802 … ens_998</td><td>99</td>"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(r, `<article class="job"`); n != reportDetails {
		t.Errorf("report details %d jobs, want %d", n, reportDetails)
	}
	if n := len(rowRE.FindAllString(r, -1)); n != 501 {
		t.Errorf("report lists %d jobs, want the 501 that did not complete", n)
	}
	if strings.Contains(r, "<script") {
		t.Errorf("report has a script")
	}
}

// TestFollowsTheJournal: a member's end recorded only in the journal (the manifest still says
// Running, as a runtime that writes the manifest less often leaves it) reaches the page as a patch.
func TestFollowsTheJournal(t *testing.T) {
	expDir := runDriver(t, demoDriver)
	path := status.ManifestPath(expDir)
	jpath := journalPath(path)
	recs, err := journal.Read(jpath)
	if err != nil {
		t.Fatal(err)
	}
	// Back to ens_1 running: the manifest says so, its end record and its exit code file are gone.
	m, _ := os.ReadFile(path)
	var keep, end []journal.Record
	for _, r := range recs {
		if r.Ev == journal.EvEnd && r.Name == "ens_1" {
			end = append(end, r)
			os.Remove(member.ExitCodeFile(filepath.Join(journal.Replay(recs).Members["ens_1"].Dir, "ens_1")))
			continue
		}
		keep = append(keep, r)
	}
	if len(end) != 1 {
		t.Fatalf("the demo's journal has %d end records of ens_1", len(end))
	}
	var lines []byte
	for _, r := range keep {
		b, _ := json.Marshal(r)
		lines = append(append(lines, b...), '\n')
	}
	os.WriteFile(jpath, lines, 0o644)
	stale := regexp.MustCompile(`("name": "ens_1",[\s\S]*?)"return_code": 0,([\s\S]*?)"status": "Completed"`).ReplaceAll(m, []byte(`${1}"return_code": null,${2}"status": "Running"`))
	replaceAtomically(t, path, stale)

	s, ts := newTestServer(t, expDir)
	if j := s.exps[0].Job("run-000/ensemble/ens/ens_1"); j == nil || j.Status() != "Running" {
		t.Fatalf("the stale state does not show ens_1 Running: %+v", j)
	}
	events := followEvents(t, s, ts)

	w, err := os.OpenFile(jpath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(end[0])
	w.Write(append(b, '\n'))
	w.Close()
	patch := events.next(t, "patch", 5*time.Second)
	if !strings.Contains(patch, `"key":"run-000/ensemble/ens/ens_1","status":"Completed","rc":"0"`) {
		t.Errorf("the journal's end of ens_1 is not patched in: %s", patch)
	}

	// A change of the journal alone is merged into the views without reading the manifest again; a
	// new manifest is read.
	s.mu.RLock()
	cur := s.exps[0]
	s.mu.RUnlock()
	if x, ok := journalOnly(cur, path); !ok || x.Job("run-000/ensemble/ens/ens_1").Status() != "Completed" {
		t.Errorf("a journal-only change is not merged into the views (ok %v)", ok)
	}
	time.Sleep(20 * time.Millisecond) // a modification time the next write cannot share
	replaceAtomically(t, path, m)
	if _, ok := journalOnly(cur, path); ok {
		t.Errorf("a new manifest is not read")
	}
}

func TestReadsAreSpacedByTheirCost(t *testing.T) {
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := nextRead(end, 10*time.Millisecond); got != end.Add(minGap) {
		t.Errorf("after a 10 ms read: %v", got.Sub(end))
	}
	if got := nextRead(end, 3*time.Second); got != end.Add(6*time.Second) {
		t.Errorf("after a 3 s read: %v", got.Sub(end))
	}
}
