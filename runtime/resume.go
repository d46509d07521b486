package runtime

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/member"
	jrnl "github.com/ssrun/ssrun/runtime/journal"
)

// Resume (ssrun --resume, start(..., resume=True)) decides per member from the journal: a member whose
// latest execution ended Completed with the identity it has now is skipped; one still running (its
// member's pid and start time still name a live process) is re-attached and followed to its end; an
// execution that ended while no driver watched is read from the exit code its supervisor (or batch
// script) recorded; every other member runs, with the reason: new, params changed, file in.txt
// changed, executable changed, previously Failed (code 7), previously Cancelled, never finished.

// resumeState is the journal as read once by the first resume decision of this driver.
type resumeState struct {
	once  sync.Once
	state *jrnl.State
	err   error
	// jobs is the scheduler's answer about the journal's unfinished batch jobs for generation's
	// decisions (resume_jobs.go); a start asks again for its own members.
	jobsOnce sync.Once
	jobs     jobStates
	// unjournaled are members whose unwatched end a probe (generation, dry run) found and did not
	// journal; the start that decides them for real appends it.
	mu          sync.Mutex
	unjournaled map[string]bool
}

// journalUnwatched appends the end of an execution no driver watched, found by decide. A probe only
// remembers it, for the real decision that follows.
func (e *Experiment) journalUnwatched(prior *jrnl.Member, probe bool) {
	e.resume.mu.Lock()
	defer e.resume.mu.Unlock()
	if probe {
		if e.resume.unjournaled == nil {
			e.resume.unjournaled = map[string]bool{}
		}
		e.resume.unjournaled[prior.Name] = true
		return
	}
	delete(e.resume.unjournaled, prior.Name)
	c := prior.Code
	e.journalAppend(false, jrnl.Record{Ev: jrnl.EvEnd, Run: prior.Since, Name: prior.Name, Status: prior.Status, Code: &c})
}

// flushUnwatched journals, for a real decision, the unwatched end a probe found earlier.
func (e *Experiment) flushUnwatched(prior *jrnl.Member) {
	e.resume.mu.Lock()
	pending := e.resume.unjournaled[prior.Name]
	e.resume.mu.Unlock()
	if pending {
		e.journalUnwatched(prior, false)
	}
}

type resumeAction int

const (
	resumeRun resumeAction = iota
	resumeSkip
	resumeAttach
)

// resumeDecision is what resume does with one member and why.
type resumeDecision struct {
	action resumeAction
	reason string
	prior  *jrnl.Member
	id     memberIdentity
	// job is the batch job's state when a batch member is re-attached; unknown says the scheduler
	// could not be asked, so whether the member still runs is not known.
	job     launchers.Result
	unknown bool
}

// manifestSchemaVersion is the manifest layout this ssrun writes (SmartSim's 0.0.4).
const manifestSchemaVersion = "0.0.4"

// resumeJournal reads and checks the journal: corrupt, newer, or another script's is a clear error
// before anything is generated or launched.
func (e *Experiment) resumeJournal() (*jrnl.State, error) {
	e.resume.once.Do(func() {
		if e.opts.Hermetic && e.opts.DryRun {
			e.resume.state = jrnl.Replay(nil)
			return
		}
		fix := "Nothing was launched or deleted. Run without --resume in another exp_path to start afresh."
		if err := e.checkManifestVersion(); err != nil {
			e.resume.err = Errorf(SmartSimError, "Cannot resume %s: %w. %s", e.Path, err, fix)
			return
		}
		recs, err := jrnl.Read(e.JournalPath())
		if err != nil {
			e.resume.err = Errorf(SmartSimError, "Cannot resume %s: %w. %s", e.Path, err, fix)
			return
		}
		st := jrnl.Replay(recs)
		if st.Script != "" && e.opts.Script != "" && st.Script != e.opts.Script {
			e.resume.err = Errorf(SmartSimError, "Cannot resume %s: it was made by %s, not %s (journal %s). Resume it with that script, or give this one another exp_path. Nothing was launched or deleted.",
				e.Path, st.Script, e.opts.Script, e.JournalPath())
			return
		}
		e.resume.state = st
	})
	return e.resume.state, e.resume.err
}

