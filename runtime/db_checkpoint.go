package runtime

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// A launched database writes a checkpoint, <db path>/smartsim_db.dat as in SmartSim, once every shard
// answers: what another driver needs to use it (exp.reconnect_orchestrator(checkpoint)) and what
// `ssrun --resume` needs to reuse it rather than start it twice. SmartSim pickles its Orchestrator
// there; ssrun writes versioned JSON: the identifier, engine, launcher, whether it is a cluster, and
// each shard's address, node, job and step ids. A reconnected database is the previous driver's: its
// shards are checked with PING, then used, and exp.stop(db) shuts them down; a driver that did not
// start it leaves it running at its end.

// CheckpointFileName is the checkpoint's name in the database's directory (SmartSim's).
const CheckpointFileName = "smartsim_db.dat"

// checkpointFormat and checkpointVersion identify the file; a newer version is refused, not guessed.
const (
	checkpointFormat  = "ssrun database checkpoint"
	checkpointVersion = 1
)

// dbCheckpoint is the checkpoint's content.
type dbCheckpoint struct {
	Format       string            `json:"format"`
	Version      int               `json:"version"`
	DBIdentifier string            `json:"db_identifier"`
	Experiment   string            `json:"experiment"`
	Launcher     string            `json:"launcher"`
	Engine       string            `json:"engine"`
	Cluster      bool              `json:"cluster"`
	Path         string            `json:"path"`
	Port         int               `json:"port"`
	Interface    string            `json:"interface,omitempty"`
	Batch        bool              `json:"batch,omitempty"`
	Hosts        []string          `json:"hosts"`
	Shards       []checkpointShard `json:"shards"`
}

// checkpointShard is one shard: the address clients use, where it runs and the ids the launcher gave.
type checkpointShard struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Host    string `json:"host"`
	Port    int    `json:"port"`
	Node    string `json:"node,omitempty"`
	JobID   string `json:"job_id"`
	StepID  string `json:"step_id,omitempty"`
	Stdout  string `json:"out_file,omitempty"`
	Stderr  string `json:"err_file,omitempty"`
}

// CheckpointFile is db.checkpoint_file: where the database's checkpoint is (written once it runs).
func (o *Orchestrator) CheckpointFile() string { return filepath.Join(o.Path, CheckpointFileName) }

// writeCheckpoint writes the checkpoint of a database whose shards all answer (replaced by rename, so
// a reader never sees half of it). A dry run writes nothing.
func (e *Experiment) writeCheckpoint(o *Orchestrator, shards []*dbShard) {
	if e.opts.DryRun {
		return
	}
	cp := dbCheckpoint{Format: checkpointFormat, Version: checkpointVersion, DBIdentifier: o.Name, Experiment: e.Name,
		Launcher: e.LauncherName, Engine: o.Engine, Cluster: o.clustered(), Path: o.Path, Port: o.Port,
		Interface: o.Interface, Batch: o.Batch, Hosts: []string{}}
	seen := map[string]bool{}
	for _, s := range shards {
		host, portText, _ := net.SplitHostPort(s.addr)
		port, _ := strconv.Atoi(portText)
		id := s.jobID
		if id == "" {
			id = s.handle.ID()
		}
		cp.Shards = append(cp.Shards, checkpointShard{Name: s.name, Address: s.addr, Host: host, Port: port, Node: s.node,
			JobID: id, StepID: s.stepID, Stdout: s.stdout, Stderr: s.stderr})
		if !seen[host] {
			seen[host] = true
			cp.Hosts = append(cp.Hosts, host)
		}
	}
	data, err := json.MarshalIndent(cp, "", "  ")
	if err == nil {
		tmp := o.CheckpointFile() + ".tmp"
		if err = e.opts.FS.WriteFile(tmp, append(data, '\n'), 0o644); err == nil {
			err = e.opts.FS.Rename(tmp, o.CheckpointFile())
		}
	}
	if err != nil {
		e.opts.Log.Warn("could not write the database checkpoint", "path", o.CheckpointFile(), "error", err)
	}
}

// readCheckpoint reads and checks a checkpoint, returning it with the sha256 of its bytes (what a
// plan records: the file is an input of the run).
func readCheckpoint(path string) (*dbCheckpoint, string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", Errorf(FileNotFoundError, "The SmartSim database checkpoint %s does not exist: a database writes it in its directory once all its shards answer (db.checkpoint_file names it)", path)
	}
	if err != nil {
		return nil, "", Errorf(SmartSimError, "Cannot read the database checkpoint %s: %v", path, err)
	}
	var cp dbCheckpoint
	if err := json.Unmarshal(data, &cp); err != nil || cp.Format != checkpointFormat {
		why := "it is not an ssrun database checkpoint"
		if err != nil {
			why = "it is not JSON (" + err.Error() + ")"
		}
		return nil, "", Errorf(SmartSimError, "The database checkpoint %s is corrupt: %s. Start the database again with exp.start(db), which rewrites it.", path, why)
	}
	if cp.Version > checkpointVersion {
		return nil, "", Errorf(SmartSimError, "The database checkpoint %s has format version %d, newer than this ssrun's %d (upgrade ssrun)", path, cp.Version, checkpointVersion)
	}
	if len(cp.Shards) == 0 || cp.DBIdentifier == "" {
		return nil, "", Errorf(SmartSimError, "The database checkpoint %s is corrupt: it names no shards", path)
	}
	sum := sha256.Sum256(data)
	return &cp, hex.EncodeToString(sum[:]), nil
}

