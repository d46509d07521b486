package dashboard

import (
	"fmt"
	"html/template"
	"time"
)

// pageData is what the page and report templates render: the experiments, and whether the output is
// the static report (CSS inline, every job's details inline, no script) or the live page.
type pageData struct {
	Exps    []*Experiment
	Version uint64
	Static  bool
	CSS     template.CSS
	Now     time.Time
	Query   *tableQuery // the table page a link or form asked for (other runs show their first page)
	srv     *Server
}

// expData is one experiment section's data.
type expData struct {
	P *pageData
	X *Experiment
}

// Exp wraps an experiment for its section template.
func (p *pageData) Exp(x *Experiment) expData { return expData{p, x} }

// RunsNewestFirst lists the experiment's runs, the latest start() first: it is what a person opens
// the page for.
func (d expData) RunsNewestFirst() []*RunView {
	out := make([]*RunView, 0, len(d.X.Runs))
	for i := len(d.X.Runs) - 1; i >= 0; i-- {
		out = append(out, &d.X.Runs[i])
	}
	return out
}

// Gantt draws a run's timeline.
func (d expData) Gantt(r *RunView) template.HTML { return gantt(r.Jobs, d.P.Now) }

// Table is the page of the run's table to show: the one asked for, else the first.
func (d expData) Table(r *RunView) *tableView {
	q := tableQuery{Exp: d.X.Index, Run: r.ID}
	if p := d.P.Query; p != nil && p.Exp == d.X.Index && p.Run == r.ID {
		q = *p
	}
	return r.table(q, d.P.Now)
}

// Summary is the run's counts and progress bar; a patch carries it rendered the same way.
func (d expData) Summary(r *RunView) *RunView { return r }

// Large reports whether the report shows the run summarised (completed jobs folded, details only
// for the jobs that did not complete) rather than every job in full.
func (d expData) Large(r *RunView) bool { return len(r.Jobs) > pageSize }

// Unfinished are the run's jobs that did not complete (failed, cancelled, still running, unknown),
// which the report of a large run lists in full.
func (d expData) Unfinished(r *RunView) []*JobView {
	var out []*JobView
	for _, j := range r.Jobs {
		if j.Status() != "Completed" {
			out = append(out, j)
		}
	}
	return out
}

// CompletedJobs are the run's completed jobs, summarised in the report of a large run.
func (d expData) CompletedJobs(r *RunView) []*JobView {
	var out []*JobView
	for _, j := range r.Jobs {
		if j.Status() == "Completed" {
			out = append(out, j)
		}
	}
	return out
}

// bucketRow summarises consecutive completed jobs in the report of a large run: which, how many,
// when they ran and how long they took.
type bucketRow struct {
	First, Last    string
	N              int
	Start, End     time.Time
	MinDur, MaxDur string
}

// Buckets summarises jobs pageSize at a time (in manifest order), so the report's size grows with
// the jobs that did not complete, not with the ones that did.
func (d expData) Buckets(jobs []*JobView) []bucketRow {
	var out []bucketRow
	for i := 0; i < len(jobs); i += pageSize {
		b := jobs[i:min(i+pageSize, len(jobs))]
		row := bucketRow{First: b[0].Name, Last: b[len(b)-1].Name, N: len(b)}
		var lo, hi time.Duration = -1, -1
		for _, j := range b {
			if !j.Start.IsZero() && (row.Start.IsZero() || j.Start.Before(row.Start)) {
				row.Start = j.Start
			}
			if j.End.After(row.End) {
				row.End = j.End
			}
			if j.Start.IsZero() || j.End.IsZero() {
				continue
			}
			dur := j.End.Sub(j.Start)
			if lo < 0 || dur < lo {
				lo = dur
			}
			hi = max(hi, dur)
		}
		row.MinDur, row.MaxDur = "-", "-"
		if lo >= 0 {
			row.MinDur, row.MaxDur = formatDuration(lo), formatDuration(hi)
		}
		out = append(out, row)
	}
	return out
}

// reportDetails is how many unfinished jobs of a large run the report details (configuration, log
// tails): enough to diagnose a failure pattern, bounded so 5,000 failures do not make a 100 MB file.
const reportDetails = 50

// Detailed is the first reportDetails of jobs.
func (d expData) Detailed(jobs []*JobView) []*JobView { return jobs[:min(len(jobs), reportDetails)] }

// Detail is one job's detail section for the static report.
func (d expData) Detail(j *JobView) *jobDetail {
	return d.P.srv.detail(d.X, j, reportTailBytes)
}

// RunID is the HTML id of a run's section.
func (d expData) RunID(r *RunView) string { return runDOMID(d.X.Index, r.ID) }

func runDOMID(exp int, run string) string { return domID(exp, "run:"+run) }

// jobDetail is a job with what its detail section reads from disk: log tails, the batch script and,
// for a shard, the collectors' charts.
type jobDetail struct {
	J       *JobView
	Exp     int
	Static  bool
	Now     time.Time
	Out     Tail
	Err     Tail
	Script  Tail
	Memory  template.HTML
	Clients template.HTML
}

func (s *Server) detail(x *Experiment, j *JobView, tail int64) *jobDetail {
	root := s.roots[x.Index]
	d := &jobDetail{J: j, Exp: x.Index, Static: tail == reportTailBytes, Now: s.now(),
		Out: readTail(root, j.OutFile, tail), Err: readTail(root, j.ErrFile, tail)}
	if j.Batch.Script != "" {
		d.Script = readTail(root, j.Batch.Script, tail)
	}
	if j.IsShard() {
		d.Memory = lineChart("memory of "+j.Name, "bytes", memorySeries(root, j))
		d.Clients = lineChart("clients of "+j.Name, "count", clientSeries(root, j))
	}
	return d
}

func clockOf(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("15:04:05")
}

func parseTemplates() *template.Template {
	funcs := template.FuncMap{
		"css":   cssToken,
		"clock": clockOf,
		"stamp": func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.Local().Format("2006-01-02 15:04:05.000 MST")
		},
		"dur":       func(j *JobView, now time.Time) string { return j.Duration(now) },
		"progress":  func(r *RunView) template.HTML { return progressBar(r.Counts(), len(r.Jobs)) },
		"thousands": thousands,
		"row":       func(j *JobView, now time.Time, link bool) rowData { return rowData{j, now, link} },
		"plural": func(n int, word string) string {
			if n == 1 {
				return fmt.Sprintf("1 %s", word)
			}
			return fmt.Sprintf("%d %ss", n, word)
		},
	}
	return template.Must(template.New("").Funcs(funcs).ParseFS(assets, "assets/*.html"))
}

// rowData is one row of a jobs table; Link: its name opens its details (the report links only the
// jobs it details).
type rowData struct {
	J    *JobView
	Now  time.Time
	Link bool
}

// BucketSize is how many completed jobs one row of a large run's report summarises.
func (d expData) BucketSize() int { return pageSize }