// checkManifestVersion refuses a manifest written in a newer layout than this ssrun's.
func (e *Experiment) checkManifestVersion() error {
	f, err := os.Open(e.ManifestPath())
	if err != nil {
		return nil
	}
	defer f.Close()
	version, err := manifestVersion(json.NewDecoder(bufio.NewReader(f)))
	if err != nil {
		return fmt.Errorf("%s is not a manifest (%w)", e.ManifestPath(), err)
	}
	if version != "" && versionNewer(version, manifestSchemaVersion) {
		return fmt.Errorf("%s has manifest version %s, newer than this ssrun's %s (upgrade ssrun)", e.ManifestPath(), version, manifestSchemaVersion)
	}
	return nil
}

// manifestVersion reads "schema info"."version" without decoding the rest: a manifest of many
// 10,000-member runs is large, and its version is near the top.
func manifestVersion(dec *json.Decoder) (string, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", fmt.Errorf("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		if tok == "schema info" {
			var schema struct {
				Version string `json:"version"`
			}
			err := dec.Decode(&schema)
			return schema.Version, err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", err
		}
	}
	return "", nil
}

// versionNewer compares dotted numeric versions.
func versionNewer(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x > y
		}
	}
	return false
}

// decide is resume's decision for m. ignoreEnv compares identities without the environment (at
// generation, databases are not started yet, so SSDB is not known; generated content never depends on
// it). probe decides without side effects (generation, dry run).
// jobs is the scheduler's state of unfinished batch jobs (resume_jobs.go).
func (e *Experiment) decide(st *jrnl.State, m *Model, jobs jobStates, ignoreEnv, probe bool) resumeDecision {
	d := resumeDecision{id: e.identity(m), action: resumeRun}
	prior := st.Members[m.Name]
	if prior == nil {
		d.reason = "new"
		return d
	}
	d.prior = prior
	if !prior.Ended {
		e.settleUnwatched(prior, probe)
	} else if !probe {
		e.flushUnwatched(prior)
	}
	if !prior.Ended {
		record := filepath.Join(prior.Dir, m.Name)
		if pid, alive := memberAlive(record); alive {
			d.action, d.reason = resumeAttach, fmt.Sprintf("still running (pid %d since %s): re-attached", pid, prior.Since)
			return d
		}
		if e.decideBatch(&d, prior, jobs, probe) {
			return d
		}
	}
	if !prior.Ended {
		d.reason = "never finished"
		return d
	}
	if changed := identityChange(prior, d.id, ignoreEnv); changed != "" {
		d.reason = changed
		return d
	}
	switch launchers.Status(prior.Status) {
	case launchers.StatusCompleted:
		d.action, d.reason = resumeSkip, "unchanged since "+prior.Since
	case launchers.StatusFailed:
		d.reason = fmt.Sprintf("previously Failed (code %d)", prior.Code)
	default:
		d.reason = "previously " + prior.Status
	}
	return d
}

// identityChange says what changed between the prior execution's identity and now ("" if nothing).
func identityChange(prior *jrnl.Member, id memberIdentity, ignoreEnv bool) string {
	if prior.Hash == id.Hash {
		return ""
	}
	if ignoreEnv && len(prior.Parts) > 0 {
		same := len(prior.Parts) == len(id.Parts)
		for k, v := range id.Parts {
			if k != partEnv && prior.Parts[k] != v {
				same = false
			}
		}
		if same {
			return ""
		}
	}
	return changedParts(prior.Parts, id.Parts)
}

// settleUnwatched completes what the journal lacks about an execution that ended while no driver
// watched: the exit code its supervisor wrote (local) or its batch script recorded. Unless probing, the
// end is appended to the journal, so the next reader need not look again.
func (e *Experiment) settleUnwatched(prior *jrnl.Member, probe bool) {
	code, ok := member.RecordedExitCode(filepath.Join(prior.Dir, prior.Name))
	if !ok {
		code, ok = batchExitCode(prior)
	}
	if !ok {
		return
	}
	prior.Ended, prior.Code, prior.Status = true, code, string(launchers.StatusCompleted)
	if code != 0 {
		prior.Status = string(launchers.StatusFailed)
	}
	e.journalUnwatched(prior, probe)
}

// batchExitCode reads a batch member's code from its batch job's <owner>.exitcodes.
func batchExitCode(prior *jrnl.Member) (int, bool) {
	return member.ReadBatchExitCode(prior.Dir, prior.Name)
}

