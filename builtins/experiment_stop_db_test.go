package builtins_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.starlark.net/starlark"
)

// stopDBScript is what a user writes: a 1-shard and a 3-shard database with a model, one start, then
// stop() of the databases together with the model, and summary()/get_status() afterwards.
const stopDBScript = `
exp = Experiment("e")
small = exp.create_database(port=7000, db_identifier="small")
big = exp.create_database(port=7100, db_nodes=3, db_identifier="big")
m = exp.create_model("m", exp.create_run_settings(exe="echo"))
exp.start(small, big, m, block=False)
before = exp.summary(style="json")
exp.stop(m, small, big)
after = exp.summary(style="json")
statuses = exp.get_status(small, big, m)
`

type summaryRow struct {
	Name, Type, Status string
	RunID              int
}

func summaryRowsOf(t *testing.T, g starlark.StringDict, name string) []summaryRow {
	t.Helper()
	s, ok := starlark.AsString(g[name])
	if !ok {
		t.Fatalf("%s is %v, not a string", name, g[name])
	}
	var rows []struct {
		Name       string `json:"Name"`
		EntityType string `json:"Entity-Type"`
		RunID      int    `json:"RunID"`
		Status     string `json:"Status"`
		Returncode *int   `json:"Returncode"`
	}
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, s)
	}
	out := make([]summaryRow, len(rows))
	for i, r := range rows {
		out[i] = summaryRow{r.Name, r.EntityType, r.Status, r.RunID}
	}
	return out
}

// TestStopDatabasesFromStarlark: stop() of databases goes through the experiment, so summary() lists a
// DBNode row per shard, Running before the stop and Cancelled after, and get_status agrees.
func TestStopDatabasesFromStarlark(t *testing.T) {
	g, _, err := dryRunGlobals(t, stopDBScript)
	if err != nil {
		t.Fatal(err)
	}
	rows := func(status string) []summaryRow { // a dry-run model ends at once; its stop is a no-op
		return []summaryRow{{"small_0", "DBNode", status, 0}, {"big_0", "DBNode", status, 0},
			{"big_1", "DBNode", status, 0}, {"big_2", "DBNode", status, 0}, {"m", "Model", "Completed", 0}}
	}
	if diff := cmp.Diff(rows("Running"), summaryRowsOf(t, g, "before")); diff != "" {
		t.Errorf("summary before stop (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(rows("Cancelled"), summaryRowsOf(t, g, "after")); diff != "" {
		t.Errorf("summary after stop (-want +got):\n%s", diff)
	}
	want := `["Cancelled", "Cancelled", "Cancelled", "Cancelled", "Completed"]`
	if got := g["statuses"].String(); got != want {
		t.Errorf("get_status = %s, want %s", got, want)
	}
}
