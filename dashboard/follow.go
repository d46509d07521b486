package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ssrun/ssrun/status"
)

// settle is how long the follower waits after a change before reading: the runtime rewrites the
// manifest at most every 200 ms, and a burst of events (rename, write, chmod, journal appends) becomes
// one read and one batched update to the pages.
const settle = 40 * time.Millisecond

// minGap is the least time between two reads of one experiment, and a read never starts sooner than
// twice the last one took after it: a burst of changes in a 10,000-member run (a manifest rewrite
// and thousands of journal lines) becomes at most a few patches a second, and the server spends at
// most a third of a core following, however large the experiment.
const minGap = 250 * time.Millisecond

// nextRead is when the follower may read again after a read that ended at end and took took.
func nextRead(end time.Time, took time.Duration) time.Time { return end.Add(max(minGap, 2*took)) }

// Follow keeps the experiments current until ctx is done. It watches each experiment's telemetry
// directory (and the directories above it until they exist, so an experiment that has not run yet is
// picked up when it does) with fsnotify; no polling.
func (s *Server) Follow(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	chains := make([][]string, len(s.roots))
	for i, root := range s.roots {
		chains[i] = []string{root, filepath.Join(root, ".smartsim"), filepath.Join(root, ".smartsim", "telemetry")}
		for _, d := range chains[i] {
			_ = w.Add(d) // a directory not there yet is added when its parent reports its creation
		}
	}
	// Catch up with anything written between NewServer and the watches being in place.
	for i := range s.roots {
		s.refresh(i)
	}
	dirty := map[int]bool{}
	var timer <-chan time.Time
	var notBefore time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-w.Errors:
			s.log.Warn("watching experiments", "error", err)
		case ev := <-w.Events:
			for i, chain := range chains {
				name := filepath.Clean(ev.Name)
				if slices.Contains(chain, name) && ev.Op&fsnotify.Create != 0 {
					for _, d := range chain {
						_ = w.Add(d)
					}
					dirty[i] = true
				}
				if manifest := status.ManifestPath(s.roots[i]); name == manifest || name == journalPath(manifest) {
					dirty[i] = true
				}
			}
			if len(dirty) > 0 && timer == nil {
				timer = time.After(max(settle, time.Until(notBefore)))
			}
		case <-timer:
			timer = nil
			start := time.Now()
			for i := range dirty {
				s.refresh(i)
			}
			clear(dirty)
			notBefore = nextRead(time.Now(), time.Since(start))
		}
	}
}

