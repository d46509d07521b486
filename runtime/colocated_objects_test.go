package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestColocatedSpecsRoundTrip: what the driver writes on the step's command line is what the wrapper
// reads back, also for paths and names holding commas, quotes and equals signs.
func TestColocatedSpecsRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), `odd,dir "x"=y`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	modelFile, scriptFile := filepath.Join(dir, "m.onnx"), filepath.Join(dir, "s.star")
	for _, f := range []string{modelFile, scriptFile} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ml, err := NewMLModel(dir, MLModelArgs{Name: "cnn", Backend: "tf", ModelPath: "m.onnx", Device: DeviceOptions{Device: "GPU", DevicesPerNode: 2, FirstDevice: 1},
		BatchSize: 8, MinBatchSize: 2, MinBatchTimeout: 30, Tag: "a,b", Inputs: []string{"in,1", "in2"}, Outputs: []string{"out"}})
	if err != nil {
		t.Fatal(err)
	}
	spec := ColocatedModelSpec(ml)
	back, err := ParseColocatedModel("/", spec)
	if err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	if !reflect.DeepEqual(back, ml) {
		t.Errorf("model %s\nread back as %+v\nwant        %+v", spec, back, ml)
	}
	sc, err := NewScript(dir, ScriptArgs{Name: "prep", ScriptPath: "s.star", Device: DeviceOptions{Device: "CPU"}})
	if err != nil {
		t.Fatal(err)
	}
	sc.IsFunction = true
	spec = ColocatedScriptSpec(sc, sc.ScriptPath)
	sback, err := ParseColocatedScript("/", spec)
	if err != nil || !reflect.DeepEqual(sback, sc) {
		t.Errorf("script %s read back as %+v, %v; want %+v", spec, sback, err, sc)
	}
}

func TestColocatedSpecErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"name=cnn,backend=ONNX", "needs name= and file="},
		{"name=cnn,backend=ONNX,file=/nonexistent.onnx", "FileNotFoundError"},
		{"name=cnn,colour=red,file=/x", `field "colour=red" is not one of`},
		{"name=cnn,batch_size=many,file=/x", `batch_size="many" is not a number`},
		{`name="unterminated`, "is not a comma-separated list"},
	} {
		_, err := ParseColocatedModel("/", c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.spec, err, c.want)
		}
	}
}
