package status

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// manifestFile is the part of the manifest (runtime/manifest.go, SmartSim's 0.0.4 layout) that
// `ssrun status` reads.
type manifestFile struct {
	Runs []manifestRun `json:"runs"`
}

// manifestRun is one start() call. Its entity sections are kept in the order the file lists them, so
// rows come out in the manifest's order whichever writer produced it.
type manifestRun struct {
	id       string
	sections [][]entityRows
}

// entityRows is one entity of a run and its jobs: a model (one job), an ensemble (one per member)
// or a database (one per shard).
type entityRows struct {
	typ, name string
	rows      []Row
}

// entityEntry is a model, ensemble member or database shard entry of the manifest.
type entityEntry struct {
	Name      string `json:"name"`
	OutFile   string `json:"out_file"`
	Telemetry struct {
		JobID      any    `json:"job_id"`
		Status     string `json:"status"`
		ReturnCode *int   `json:"return_code"`
	} `json:"telemetry_metadata"`
}

// groupEntry is an ensemble (members under "models") or a database (shards under "shards").
type groupEntry struct {
	Name   string        `json:"name"`
	Models []entityEntry `json:"models"`
	Shards []entityEntry `json:"shards"`
}

// UnmarshalJSON reads a run's keys in file order; the entity sections are decoded after run_id is
// known, since a writer may put run_id after them.
func (r *manifestRun) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("a run is not a JSON object")
	}
	type section struct {
		key string
		raw json.RawMessage
	}
	var sections []section
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		switch key {
		case "run_id":
			if err := json.Unmarshal(raw, &r.id); err != nil {
				return fmt.Errorf("run_id: %v", err)
			}
		case "model", "ensemble", "orchestrator":
			sections = append(sections, section{key, raw})
		}
	}
	for _, s := range sections {
		groups, err := r.decodeSection(s.key, s.raw)
		if err != nil {
			return fmt.Errorf("run %s, %s: %v", r.id, s.key, err)
		}
		r.sections = append(r.sections, groups)
	}
	return nil
}

func (r *manifestRun) decodeSection(key string, raw json.RawMessage) ([]entityRows, error) {
	if key == "model" {
		var models []entityEntry
		if err := json.Unmarshal(raw, &models); err != nil {
			return nil, err
		}
		groups := make([]entityRows, 0, len(models))
		for _, m := range models {
			groups = append(groups, entityRows{"model", m.Name, []Row{m.row("model", r.id)}})
		}
		return groups, nil
	}
	var entries []groupEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, err
	}
	groups := make([]entityRows, 0, len(entries))
	for _, g := range entries {
		jobs := g.Models
		if key == "orchestrator" {
			jobs = g.Shards
		}
		rows := []Row{}
		for _, j := range jobs {
			rows = append(rows, j.row(key, r.id))
		}
		groups = append(groups, entityRows{key, g.Name, rows})
	}
	return groups, nil
}

func (e entityEntry) row(typ, runID string) Row {
	return Row{Name: e.Name, Type: typ, JobID: jobIDString(e.Telemetry.JobID), Run: runID,
		Status: e.Telemetry.Status, ReturnCode: e.Telemetry.ReturnCode, OutFile: e.OutFile}
}
