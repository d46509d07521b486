package status

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Manifest is an experiment's manifest (runtime/manifest.go, SmartSim's 0.0.4 layout with ssrun's
// additions) as the readers of this module see it: `ssrun status` prints its latest jobs, `ssrun
// dashboard` and `ssrun report` show all of it. Fields a writer left out are zero values, so a
// SmartSim-written manifest reads too.
type Manifest struct {
	Experiment ExperimentInfo `json:"experiment"`
	Runs       []Run          `json:"runs"`
}

// ExperimentInfo is the manifest's "experiment" header.
type ExperimentInfo struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	Launcher string `json:"launcher"`
}

// Run is one start() call. Its entities are kept in the order the file lists them, so rows come out in
// the manifest's order whichever writer produced it.
type Run struct {
	ID        string
	Timestamp int64 // nanoseconds since the epoch, as SmartSim writes it
	Entities  []Entity
}

// Entity is a model (one job), an ensemble (one job per member) or a database (one per shard).
type Entity struct {
	Type          string // "model", "ensemble" or "orchestrator"
	Name          string
	Path          string
	BatchSettings BatchSettings
	Jobs          []Job
}

// BatchSettings is an entity's batch_settings; empty when it was not launched as a batch job. Args is
// what the writer recorded: ssrun writes the formatted arguments (a list), SmartSim a dict.
type BatchSettings struct {
	Cmd  string `json:"batch_cmd"`
	Args any    `json:"batch_args"`
}

// Job is one model, ensemble member or database shard entry of a run.
type Job struct {
	Name          string            `json:"name"`
	Path          string            `json:"path"`
	ExeArgs       []string          `json:"exe_args"`
	RunSettings   RunSettings       `json:"run_settings"`
	BatchSettings BatchSettings     `json:"batch_settings"`
	Params        map[string]string `json:"params"`
	Files         map[string][]string
	OutFile       string `json:"out_file"`
	ErrFile       string `json:"err_file"`
	// Database shards only.
	Hostname        string `json:"hostname"`
	Port            int    `json:"port"`
	MemoryFile      string `json:"memory_file"`
	ClientFile      string `json:"client_file"`
	ClientCountFile string `json:"client_count_file"`
	Telemetry       Telemetry
}

// RunSettings is a job's run_settings as the manifest records them.
type RunSettings struct {
	Exe        []string       `json:"exe"`
	RunCommand string         `json:"run_command"`
	RunArgs    map[string]any `json:"run_args"`
}

// Telemetry is a job's telemetry_metadata: SmartSim's fields and ssrun's (job id, status, return code,
// launched argv, environment delta, start and end times).
type Telemetry struct {
	StatusDir  string     `json:"status_dir"`
	JobID      any        `json:"job_id"`
	StepName   string     `json:"step_name"`
	Status     string     `json:"status"`
	ReturnCode *int       `json:"return_code"`
	Argv       []string   `json:"argv"`
	Env        []string   `json:"env"`
	StartTime  *time.Time `json:"start_time"`
	EndTime    *time.Time `json:"end_time"`
}

// ID is the job id as text (the manifest may hold a string, a number or null).
func (t Telemetry) ID() string { return jobIDString(t.JobID) }

// UnmarshalJSON reads a job, accepting a files section that is absent or null.
func (j *Job) UnmarshalJSON(data []byte) error {
	type plain Job
	var aux struct {
		plain
		Files     map[string][]string `json:"files"`
		Telemetry Telemetry           `json:"telemetry_metadata"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*j = Job(aux.plain)
	j.Files, j.Telemetry = aux.Files, aux.Telemetry
	return nil
}

// ReadManifest reads and decodes the manifest at path. Errors name the path; a missing manifest says
// what was expected there.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no manifest at %s (is this an experiment directory that has run?)", path)
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("reading manifest %s: %v", path, err)
	}
	return &m, nil
}

// groupEntry is an ensemble (members under "models") or a database (shards under "shards").
type groupEntry struct {
	Name          string        `json:"name"`
	Path          string        `json:"path"`
	BatchSettings BatchSettings `json:"batch_settings"`
	Models        []Job         `json:"models"`
	Shards        []Job         `json:"shards"`
}

// UnmarshalJSON reads a run's keys in file order; the entity sections are decoded after run_id is
// known, since a writer may put run_id after them.
func (r *Run) UnmarshalJSON(data []byte) error {
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
			if err := json.Unmarshal(raw, &r.ID); err != nil {
				return fmt.Errorf("run_id: %v", err)
			}
		case "timestamp":
			_ = json.Unmarshal(raw, &r.Timestamp) // informative only
		case "model", "ensemble", "orchestrator":
			sections = append(sections, section{key, raw})
		}
	}
	for _, s := range sections {
		entities, err := decodeSection(s.key, s.raw)
		if err != nil {
			return fmt.Errorf("run %s, %s: %v", r.ID, s.key, err)
		}
		r.Entities = append(r.Entities, entities...)
	}
	return nil
}

func decodeSection(key string, raw json.RawMessage) ([]Entity, error) {
	if key == "model" {
		var models []Job
		if err := json.Unmarshal(raw, &models); err != nil {
			return nil, err
		}
		entities := make([]Entity, 0, len(models))
		for _, m := range models {
			entities = append(entities, Entity{Type: "model", Name: m.Name, Path: m.Path, BatchSettings: m.BatchSettings, Jobs: []Job{m}})
		}
		return entities, nil
	}
	var groups []groupEntry
	if err := json.Unmarshal(raw, &groups); err != nil {
		return nil, err
	}
	entities := make([]Entity, 0, len(groups))
	for _, g := range groups {
		jobs := g.Models
		if key == "orchestrator" {
			jobs = g.Shards
		}
		if jobs == nil {
			jobs = []Job{}
		}
		entities = append(entities, Entity{Type: key, Name: g.Name, Path: g.Path, BatchSettings: g.BatchSettings, Jobs: jobs})
	}
	return entities, nil
}

// row is the job as `ssrun status` prints it.
func (j Job) row(typ, runID string) Row {
	return Row{Name: j.Name, Type: typ, JobID: j.Telemetry.ID(), Run: runID,
		Status: j.Telemetry.Status, ReturnCode: j.Telemetry.ReturnCode, OutFile: j.OutFile}
}
