package status

import (
	"encoding/json"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/ssrun/ssrun/internal/jsonscan"
	"golang.org/x/sys/unix"
)

// `ssrun status` reads a manifest by scanning it in place (package jsonscan) for the few fields it
// prints: a 100,000-member manifest is 155 MB, of which each member's argv, environment, files,
// settings and paths are nine tenths, and encoding/json's Decoder spent seconds building and throwing
// them away. The scanner still checks that what it passes over is JSON. Whatever it does not take on
// (a value of another type than the runtime writes, a key in other case or repeated, a manifest that
// is not JSON at all) sends the whole manifest through the decoder (readManifest), which stays the
// reference: the same rows, or the same error, as before.

// scanManifestRows returns the rows of the manifest at path, or ok false when the decoder must read it.
func scanManifestRows(path string) (rows []Row, ok bool) {
	data, unmap := mapFile(path)
	if data == nil {
		return nil, false
	}
	defer unmap()
	return scanMapped(data)
}

// scanMapped scans a mapped manifest. One truncated under the mapping (not by the runtime, which
// renames a new file over the old, but by another writer) faults: that panic is recovered into a
// read by the decoder.
func scanMapped(data []byte) (rows []Row, ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			rows, ok = nil, false
		}
	}()
	runs, store, ok := scanManifest(data)
	if !ok {
		return nil, false
	}
	return latestOf(runs, store), true
}

// mapFile maps path read-only; nil when it cannot (missing, empty, not a regular file).
func mapFile(path string) ([]byte, func()) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 || int64(int(st.Size())) != st.Size() {
		return nil, nil
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_POPULATE)
	if err != nil {
		return nil, nil
	}
	_ = unix.Madvise(data, unix.MADV_SEQUENTIAL)
	return data, func() { _ = unix.Munmap(data) }
}

// scanRun is a run as status needs it: its id and its entities' rows (Run not yet filled in).
type scanRun struct {
	id       string
	entities []scanEntity
}

// scanEntity is an entity of a run: its type, name and the range of its jobs' rows in the store.
type scanEntity struct {
	typ, name  string
	start, end int
}

// rowStore holds the scanned rows, sized from the manifest's size (an ssrun manifest holds at least a
// kilobyte per job) so that 100,000 rows are written once, never copied by a growing slice. Memory is
// what costs here: each page touched first is a page fault, slow in this VM.
type rowStore struct{ rows []Row }

func newRowStore(manifestSize int) rowStore { return rowStore{make([]Row, 0, manifestSize/1024+64)} }

func (st *rowStore) len() int { return len(st.rows) }

// add appends a zero row and returns it to be filled in (valid until the next add).
func (st *rowStore) add() *Row {
	st.rows = append(st.rows, Row{})
	return &st.rows[len(st.rows)-1]
}

// latestOf is Manifest.Latest and latestRows over scanned runs: each entity's rows from the last run
// that launched it, entities in the order of their first appearance.
func latestOf(runs []scanRun, store *rowStore) []Row {
	type key struct{ typ, name string }
	type at struct {
		run string
		e   *scanEntity
	}
	var order []key
	latest := map[key]at{}
	n := 0
	for r := range runs {
		for i := range runs[r].entities {
			e := &runs[r].entities[i]
			k := key{e.typ, e.name}
			if old, seen := latest[k]; !seen {
				order = append(order, k)
			} else {
				n -= old.e.end - old.e.start
			}
			latest[k] = at{runs[r].id, e}
			n += e.end - e.start
		}
	}
	// Usually the latest entities are every row scanned, in order (one run, or runs that each
	// launched other entities): their rows are returned in place.
	next := 0
	for _, k := range order {
		if l := latest[k]; l.e.start == next {
			next = l.e.end
		} else {
			next = -1
			break
		}
	}
	if next == store.len() {
		for _, k := range order {
			l := latest[k]
			for i := l.e.start; i < l.e.end; i++ {
				store.rows[i].Run = l.run
			}
		}
		return store.rows
	}
	rows := make([]Row, 0, n)
	for _, k := range order {
		l := latest[k]
		for _, row := range store.rows[l.e.start:l.e.end] {
			row.Run = l.run
			rows = append(rows, row)
		}
	}
	return rows
}