// pingShards asks every shard for PING at once; it returns the shards that did not answer with why.
func pingShards(cp *dbCheckpoint, timeout time.Duration) map[string]error {
	var mu sync.Mutex
	dead := map[string]error{}
	var wg sync.WaitGroup
	for _, s := range cp.Shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := respCommand(context.Background(), s.Address, timeout, "PING"); err != nil {
				mu.Lock()
				dead[s.Address] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return dead
}

// reconnectPingTimeout bounds each shard's PING when a checkpoint is checked.
const reconnectPingTimeout = 2 * time.Second

// ReconnectOrchestrator is exp.reconnect_orchestrator(checkpoint): the database another driver
// launched, bound to its running shards, which must all answer PING. Models started afterwards get
// its SSDB, exp.stop(db) shuts it down, and the end of this driver leaves it running. A dry run reads
// the checkpoint (its digest goes into the plan) but contacts nothing.
func (e *Experiment) ReconnectOrchestrator(path string) (*Orchestrator, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(e.opts.Cwd, path)
	}
	cp, digest, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	for _, o := range e.dbs().list() {
		if dbSuffix(o.Name) == dbSuffix(cp.DBIdentifier) {
			return nil, dbIDConflict(cp.DBIdentifier)
		}
	}
	if !e.opts.DryRun {
		if err := checkAlive(path, cp); err != nil {
			return nil, err
		}
	}
	o := e.adoptDatabase(nil, cp, path, digest, "reconnected")
	return o, nil
}

// checkAlive is the stale-checkpoint error: every shard must answer.
func checkAlive(path string, cp *dbCheckpoint) error {
	dead := pingShards(cp, reconnectPingTimeout)
	if len(dead) == 0 {
		return nil
	}
	var lines []string
	for _, s := range cp.Shards {
		if err, ok := dead[s.Address]; ok {
			lines = append(lines, fmt.Sprintf("shard %s at %s (job %s): %v", s.Name, s.Address, s.JobID, err))
		}
	}
	return Errorf(SmartSimError, "Cannot reconnect to database %s: its checkpoint %s is stale, %d of %d shard(s) do not answer:\n  %s\nThe database has stopped since the checkpoint was written. Create and start it again (exp.create_database, exp.start(db)), which rewrites the checkpoint.",
		cp.DBIdentifier, path, len(dead), len(cp.Shards), strings.Join(lines, "\n  "))
}

// adoptDatabase makes the database a checkpoint describes one of this experiment's running databases,
// without launching anything: how is "reconnected" (exp.reconnect_orchestrator; run is nil) or
// "reused" (--resume found it running; it joins run like a launched one). o is the Orchestrator
// created by the script when there is one.
func (e *Experiment) adoptDatabase(run *manifestRun, cp *dbCheckpoint, path, digest, how string, existing ...*Orchestrator) *Orchestrator {
	var o *Orchestrator
	if len(existing) > 0 {
		o = existing[0]
	} else {
		o = &Orchestrator{Name: cp.DBIdentifier, Path: cp.Path, Port: cp.Port, DBNodes: len(cp.Shards), Interface: cp.Interface,
			Engine: cp.Engine, Batch: cp.Batch, exp: e, SingleCmd: true}
	}
	now := e.opts.Now()
	shards := make([]*dbShard, len(cp.Shards))
	for i, s := range cp.Shards {
		shards[i] = &dbShard{name: s.Name, addr: s.Address, stdout: s.Stdout, stderr: s.Stderr, node: s.Node, jobID: s.JobID,
			stepID: s.StepID, dry: e.opts.DryRun, started: now}
		if !e.opts.DryRun {
			shards[i].handle = followShard(s.Address, s.JobID)
		}
	}
	o.mu.Lock()
	o.shards, o.active, o.reconnected = shards, true, how == "reconnected"
	o.launch++
	o.mu.Unlock()
	e.dbs().add(o)
	if run != nil {
		e.recordDBJob(run, newDBJob(o, run.id, o.launch-1, shards))
	}
	e.plan.recordDatabase(o, o.shardPlans())
	e.plan.recordCheckpoint(o.Name, how, e.portable(path), digest)
	for _, s := range shards {
		go e.watchAdopted(o, s)
	}
	addrs := make([]string, len(shards))
	for i, s := range shards {
		addrs[i] = s.addr
	}
	e.opts.Log.Info(fmt.Sprintf("Orchestrator %s %s: %d shard(s) at %s, from %s", o.Name, how, len(shards), strings.Join(addrs, ","), path))
	return o
}

