package orchestrator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssrun/ssrun/orchestrator/persist"
)

// Defaults of the persistence settings. Snapshots are called dump.ssdb rather than dump.rdb because
// they are ssrun's own format, which redis-check-rdb would not read.
const (
	DefaultDBFilename     = "dump.ssdb"
	DefaultAppendFilename = "appendonly.ssaof"
	// bgsaveRetryDelay is how long after a failed automatic snapshot the save points try again
	// (Redis's CONFIG_BGSAVE_RETRY_DELAY).
	bgsaveRetryDelay = 5 * time.Second
	// A log is rewritten once it has doubled since its last rewrite and passed 64 MB (Redis's
	// auto-aof-rewrite-percentage 100 and auto-aof-rewrite-min-size 64mb).
	logRewriteMinSize = 64 << 20
)

// misconfRDB is Redis's reply to writes after a failed snapshot with stop-writes-on-bgsave-error yes.
const misconfRDB = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
	"Commands that may modify the data set are disabled, because this instance is configured to report errors during " +
	"writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."

var errBgsaveInProgress = errors.New("ERR Background save already in progress")

// persistence runs snapshots and the append-only log for one server: the settings (flags and CONFIG
// SET), loading at start, SAVE and BGSAVE, the save points, log rewrites, and the state INFO reports.
type persistence struct {
	s    *Server
	logf func(format string, args ...any)

	mu             sync.Mutex // guards the settings below
	dir            string     // absolute
	dbfilename     string
	appendfilename string
	savePoints     []persist.SavePoint
	appendonly     bool
	fsync          persist.Fsync
	stopWritesErr  bool
	log            *persist.Log // non-nil while appendonly is on
	logBaseSize    int64        // size of the log after its last rewrite

	job             sync.Mutex // one snapshot or log rewrite at a time
	bgsaveRunning   atomic.Bool
	rewriteRunning  atomic.Bool
	rewriteWanted   atomic.Bool // BGREWRITEAOF asked while a snapshot ran
	lastBgsaveOK    atomic.Bool
	lastRewriteOK   atomic.Bool
	lastBgsaveTry   atomic.Int64 // unix nanoseconds
	changesAtSave   atomic.Int64
	lastSaveSeconds atomic.Int64 // duration of the last snapshot, -1 before the first
	lastPauseMicros atomic.Int64 // writers held up by the last snapshot's start (latest_fork_usec)
	loading         atomic.Bool

	stop chan struct{}
	wg   sync.WaitGroup
}

func newPersistence(s *Server, cfg Config) (*persistence, error) {
	p := &persistence{s: s, logf: s.logf, dbfilename: cfg.DBFilename, appendfilename: cfg.AppendFilename,
		appendonly: cfg.AppendOnly, stopWritesErr: cfg.StopWritesOnBgsaveError != "no", stop: make(chan struct{})}
	// Shards of one database share a directory (the experiment's db path): each keeps its own files.
	if p.dbfilename == "" {
		p.dbfilename = defaultFileName(DefaultDBFilename, cfg.Name)
	}
	if p.appendfilename == "" {
		p.appendfilename = defaultFileName(DefaultAppendFilename, cfg.Name)
	}
	for _, name := range []string{p.dbfilename, p.appendfilename} {
		if strings.ContainsRune(name, '/') {
			return nil, fmt.Errorf("dbfilename and appendfilename can't be a path, just a filename: %q", name)
		}
	}
	dir := cfg.Dir
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("--dir %s: not a directory (create it first)", dir)
	}
	p.dir = abs
	if p.savePoints, err = persist.ParseSavePoints(cfg.Save); err != nil {
		return nil, fmt.Errorf("--save %q: want pairs of SECONDS CHANGES, such as \"3600 1 300 100\", or \"\" for none", cfg.Save)
	}
	p.fsync = persist.FsyncEverySec
	if cfg.AppendFsync != "" {
		var ok bool
		if p.fsync, ok = persist.ParseFsync(cfg.AppendFsync); !ok {
			return nil, fmt.Errorf("--appendfsync %q: want always, everysec or no", cfg.AppendFsync)
		}
	}
	p.lastBgsaveOK.Store(true)
	p.lastRewriteOK.Store(true)
	p.lastSaveSeconds.Store(-1)
	return p, nil
}

// defaultFileName is base for a shard with the default name "db", else base with the shard's name
// inserted ("dump-db_1.ssdb").
func defaultFileName(base, name string) string {
	if name == "" || name == "db" || strings.ContainsRune(name, '/') {
		return base
	}
	stem, ext, _ := strings.Cut(base, ".")
	return stem + "-" + name + "." + ext
}

func (p *persistence) snapshotPath() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return filepath.Join(p.dir, p.dbfilename)
}

func (p *persistence) logPath() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return filepath.Join(p.dir, p.appendfilename)
}