// manifestScanner holds what one scan shares: the cursor, interned strings, return codes' storage.
type manifestScanner struct {
	sc    *jsonscan.Scanner
	strs  map[string]string
	text  jsonscan.Strings
	codes []int
	rows  rowStore
}

// scanManifest reads the runs of a manifest; false when the decoder must read it.
func scanManifest(data []byte) ([]scanRun, *rowStore, bool) {
	ms := &manifestScanner{sc: jsonscan.New(data), strs: map[string]string{}, rows: newRowStore(len(data))}
	sc := ms.sc
	var runs []scanRun
	if !sc.Object() {
		return nil, nil, false
	}
	more := false
	for {
		key, plain, ok := sc.Key(&more)
		if !ok {
			break
		}
		switch jsonscan.Text(key, plain) { // the decoder matches these keys exactly, as tokens
		case "experiment":
			var e ExperimentInfo // not printed, but a header of the wrong shape is the decoder's error
			if raw := sc.Raw(); sc.Failed() || json.Unmarshal(raw, &e) != nil {
				return nil, nil, false
			}
		case "runs":
			if sc.Null() {
				continue
			}
			if !sc.Array() {
				return nil, nil, false
			}
			more := false
			for sc.Elem(&more) {
				run, ok := ms.run()
				if !ok {
					return nil, nil, false
				}
				runs = append(runs, run)
			}
		default:
			sc.Skip()
		}
		if sc.Failed() {
			return nil, nil, false
		}
	}
	return runs, &ms.rows, sc.Done()
}

// run reads one run: its id and its model, ensemble and orchestrator sections, in file order.
func (ms *manifestScanner) run() (scanRun, bool) {
	sc := ms.sc
	var r scanRun
	if !sc.Object() {
		return r, false
	}
	more := false
	for {
		key, plain, ok := sc.Key(&more)
		if !ok {
			break
		}
		switch k := jsonscan.Text(key, plain); k {
		case "run_id":
			raw, plain, null := sc.StringValue()
			if !null && !sc.Failed() {
				r.id = jsonscan.Text(raw, plain)
			}
		case "model", "ensemble", "orchestrator":
			if !ms.section(k, &r) {
				return r, false
			}
		default:
			sc.Skip()
		}
		if sc.Failed() {
			return r, false
		}
	}
	return r, !sc.Failed()
}

// section reads a section's entities into r: each model its own entity, each ensemble or database one
// entity with a row per member or shard.
func (ms *manifestScanner) section(typ string, r *scanRun) bool {
	sc := ms.sc
	if sc.Null() {
		return true
	}
	if !sc.Array() {
		return false
	}
	more := false
	for sc.Elem(&more) {
		if typ == "model" {
			start := ms.rows.len()
			row := ms.rows.add()
			if !ms.job(row) {
				return false
			}
			row.Type = typ
			r.entities = append(r.entities, scanEntity{typ: typ, name: row.Name, start: start, end: start + 1})
			continue
		}
		e, ok := ms.group(typ)
		if !ok {
			return false
		}
		r.entities = append(r.entities, e)
	}
	return !sc.Failed()
}

// groupKeys, jobKeys and telemetryKeys are the fields the decoder's structs have: a key that matches
// one only in another case is decoded by it, as is a repeated one.
var (
	groupKeys     = newKeySet("name", "models", "shards")
	jobKeys       = newKeySet("name", "out_file", "telemetry_metadata")
	telemetryKeys = newKeySet("job_id", "status", "return_code")
)

// keySet is a struct's field names with the lookup jsonscan's Fields takes, made once.
type keySet struct {
	names []string
	index func(key []byte) int
}

func newKeySet(names ...string) keySet {
	return keySet{names: names, index: func(key []byte) int {
		for i, name := range names {
			if string(key) == name {
				return i
			}
		}
		return -1
	}}
}

// fields walks an object (null: nothing, as the decoder leaves a struct), handing value the index in
// keys of each field the decoder's struct has, for it to read; other keys are passed over. False when
// the decoder must read the manifest instead (see jsonscan's Fields), or when value could not read a
// field.
func (ms *manifestScanner) fields(keys keySet, value func(i int) bool) bool {
	if ms.sc.Null() {
		return true
	}
	return ms.sc.Fields(keys.names, keys.index, value)
}

