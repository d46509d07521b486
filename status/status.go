// Package status implements `ssrun status [EXP_DIR] [--watch] [--json]`: it reads an experiment's
// manifest (.smartsim/telemetry/manifest.json, written by package runtime) and prints one row per job
// of the latest run of each entity, so a user can see what ran and how it ended without the driver.
package status

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/pflag"
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
// in the manifest's order (the order of each entity's first appearance).
func ReadRows(path string) ([]Row, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && journalExists(path) {
		return withJournal([]Row{}, path) // a driver killed before its first manifest write
	}
	m, err := readManifest(path, true)
	if err != nil {
		return nil, err
	}
	return withJournal(latestRows(m), path)
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

// writeJSON prints the rows as one indented JSON array; struct field order makes it canonical.
func writeJSON(w io.Writer, rows []Row) error {
	data, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// writeTable prints the rows aligned in columns; a job still running has no return code ("-").
func writeTable(w io.Writer, rows []Row) error {
	// tabwriter writes cell by cell: buffered, 100,000 rows are a few hundred writes, not a million.
	bw := bufio.NewWriterSize(w, 256<<10)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tJOB ID\tRUN\tSTATUS\tRETURN CODE\tOUT FILE")
	for _, r := range rows {
		rc := "-"
		if r.ReturnCode != nil {
			rc = fmt.Sprint(*r.ReturnCode)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Type, dash(r.JobID), dash(r.Run), dash(r.Status), rc, dash(r.OutFile))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