// refresh re-reads experiment i and pushes what changed. A manifest that does not parse while an
// earlier one did is a writer caught mid-write (SmartSim does not write atomically): the last good
// state stays until the next event.
func (s *Server) refresh(i int) {
	s.mu.RLock()
	prev := s.exps[i]
	s.mu.RUnlock()
	x, ok := journalOnly(prev, status.ManifestPath(s.roots[i]))
	if !ok {
		x = loadExperiment(i, s.roots[i])
	}
	s.mu.Lock()
	old := s.exps[i]
	if x.Err != nil && old.Manifest != nil && exists(status.ManifestPath(s.roots[i])) {
		s.mu.Unlock()
		return
	}
	patch, structural := diff(old, x)
	if !structural && patch == nil {
		s.mu.Unlock()
		return
	}
	s.exps[i] = x
	s.version++
	version := s.version
	s.mu.Unlock()
	if structural {
		s.hub.publish(sseMessage("reload", version, map[string]int{"exp": i}))
		return
	}
	s.summaries(x, patch.Runs)
	s.hub.publish(sseMessage("patch", version, patch))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// patchRowsMax is the most changed rows one patch carries per run (a page of the table): past it the
// run is marked `more` and each page fetches its visible table page instead, so a burst of 10,000
// status changes is one small message, not a megabyte of rows most pages do not show.
const patchRowsMax = pageSize

// patchMsg is a `patch` event: rows to update in place, and per run its new summary (HTML), whether
// it changed more rows than the patch carries, and that its timeline needs fetching again.
type patchMsg struct {
	Exp  int        `json:"exp"`
	Rows []rowPatch `json:"rows"`
	Runs []runPatch `json:"runs"`
}

type rowPatch struct {
	ID       string `json:"id"`
	Key      string `json:"key"`
	Status   string `json:"status"`
	RC       string `json:"rc"`
	JobID    string `json:"job_id"`
	Start    string `json:"start"`
	Duration string `json:"duration"`
}

type runPatch struct {
	Run     string `json:"run"`
	ID      string `json:"id"`
	Summary string `json:"summary"`
	Changed int    `json:"changed"` // rows of the run that changed
	More    bool   `json:"more"`    // more than the patch carries: fetch the visible page
}

// diff compares two states of one experiment: structural when the set or order of jobs changed (or
// the error shown instead of them), else the rows whose shown fields changed (nil when none did).
func diff(old, cur *Experiment) (*patchMsg, bool) {
	if errText(old.Err) != errText(cur.Err) || len(old.Runs) != len(cur.Runs) {
		return nil, true
	}
	p := &patchMsg{Exp: cur.Index, Rows: []rowPatch{}}
	now := time.Now()
	for r := range cur.Runs {
		a, b := old.Runs[r].Jobs, cur.Runs[r].Jobs
		if len(a) != len(b) || old.Runs[r].ID != cur.Runs[r].ID {
			return nil, true
		}
		var rows []rowPatch
		changed := 0
		for k := range b {
			if a[k].Key != b[k].Key {
				return nil, true
			}
			if shownChanged(a[k], b[k]) {
				if changed++; changed <= patchRowsMax {
					rows = append(rows, rowOf(b[k], now))
				}
			}
		}
		if changed == 0 {
			continue
		}
		p.Runs = append(p.Runs, runPatch{Run: cur.Runs[r].ID, ID: runDOMID(cur.Index, cur.Runs[r].ID), Changed: changed, More: changed > patchRowsMax})
		if changed <= patchRowsMax {
			p.Rows = append(p.Rows, rows...)
		}
	}
	if len(p.Runs) == 0 {
		return nil, false
	}
	return p, false
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func shownChanged(a, b *JobView) bool {
	return a.Status() != b.Status() || a.ReturnCode() != b.ReturnCode() || a.Telemetry.ID() != b.Telemetry.ID() ||
		!a.Start.Equal(b.Start) || !a.End.Equal(b.End)
}

func rowOf(j *JobView, now time.Time) rowPatch {
	return rowPatch{ID: j.DOMID, Key: j.Key, Status: j.Status(), RC: j.ReturnCode(), JobID: j.Telemetry.ID(),
		Start: clockOf(j.Start), Duration: j.Duration(now)}
}

// summaries renders the summary (counts, progress bar) of the runs a patch touched with the page's
// own template.
func (s *Server) summaries(x *Experiment, runs []runPatch) {
	for i := range runs {
		for r := range x.Runs {
			if x.Runs[r].ID != runs[i].Run {
				continue
			}
			var buf bytes.Buffer
			if err := s.tmpl.ExecuteTemplate(&buf, "summary", &x.Runs[r]); err != nil {
				s.log.Error("rendering a run's summary", "error", err)
			}
			runs[i].Summary = buf.String()
		}
	}
}

// handleJobEvents streams `changed` whenever a file of one job changes: its .out/.err, or a shard's
// collector CSVs. The page refetches the job's fragment. Watches live as long as the stream, so only
// the jobs someone is looking at are watched (10,000 members do not cost 10,000 watches).
func (s *Server) handleJobEvents(w http.ResponseWriter, r *http.Request) {
	x, ok := s.experiment(r)
	if !ok {
		http.Error(w, "no such experiment", http.StatusNotFound)
		return
	}
	j := x.Job(r.URL.Query().Get("key"))
	if j == nil {
		http.Error(w, "no such job", http.StatusNotFound)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	watcher, err := fsnotify.NewWatcher()
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer watcher.Close()
	root := s.roots[x.Index]
	files := map[string]bool{}
	for _, f := range []string{j.OutFile, j.ErrFile, j.MemoryFile, j.ClientFile, j.ClientCountFile} {
		if f == "" {
			continue
		}
		if real, err := confined(root, f); err == nil {
			f = real
		} else if errors.Is(err, errOutside) {
			continue
		}
		files[filepath.Clean(f)] = true
		_ = watcher.Add(filepath.Dir(f))
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	fmt.Fprintf(w, "retry: 1000\nevent: hello\ndata: {}\n\n")
	fl.Flush()
	var timer <-chan time.Time
	keepalive := time.NewTicker(25 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-watcher.Errors:
		case ev := <-watcher.Events:
			if files[filepath.Clean(ev.Name)] && timer == nil {
				timer = time.After(100 * time.Millisecond)
			}
		case <-timer:
			timer = nil
			fmt.Fprintf(w, "event: changed\ndata: {}\n\n")
			fl.Flush()
		case <-keepalive.C:
			fmt.Fprintf(w, ": keepalive\n\n")
			fl.Flush()
		}
	}
}