// watchAdopted reports a shard of an adopted database that ends while it is meant to run. Unlike a
// launched shard's watcher, it returns when the experiment closes: a reconnected database outlives
// this driver.
func (e *Experiment) watchAdopted(o *Orchestrator, s *dbShard) {
	if s.dry {
		return
	}
	select {
	case <-s.handle.Done():
	case <-e.closing:
		return
	}
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	s.elapsed(e.opts.Now())
	if !stopped {
		e.opts.Log.Error(fmt.Sprintf("Database %s: shard %s at %s (job %s) stopped answering; see its output %s", o.Name, s.name, s.addr, s.jobID, s.stdout))
	}
}

// reusableDatabase reads o's checkpoint under --resume and reports whether it describes o and every
// shard answers. With cleanup, a database of which only some shards answer is shut down, so the
// fresh start that follows does not find its ports taken.
func (e *Experiment) reusableDatabase(o *Orchestrator, cleanup bool) (*dbCheckpoint, string, bool) {
	if !e.opts.Resume || (e.opts.DryRun && e.opts.Hermetic) {
		return nil, "", false
	}
	cp, digest, err := readCheckpoint(o.CheckpointFile())
	if err != nil {
		return nil, "", false
	}
	if cp.DBIdentifier != o.Name || cp.Engine != o.Engine || len(cp.Shards) != o.DBNodes || cp.Launcher != e.LauncherName {
		if cleanup {
			e.opts.Log.Warn("resume: the database checkpoint describes another database; starting it afresh", "path", o.CheckpointFile())
		}
		return nil, "", false
	}
	dead := pingShards(cp, reconnectPingTimeout)
	if len(dead) == 0 {
		return cp, digest, true
	}
	if cleanup && len(dead) < len(cp.Shards) && !e.opts.DryRun {
		e.opts.Log.Warn(fmt.Sprintf("resume: database %s answers on %d of %d shard(s); shutting the rest down and starting it afresh", o.Name, len(cp.Shards)-len(dead), len(cp.Shards)))
		for _, s := range cp.Shards {
			if _, gone := dead[s.Address]; !gone {
				_, _ = respCommand(context.Background(), s.Address, reconnectPingTimeout, "SHUTDOWN", "NOSAVE")
			}
		}
	}
	return nil, "", false
}

// reuseDatabase is start(db) under --resume: a database of the previous driver whose checkpoint is
// there and whose shards all answer is reused (same addresses, nothing launched). It reports false
// when there is none to reuse.
func (e *Experiment) reuseDatabase(run *manifestRun, o *Orchestrator) bool {
	cp, digest, ok := e.reusableDatabase(o, true)
	if ok {
		e.adoptDatabase(run, cp, o.CheckpointFile(), digest, "reused", o)
	}
	return ok
}

// followShard is the handle of a shard this driver did not launch: it ends when the shard closes the
// connection held open to it and no longer answers (SHUTDOWN, or the shard died). Its id is the
// launcher's from the checkpoint; Stop waits briefly for it to go (the process is another driver's,
// so SHUTDOWN is the only way to end it).
func followShard(addr, id string) *shardFollower {
	f := &shardFollower{addr: addr, id: id, done: make(chan struct{})}
	go f.watch()
	return f
}

type shardFollower struct {
	addr, id string
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	result   launchers.Result
}

// end records the result and closes done, once.
func (f *shardFollower) end(r launchers.Result) {
	f.once.Do(func() {
		f.mu.Lock()
		f.result = r
		f.mu.Unlock()
		close(f.done)
	})
}

var _ launchers.Handle = (*shardFollower)(nil)

func (f *shardFollower) watch() {
	for {
		network, target := "tcp", f.addr
		if path, ok := strings.CutPrefix(f.addr, "unix://"); ok {
			network, target = "unix", path
		}
		if conn, err := net.DialTimeout(network, target, reconnectPingTimeout); err == nil {
			_, _ = bufio.NewReader(conn).ReadByte() // an idle client: returns when the shard closes it
			conn.Close()
		}
		select {
		case <-f.done:
			return
		default:
		}
		if _, perr := respCommand(context.Background(), f.addr, reconnectPingTimeout, "PING"); perr != nil {
			f.end(launchers.Result{Status: launchers.StatusFailed, ExitCode: -1,
				Err: fmt.Errorf("shard at %s stopped answering: %w", f.addr, perr)})
			return
		}
		time.Sleep(100 * time.Millisecond) // closed by an idle timeout, yet answering: hold a new one
	}
}

func (f *shardFollower) ID() string            { return f.id }
func (f *shardFollower) Done() <-chan struct{} { return f.done }

func (f *shardFollower) Result() launchers.Result {
	select {
	case <-f.done:
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.result
	default:
		return launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}
	}
}

func (f *shardFollower) Stop() error {
	select {
	case <-f.done:
		return nil
	case <-time.After(5 * time.Second):
		err := fmt.Errorf("shard at %s (another driver's process %s) did not end after SHUTDOWN; it is left running", f.addr, f.id)
		f.end(launchers.Result{Status: launchers.StatusRunning, ExitCode: -1, Err: err})
		return err
	}
}
