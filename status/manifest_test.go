package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A manifest in SmartSim's key order with two runs: the second re-runs model "a" only, still running.
const twoRunManifest = `{"runs": [
 {"run_id": "run-000", "timestamp": 1,
  "model": [{"name": "a", "out_file": "a0.out", "telemetry_metadata": {"job_id": "11", "status": "Completed", "return_code": 0}}],
  "orchestrator": [{"name": "db", "shards": [
    {"name": "db_0", "out_file": "db0.out", "telemetry_metadata": {"job_id": "12", "status": "Cancelled", "return_code": -15}},
    {"name": "db_1", "out_file": "db1.out", "telemetry_metadata": {"job_id": 13, "status": "Cancelled", "return_code": -15}}]}],
  "ensemble": [{"name": "e", "models": [
    {"name": "e_0", "out_file": "e0.out", "telemetry_metadata": {"job_id": "14", "status": "Failed", "return_code": 3}}]}]},
 {"run_id": "run-001", "timestamp": 2,
  "model": [{"name": "a", "out_file": "a1.out", "telemetry_metadata": {"job_id": "21", "status": "Running", "return_code": null}}],
  "orchestrator": [], "ensemble": []}
]}`

func intp(i int) *int { return &i }

// TestLatestRunOfEachEntity: a re-run replaces only that entity's rows, keeps its first position, and
// leaves the entities it did not touch; databases yield one row per shard, ensembles one per member.
func TestLatestRunOfEachEntity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, []byte(twoRunManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadRows(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Name: "a", Type: "model", JobID: "21", Run: "run-001", Status: "Running", OutFile: "a1.out"},
		{Name: "db_0", Type: "orchestrator", JobID: "12", Run: "run-000", Status: "Cancelled", ReturnCode: intp(-15), OutFile: "db0.out"},
		{Name: "db_1", Type: "orchestrator", JobID: "13", Run: "run-000", Status: "Cancelled", ReturnCode: intp(-15), OutFile: "db1.out"},
		{Name: "e_0", Type: "ensemble", JobID: "14", Run: "run-000", Status: "Failed", ReturnCode: intp(3), OutFile: "e0.out"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestCorruptManifestNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, []byte(`{"runs": [{"model": 5}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRows(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v does not name %s", err, path)
	}
}
