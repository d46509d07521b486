package local

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"github.com/ssrun/ssrun/launchers"
)

// supervisor is the driver's end of the member supervisor (`ssrun member --serve`, package member): a
// process of its own session that starts the jobs it is sent with this package's Launcher and records
// each one's pid and exit code beside it. The driver may be killed at any moment; the supervisor then
// finishes following the members still running, records how they end and exits. The driver never
// signals a member itself: only the supervisor, which reaps them, knows when a pid stops being theirs.
type supervisor struct {
	cmd *exec.Cmd
	in  io.WriteCloser

	sendMu sync.Mutex
	enc    *json.Encoder

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan SupervisorMessage // launches waiting for started/failed
	jobs    map[int]*supervised               // started, not yet ended
	exited  map[int]SupervisorMessage         // ends that arrived before their launch reply was handled
	lost    error                             // set when the supervisor's stdout closed
	done    chan struct{}                     // closed when the supervisor's stdout closed
	errDone chan struct{}                     // closed when its stderr is drained
}

// startSupervisor starts command (the ssrun binary, "member", ...) with --serve and the grace period.
func startSupervisor(command []string, grace string) (*supervisor, error) {
	cmd := exec.Command(command[0], append(append([]string(nil), command[1:]...), "--serve", "--grace", grace)...)
	// Its own session: a Ctrl-C on the driver's terminal or a hangup must not end the record keeper;
	// the driver stops members through it when it wants them stopped.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// Its messages reach the driver's stderr through a pipe, never the driver's stderr itself: a
	// supervisor outliving a detached driver must not hold a `ssrun ... | tee` pipeline open.
	errs, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the member supervisor %s: %w", command[0], err)
	}
	s := &supervisor{cmd: cmd, in: in, enc: json.NewEncoder(in), pending: map[uint64]chan SupervisorMessage{},
		jobs: map[int]*supervised{}, exited: map[int]SupervisorMessage{}, done: make(chan struct{}),
		errDone: make(chan struct{})}
	go s.read(out)
	go func() {
		defer close(s.errDone)
		_, _ = io.Copy(os.Stderr, errs)
	}()
	return s, nil
}

// send writes one request line.
func (s *supervisor) send(m SupervisorMessage) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return s.enc.Encode(m)
}

// launch starts job through the supervisor and returns its handle once it runs.
func (s *supervisor) launch(job launchers.Job) (*supervised, error) {
	reply := make(chan SupervisorMessage, 1)
	s.mu.Lock()
	if s.lost != nil {
		s.mu.Unlock()
		return nil, s.lost
	}
	s.nextID++
	id := s.nextID
	s.pending[id] = reply
	s.mu.Unlock()
	if err := s.send(LaunchRequest(id, job)); err != nil {
		s.forget(id)
		return nil, fmt.Errorf("member supervisor: %w", err)
	}
	select {
	case m := <-reply:
		if m.Op == opFailed {
			return nil, errors.New(m.Err)
		}
		return s.adopt(m.Pid), nil
	case <-s.done:
		s.forget(id)
		return nil, s.lostErr()
	}
}

// adopt makes the handle of a started job, applying an end that overtook its launch reply.
func (s *supervisor) adopt(pid int) *supervised {
	h := &supervised{sup: s, pid: pid, id: strconv.Itoa(pid), done: make(chan struct{}),
		result: launchers.Result{Status: launchers.StatusRunning, ExitCode: -1}}
	s.mu.Lock()
	end, ended := s.exited[pid]
	if ended {
		delete(s.exited, pid)
	} else {
		s.jobs[pid] = h
	}
	s.mu.Unlock()
	if ended {
		h.finish(end)
	}
	return h
}

func (s *supervisor) forget(id uint64) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

func (s *supervisor) lostErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// read dispatches the supervisor's replies and exit events until its stdout closes; then every job it
// was following is lost (the supervisor died: their ends can no longer be known here).
func (s *supervisor) read(r io.Reader) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	for {
		var m SupervisorMessage
		if err := dec.Decode(&m); err != nil {
			break
		}
		s.dispatch(m)
	}
	s.mu.Lock()
	s.lost = errors.New("the member supervisor (ssrun member --serve) ended; see its messages above")
	jobs := s.jobs
	s.jobs = map[int]*supervised{}
	s.mu.Unlock()
	close(s.done)
	for _, h := range jobs {
		h.finish(SupervisorMessage{Status: launchers.StatusFailed, Code: -1, Err: s.lost.Error()})
	}
}

func (s *supervisor) dispatch(m SupervisorMessage) {
	s.mu.Lock()
	switch m.Op {
	case opStarted, opFailed:
		reply := s.pending[m.ID]
		delete(s.pending, m.ID)
		s.mu.Unlock()
		if reply != nil {
			reply <- m
		}
		return
	case opExit:
		h := s.jobs[m.Pid]
		if h == nil {
			s.exited[m.Pid] = m // its launch reply is still on its way to adopt
			s.mu.Unlock()
			return
		}
		delete(s.jobs, m.Pid)
		s.mu.Unlock()
		h.finish(m)
		return
	}
	s.mu.Unlock()
}

// close ends the supervisor once every job it follows has ended: closing its stdin tells it no more
// work comes. It waits for the process so no zombie is left behind.
func (s *supervisor) close() error {
	s.in.Close()
	<-s.done
	<-s.errDone
	return s.cmd.Wait()
}

// supervised is a job the supervisor started: a launchers.Handle fed by its exit event.
type supervised struct {
	sup  *supervisor
	pid  int
	id   string
	done chan struct{}

	mu       sync.Mutex
	result   launchers.Result
	stopping bool
}

func (h *supervised) ID() string            { return h.id }
func (h *supervised) Done() <-chan struct{} { return h.done }

func (h *supervised) Result() launchers.Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.result
}

// Stop asks the supervisor to stop the job (SIGTERM to its group, SIGKILL after the grace) and waits for
// its end, which is Cancelled.
func (h *supervised) Stop() error {
	if err := h.requestStop(); err != nil {
		return err
	}
	<-h.done
	return nil
}

func (h *supervised) requestStop() error {
	select {
	case <-h.done:
		return nil
	default:
	}
	h.mu.Lock()
	already := h.stopping
	h.stopping = true
	h.mu.Unlock()
	if already {
		return nil
	}
	if err := h.sup.send(StopRequest(h.pid)); err != nil {
		return fmt.Errorf("stop job %s: %w", h.id, err)
	}
	return nil
}

func (h *supervised) finish(m SupervisorMessage) {
	r := launchers.Result{Status: m.Status, ExitCode: m.Code}
	if m.Err != "" {
		r.Err = errors.New(m.Err)
	}
	h.mu.Lock()
	h.result = r
	h.mu.Unlock()
	close(h.done)
}
