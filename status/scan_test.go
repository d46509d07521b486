package status

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/google/go-cmp/cmp"

	"github.com/ssrun/ssrun/host"
	"github.com/ssrun/ssrun/runtime/journal"
)

// The scanning readers (manifest_scan.go, journal.ReadState) and the hand-written table and JSON must
// give what the decoders and writers before them gave: the same rows, the same errors, the same bytes.
// reference* below are those earlier readers and writers, kept here as the tests' oracle.

// referenceRows is ReadRows as it was: the manifest decoded, the journal's lines json.Unmarshal'ed and
// replayed, the rows corrected as withJournal did.
func referenceRows(path string) ([]Row, error) {
	var rows []Row
	if _, err := os.Stat(path); os.IsNotExist(err) && journalExists(path) {
		rows = []Row{}
	} else {
		m, err := readManifest(path, true)
		if err != nil {
			return nil, err
		}
		rows = latestRows(m)
	}
	recs, err := referenceJournal(filepath.Join(filepath.Dir(path), journal.FileName))
	if err != nil || len(recs) == 0 {
		return rows, err
	}
	st := journal.Replay(recs)
	at := map[string]int{}
	for i, r := range rows {
		if r.Type == "model" || r.Type == "ensemble" {
			at[r.Name] = i
		}
	}
	for _, name := range st.Order {
		m := st.Members[name]
		row := journalRow(m)
		if i, ok := at[name]; ok {
			if terminal(rows[i].Status) && rows[i].Run == row.Run {
				continue
			}
			if row.JobID == "" {
				row.JobID = rows[i].JobID
			}
			if rows[i].OutFile != "" {
				row.OutFile = rows[i].OutFile
			}
			if row.Status == "" {
				row.Status, row.ReturnCode = rows[i].Status, rows[i].ReturnCode
			}
			rows[i] = row
			continue
		}
		if row.Status == "" {
			row.Status = "Unknown"
		}
		at[name] = len(rows)
		rows = append(rows, row)
	}
	return rows, nil
}

// referenceJournal is journal.Read as it was: json.Unmarshal of each line.
func referenceJournal(path string) ([]journal.Record, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []journal.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		var r journal.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Ev == "" {
			return nil, &journal.Error{Path: path, Line: line, Msg: "not a journal record (the journal is corrupt or truncated)"}
		}
		if r.V > journal.Version {
			return nil, &journal.Error{Path: path, Line: line, Msg: fmt.Sprintf("journal format version %d was written by a newer ssrun; this ssrun reads version %d (upgrade ssrun)", r.V, journal.Version)}
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, &journal.Error{Path: path, Line: line + 1, Msg: err.Error()}
	}
	return recs, nil
}

// referenceTable and referenceJSON are the table and JSON as text/tabwriter and json.MarshalIndent wrote them.
func referenceTable(rows []Row) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tJOB ID\tRUN\tSTATUS\tRETURN CODE\tOUT FILE")
	for _, r := range rows {
		rc := "-"
		if r.ReturnCode != nil {
			rc = fmt.Sprint(*r.ReturnCode)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Type, dash(r.JobID), dash(r.Run), dash(r.Status), rc, dash(r.OutFile))
	}
	tw.Flush()
	return b.String()
}

func referenceJSON(rows []Row) string {
	data, _ := json.MarshalIndent(rows, "", "  ")
	return string(append(data, '\n'))
}

// checkAgainstReference compares ReadRows with referenceRows on the experiment of manifest path, and
// the printed table and JSON with the reference writers'.
func checkAgainstReference(t *testing.T, path string) ([]Row, error) {
	t.Helper()
	want, wantErr := referenceRows(path)
	got, err := ReadRows(path)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("error %v, want %v", err, wantErr)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rows (-reference +scanned):\n%s", diff)
	}
	if wantErr != nil {
		return got, err
	}
	for _, asJSON := range []bool{false, true} {
		var out bytes.Buffer
		if err := Print(&out, path, asJSON); err != nil {
			t.Fatal(err)
		}
		ref := referenceTable(want)
		if asJSON {
			ref = referenceJSON(want)
		}
		if out.String() != ref {
			t.Errorf("printed (json %v):\n%s\nwant:\n%s", asJSON, out.String(), ref)
		}
	}
	return got, nil
}