// load fills the keyspace before the server listens, as redis-server loads before it accepts
// clients: from the append-only log when appendonly is on and the log exists, else from the snapshot.
// A corrupt file is an error that stops the shard; a log whose last record was cut short by a crash is
// loaded up to it, cut there, and reported.
func (p *persistence) load() error {
	p.loading.Store(true)
	defer p.loading.Store(false)
	start := time.Now()
	if p.appendonly {
		loaded, err := p.loadLog()
		if err != nil || loaded {
			if err == nil {
				p.logf("DB loaded from append only file %s: %d keys in %.3f seconds", p.logPath(), p.s.keys.Len(), time.Since(start).Seconds())
			}
			return err
		}
	}
	path := p.snapshotPath()
	st, err := persist.LoadSnapshot(path, func(key []byte, v persist.Value) error { return p.s.restoreValue(key, v) })
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("cannot load the snapshot, refusing to start with partial data: %w (move the file away to start empty)", err)
	default:
		p.s.lastSave.Store(st.Saved)
		p.logf("DB loaded from snapshot %s: %d keys in %.3f seconds", path, st.Entries, time.Since(start).Seconds())
	}
	p.changesAtSave.Store(p.s.keys.Changes())
	if p.appendonly {
		return p.startLog() // a new log starts from what the snapshot held
	}
	return nil
}

// loadLog replays an existing log and opens it for appending; loaded is false when there is none.
func (p *persistence) loadLog() (loaded bool, err error) {
	path := p.logPath()
	ks := p.s.keys
	st, err := persist.LoadLog(path, func(c persist.Change) error {
		switch c.Op {
		case persist.OpEntry:
			return p.s.restoreValue(c.Key, c.Value)
		case persist.OpDelete:
			ks.Delete(c.Key)
		case persist.OpRename:
			ks.Rename(c.Key, c.Dst)
		case persist.OpFlush:
			ks.Flush()
		}
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot load the append-only log, refusing to start with partial data: %w", err)
	}
	if st.Truncated != nil {
		p.logf("%s: the last record is incomplete (%v); loaded the %d complete records before it and cut the file at offset %d, dropping %d bytes (as redis-check-aof --fix would)",
			path, st.Truncated.Msg, st.Records, st.Bytes, st.Dropped)
		if err := os.Truncate(path, st.Bytes); err != nil {
			return false, fmt.Errorf("cut the incomplete last record of %s: %w", path, err)
		}
		if st.Bytes == 0 { // not even a header: start the log afresh from what was loaded
			os.Remove(path)
			return true, p.startLog()
		}
	}
	l, err := persist.OpenLog(path, p.fsyncPolicy())
	if err != nil {
		return false, err
	}
	p.mu.Lock()
	p.log, p.logBaseSize = l, st.Bytes
	p.mu.Unlock()
	ks.log.Store(l)
	p.changesAtSave.Store(ks.Changes())
	return true, nil
}

func (p *persistence) fsyncPolicy() persist.Fsync {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fsync
}

// startLog creates the log from the current keyspace (a rewrite into a new file) and attaches it, so
// every later change is appended. Writes go on while the existing keys are written out.
func (p *persistence) startLog() error {
	l := persist.NewLog(p.logPath(), p.fsyncPolicy())
	p.job.Lock()
	defer p.job.Unlock()
	p.rewriteRunning.Store(true)
	defer p.rewriteRunning.Store(false)
	snap := p.s.keys.beginSnapshot(func() {
		l.BeginRewrite()
		p.s.keys.log.Store(l)
	})
	if err := l.FinishRewrite(snap.emit); err != nil {
		snap.abandon()
		p.s.keys.log.Store(nil)
		l.Close()
		p.lastRewriteOK.Store(false)
		return fmt.Errorf("create the append-only log %s: %w", l.Path(), err)
	}
	p.lastRewriteOK.Store(true)
	p.mu.Lock()
	p.log, p.logBaseSize = l, l.Size()
	p.mu.Unlock()
	return nil
}

// stopLog detaches and closes the log (CONFIG SET appendonly no).
func (p *persistence) stopLog() error {
	p.job.Lock()
	defer p.job.Unlock()
	p.mu.Lock()
	l := p.log
	p.log = nil
	p.mu.Unlock()
	if l == nil {
		return nil
	}
	p.s.keys.log.Store(nil)
	return l.Close()
}

// rewriteLog replaces the log by a compact one holding the current keyspace (BGREWRITEAOF).
func (p *persistence) rewriteLog() error {
	p.job.Lock()
	defer p.job.Unlock()
	p.mu.Lock()
	l := p.log
	p.mu.Unlock()
	if l == nil {
		return errors.New("appendonly is off")
	}
	p.rewriteRunning.Store(true)
	defer p.rewriteRunning.Store(false)
	var berr error
	snap := p.s.keys.beginSnapshot(func() { berr = l.BeginRewrite() })
	if berr != nil {
		snap.abandon()
		return berr
	}
	if err := l.FinishRewrite(snap.emit); err != nil {
		snap.abandon()
		p.lastRewriteOK.Store(false)
		p.logf("append-only log rewrite failed: %v", err)
		return err
	}
	p.lastRewriteOK.Store(true)
	p.mu.Lock()
	p.logBaseSize = l.Size()
	p.mu.Unlock()
	p.logf("append-only log rewritten: %s, %d bytes", l.Path(), l.Size())
	return nil
}

// save is SAVE: a snapshot written before the reply (other clients go on meanwhile).
func (p *persistence) save() error {
	if !p.tryJob() {
		return p.busy()
	}
	defer p.job.Unlock()
	return p.snapshotLocked()
}

// bgsave is BGSAVE: the snapshot is written in the background; it fails at once if another snapshot
// or a log rewrite is running.
func (p *persistence) bgsave() error {
	if !p.tryJob() {
		return p.busy()
	}
	p.bgsaveRunning.Store(true) // at once, so INFO reports the save the moment BGSAVE has answered
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer p.job.Unlock()
		p.snapshotLocked()
	}()
	return nil
}

