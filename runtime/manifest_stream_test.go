package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
)

// TestStreamedManifestReadsAsMarshalIndent: the manifest streamed entry by entry is byte for byte what
// json.MarshalIndent writes for the same document (runs of an earlier invocation, copied from the old
// file, included), so readers of the file see no difference from the whole-document encoder.
func TestStreamedManifestReadsAsMarshalIndent(t *testing.T) {
	first, _ := newExp(t, "local")
	rs := mustRS(t, first, "true")
	m, _ := first.CreateModel(ModelArgs{Name: "m", RunSettings: rs, Params: []ParamSpec{{"k", Str("v")}}})
	ens, _ := first.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Replicas: 2})
	if err := first.Start(context.Background(), []Entity{m, ens}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	first.Close()
	second, err := NewExperiment("exp", "", "local", Options{Cwd: first.Cwd(), Launcher: first.opts.Launcher, Log: first.opts.Log})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	m2, _ := second.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, second, "true")})
	if err := second.Start(context.Background(), []Entity{m2}, StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	second.flushJournal()
	data, err := os.ReadFile(second.ManifestPath())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema     map[string]any   `json:"schema info"`
		Experiment map[string]any   `json:"experiment"`
		Runs       []map[string]any `json:"runs"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // nanosecond timestamps do not survive a float64
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("manifest does not parse: %v\n%s", err, data)
	}
	if len(doc.Runs) != 2 || doc.Runs[0]["run_id"] != "run-000" || doc.Runs[1]["run_id"] != "run-001" {
		t.Fatalf("runs %v, want run-000 (copied from the first invocation) and run-001", len(doc.Runs))
	}
	want, _ := json.MarshalIndent(doc, "", "  ")
	if !bytes.Equal(append(want, '\n'), data) {
		t.Errorf("streamed manifest differs from MarshalIndent's encoding:\n%s\nwant:\n%s", data, want)
	}
}
