package runtime

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// summaryHeaders are SmartSim's summary() columns (after the unnamed index column).
var summaryHeaders = []string{"Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode"}

// summaryStyles maps summary(style=...) to table formats; "markdown" is tabulate's pipe format.
var summaryStyles = map[string]string{"github": "github", "plain": "plain", "markdown": "pipe",
	"pipe": "pipe", "simple": "simple", "grid": "grid"}

// SummaryRow is one job in summary(style="json").
type SummaryRow struct {
	Index      int     `json:"index"`
	Name       string  `json:"Name"`
	EntityType string  `json:"Entity-Type"`
	JobID      string  `json:"JobID"`
	RunID      int     `json:"RunID"`
	Time       float64 `json:"Time"`
	Status     string  `json:"Status"`
	Returncode *int    `json:"Returncode"`
	// Resume says why a resumed run did not launch the job ("skipped: unchanged since run-003").
	Resume string `json:"Resume,omitempty"`
}

// SummaryRows lists every job launched in this experiment in launch order (docs/design.md §4: not only the
// completed ones): per start() call its databases' shards (DBNode rows, launched first) and then its
// models' jobs. Time is the elapsed seconds rounded to 4 decimals (0 in dry run, so plans are stable);
// Returncode is nil while a job runs.
func (e *Experiment) SummaryRows() []SummaryRow {
	now := e.opts.Now()
	var rows []SummaryRow
	for _, run := range e.runsSnapshot() {
		e.runsMu.Lock()
		databases, jobs := append([]*dbJob(nil), run.databases...), append(append([]*job(nil), run.skipped...), run.jobs...)
		e.runsMu.Unlock()
		for _, d := range databases {
			rows = append(rows, d.summaryRows(now)...)
		}
		for _, j := range jobs {
			rows = append(rows, jobSummaryRow(j, now))
		}
	}
	for i := range rows {
		rows[i].Index = i
	}
	return rows
}

func jobSummaryRow(j *job, now time.Time) SummaryRow {
	r := j.Result()
	row := SummaryRow{Name: j.name, EntityType: j.entityType, JobID: j.handle.ID(), RunID: j.runID,
		Time: math.Round(j.elapsed(now).Seconds()*1e4) / 1e4, Status: string(r.Status), Resume: j.resumeNote}
	if r.Status.Terminal() {
		rc := r.ExitCode
		row.Returncode = &rc
	}
	return row
}

// Summary renders SummaryRows in style github (default), plain, markdown or json (also simple, grid),
// as tabulate does with SmartSim's arguments (index column, no number parsing, "None" for missing).
func (e *Experiment) Summary(style string) (string, error) {
	if style == "" {
		style = "github"
	}
	rows := e.SummaryRows()
	if style == "json" {
		if rows == nil {
			rows = []SummaryRow{}
		}
		data, err := json.MarshalIndent(rows, "", "  ")
		return string(data), err
	}
	tf, ok := summaryStyles[style]
	if !ok {
		return "", Errorf(ValueError, "Unknown summary style %q: use github, plain, markdown or json", style)
	}
	headers := append([]string{""}, summaryHeaders...)
	resumed := false
	for _, r := range rows {
		resumed = resumed || r.Resume != ""
	}
	if resumed { // a resumed run says which rows it did not launch, in a column of its own
		headers = append(headers, "Resume")
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		rc := "None"
		if r.Returncode != nil {
			rc = strconv.Itoa(*r.Returncode)
		}
		cells[i] = []string{strconv.Itoa(r.Index), r.Name, r.EntityType, r.JobID, strconv.Itoa(r.RunID), strconv.FormatFloat(r.Time, 'f', 4, 64), r.Status, rc}
		if resumed {
			cells[i] = append(cells[i], r.Resume)
		}
	}
	return tabulate(headers, cells, tf, false), nil
}
