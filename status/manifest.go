package status

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	Name          string              `json:"name"`
	Path          string              `json:"path"`
	ExeArgs       []string            `json:"exe_args"`
	RunSettings   RunSettings         `json:"run_settings"`
	BatchSettings BatchSettings       `json:"batch_settings"`
	Params        map[string]string   `json:"params"`
	Files         map[string][]string `json:"files"` // absent or null: none
	OutFile       string              `json:"out_file"`
	ErrFile       string              `json:"err_file"`
	// Database shards only.
	Hostname        string    `json:"hostname"`
	Port            int       `json:"port"`
	MemoryFile      string    `json:"memory_file"`
	ClientFile      string    `json:"client_file"`
	ClientCountFile string    `json:"client_count_file"`
	Telemetry       Telemetry `json:"telemetry_metadata"`
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

// ReadManifest reads and decodes the manifest at path. Errors name the path; a missing manifest says
// what was expected there.
func ReadManifest(path string) (*Manifest, error) { return readManifest(path, false) }

// readManifest reads the manifest at path; rowsOnly decodes of each job only what `ssrun status`
// prints (name, out file, job id, status, return code), skipping the construction of every member's
// params, files, argv and environment.
func readManifest(path string, rowsOnly bool) (*Manifest, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no manifest at %s (is this an experiment directory that has run?)", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m Manifest
	// Decoded from the file: a 150 MB manifest (100,000 members) is not held twice.
	if err := decodeManifest(json.NewDecoder(f), &m, rowsOnly); err != nil {
		return nil, fmt.Errorf("reading manifest %s: %v", path, err)
	}
	return &m, nil
}

// decodeManifest reads a manifest from the token stream, each run's sections decoded in place: the
// bytes are scanned twice (find a value's end, decode it), where json.Unmarshal with a run's own
// UnmarshalJSON scanned them four times. At 100,000 members that is what `ssrun status` and each
// refresh of the dashboard spend most of their time on.
func decodeManifest(dec *json.Decoder, m *Manifest, rowsOnly bool) error {
	if err := expectDelim(dec, '{', "a manifest is not a JSON object"); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case "experiment":
			if err := dec.Decode(&m.Experiment); err != nil {
				return fmt.Errorf("experiment: %v", err)
			}
		case "runs":
			if err := decodeRuns(dec, m, rowsOnly); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	if err := expectDelim(dec, '}', "a manifest is not a JSON object"); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the manifest's closing brace")
	}
	return nil
}

func decodeRuns(dec *json.Decoder, m *Manifest, rowsOnly bool) error {
	tok, err := dec.Token()
	if err != nil || tok == nil { // "runs": null
		return err
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("runs: not a list")
	}
	for dec.More() {
		var r Run
		if err := decodeRun(dec, &r, rowsOnly); err != nil {
			return err
		}
		m.Runs = append(m.Runs, r)
	}
	_, err = dec.Token() // ']'
	return err
}

func expectDelim(dec *json.Decoder, d json.Delim, msg string) error {
	if tok, err := dec.Token(); err != nil || tok != d {
		if err != nil {
			return err
		}
		return errors.New(msg)
	}
	return nil
}

// groupEntry is an ensemble (members under "models") or a database (shards under "shards").
type groupEntry struct {
	Name          string        `json:"name"`
	Path          string        `json:"path"`
	BatchSettings BatchSettings `json:"batch_settings"`
	Models        []Job         `json:"models"`
	Shards        []Job         `json:"shards"`
}

// UnmarshalJSON reads a run's keys in file order, decoding each entity section straight from the
// stream (a 100,000-member manifest is scanned once more here, not three times). An error names the
// run, whose run_id a writer may put after its sections.
func (r *Run) UnmarshalJSON(data []byte) error {
	return decodeRun(json.NewDecoder(bytes.NewReader(data)), r, false)
}

func decodeRun(dec *json.Decoder, r *Run, rowsOnly bool) error {
	if err := expectDelim(dec, '{', "a run is not a JSON object"); err != nil {
		return err
	}
	var sectionErr error
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "run_id":
			if err := dec.Decode(&r.ID); err != nil {
				return fmt.Errorf("run_id: %v", err)
			}
		case "model", "ensemble", "orchestrator":
			entities, err := decodeSection(key, dec, rowsOnly)
			if err != nil {
				if sectionErr == nil {
					sectionErr = fmt.Errorf("%s: %v", key, err)
				}
				continue
			}
			r.Entities = append(r.Entities, entities...)
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			if key == "timestamp" {
				_ = json.Unmarshal(skip, &r.Timestamp) // informative only
			}
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return err
	}
	if sectionErr != nil {
		return fmt.Errorf("run %s, %v", r.ID, sectionErr)
	}
	return nil
}

func decodeSection(key string, dec *json.Decoder, rowsOnly bool) ([]Entity, error) {
	if rowsOnly {
		return decodeRowSection(key, dec)
	}
	if key == "model" {
		var models []Job
		if err := dec.Decode(&models); err != nil {
			return nil, err
		}
		entities := make([]Entity, 0, len(models))
		for _, m := range models {
			entities = append(entities, Entity{Type: "model", Name: m.Name, Path: m.Path, BatchSettings: m.BatchSettings, Jobs: []Job{m}})
		}
		return entities, nil
	}
	var groups []groupEntry
	if err := dec.Decode(&groups); err != nil {
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

// rowJob is the part of a job `ssrun status` prints.
type rowJob struct {
	Name      string `json:"name"`
	OutFile   string `json:"out_file"`
	Telemetry struct {
		JobID      any    `json:"job_id"`
		Status     string `json:"status"`
		ReturnCode *int   `json:"return_code"`
	} `json:"telemetry_metadata"`
}

func (j rowJob) job() Job {
	return Job{Name: j.Name, OutFile: j.OutFile,
		Telemetry: Telemetry{JobID: j.Telemetry.JobID, Status: j.Telemetry.Status, ReturnCode: j.Telemetry.ReturnCode}}
}

// decodeRowSection is decodeSection for `ssrun status`: entities with their jobs' printed fields.
func decodeRowSection(key string, dec *json.Decoder) ([]Entity, error) {
	if key == "model" {
		var models []rowJob
		if err := dec.Decode(&models); err != nil {
			return nil, err
		}
		entities := make([]Entity, 0, len(models))
		for _, m := range models {
			entities = append(entities, Entity{Type: "model", Name: m.Name, Jobs: []Job{m.job()}})
		}
		return entities, nil
	}
	var groups []struct {
		Name   string   `json:"name"`
		Models []rowJob `json:"models"`
		Shards []rowJob `json:"shards"`
	}
	if err := dec.Decode(&groups); err != nil {
		return nil, err
	}
	entities := make([]Entity, 0, len(groups))
	for _, g := range groups {
		members := g.Models
		if key == "orchestrator" {
			members = g.Shards
		}
		jobs := make([]Job, len(members))
		for i, j := range members {
			jobs[i] = j.job()
		}
		entities = append(entities, Entity{Type: key, Name: g.Name, Jobs: jobs})
	}
	return entities, nil
}
