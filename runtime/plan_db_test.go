package runtime

import (
	"encoding/json"
	"strings"
	"testing"
)

// Scripts and functions carry the script engine the shard chooses ("auto": TorchScript with the
// TORCH backend, else Starlark) in both plan formats; models do not.
func TestPlanRecordsScriptEngine(t *testing.T) {
	p := &Plan{}
	sum := strings.Repeat("ab", 32)
	p.recordDBObject(PlanDBObject{Database: "db", Entity: "m", Kind: "model", Name: "cnn", Backend: "TORCH", Devices: []string{"CPU"}, SHA256: sum})
	p.recordDBObject(PlanDBObject{Database: "db", Entity: "m", Kind: "script", Name: "prep", Devices: []string{"CPU"}, SHA256: sum})
	p.recordDBObject(PlanDBObject{Database: "db", Entity: "m", Kind: "function", Name: "fn", Devices: []string{"CPU"}, SHA256: sum})
	var b strings.Builder
	writeDatabasesText(&b, p)
	for _, want := range []string{
		"model cnn of m -> db backend TORCH device CPU sha256:abababababab\n",
		"script prep of m -> db engine auto device CPU",
		"function fn of m -> db engine auto device CPU",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text plan lacks %q:\n%s", want, b.String())
		}
	}
	js, err := json.Marshal(p.DBObjects)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(js), `"script_engine":"auto"`); n != 2 {
		t.Errorf("JSON has %d script_engine fields, want 2: %s", n, js)
	}
}
