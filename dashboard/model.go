package dashboard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ssrun/ssrun/status"
)

// Experiment is one experiment directory as the dashboard shows it: its manifest when one could be
// read, else the reason (not run yet, being written, corrupt), which the page shows instead.
type Experiment struct {
	Index    int
	Dir      string // as given on the command line, made absolute
	Manifest *status.Manifest
	Err      error
	// JournalErr: the journal beside the manifest could not be read; the page shows the manifest's
	// word and says why the journal's is missing.
	JournalErr error
	Runs       []RunView
	byKey      map[string]*JobView
	// stamp identifies the manifest the views were read from: while it stays, a change of the journal
	// alone is merged into a copy of the views (journalOnly) instead of re-reading the manifest.
	stamp fileStamp
}

// RunView is one start() call: its entities and the jobs they launched.
type RunView struct {
	ID       string
	Entities []EntityView
	Jobs     []*JobView // every job of the run in manifest order, for counts and the timeline
}

// EntityView is a model, ensemble or database of a run.
type EntityView struct {
	status.Entity
	Jobs []*JobView
}

// JobView is one job (model, member or shard) with what the page needs precomputed.
type JobView struct {
	status.Job
	Key        string // stable across manifest rewrites: run/type/entity/job
	DOMID      string // Key made safe for an HTML id
	Exp        int
	Run        string
	EntityType string // "model", "ensemble", "orchestrator"
	EntityName string
	Start, End time.Time // zero when unknown (End: still running)
	Batch      BatchView // the batch job the entity was launched in, if any
}

// BatchView is an entity's batch settings and where its script was written.
type BatchView struct {
	Cmd    string
	Args   []string
	Script string
}

// Status is the job's status, "Unknown" when the manifest has none yet.
func (j *JobView) Status() string {
	if j.Telemetry.Status == "" {
		return "Unknown"
	}
	return j.Telemetry.Status
}

// IsShard reports whether the job is a database shard.
func (j *JobView) IsShard() bool { return j.EntityType == "orchestrator" }

// ReturnCode is the return code as text, "-" while it is unknown.
func (j *JobView) ReturnCode() string {
	if j.Telemetry.ReturnCode == nil {
		return "-"
	}
	return fmt.Sprint(*j.Telemetry.ReturnCode)
}

// Duration is how long the job ran, up to now while it runs; "-" without a start time.
func (j *JobView) Duration(now time.Time) string {
	if j.Start.IsZero() {
		return "-"
	}
	end := j.End
	if end.IsZero() {
		if terminal(j.Status()) {
			return "-"
		}
		end = now
	}
	return formatDuration(end.Sub(j.Start))
}

// Address is a shard's host:port.
func (j *JobView) Address() string {
	if j.Hostname == "" && j.Port == 0 {
		return "-"
	}
	return fmt.Sprintf("%s:%d", j.Hostname, j.Port)
}

// SortedParams are the job's params in key order (maps print in random order).
func (j *JobView) SortedParams() [][2]string {
	keys := make([]string, 0, len(j.Params))
	for k := range j.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, [2]string{k, j.Params[k]})
	}
	return out
}

// AttachedFiles lists the files attached to the job by kind (Copy, Symlink, Configure), skipping
// empty kinds.
func (j *JobView) AttachedFiles() [][2]string {
	var out [][2]string
	for _, kind := range []string{"Copy", "Symlink", "Configure"} {
		for _, f := range j.Files[kind] {
			out = append(out, [2]string{kind, f})
		}
	}
	return out
}

// ArgvText is the launched command line as a shell would read it back.
func (j *JobView) ArgvText() string {
	argv := j.Telemetry.Argv
	if len(argv) == 0 { // a manifest without ssrun's argv: rebuild what SmartSim records
		argv = append(append([]string{}, j.RunSettings.Exe...), j.ExeArgs...)
		if j.RunSettings.RunCommand != "" {
			argv = append([]string{j.RunSettings.RunCommand}, argv...)
		}
	}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '=' || r == ':' || r == ',' || r == '+' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// BatchScript is where the batch script of the job's entity was written (SmartSim's <path>/<name>.sh),
// "" when it was not launched as a batch job.
func (e *EntityView) BatchScript() string {
	if e.BatchSettings.Cmd == "" || e.Path == "" {
		return ""
	}
	return filepath.Join(e.Path, e.Name+".sh")
}

func (e *EntityView) batchView() BatchView {
	bs := e.BatchSettings
	if bs.Cmd == "" {
		return BatchView{}
	}
	v := BatchView{Cmd: bs.Cmd, Script: e.BatchScript()}
	switch args := bs.Args.(type) {
	case []any: // ssrun: the formatted arguments
		for _, a := range args {
			v.Args = append(v.Args, fmt.Sprint(a))
		}
	case map[string]any: // SmartSim: a dict
		keys := make([]string, 0, len(args))
		for k := range args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if args[k] == nil {
				v.Args = append(v.Args, k)
			} else {
				v.Args = append(v.Args, fmt.Sprintf("%s=%v", k, args[k]))
			}
		}
	}
	return v
}