// runDriver runs a driver script in dir and returns the manifest path of experiment "demo".
func runDriver(t *testing.T, dir, src string) string {
	t.Helper()
	script := filepath.Join(dir, "driver.star")
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := host.Run(context.Background(), host.Options{Script: script, Stdout: io.Discard, Stderr: &stderr}); err != nil {
		t.Fatalf("running the driver: %v\n%s", err, stderr.String())
	}
	return ManifestPath(filepath.Join(dir, "demo"))
}

// severalRuns: models and an ensemble, then a re-run of one model, then of the ensemble's members.
const severalRuns = `exp = Experiment("demo", launcher="local")
ok = exp.create_model("ok", exp.create_run_settings(exe="true"))
bad = exp.create_model("bad", exp.create_run_settings(exe="false"))
ens = exp.create_ensemble("ens", params={"x": ["1", "2", "3"]}, run_settings=exp.create_run_settings(exe="true", exe_args=["-x"]))
exp.generate(ok, bad, ens, overwrite=True)
exp.start(ok, bad, ens, block=True)
exp.start(bad, block=True)
exp.start(ens, block=True)
`

// copyExperiment copies the telemetry files of the experiment of manifest into a new directory and
// returns the copy's manifest path (the members' own files stay where they are).
func copyExperiment(t *testing.T, manifest string) string {
	t.Helper()
	dst := ManifestPath(t.TempDir())
	os.MkdirAll(filepath.Dir(dst), 0o755)
	for _, name := range []string{"manifest.json", journal.FileName} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(manifest), name))
		if err == nil {
			os.WriteFile(filepath.Join(filepath.Dir(dst), name), data, 0o644)
		}
	}
	return dst
}

