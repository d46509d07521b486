package runtime

import (
	"encoding/json"
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
type history struct {
	once    sync.Once
	prior   []json.RawMessage
	nextRun int
}

// loadHistory reads the history once, at the first start.
func (e *Experiment) loadHistory() {
	e.history.once.Do(func() {
		if e.opts.Hermetic && e.opts.DryRun {
			return // a hermetic dry run starts from a clean experiment directory
		}
		if data, err := os.ReadFile(e.ManifestPath()); err == nil {
			var doc struct {
				Runs []json.RawMessage `json:"runs"`
			}
			if json.Unmarshal(data, &doc) == nil {
				e.history.prior = doc.Runs
			}
			for _, raw := range doc.Runs {
				var run struct {
					RunID string `json:"run_id"`
				}
				if json.Unmarshal(raw, &run) == nil {
					e.history.bump(run.RunID)
				}
			}
		}
		entries, _ := os.ReadDir(filepath.Join(e.telemetryDir(), e.Name))
		for _, ent := range entries {
			e.history.bump(ent.Name())
		}
	})
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
