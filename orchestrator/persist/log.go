package persist

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fsync is the appendfsync policy.
type Fsync int32

// The appendfsync policies, with Redis's meaning: every acknowledged write has been written to the
// file (it survives the process being killed); Always also fsyncs before the write is acknowledged
// (it survives the machine failing); EverySec fsyncs once a second; No leaves it to the kernel.
const (
	FsyncEverySec Fsync = iota
	FsyncAlways
	FsyncNo
)

// ParseFsync reads "always", "everysec" or "no".
func ParseFsync(s string) (Fsync, bool) {
	switch strings.ToLower(s) {
	case "always":
		return FsyncAlways, true
	case "everysec":
		return FsyncEverySec, true
	case "no":
		return FsyncNo, true
	}
	return 0, false
}

func (f Fsync) String() string {
	return [...]string{"everysec", "always", "no"}[f]
}

// Log is the append-only log. Writers Append a record while they hold the lock that orders their
// change (so the log's order is the keyspace's order) and then Wait, without that lock, until the
// record is in the file. Waiting writers commit as a group: one of them writes everything pending
// (and fsyncs under Always) while the others wait for it, so concurrent clients share each write and
// fsync.
type Log struct {
	path   string
	policy atomic.Int32

	mu      sync.Mutex
	cond    *sync.Cond
	f       *os.File // nil until the file exists (a first rewrite is in progress)
	bw      *bufio.Writer
	pending []Record
	seq     uint64 // number of the last appended record
	written uint64 // every record up to this number is in the file (and fsynced under Always)
	writing bool
	dirty   bool // written since the last fsync
	size    int64
	err     error

	rewriting  bool
	rewriteBuf []Record

	syncMu   sync.Mutex // serialises fsyncs with the file swap at the end of a rewrite
	stop     chan struct{}
	stopped  chan struct{}
	closed   bool
	lastSync atomic.Int64
}

// NewLog returns a log for path with no file open yet: the server starts it with a rewrite
// (BeginRewrite, FinishRewrite), which writes the current keyspace as the log's first records.
// Use OpenLog to continue an existing file.
func NewLog(path string, policy Fsync) *Log {
	l := &Log{path: path, stop: make(chan struct{}), stopped: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	l.policy.Store(int32(policy))
	go l.syncLoop()
	return l
}

// OpenLog continues the existing log at path (already loaded by LoadLog): appends go to its end.
func OpenLog(path string, policy Fsync) (*Log, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	l := NewLog(path, policy)
	l.f, l.bw, l.size = f, bufio.NewWriterSize(f, 256<<10), fi.Size()
	return l, nil
}

// Path is the file the log writes.
func (l *Log) Path() string { return l.path }

// SetPolicy changes appendfsync.
func (l *Log) SetPolicy(p Fsync) { l.policy.Store(int32(p)) }

// Policy is the current appendfsync.
func (l *Log) Policy() Fsync { return Fsync(l.policy.Load()) }

// Size is the file's size in bytes, counting what is pending.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// Err is the last write or fsync error (nil when the log is healthy). Redis refuses writes while its
// AOF cannot be written; the server does the same with this.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Append queues r and returns its number for Wait. Call it while holding the lock that orders the
// change it records.
func (l *Log) Append(r Record) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	if l.rewriting {
		l.rewriteBuf = append(l.rewriteBuf, r)
	}
	if l.f != nil {
		l.pending = append(l.pending, r)
		l.size += int64(r.Size())
	} else {
		l.written = l.seq // no file yet: the rewrite will write it
	}
	return l.seq
}

// Wait returns once record seq is in the file (written, and fsynced under Always).
func (l *Log) Wait(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.written < seq {
		if l.writing {
			l.cond.Wait()
			continue
		}
		l.writeLocked()
	}
}

// writeLocked writes every pending record as the group's leader. It releases l.mu while writing.
func (l *Log) writeLocked() {
	batch, upto, bw, f := l.pending, l.seq, l.bw, l.f
	l.pending = nil
	l.writing = true
	l.mu.Unlock()
	var err error
	for _, r := range batch {
		if _, err = r.WriteTo(bw); err != nil {
			break
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && l.Policy() == FsyncAlways {
		l.syncMu.Lock()
		err = f.Sync()
		l.syncMu.Unlock()
		l.lastSync.Store(time.Now().UnixNano())
	}
	l.mu.Lock()
	l.writing = false
	l.dirty = l.dirty || l.Policy() != FsyncAlways
	if err != nil {
		l.err = fmt.Errorf("write %s: %w", l.path, err)
		bw.Reset(f) // drop what could not be written; the error refuses later writes
	} else if l.err != nil && !errors.Is(l.err, errClosed) {
		l.err = nil // the disk has room again (Redis clears its AOF error the same way)
	}
	l.written = max(l.written, upto)
	l.cond.Broadcast()
}

var errClosed = errors.New("log closed")

// syncLoop fsyncs once a second under EverySec.
func (l *Log) syncLoop() {
	defer close(l.stopped)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			if l.Policy() == FsyncEverySec {
				l.Sync()
			}
		}
	}
}

