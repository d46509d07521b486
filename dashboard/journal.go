package dashboard

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ssrun/ssrun/runtime/journal"
	"github.com/ssrun/ssrun/status"
)

// mergeJournal corrects the manifest's jobs with what package status reads from the journal and the
// members' wrapper files: the manifest is a snapshot the runtime may write less often than members
// change (and not at all after its driver is killed), the journal is appended at every launch and
// end. A member the manifest does not list yet is added to its run, so the page shows it as soon as
// the journal does. A journal that cannot be read leaves the manifest as it is (its error is
// returned for the page to show).
func mergeJournal(m *status.Manifest, manifestPath string) error {
	type ref struct{ run, entity, job int }
	at := map[[2]string]ref{}
	for r, run := range m.Runs {
		for e, ent := range run.Entities {
			if ent.Type != "model" && ent.Type != "ensemble" {
				continue
			}
			for j, job := range ent.Jobs {
				at[[2]string{run.ID, job.Name}] = ref{r, e, j}
			}
		}
	}
	settled := func(run, name string) bool {
		p, ok := at[[2]string{run, name}]
		return ok && status.Terminal(m.Runs[p.run].Entities[p.entity].Jobs[p.job].Telemetry.Status)
	}
	states, err := status.JournalStates(manifestPath, settled)
	if err != nil {
		return err
	}
	for _, s := range states {
		if p, ok := at[[2]string{s.Run, s.Name}]; ok {
			applyState(&m.Runs[p.run].Entities[p.entity].Jobs[p.job].Telemetry, s)
			continue
		}
		if s.Run == "" {
			continue
		}
		job := status.Job{Name: s.Name, OutFile: s.OutFile, ErrFile: strings.TrimSuffix(s.OutFile, ".out") + ".err"}
		job.Telemetry.StatusDir = s.StatusDir
		applyState(&job.Telemetry, s)
		if job.Telemetry.Status == "" {
			job.Telemetry.Status = "Unknown"
		}
		r := runIndex(m, s.Run)
		typ, name := "model", s.Name
		if s.Ensemble != "" {
			typ, name = "ensemble", s.Ensemble
		}
		e := entityIndex(&m.Runs[r], typ, name)
		m.Runs[r].Entities[e].Jobs = append(m.Runs[r].Entities[e].Jobs, job)
		at[[2]string{s.Run, s.Name}] = ref{r, e, len(m.Runs[r].Entities[e].Jobs) - 1}
	}
	return nil
}

// applyState sets what the journal knows; a state with no status keeps the manifest's.
func applyState(t *status.Telemetry, s status.MemberState) {
	if s.JobID != "" {
		t.JobID = s.JobID
	}
	if s.Status != "" {
		t.Status, t.ReturnCode = s.Status, s.ReturnCode
	}
}

func runIndex(m *status.Manifest, id string) int {
	for i := range m.Runs {
		if m.Runs[i].ID == id {
			return i
		}
	}
	m.Runs = append(m.Runs, status.Run{ID: id})
	return len(m.Runs) - 1
}

func entityIndex(r *status.Run, typ, name string) int {
	for i := range r.Entities {
		if r.Entities[i].Type == typ && r.Entities[i].Name == name {
			return i
		}
	}
	r.Entities = append(r.Entities, status.Entity{Type: typ, Name: name})
	return len(r.Entities) - 1
}

// journalPath is the journal beside the manifest at manifestPath.
func journalPath(manifestPath string) string {
	return filepath.Join(filepath.Dir(manifestPath), journal.FileName)
}

func journalExists(manifestPath string) bool {
	_, err := os.Stat(journalPath(manifestPath))
	return err == nil
}

// fileStamp identifies a file's content without reading it: size, modification time, inode (the
// runtime replaces the manifest by renaming a new file over it). The zero stamp matches nothing.
type fileStamp struct {
	size int64
	mod  time.Time
	ino  uint64
}

func stampOf(path string) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	ino := uint64(0)
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	return fileStamp{st.Size(), st.ModTime(), ino}
}

// journalOnly is old with the journal merged again, for a change of the journal alone: the manifest
// (150 MB at 100,000 members, seconds to decode) is not read again. The views are copied, so pages
// reading old keep a consistent state. ok is false when it cannot stand in for a full read: the
// manifest changed, or the journal names a member the views do not have.
func journalOnly(old *Experiment, manifestPath string) (x *Experiment, ok bool) {
	if old.Err != nil || old.stamp == (fileStamp{}) || stampOf(manifestPath) != old.stamp {
		return nil, false
	}
	x = &Experiment{Index: old.Index, Dir: old.Dir, Manifest: old.Manifest, stamp: old.stamp,
		byKey: make(map[string]*JobView, len(old.byKey)), Runs: make([]RunView, len(old.Runs))}
	members := map[[2]string]*JobView{} // run and name: what the journal names a member by
	for r, run := range old.Runs {
		rv := RunView{ID: run.ID, Jobs: make([]*JobView, 0, len(run.Jobs)), Entities: make([]EntityView, len(run.Entities))}
		for e, ent := range run.Entities {
			ev := EntityView{Entity: ent.Entity, Jobs: make([]*JobView, 0, len(ent.Jobs))}
			for _, j := range ent.Jobs {
				c := *j
				ev.Jobs = append(ev.Jobs, &c)
				rv.Jobs = append(rv.Jobs, &c)
				x.byKey[c.Key] = &c
				if c.EntityType == "model" || c.EntityType == "ensemble" {
					members[[2]string{c.Run, c.Name}] = &c
				}
			}
			rv.Entities[e] = ev
		}
		x.Runs[r] = rv
	}
	states, err := status.JournalStates(manifestPath, func(run, name string) bool {
		j := members[[2]string{run, name}]
		return j != nil && status.Terminal(j.Status())
	})
	x.JournalErr = err
	for _, s := range states {
		j := members[[2]string{s.Run, s.Name}]
		if j == nil {
			return nil, false
		}
		applyState(&j.Telemetry, s)
	}
	return x, true
}
