// Package journal is an experiment's crash-safe, append-only record of launches: one JSON object per
// line in .smartsim/telemetry/journal.jsonl, written before each launch (intent), after it (job id)
// and when a job ends (status, exit code). A record is one write(2) of a whole line, so a driver
// killed with SIGKILL at any moment leaves only whole lines (the page cache keeps what was written);
// intents are fsync'ed before anything is launched and the rest is fsync'ed in groups, so a machine
// crash loses at most the latest changes, never an intent. Appending costs O(1) per event, whatever
// the size of the experiment: a 100,000-member ensemble appends 100,000 short lines, where a rewritten
// manifest costs O(members) per change.
//
// The manifest (manifest.json) stays SmartSim's snapshot; the journal is what resume and `ssrun
// status` trust when the two disagree (the manifest is rewritten at most every 200 ms and not at all
// after a kill).
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Version is the journal format this ssrun writes and reads; a newer one is refused, not guessed at.
const Version = 1

// FileName is the journal's name in the telemetry directory.
const FileName = "journal.jsonl"

// Event kinds.
const (
	EvOpen    = "open"    // a driver opened the journal: format version, experiment, script
	EvLaunch  = "launch"  // about to launch a member (intent): run, name, identity, status dir
	EvStarted = "started" // the launcher accepted it: job id
	EvEnd     = "end"     // it ended: status and exit code
	EvSkip    = "skip"    // resume skipped it: unchanged since From
)

// Record is one line of the journal.
type Record struct {
	V      int               `json:"v,omitempty"`
	Ev     string            `json:"ev"`
	Exp    string            `json:"exp,omitempty"`
	Script string            `json:"script,omitempty"`
	Run    string            `json:"run,omitempty"`
	Name   string            `json:"name,omitempty"`
	Ens    string            `json:"ens,omitempty"`
	Hash   string            `json:"hash,omitempty"`
	Parts  map[string]string `json:"parts,omitempty"`
	Dir    string            `json:"dir,omitempty"` // the member's status directory
	Job    string            `json:"job,omitempty"`
	Status string            `json:"status,omitempty"`
	Code   *int              `json:"code,omitempty"`
	From   string            `json:"from,omitempty"`
}

// Writer appends records to a journal file.
type Writer struct {
	mu     sync.Mutex
	f      *os.File
	synced bool
}

// Create opens path for appending (creating it and its directory) and writes an open record.
func Create(path string, open Record) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f}
	open.Ev, open.V = EvOpen, Version
	if err := w.Append(true, open); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// Append writes recs as one write of whole lines; with sync it returns once they are on disk.
func (w *Writer) Append(sync bool, recs ...Record) error {
	var buf bytes.Buffer
	for _, r := range recs {
		data, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.Write(data)
		buf.WriteByte('\n')
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(buf.Bytes()); err != nil {
		return err
	}
	w.synced = false
	if sync {
		return w.syncLocked()
	}
	return nil
}

// Sync puts every record appended so far on disk (a group commit).
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.syncLocked()
}

