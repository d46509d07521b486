package member

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/local"
)

// Serve is the member supervisor (`ssrun member --serve`): it reads launch and stop requests from in
// and answers on out (launchers/local's supervisor wire), starting each member with the local launcher
// (its own process group, outputs straight to its files) and recording beside it, under the job's
// Record prefix, "PID STARTTIME" before it answers and the exit code when the member ends. When in
// closes (the driver ended, or was killed) it takes no more work, follows the members still running to
// their end, records them and returns. It returns 0, or 1 if a record could not be written.
func Serve(in io.Reader, out io.Writer, stderr io.Writer, grace time.Duration) int {
	s := &server{launcher: local.New(local.Options{Grace: grace}), enc: json.NewEncoder(out),
		stderr: stderr, running: map[int]launchers.Handle{}, driver: os.Getppid()}
	s.self, _ = StartTime(os.Getpid())
	s.sync.start()
	dec := json.NewDecoder(in)
	for {
		var m local.SupervisorMessage
		if err := dec.Decode(&m); err != nil {
			break // EOF: the driver is gone or done
		}
		switch {
		case m.IsLaunch():
			s.launch(m.ID, *m.Job)
		case m.IsStop():
			s.stop(m.Pid)
		}
	}
	s.members.Wait()
	s.sync.stop()
	s.launcher.Close()
	if s.failed {
		return 1
	}
	return 0
}

type server struct {
	launcher *local.Launcher
	driver   int    // the driver's pid: once the supervisor's parent is another, the driver is gone
	self     uint64 // the supervisor's own start time, recorded beside each member's pid
	stderr   io.Writer
	sync     syncer
	members  sync.WaitGroup

	mu      sync.Mutex
	enc     *json.Encoder
	running map[int]launchers.Handle
	failed  bool
}

// reply writes one message; a driver that is gone simply does not read it.
func (s *server) reply(m local.SupervisorMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.enc.Encode(m)
}

// launch starts job, records its pid and follows it to its end. A request read after the driver died
// (still buffered in the pipe) is not started: a resuming driver may already have judged that member
// never launched and be starting it again.
func (s *server) launch(id uint64, job launchers.Job) {
	if os.Getppid() != s.driver {
		s.reply(local.FailedReply(id, errDriverGone))
		return
	}
	h, err := s.launcher.Launch(context.Background(), job)
	if err != nil {
		s.reply(local.FailedReply(id, err))
		return
	}
	pid, _ := strconv.Atoi(h.ID())
	if job.Record != "" {
		if err := recordPid(job.Record, pid, s.self); err != nil { // unrecorded, it could run twice after a resume
			_ = h.Stop()
			s.reply(local.FailedReply(id, fmt.Errorf("cannot record the member's pid: %w", err)))
			return
		}
	}
	s.mu.Lock()
	s.running[pid] = h
	s.mu.Unlock()
	s.members.Add(1)
	s.reply(local.StartedReply(id, pid))
	go s.follow(pid, job.Record, h)
}

// follow waits for the member's end, records its exit code, then tells the driver.
func (s *server) follow(pid int, record string, h launchers.Handle) {
	defer s.members.Done()
	<-h.Done()
	r := h.Result()
	if record != "" {
		if err := writeAtomic(ExitCodeFile(record), strconv.Itoa(r.ExitCode)+"\n"); err != nil {
			fmt.Fprintf(s.stderr, "ssrun member: cannot record the exit code of %d: %v\n", pid, err)
			s.mu.Lock()
			s.failed = true
			s.mu.Unlock()
		} else {
			s.sync.dirty(record)
		}
	}
	s.mu.Lock()
	delete(s.running, pid)
	s.mu.Unlock()
	s.reply(local.ExitEvent(pid, r))
}

// stop stops a running member without blocking the request loop.
func (s *server) stop(pid int) {
	s.mu.Lock()
	h := s.running[pid]
	s.mu.Unlock()
	if h != nil {
		go h.Stop()
	}
}

var errDriverGone = errors.New("the driver that asked for this launch has exited; not started")

// recordPid writes "PID STARTTIME SUPERVISORPID SUPERVISORSTART" for the member: with its start time
// the pid names this process only; the supervisor's says who will record its exit code (RecordedExitCode).
func recordPid(record string, pid int, self uint64) error {
	start, err := StartTime(pid)
	if err != nil {
		// It has exited and been reaped already: it needs no pid file, its exit code follows.
		if _, statErr := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); os.IsNotExist(statErr) {
			return nil
		}
		return err
	}
	return writeAtomic(PidFile(record), fmt.Sprintf("%d %d %d %d\n", pid, start, os.Getpid(), self))
}

// syncer makes recorded exit codes durable in groups: one syncfs(2) per syncInterval while codes are
// being written, instead of one fsync per member (a 100,000-member ensemble would otherwise wait for
// 100,000 disk flushes). A machine crash can lose the last interval's codes; those members then
// count as never finished and run again on a resume: an exit code is never guessed.
type syncer struct {
	mu      sync.Mutex
	pending string // a path on the filesystem to sync, "" when nothing is pending
	quit    chan struct{}
	done    chan struct{}
}

const syncInterval = 100 * time.Millisecond

func (y *syncer) start() {
	y.quit, y.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(y.done)
		t := time.NewTicker(syncInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				y.flush()
			case <-y.quit:
				y.flush()
				return
			}
		}
	}()
}

func (y *syncer) dirty(path string) {
	y.mu.Lock()
	y.pending = path
	y.mu.Unlock()
}

func (y *syncer) flush() {
	y.mu.Lock()
	path := y.pending
	y.pending = ""
	y.mu.Unlock()
	if path == "" {
		return
	}
	if fd, err := unix.Open(filepath.Dir(path), unix.O_RDONLY|unix.O_DIRECTORY, 0); err == nil {
		_ = unix.Syncfs(fd)
		unix.Close(fd)
	}
}

func (y *syncer) stop() {
	close(y.quit)
	<-y.done
}