// group reads an ensemble or a database: its name and the rows of its members (models) or shards.
func (ms *manifestScanner) group(typ string) (scanEntity, bool) {
	e := scanEntity{typ: typ}
	var models, shards [2]int // ranges in the store
	ok := ms.fields(groupKeys, func(i int) bool {
		ok := true
		switch i {
		case 0:
			raw, plain, null := ms.sc.StringValue()
			if !null && !ms.sc.Failed() {
				e.name = jsonscan.Text(raw, plain)
			}
		case 1:
			models, ok = ms.jobs(typ)
		case 2:
			shards, ok = ms.jobs(typ)
		}
		return ok
	})
	e.start, e.end = models[0], models[1]
	if typ == "orchestrator" {
		e.start, e.end = shards[0], shards[1]
	}
	return e, ok
}

// jobs reads a list of jobs (null: none) into the store and returns their range there.
func (ms *manifestScanner) jobs(typ string) ([2]int, bool) {
	sc := ms.sc
	start := ms.rows.len()
	if sc.Null() {
		return [2]int{start, start}, true
	}
	if !sc.Array() {
		return [2]int{}, false
	}
	more := false
	for sc.Elem(&more) {
		row := ms.rows.add()
		if !ms.job(row) {
			return [2]int{}, false
		}
		row.Type = typ
	}
	return [2]int{start, ms.rows.len()}, !sc.Failed()
}

// job reads a job's row: its name, out file and telemetry (job id, status, return code).
func (ms *manifestScanner) job(row *Row) bool {
	return ms.fields(jobKeys, func(i int) bool {
		switch i {
		case 0:
			ms.stringField(&row.Name, false)
		case 1:
			ms.stringField(&row.OutFile, false)
		case 2:
			return ms.telemetry(row)
		}
		return true
	})
}

// telemetry reads a job's telemetry_metadata into row (null: nothing, as the decoder leaves a struct).
func (ms *manifestScanner) telemetry(row *Row) bool {
	return ms.fields(telemetryKeys, func(i int) bool {
		switch i {
		case 0:
			return ms.jobID(&row.JobID)
		case 1:
			ms.stringField(&row.Status, true)
		case 2:
			return ms.returnCode(&row.ReturnCode)
		}
		return true
	})
}

// stringField reads a string into *dst; null leaves it, as the decoder does; another type fails.
func (ms *manifestScanner) stringField(dst *string, intern bool) {
	raw, plain, null := ms.sc.StringValue()
	if null || ms.sc.Failed() {
		return
	}
	if intern && plain {
		*dst = ms.intern(raw)
		return
	}
	*dst = ms.text.Text(raw, plain)
}

// jobID reads a job id as jobIDString renders what the decoder makes of it: a string as it is, a
// number as "%.0f" of its float64, null as "". Anything else is the decoder's to render.
func (ms *manifestScanner) jobID(dst *string) bool {
	sc := ms.sc
	switch c := sc.Peek(); {
	case c == 'n':
		sc.Null()
		*dst = ""
	case c == '"':
		raw, plain := sc.String()
		*dst = ms.text.Text(raw, plain)
	case c == '-' || '0' <= c && c <= '9':
		num := sc.Number()
		if sc.Failed() {
			return false
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return false
		}
		*dst = strconv.FormatFloat(f, 'f', 0, 64)
	default:
		return false
	}
	return !sc.Failed()
}

// returnCode reads a return code as the decoder reads one into *int: null is nil, else an integer in
// range (a fraction or exponent is the decoder's error to give).
func (ms *manifestScanner) returnCode(dst **int) bool {
	sc := ms.sc
	if sc.Null() {
		*dst = nil
		return true
	}
	num := sc.Number()
	v, ok := jsonscan.Int(num)
	if sc.Failed() || !ok {
		return false
	}
	if len(ms.codes) == cap(ms.codes) {
		ms.codes = make([]int, 0, 1024)
	}
	ms.codes = append(ms.codes, v)
	*dst = &ms.codes[len(ms.codes)-1]
	return true
}

// intern returns a plain string many jobs share (statuses, run ids) without allocating it again.
func (ms *manifestScanner) intern(raw []byte) string {
	if v, ok := ms.strs[string(raw)]; ok {
		return v
	}
	s := string(raw)
	if len(ms.strs) < 256 {
		ms.strs[s] = s
	}
	return s
}