func (w *Writer) syncLocked() error {
	if w.synced {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return err
	}
	w.synced = true
	return nil
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	err := w.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Error is a journal that cannot be trusted, with the line that says so.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Read returns every record of the journal at path (nil and no error when there is none). A line that
// is not a record, or a format newer than Version, is an *Error naming the line: a resume must not
// guess what an unreadable journal said.
func Read(path string) ([]Record, error) {
	var recs []Record
	err := scanFile(path, newLineParser(true, nil), func(r *Record) { recs = append(recs, *r) })
	if err == errSlowPath {
		return readDecoded(path)
	}
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// ReadState is Replay(Read(path)) without holding the records, for readers that want the members'
// latest state. Without identity the launches' Hash and Parts (most of a journal's bytes, which only a
// resume compares) are checked but not kept: `ssrun status` and the dashboard read a 100,000-member
// journal in a fraction of the time. No journal: an empty state.
func ReadState(path string, identity bool) (*State, error) {
	s := newState()
	if st, err := os.Stat(path); err == nil && st.Size() >= 512 {
		// A member takes a launch, a started and an end line, 500 bytes: sized for that many, the
		// members' map is not grown (and rehashed) a dozen times on the way to 100,000.
		hint := min(st.Size()/512, 1<<20)
		s.Members, s.Order = make(map[string]*Member, hint), make([]string, 0, hint)
	}
	known := func(name []byte) (string, bool) {
		if m := s.Members[string(name)]; m != nil {
			return m.Name, true
		}
		return "", false
	}
	err := scanFile(path, newLineParser(identity, known), s.apply)
	if err == errSlowPath {
		recs, err := readDecoded(path)
		if err != nil {
			return nil, err
		}
		if !identity {
			for i := range recs {
				recs[i].Hash, recs[i].Parts = "", nil
			}
		}
		return Replay(recs), nil
	}
	if err != nil {
		return nil, err
	}
	if len(s.Order) == 0 {
		s.Order = nil // as Replay leaves it
	}
	return s, nil
}

// readDecoded is Read with encoding/json for every line: the reference the scanning reader agrees
// with, and its path for journals it does not take on (lines over maxFastLine).
func readDecoded(path string) ([]Record, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeReader(f, path)
}

// decodeReader is readDecoded over the journal's bytes in r (path names it in errors).
func decodeReader(r io.Reader, path string) ([]Record, error) {
	var recs []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	line := 0
	for sc.Scan() {
		line++
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Ev == "" {
			return nil, corruptError(path, line)
		}
		if r.V > Version {
			return nil, newerError(path, line, r.V)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{path, line + 1, err.Error()}
	}
	return recs, nil
}

// maxLine is the longest line a journal may hold (a launch record with its part digests is a few
// hundred bytes).
const maxLine = 16 * 1024 * 1024

func corruptError(path string, line int) error {
	return &Error{path, line, "not a journal record (the journal is corrupt or truncated)"}
}

func newerError(path string, line, v int) error {
	return &Error{path, line, fmt.Sprintf("journal format version %d was written by a newer ssrun; this ssrun reads version %d (upgrade ssrun)", v, Version)}
}

// Member is what the journal says about a member's latest run.
type Member struct {
	Name, Ens string
	Run       string            // the run that launched it (or the run a skip happened in)
	Since     string            // the run whose execution the latest state stems from
	Hash      string            // identity of that execution
	Parts     map[string]string // its part digests
	Dir       string            // status directory of that execution
	Job       string            // job id, "" if the launch was not confirmed
	Ended     bool
	Status    string
	Code      int
}

// State is the journal replayed: the latest state of each member, the last driver's script.
type State struct {
	Members map[string]*Member
	Order   []string // member names in first-seen order
	Script  string   // script of the latest open record
	Exp     string
}

// Replay folds records into the latest state of each member. An end record only applies to the run it
// names, so an old run's late end does not overwrite a newer launch.
func Replay(recs []Record) *State {
	s := newState()
	for i := range recs {
		s.apply(&recs[i])
	}
	return s
}

func newState() *State { return &State{Members: map[string]*Member{}} }

func (s *State) get(name string) *Member {
	m := s.Members[name]
	if m == nil {
		m = &Member{Name: name}
		s.Members[name] = m
		s.Order = append(s.Order, name)
	}
	return m
}

// apply folds one record into the state (Replay's step, also taken by ReadState as it reads).
func (s *State) apply(r *Record) {
	switch r.Ev {
	case EvOpen:
		s.Script, s.Exp = r.Script, r.Exp
	case EvLaunch:
		*s.get(r.Name) = Member{Name: r.Name, Ens: r.Ens, Run: r.Run, Since: r.Run, Hash: r.Hash, Parts: r.Parts, Dir: r.Dir}
	case EvStarted:
		if m := s.Members[r.Name]; m != nil && m.Run == r.Run {
			m.Job = r.Job
		}
	case EvEnd:
		if m := s.Members[r.Name]; m != nil && m.Since == r.Run {
			m.Ended, m.Status = true, r.Status
			if r.Code != nil {
				m.Code = *r.Code
			}
		}
	case EvSkip:
		m := s.get(r.Name)
		m.Run, m.Ens = r.Run, r.Ens
	}
}