// tryJob takes the lock that one snapshot or log rewrite at a time holds. A holder whose work has
// ended (neither flag set) is only releasing it: that moment is waited out, so a client that saw
// rdb_bgsave_in_progress:0 in INFO is not told a save is still in progress.
func (p *persistence) tryJob() bool {
	for i := 0; i < 2000; i++ {
		if p.job.TryLock() {
			return true
		}
		if p.bgsaveRunning.Load() || p.rewriteRunning.Load() {
			return false
		}
		time.Sleep(50 * time.Microsecond)
	}
	return false
}

func (p *persistence) busy() error {
	if p.rewriteRunning.Load() {
		return errors.New("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
	}
	return errBgsaveInProgress
}

// snapshotLocked writes a consistent snapshot while writes go on; p.job is held.
func (p *persistence) snapshotLocked() error {
	p.bgsaveRunning.Store(true)
	defer p.bgsaveRunning.Store(false)
	p.lastBgsaveTry.Store(time.Now().UnixNano())
	start := time.Now()
	var changes int64
	snap := p.s.keys.beginSnapshot(func() { changes = p.s.keys.Changes() })
	p.lastPauseMicros.Store(snap.Pause.Microseconds())
	path := p.snapshotPath()
	st, err := persist.WriteSnapshot(path, nowUnix(), snap.emit)
	if err != nil {
		snap.abandon()
		p.lastBgsaveOK.Store(false)
		p.logf("snapshot to %s failed: %v", path, err)
		return err
	}
	p.lastBgsaveOK.Store(true)
	p.changesAtSave.Store(changes)
	p.lastSaveSeconds.Store(int64(time.Since(start).Seconds()))
	p.s.markSaved()
	p.logf("DB saved on disk: %s, %d keys, %d bytes in %.3f s (writers paused %d µs)", path, st.Entries, st.Bytes, time.Since(start).Seconds(), snap.Pause.Microseconds())
	return nil
}

// run is the persistence cron: save points, automatic log rewrites, and fsync errors, ten times a
// second like Redis's serverCron.
func (p *persistence) run() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.cron()
			}
		}
	}()
}

func (p *persistence) cron() {
	if p.bgsaveRunning.Load() || p.rewriteRunning.Load() {
		return
	}
	p.mu.Lock()
	points, l, base := p.savePoints, p.log, p.logBaseSize
	p.mu.Unlock()
	dirty := p.s.keys.Changes() - p.changesAtSave.Load()
	since := nowUnix() - p.s.lastSave.Load()
	retryOK := p.lastBgsaveOK.Load() || time.Since(time.Unix(0, p.lastBgsaveTry.Load())) > bgsaveRetryDelay
	if persist.Due(points, dirty, since) && retryOK {
		p.bgsave()
		return
	}
	if l != nil && (p.rewriteWanted.Swap(false) || (l.Size() > logRewriteMinSize && l.Size() > 2*base)) {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.rewriteLog() }()
	}
}

// writeRefusal is the MISCONF error that refuses writes while persistence is failing, or "".
func (p *persistence) writeRefusal() string {
	if !p.lastBgsaveOK.Load() {
		p.mu.Lock()
		refuse := p.stopWritesErr && len(p.savePoints) > 0
		p.mu.Unlock()
		if refuse {
			return misconfRDB
		}
	}
	if l := p.s.keys.log.Load(); l != nil {
		if err := l.Err(); err != nil {
			return "MISCONF Errors writing to the AOF file: " + err.Error()
		}
	}
	return ""
}

// close stops the cron and closes the log (written and fsynced), once connections are gone.
func (p *persistence) close() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	l := p.log
	p.mu.Unlock()
	if l != nil {
		if err := l.Close(); err != nil {
			p.logf("closing the append-only log: %v", err)
		}
	}
}

// savesOnShutdown reports whether SHUTDOWN without SAVE/NOSAVE (and SIGTERM) snapshots: when save
// points are configured, as in Redis.
func (p *persistence) savesOnShutdown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.savePoints) > 0
}