// Counts are the run's jobs per status, in a fixed order for display.
func (r *RunView) Counts() [][2]string {
	n := map[string]int{}
	for _, j := range r.Jobs {
		n[j.Status()]++
	}
	var out [][2]string
	for _, s := range statusOrder {
		if n[s] > 0 {
			out = append(out, [2]string{s, fmt.Sprint(n[s])})
			delete(n, s)
		}
	}
	rest := make([]string, 0, len(n))
	for s := range n {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	for _, s := range rest {
		out = append(out, [2]string{s, fmt.Sprint(n[s])})
	}
	return out
}

var statusOrder = []string{"Running", "Completed", "Failed", "Cancelled", "Paused", "New", "NeverStarted", "Never Started", "Unknown"}

func terminal(s string) bool {
	switch s {
	case "Completed", "Failed", "Cancelled", "NeverStarted", "Never Started":
		return true
	}
	return false
}

// Job finds a job by key.
func (x *Experiment) Job(key string) *JobView { return x.byKey[key] }

// Name is the experiment's name from its manifest, else its directory's base name.
func (x *Experiment) Name() string {
	if x.Manifest != nil && x.Manifest.Experiment.Name != "" {
		return x.Manifest.Experiment.Name
	}
	return filepath.Base(x.Dir)
}

// Launcher is the manifest's launcher, "-" without one.
func (x *Experiment) Launcher() string {
	if x.Manifest == nil || x.Manifest.Experiment.Launcher == "" {
		return "-"
	}
	return x.Manifest.Experiment.Launcher
}

// loadExperiment reads the manifest of dir and builds the views. A manifest that cannot be read is
// not an error of the dashboard: the experiment is shown with the reason.
func loadExperiment(index int, dir string) *Experiment {
	x := &Experiment{Index: index, Dir: dir, byKey: map[string]*JobView{}}
	path := status.ManifestPath(dir)
	var m *status.Manifest
	before := stampOf(path)
	defer func() {
		if x.Err == nil && stampOf(path) == before {
			x.stamp = before // unchanged while it was read: the views are that file's
		}
	}()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && journalExists(path) {
		m = &status.Manifest{} // a driver killed before its first manifest write: the journal is all there is
	} else if m, err = status.ReadManifest(path); err != nil {
		x.Err = err
		return x
	}
	x.JournalErr = mergeJournal(m, path)
	x.Manifest = m
	for _, run := range m.Runs {
		rv := RunView{ID: run.ID}
		for _, ent := range run.Entities {
			ev := EntityView{Entity: ent, Jobs: make([]*JobView, 0, len(ent.Jobs))}
			ev.Entity.Jobs = nil // the views hold the jobs from here on
			for _, job := range ent.Jobs {
				jv := &JobView{Job: job, Exp: index, Run: run.ID, EntityType: ent.Type, EntityName: ent.Name}
				jv.Key = strings.Join([]string{run.ID, ent.Type, ent.Name, job.Name}, "/")
				jv.DOMID = domID(index, jv.Key)
				jv.Batch = ev.batchView()
				if t := job.Telemetry.StartTime; t != nil {
					jv.Start = *t
				}
				if t := job.Telemetry.EndTime; t != nil {
					jv.End = *t
				}
				ev.Jobs = append(ev.Jobs, jv)
				rv.Jobs = append(rv.Jobs, jv)
				x.byKey[jv.Key] = jv
			}
			rv.Entities = append(rv.Entities, ev)
		}
		x.Runs = append(x.Runs, rv)
	}
	// The manifest keeps its header; its jobs live on in the views only, not twice (at 100,000
	// members the copy was a sixth of what the dashboard holds).
	m.Runs = nil
	return x
}

// domID turns a job key into an HTML id: letters, digits, '-' and '_' kept, anything else hex-escaped,
// so two keys never share an id.
func domID(exp int, key string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "j%d-", exp)
	for _, c := range []byte(key) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}

func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	}
	return fmt.Sprintf("%dm%02ds", m, s)
}
