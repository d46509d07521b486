package runtime

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/member"
	jrnl "github.com/ssrun/ssrun/runtime/journal"
)

// Resume of batch members (Slurm, PBS, LSF). A member of a batch job has no process on the driver's
// host to find again: the journal names its scheduler job id, and the batch script appends each
// member's exit code to <owner>.exitcodes as the member ends, with or without a driver watching. So a
// member whose end the journal lacks is decided from, in order: its line in that file (it ended: its
// real code); the scheduler's state of its job, asked once for all such jobs (still queued or running:
// followed, not submitted again; ended without the member's line, cancelled or out of time: the job's
// status and code); the scheduler no longer knowing the job (it ran, ended, and was purged before the
// member recorded anything): the member runs again, "never finished (job 123 gone)". Nothing is
// guessed. Slurm's accounting (sacct) would only add the state of a purged job, which decides nothing
// more: a member without a line reruns whether its job was cancelled, timed out or is unknown.

// jobLookupTimeout bounds the one scheduler query resume makes.
const jobLookupTimeout = 30 * time.Second

// batchExitFile is the exit-code file of the batch job prior ran in ("" when it was not a batch
// member): <owner status dir>/<owner>.exitcodes, which the driver creates before submitting.
func batchExitFile(prior *jrnl.Member) string {
	if prior.Dir == "" {
		return ""
	}
	path := member.BatchExitFile(prior.Dir)
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

// jobStates is what the scheduler said about the unfinished batch jobs of the journal: nil when
// nothing was asked (no such job), err when asking failed or the launcher cannot ask.
type jobStates struct {
	states map[string]launchers.Result
	err    error
}

// unfinishedJobs are the job ids of batch members of st (among names, or all when names is nil) whose
// end the journal and their exit-code files lack, sorted.
func unfinishedJobs(st *jrnl.State, names []string) []string {
	if names == nil {
		names = st.Order
	}
	set := map[string]bool{}
	for _, n := range names {
		p := st.Members[n]
		if p == nil || p.Ended || p.Job == "" || set[p.Job] || batchExitFile(p) == "" {
			continue
		}
		if _, ok := batchExitCode(p); ok {
			continue
		}
		set[p.Job] = true
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// lookupJobs asks the launcher about ids in one scheduler call.
func (e *Experiment) lookupJobs(ids []string) jobStates {
	if len(ids) == 0 {
		return jobStates{}
	}
	f, ok := e.opts.Launcher.(launchers.JobLookup)
	if !ok {
		return jobStates{err: fmt.Errorf("the %s launcher cannot ask a scheduler about jobs", e.opts.Launcher.Name())}
	}
	ctx, cancel := context.WithTimeout(context.Background(), jobLookupTimeout)
	defer cancel()
	states, err := f.LookupJobs(ctx, ids)
	if err != nil {
		return jobStates{err: fmt.Errorf("%s did not answer about jobs %v: %v", e.LauncherName, ids, err)}
	}
	return jobStates{states: states}
}

// generationJobs is the scheduler's answer for the whole journal, asked once per driver: generation
// keeps the directories of members whose batch job still runs.
func (e *Experiment) generationJobs(st *jrnl.State) jobStates {
	e.resume.jobsOnce.Do(func() { e.resume.jobs = e.lookupJobs(unfinishedJobs(st, nil)) })
	return e.resume.jobs
}

// decideBatch completes decide for a batch member whose end is unknown so far. It reports false when
// prior was not a batch member.
func (e *Experiment) decideBatch(d *resumeDecision, prior *jrnl.Member, jobs jobStates, probe bool) bool {
	if prior.Job == "" || batchExitFile(prior) == "" {
		return false
	}
	r, known := jobs.states[prior.Job]
	switch {
	case jobs.err != nil:
		d.reason, d.unknown = fmt.Sprintf("never finished (job %s: %v)", prior.Job, jobs.err), true
	case known && !r.Status.Terminal():
		state := "running"
		if r.Status == launchers.StatusPaused || r.Status == launchers.StatusNew {
			state = "queued"
		}
		d.action, d.job = resumeAttach, r
		d.reason = fmt.Sprintf("still %s (job %s since %s): re-attached", state, prior.Job, prior.Since)
	case known:
		// The job ended; every member that ended wrote its line before the script exited, so the
		// file is read again (the line may have come after decide's first look). A member without
		// one takes the job's status and code, as the driver that submitted it would have recorded.
		if code, ok := batchExitCode(prior); ok {
			r = launchers.Result{Status: launchers.StatusCompleted, ExitCode: code}
			if code != 0 {
				r.Status = launchers.StatusFailed
			}
		}
		prior.Ended, prior.Status, prior.Code = true, string(r.Status), r.ExitCode
		e.journalUnwatched(prior, probe)
		return false // decided from the recorded end, as any ended member
	default:
		d.reason = fmt.Sprintf("never finished (job %s gone)", prior.Job)
	}
	return true
}

// batchFollow is the members of one batch job a resume follows.
type batchFollow struct {
	exitFile string
	last     launchers.Result
	steps    []step
	ds       []resumeDecision
}

// followBatches follows each batch job of groups with the launcher and gives its members jobs of this
// run that settle from the job's exit-code file, as launchBatch's members do.
func (e *Experiment) followBatches(run *manifestRun, groups map[string]*batchFollow) error {
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	f, ok := e.opts.Launcher.(launchers.JobFollower)
	if !ok && len(ids) > 0 {
		return Errorf(SmartSimError, "Cannot resume %s: jobs %v still run, and the %s launcher cannot follow them. Nothing was launched.", e.Path, ids, e.opts.Launcher.Name())
	}
	for _, id := range ids {
		g := groups[id]
		h := f.FollowJob(id, g.last)
		names := make([]string, len(g.steps))
		for i, s := range g.steps {
			names[i] = s.model.Name
		}
		exits, members := newBatchExits(g.exitFile, h, names, e.opts.Log, e.closing)
		exits.partial = true // the job's other members were decided already
		wake, unsubscribe := e.batchWake.subscribe(g.exitFile)
		go func() {
			defer unsubscribe()
			exits.follow(wake, exitCodesTick)
		}()
		for i, s := range g.steps {
			e.addResumedJob(run, s, g.ds[i], members[i])
		}
	}
	return nil
}
