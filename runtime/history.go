package runtime

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// history is what earlier ssrun invocations left in the same experiment directory: their manifest
// runs (kept, so the journal accumulates across invocations) and the run ids already used (so a new
// start never writes into an earlier run's output directory). A dry run reads it too, so its plan
// names the run ids the real run would use; in a fresh directory that is run-000 onwards.
//
// The earlier runs are not held in memory (a 100,000-member run is about 100 MB of JSON): history
// keeps the manifest file it read open and the byte range of each run in it, and every rewrite copies
// those ranges from it. The rewrite renames a new file over the old name; the open descriptor keeps
// the old file readable for as long as this driver runs.
type history struct {
	once    sync.Once
	file    *os.File    // the manifest as it was read, nil when there was none
	prior   []byteRange // each earlier run's JSON within file
	nextRun int
}

// byteRange is [off, off+n) of a file.
type byteRange struct{ off, n int64 }

// loadHistory reads the history once, at the first start.
func (e *Experiment) loadHistory() {
	e.history.once.Do(func() {
		if e.opts.Hermetic && e.opts.DryRun {
			return // a hermetic dry run starts from a clean experiment directory
		}
		if f, err := os.Open(e.ManifestPath()); err == nil {
			e.history.readRuns(f)
			if len(e.history.prior) > 0 && !e.opts.DryRun {
				e.history.file = f // copied from by every manifest rewrite
			} else {
				f.Close()
			}
		}
		entries, _ := os.ReadDir(filepath.Join(e.telemetryDir(), e.Name))
		for _, ent := range entries {
			e.history.bump(ent.Name())
		}
	})
}

// readRuns finds each element of the manifest's "runs" array, one at a time, noting its byte range and
// run id. A manifest that does not parse contributes the runs read before the fault.
func (h *history) readRuns(f *os.File) {
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return
		}
		if key != "runs" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return
		}
		for dec.More() {
			// One pass per run: decoded for its id only; its bytes are found again by offset. The range
			// starts where the previous token ended, so it may begin with the ',' and blanks before the
			// run, which copyRun skips.
			start := dec.InputOffset()
			var run struct {
				RunID string `json:"run_id"`
			}
			if dec.Decode(&run) != nil {
				return
			}
			h.prior = append(h.prior, byteRange{off: start, n: dec.InputOffset() - start})
			h.bump(run.RunID)
		}
		return
	}
}

// copyRun writes earlier run i, as it was read, to w (without the separator before it).
func (h *history) copyRun(w io.Writer, i int) error {
	r := h.prior[i]
	src := bufio.NewReader(io.NewSectionReader(h.file, r.off, r.n))
	for {
		c, err := src.ReadByte()
		if err != nil {
			return err
		}
		if c != ',' && c != ' ' && c != '\n' && c != '\t' && c != '\r' {
			if err := src.UnreadByte(); err != nil {
				return err
			}
			break
		}
	}
	_, err := src.WriteTo(w)
	return err
}

// bump moves nextRun past a used id of the form run-NNN.
func (h *history) bump(id string) {
	n, ok := strings.CutPrefix(id, "run-")
	if !ok {
		return
	}
	if i, err := strconv.Atoi(n); err == nil && i >= h.nextRun {
		h.nextRun = i + 1
	}
}