func editFile(t *testing.T, path string, edit func(string) string) {
	t.Helper()
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(edit(string(data))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dropLines removes the journal lines that contain every one of subs.
func dropLines(subs ...string) func(string) string {
	return func(text string) string {
		var keep []string
		for _, line := range strings.SplitAfter(text, "\n") {
			all := line != ""
			for _, s := range subs {
				all = all && strings.Contains(line, s)
			}
			if !all {
				keep = append(keep, line)
			}
		}
		return strings.Join(keep, "")
	}
}

// TestScannedRowsAgreeOnRealRuns: real experiments and the states a killed or lagging driver leaves
// them in, each read by ReadRows and by the readers before it.
func TestScannedRowsAgreeOnRealRuns(t *testing.T) {
	real := runDriver(t, t.TempDir(), severalRuns)
	cases := []struct {
		name     string
		manifest func(string) string // nil: unchanged; returns "" to remove the file
		journal  func(string) string
		wantErr  bool
	}{
		{name: "several runs, re-runs"},
		{name: "killed before the first manifest", manifest: func(string) string { return "" }},
		{name: "no journal", journal: func(string) string { return "" }},
		{name: "manifest behind the journal", manifest: func(m string) string {
			m = strings.ReplaceAll(m, `"status": "Completed"`, `"status": "Running"`)
			return strings.ReplaceAll(m, `"return_code": 0`, `"return_code": null`)
		}},
		{name: "members still running (no end recorded)", manifest: func(m string) string {
			return strings.ReplaceAll(m, `"status": "Completed"`, `"status": "Running"`)
		}, journal: dropLines(`"ev":"end"`)},
		{name: "launched, never confirmed", journal: dropLines(`"ev":"started"`, `"name":"ok"`)},
		{name: "a member only the journal knows", manifest: func(m string) string {
			return strings.Replace(m, `"name": "ens_2"`, `"name": "ens_2_gone"`, 1)
		}},
		{name: "corrupt journal line", journal: func(j string) string { return j + `{"ev":"end","na` + "\n" }, wantErr: true},
		{name: "newer journal", journal: func(j string) string { return j + `{"v":2,"ev":"open"}` + "\n" }, wantErr: true},
		{name: "corrupt manifest", manifest: func(m string) string { return m[:len(m)/2] }, wantErr: true},
		{name: "job ids as numbers", manifest: func(m string) string {
			return strings.ReplaceAll(m, `"job_id": "`, `"job_id": 1`+`0`+`, "x": "`)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := copyExperiment(t, real)
			jpath := filepath.Join(filepath.Dir(path), journal.FileName)
			for _, f := range []struct {
				path string
				edit func(string) string
			}{{path, c.manifest}, {jpath, c.journal}} {
				if f.edit == nil {
					continue
				}
				if editFile(t, f.path, f.edit); fileEmpty(f.path) {
					os.Remove(f.path)
				}
			}
			rows, err := checkAgainstReference(t, path)
			if (err != nil) != c.wantErr || err == nil && len(rows) != 5 {
				t.Errorf("%d rows, error %v; want 5 rows (ok, bad, ens_0..2) or an error: %v", len(rows), err, c.wantErr)
			}
		})
	}
}

func fileEmpty(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() == 0
}

// TestScannedRowsAgreeOnEdits: the hand-written manifest of two runs with databases, and every one of
// many edits of it and of a real manifest (cut short, a byte replaced, a key in other case, repeated,
// a value of another type): rows or error, the same as the decoder's.
func TestScannedRowsAgreeOnEdits(t *testing.T) {
	realText, err := os.ReadFile(runDriver(t, t.TempDir(), severalRuns))
	if err != nil {
		t.Fatal(err)
	}
	// A manifest a Slurm run wrote: a database of three shards, then a batch ensemble of three members.
	slurm, err := os.ReadFile(filepath.Join("testdata", "slurm_db_batch_manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.json")
	for _, base := range []string{twoRunManifest, string(realText), string(slurm)} {
		if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := scanManifestRows(path); !ok {
			t.Fatalf("the scanner does not take on a manifest ssrun wrote:\n%s", base)
		}
		var edits []string
		for i := 0; i < len(base); i += 1 + len(base)/120 {
			edits = append(edits, base[:i])
			for _, b := range []string{`"`, `\`, `]`, `1`, "\xff", `,`} {
				edits = append(edits, base[:i]+b+base[i+1:])
			}
		}
		for _, swap := range [][2]string{
			{`"name"`, `"Name"`}, {`"status"`, `"STATUS"`}, {`"models"`, `"Models"`}, {`"run_id"`, `"Run_id"`},
			{`"out_file": `, `"out_file": 5, "out_file": `}, {`"return_code": `, `"return_code": 1.5, "x": `},
			{`"job_id": `, `"job_id": true, "y": `}, {`"job_id": `, `"job_id": 1e999, "y": `}, {`"job_id": `, `"job_id": -0.0, "y": `},
			{`"telemetry_metadata": `, `"telemetry_metadata": null, "z": `}, {`"shards": `, `"shards": null, "s": `},
			{`"name": "`, `"name": "\u00e9\n<&>`}, {`"runs": [`, `"runs": null, "r": [`}, {`"model": `, `"model": null, "m": `},
			{`"ensemble": [`, `"ensemble": [null, `}, {`"run_id": `, `"run_id": null, "run_id": `}, {`"experiment": `, `"experiment": {"name": 1}, "e": `},
		} {
			edits = append(edits, strings.Replace(base, swap[0], swap[1], 1), strings.ReplaceAll(base, swap[0], swap[1]))
		}
		scanned := 0
		for _, text := range edits {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, ok := scanManifestRows(path)
			if !ok {
				continue // the decoder reads it: equal by construction
			}
			scanned++
			want, wantErr := decodedRows(path)
			if wantErr != nil {
				t.Fatalf("scanned what the decoder refuses (%v):\n%s", wantErr, text)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("rows (-decoded +scanned):\n%s\nof:\n%s", diff, text)
			}
		}
		// Both paths must be exercised: edits the scanner reads, edits it leaves to the decoder.
		if scanned < len(edits)/10 || scanned > len(edits)*9/10 {
			t.Errorf("%d edits: %d scanned", len(edits), scanned)
		}
		t.Logf("%d edits: %d scanned", len(edits), scanned)
	}
}

// FuzzManifestRows: for any manifest text the scanner takes on, its rows are the decoder's (in memory:
// the files' part is the tests above).
func FuzzManifestRows(f *testing.F) {
	f.Add([]byte(twoRunManifest))
	if slurm, err := os.ReadFile(filepath.Join("testdata", "slurm_db_batch_manifest.json")); err == nil {
		f.Add(slurm)
	}
	f.Add([]byte(`{"runs": [{"run_id": "r", "model": [{"name": "a", "telemetry_metadata": {"job_id": 1.5e3}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		runs, store, ok := scanManifest(data)
		if !ok {
			return
		}
		got := latestOf(runs, store)
		var m Manifest
		if err := decodeManifest(json.NewDecoder(bytes.NewReader(data)), &m, true); err != nil {
			t.Fatalf("scanned what the decoder refuses (%v)", err)
		}
		if diff := cmp.Diff(latestRows(&m), got); diff != "" {
			t.Fatalf("rows (-decoded +scanned):\n%s", diff)
		}
	})
}

// TestTableAndJSONBytes: the hand-written table and JSON are tabwriter's and MarshalIndent's bytes,
// also for cells that are wide, empty, non-ASCII, or hold what JSON escapes or tabwriter interprets.
func TestTableAndJSONBytes(t *testing.T) {
	rc := func(i int) *int { return &i }
	sets := [][]Row{
		nil,
		{},
		{{Name: "a", Type: "model", JobID: "1", Run: "run-000", Status: "Completed", ReturnCode: rc(0), OutFile: "/x/a.out"}},
		{
			{Name: "très-long-nom-de-membre", Type: "ensemble", Status: "Running", OutFile: ""},
			{Name: "b<&>\"\\", Type: "model", JobID: "123456789", Run: "run-010", Status: "Failed", ReturnCode: rc(-15), OutFile: "/o/\u2028.out"},
			{Name: "c", Type: "orchestrator", JobID: "", Run: "", Status: "", OutFile: "\x01\x7f\xff"},
		},
		{{Name: "tab\there", Type: "model"}, {Name: "nl\nhere", Type: "model", OutFile: "v\vf\f"}},
	}
	for i, rows := range sets {
		var table, js bytes.Buffer
		if err := writeTable(&table, rows); err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(&js, rows); err != nil {
			t.Fatal(err)
		}
		if want := referenceTable(rows); table.String() != want {
			t.Errorf("set %d: table\n%q\nwant\n%q", i, table.String(), want)
		}
		if want := referenceJSON(rows); js.String() != want {
			t.Errorf("set %d: json\n%s\nwant\n%s", i, js.String(), want)
		}
	}
}

// TestManifestTruncatedUnderTheMapping: a manifest another writer truncates while it is mapped
// faults the scan; status falls back to the decoder instead of crashing.
func TestManifestTruncatedUnderTheMapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	text := strings.Replace(twoRunManifest, `"runs": [`, `"pad": "`+strings.Repeat("x", 1<<16)+`", "runs": [`, 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	data, unmap := mapFile(path)
	if data == nil {
		t.Fatal("not mapped")
	}
	defer unmap()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if rows, ok := scanMapped(data); ok {
		t.Fatalf("scanned %d rows from a truncated file", len(rows))
	}
}