// memberAlive reports whether the member recorded at record still runs (same pid and start time).
func memberAlive(record string) (int, bool) {
	pid, start, ok := member.ReadPid(record)
	if !ok {
		return 0, false
	}
	now, err := member.StartTime(pid)
	return pid, err == nil && now == start
}

// applyResume decides for every step of a start: skipped members get a finished job (their status is
// their recorded Completed), running ones a job following the process or batch job found again; it
// returns the steps still to launch. The scheduler is asked once, before any decision, about every
// batch job of these steps whose end is not recorded (resume_jobs.go). A member that may still run
// but cannot be checked is refused rather than launched twice.
func (e *Experiment) applyResume(run *manifestRun, steps []step) ([]step, error) {
	st, err := e.resumeJournal()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.model.Name
	}
	jobs := e.lookupJobs(unfinishedJobs(st, names))
	var launch []step
	counts := map[resumeAction]int{}
	groups := map[string]*batchFollow{}
	for _, s := range steps {
		d := e.decide(st, s.model, jobs, false, e.opts.DryRun)
		if err := e.refuseUncertain(s, d); err != nil {
			return nil, err
		}
		counts[d.action]++
		e.plan.recordResume(PlanResume{Name: s.model.Name, Action: [...]string{"run", "skip", "attach"}[d.action], Reason: d.reason})
		switch {
		case d.action == resumeSkip:
			e.addResumedJob(run, s, d, nil)
		case d.action == resumeAttach && e.opts.DryRun:
			// a dry run neither launches nor follows it
		case d.action == resumeAttach && d.prior.Job != "" && batchExitFile(d.prior) != "":
			g := groups[d.prior.Job]
			if g == nil {
				g = &batchFollow{exitFile: batchExitFile(d.prior), last: d.job}
				groups[d.prior.Job] = g
			}
			g.steps, g.ds = append(g.steps, s), append(g.ds, d)
		case d.action == resumeAttach:
			a, ok := member.Attach(filepath.Join(d.prior.Dir, s.model.Name), 5*time.Second)
			if !ok { // ended between the check and now: decide again from its recorded code
				if d = e.decide(st, s.model, jobs, false, false); d.action != resumeRun {
					e.addResumedJob(run, s, d, nil)
					continue
				}
				launch = append(launch, s)
				continue
			}
			e.addResumedJob(run, s, d, a)
		default:
			launch = append(launch, s)
		}
	}
	if err := e.followBatches(run, groups); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return launch, nil // a start of databases only
	}
	e.opts.Log.Info(fmt.Sprintf("resume: %d to run, %d skipped (unchanged), %d re-attached", counts[resumeRun], counts[resumeSkip], counts[resumeAttach]))
	return launch, nil
}

// refuseUncertain refuses to rerun a member that may still be running: a batch member whose job the
// scheduler could not be asked about, or a step of a workload-manager launcher (srun, mpirun) that
// ran without the `ssrun member` record and whose process id is alive on this host.
func (e *Experiment) refuseUncertain(s step, d resumeDecision) error {
	if e.opts.DryRun || d.action != resumeRun || d.prior == nil || d.prior.Ended {
		return nil
	}
	fix := "Wait for the job to end or cancel it, then resume. Nothing was launched."
	if d.unknown {
		return Errorf(SmartSimError, "Cannot resume %s: %s (job %s of %s) has no recorded end and %s could not be asked whether it still runs: %s. %s",
			e.Path, s.model.Name, d.prior.Job, d.prior.Since, e.LauncherName, strings.TrimPrefix(d.reason, "never finished "), fix)
	}
	if e.LauncherName == "local" || d.prior.Job == "" || batchExitFile(d.prior) != "" {
		return nil
	}
	if _, _, recorded := member.ReadPid(filepath.Join(d.prior.Dir, s.model.Name)); recorded {
		return nil // its wrapper's pid and start time said it is gone
	}
	if pid, err := strconv.Atoi(d.prior.Job); err == nil && pid > 0 && syscall.Kill(pid, 0) == nil {
		return Errorf(SmartSimError, "Cannot resume %s: %s (process %s of %s) has no recorded end and a process %s still exists on this host; ssrun cannot tell whether it is that step. %s",
			e.Path, s.model.Name, d.prior.Job, d.prior.Since, d.prior.Job, fix)
	}
	return nil
}