// Sync fsyncs what has been written.
func (l *Log) Sync() error {
	l.mu.Lock()
	f, dirty := l.f, l.dirty
	l.dirty = false
	l.mu.Unlock()
	if f == nil || !dirty {
		return nil
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	err := f.Sync()
	l.lastSync.Store(time.Now().UnixNano())
	if err != nil && !errors.Is(err, os.ErrClosed) {
		l.mu.Lock()
		l.err = fmt.Errorf("fsync %s: %w", l.path, err)
		l.mu.Unlock()
	}
	return err
}

// Close writes what is pending, fsyncs and closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	for l.writing {
		l.cond.Wait()
	}
	if l.f != nil && len(l.pending) > 0 {
		l.writeLocked()
	}
	f := l.f
	l.f = nil
	l.err = errClosed
	l.mu.Unlock()
	close(l.stop)
	<-l.stopped
	if f == nil {
		return nil
	}
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// BeginRewrite starts collecting the records appended from now on. Call it at the instant the base
// snapshot is taken (while the keyspace is held still), so that base + collected records = the state.
func (l *Log) BeginRewrite() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rewriting {
		return errors.New("a rewrite is already in progress")
	}
	l.rewriting, l.rewriteBuf = true, nil
	return nil
}

// FinishRewrite writes a new log: the base entries (the keyspace as it was at BeginRewrite), then the
// records appended since, into a temporary file that then replaces the log. Writes go on meanwhile;
// only the final copy of the records appended during the rewrite holds them up. On error the old log
// stays in use.
func (l *Log) FinishRewrite(base func(emit Emit) error) (err error) {
	defer func() {
		if err != nil {
			l.mu.Lock()
			l.rewriting, l.rewriteBuf = false, nil
			l.mu.Unlock()
		}
	}()
	dir := filepath.Dir(l.path)
	tmp, err := os.CreateTemp(dir, "temp-rewrite-"+filepath.Base(l.path)+"-*")
	if err != nil {
		return err
	}
	tmp.Chmod(0o644)
	fail := func(err error) error { tmp.Close(); os.Remove(tmp.Name()); return err }
	bw := bufio.NewWriterSize(tmp, 1<<20)
	size := int64(headerSize)
	if _, err := bw.Write(header(LogMagic)); err != nil {
		return fail(err)
	}
	err = base(func(key []byte, v Value) error {
		r := EntryRecord(key, v)
		size += int64(r.Size())
		_, err := r.WriteTo(bw)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync() // the bulk is on disk before appends are held up
	}
	if err != nil {
		return fail(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.writing {
		l.cond.Wait()
	}
	if l.closed {
		return fail(errClosed)
	}
	for _, r := range l.rewriteBuf {
		if _, err := r.WriteTo(bw); err != nil {
			return fail(err)
		}
		size += int64(r.Size())
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return fail(err)
	}
	syncDir(dir)
	l.syncMu.Lock()
	if l.f != nil {
		l.f.Close()
	}
	l.syncMu.Unlock()
	l.f, l.bw, l.size = tmp, bufio.NewWriterSize(tmp, 256<<10), size
	l.pending = nil // every pending record was also collected for the rewrite
	l.written = l.seq
	l.rewriting, l.rewriteBuf = false, nil
	l.err = nil
	l.cond.Broadcast()
	return nil
}

// LogStats describes a loaded log.
type LogStats struct {
	Records int
	Bytes   int64 // bytes of complete records, header included
	// Truncated is set when the file ended inside its last record: Bytes is where the complete records
	// end and Dropped how many bytes followed. The caller cuts the file there before appending.
	Truncated *FormatError
	Dropped   int64
}

// LoadLog reads the log at path and calls apply for every change, in order. A missing file returns an
// error satisfying errors.Is(err, os.ErrNotExist). A last record cut short by a crash is reported in
// LogStats.Truncated, not as an error (redis-server's aof-load-truncated); anything else wrong is a
// *FormatError naming the file and offset.
func LoadLog(path string, apply func(Change) error) (LogStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return LogStats{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return LogStats{}, err
	}
	return ReadLog(f, path, fi.Size(), apply)
}

// ReadLog is LoadLog on a reader of size bytes; name is used in errors.
func ReadLog(r io.Reader, name string, size int64, apply func(Change) error) (LogStats, error) {
	rd := newReader(r, name, size)
	st := LogStats{}
	if err := rd.readHeader(LogMagic, "append-only log"); err != nil {
		var fe *FormatError
		if errors.As(err, &fe) && fe.Truncated {
			st.Truncated, st.Dropped = fe, size
		}
		return st, errOrNil(st, err)
	}
	st.Bytes = headerSize
	for {
		op, payload, at, err := rd.next()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		var fe *FormatError
		if errors.As(err, &fe) && fe.Truncated {
			st.Truncated, st.Dropped = fe, size-at
			return st, nil
		}
		if err != nil {
			return st, err
		}
		c, err := decodeChange(op, payload)
		if err != nil {
			return st, rd.errorf(at, false, "record %d: %v", st.Records+1, err)
		}
		if err := apply(c); err != nil {
			return st, rd.errorf(at, false, "record %d: %v", st.Records+1, err)
		}
		st.Records++
		st.Bytes = rd.off
	}
}

func errOrNil(st LogStats, err error) error {
	if st.Truncated != nil {
		return nil
	}
	return err
}

// WaitAll waits for every record appended so far: a writer calls it after releasing its key's lock.
func (l *Log) WaitAll() {
	l.mu.Lock()
	seq := l.seq
	l.mu.Unlock()
	l.Wait(seq)
}
