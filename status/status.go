// Package status implements `ssrun status [EXP_DIR] [--watch] [--json]`: it reads an experiment's
// manifest (.smartsim/telemetry/manifest.json, written by package runtime) and prints one row per job
// of the latest run of each entity, so a user can see what ran and how it ended without the driver.
package status

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/pflag"

	"github.com/ssrun/ssrun/runtime/journal"
)

// Exit codes, as in docs/design.md §2.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// Row is one job as `ssrun status` shows it. The JSON field names are the --json output's contract.
type Row struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	JobID      string `json:"job_id"`
	Run        string `json:"run"`
	Status     string `json:"status"`
	ReturnCode *int   `json:"return_code"`
	OutFile    string `json:"out_file"`
}

// ManifestPath is where the manifest of the experiment in expDir lives.
func ManifestPath(expDir string) string {
	return filepath.Join(expDir, ".smartsim", "telemetry", "manifest.json")
}

// Main runs `ssrun status ARGS...` and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fset := pflag.NewFlagSet("ssrun status", pflag.ContinueOnError)
	fset.SetOutput(stderr)
	watch := fset.Bool("watch", false, "re-print whenever the manifest changes, until interrupted")
	asJSON := fset.Bool("json", false, "print the rows as JSON")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: ssrun status [EXP_DIR] [--watch] [--json]")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "ssrun status: %v\nRun 'ssrun status --help' for usage.\n", err)
		return exitUsage
	}
	if fset.NArg() > 1 {
		fmt.Fprintf(stderr, "ssrun status: expected at most one EXP_DIR, got %q\n", fset.Args())
		return exitUsage
	}
	expDir := "."
	if fset.NArg() == 1 {
		expDir = fset.Arg(0)
	}
	if !*watch {
		// One read, then exit: the heap is the rows being printed, nearly all of it live until the
		// end, so collecting it at every doubling is work thrown away (100,000 members: a quarter of
		// the CPU time). --watch keeps the default, since it lives on between reads.
		debug.SetGCPercent(400)
	}
	show := func() error { return Print(stdout, ManifestPath(expDir), *asJSON) }
	var err error
	if *watch {
		shown := 0
		err = watchInterrupted(ManifestPath(expDir), func() error {
			if shown++; shown > 1 { // a blank line between successive snapshots
				fmt.Fprintln(stdout)
			}
			return show()
		})
	} else {
		err = show()
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssrun status: %v\n", err)
		return exitError
	}
	return exitOK
}

// Print reads the manifest at path and writes its rows as a table, or as JSON when asJSON.
func Print(w io.Writer, path string, asJSON bool) error {
	rows, err := ReadRows(path)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, rows)
	}
	return writeTable(w, rows)
}

// ReadRows reads the manifest at path and returns one row per job of the latest run of each entity,
// in the manifest's order (the order of each entity's first appearance), corrected by the journal.
// The journal is read on another core while the manifest is.
func ReadRows(path string) ([]Row, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && journalExists(path) {
		return withJournal([]Row{}, path) // a driver killed before its first manifest write
	}
	type journalRead struct {
		st  *journal.State
		err error
	}
	read := make(chan journalRead, 1)
	go func() {
		st, err := readJournal(path)
		read <- journalRead{st, err}
	}()
	rows, err := manifestRows(path)
	j := <-read
	if err != nil {
		return nil, err
	}
	if j.err != nil {
		return rows, j.err
	}
	return correct(rows, j.st), nil
}

// manifestRows is the manifest's rows before the journal's corrections: scanned (manifest_scan.go),
// or decoded when the scanner leaves the manifest to the decoder.
func manifestRows(path string) ([]Row, error) {
	if rows, ok := scanManifestRows(path); ok {
		return rows, nil
	}
	return decodedRows(path)
}

// decodedRows is manifestRows by the decoder alone: the reference the scanner is tested against.
func decodedRows(path string) ([]Row, error) {
	m, err := readManifest(path, true)
	if err != nil {
		return nil, err
	}
	return latestRows(m), nil
}

// LatestEntity is an entity as the latest run that launched it left it.
type LatestEntity struct {
	Run string
	Entity
}

// Latest keeps, for each entity (type and name), the last run that launched it, in the order of each
// entity's first appearance. A re-run of one model replaces that model without hiding entities the
// re-run did not touch.
func (m *Manifest) Latest() []LatestEntity {
	type key struct{ typ, name string }
	var order []key
	latest := map[key]LatestEntity{}
	for _, run := range m.Runs {
		for _, e := range run.Entities {
			k := key{e.Type, e.Name}
			if _, seen := latest[k]; !seen {
				order = append(order, k)
			}
			latest[k] = LatestEntity{run.ID, e}
		}
	}
	out := make([]LatestEntity, 0, len(order))
	for _, k := range order {
		out = append(out, latest[k])
	}
	return out
}

func latestRows(m *Manifest) []Row {
	rows := []Row{}
	for _, e := range m.Latest() {
		for _, j := range e.Jobs {
			rows = append(rows, j.row(e.Type, e.Run))
		}
	}
	return rows
}

// jobIDString renders a job id the manifest may hold as a string, a number or null.
func jobIDString(v any) string {
	switch id := v.(type) {
	case nil:
		return ""
	case string:
		return id
	case float64:
		return fmt.Sprintf("%.0f", id)
	default:
		return fmt.Sprint(id)
	}
}