// addResumedJob gives a member that resume did not launch its job in this run: a finished one for a
// skip, one following the attached process otherwise.
func (e *Experiment) addResumedJob(run *manifestRun, s step, d resumeDecision, attached launchers.Handle) {
	m := s.model
	runID := 0
	if prev := e.jobs.last(m.Name); prev != nil {
		runID = prev.runID + 1
	}
	j := &job{model: m, name: m.Name, snap: snapModel(m), entityType: "Model", runID: runID, run: run.id,
		started: e.opts.Now(), statusDir: d.prior.Dir, now: e.opts.Now, log: e.opts.Log,
		stdout: filepath.Join(d.prior.Dir, m.Name+".out"), stderr: filepath.Join(d.prior.Dir, m.Name+".err")}
	if s.ensemble != nil {
		j.ensemble = s.ensemble.Name
	}
	if attached != nil {
		j.handle, j.attachedFrom, j.resumeNote = attached, d.prior.Since, "re-attached: running since "+d.prior.Since
		if _, ok := attached.(*batchMember); ok { // left to the scheduler at Close, as launched batch jobs
			j.batch, j.resumeNote = true, fmt.Sprintf("re-attached: job %s since %s", d.prior.Job, d.prior.Since)
		}
		j.result = launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}
		j.onSettle = e.journalEnd
	} else {
		j.handle = finishedHandle{id: d.prior.Job, result: launchers.Result{Status: launchers.StatusCompleted}}
		j.resumeNote = "skipped: " + d.reason
		j.result, j.ended, j.settled = launchers.Result{Status: launchers.StatusCompleted}, j.started, true
		ens := ""
		if s.ensemble != nil {
			ens = s.ensemble.Name
		}
		e.journalAppend(false, jrnl.Record{Ev: jrnl.EvSkip, Run: run.id, Name: m.Name, Ens: ens, From: d.prior.Since})
	}
	e.jobs.add(j)
	e.runsMu.Lock()
	if attached != nil {
		run.jobs = append(run.jobs, j)
	} else {
		run.skipped = append(run.skipped, j)
	}
	e.runsMu.Unlock()
	if attached != nil {
		e.journal.bg.Add(1)
		go e.watch(j)
	}
}

// finishedHandle is the handle of a job that ended before this driver (a skipped member).
type finishedHandle struct {
	id     string
	result launchers.Result
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (h finishedHandle) ID() string               { return h.id }
func (h finishedHandle) Done() <-chan struct{}    { return closedChan }
func (h finishedHandle) Result() launchers.Result { return h.result }
func (h finishedHandle) Stop() error              { return nil }

// generationKeeps reports whether resume keeps m's generated directory as it is: its latest execution
// completed (or still runs) with the same params, files, executable and settings.
func (e *Experiment) generationKeeps(m *Model) bool {
	if !e.opts.Resume {
		return false
	}
	st, err := e.resumeJournal()
	if err != nil || st == nil {
		return false
	}
	d := e.decide(st, m, e.generationJobs(st), true, true)
	return d.action != resumeRun || d.unknown // a member that may still run keeps its directory
}

// intents are the journal's launch records of the steps about to be launched.
func (e *Experiment) intents(run *manifestRun, steps []step) []jrnl.Record {
	if e.opts.DryRun {
		return nil
	}
	recs := make([]jrnl.Record, 0, len(steps))
	for _, s := range steps {
		id := e.identity(s.model)
		r := jrnl.Record{Ev: jrnl.EvLaunch, Run: run.id, Name: s.model.Name, Hash: id.Hash, Parts: id.Parts,
			Dir: e.memberStatusDir(run, s)}
		if s.ensemble != nil {
			r.Ens = s.ensemble.Name
		}
		recs = append(recs, r)
	}
	return recs
}

// memberStatusDir is where a step's outputs and records go (as launchStep and launchBatch place them).
func (e *Experiment) memberStatusDir(run *manifestRun, s step) string {
	base := filepath.Join(e.telemetryDir(), e.Name, run.id)
	if owner, _, bs := batchOwner(s); bs != nil {
		kind := "model"
		if s.ensemble != nil {
			kind = "ensemble"
		}
		return filepath.Join(base, kind, owner, s.model.Name)
	}
	if s.ensemble != nil {
		return filepath.Join(base, "ensemble", s.ensemble.Name, s.model.Name)
	}
	return filepath.Join(base, "model", s.model.Name)
}
