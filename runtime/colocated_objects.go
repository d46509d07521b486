package runtime

import (
	"context"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ssrun/ssrun/client"
)

// A colocated model's ML objects travel to its wrapper (`ssrun colocated`) on the step's command line,
// one --ml-model or --script flag each, as SmartSim hands them to its colocated entrypoint. The value
// is one CSV record of key=value fields (encoding/csv quotes a field holding a comma, a quote or a
// newline), e.g. `name=cnn,backend=ONNX,file=/abs/cnn.onnx,device=CPU`. Models and scripts are files
// on the shared file system; a script given as source text (add_script(script=...), add_function) is
// written next to the step's output files first.

// ColocatedModelSpec is the --ml-model value for m.
func ColocatedModelSpec(m *MLModel) string {
	f := []string{"name=" + m.Name, "backend=" + m.Backend, "file=" + m.ModelPath}
	f = append(f, deviceFields(m.DeviceOptions)...)
	for _, kv := range []struct {
		key string
		n   int
	}{{"batch_size", m.BatchSize}, {"min_batch_size", m.MinBatchSize}, {"min_batch_timeout", m.MinBatchTimeout}} {
		if kv.n != 0 {
			f = append(f, kv.key+"="+strconv.Itoa(kv.n))
		}
	}
	if m.Tag != "" {
		f = append(f, "tag="+m.Tag)
	}
	for _, in := range m.Inputs {
		f = append(f, "input="+in)
	}
	for _, out := range m.Outputs {
		f = append(f, "output="+out)
	}
	return csvRecord(f)
}

// ColocatedScriptSpec is the --script value for s whose source is in file.
func ColocatedScriptSpec(s *Script, file string) string {
	f := []string{"name=" + s.Name, "file=" + file}
	f = append(f, deviceFields(s.DeviceOptions)...)
	if s.IsFunction {
		f = append(f, "function=true")
	}
	return csvRecord(f)
}

func deviceFields(d DeviceOptions) []string {
	dev := d.Device
	if dev == "" {
		dev = "CPU"
	}
	f := []string{"device=" + dev}
	if d.DevicesPerNode > 1 {
		f = append(f, "devices_per_node="+strconv.Itoa(d.DevicesPerNode))
	}
	if d.FirstDevice > 0 {
		f = append(f, "first_device="+strconv.Itoa(d.FirstDevice))
	}
	return f
}

func csvRecord(fields []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields) // writing to a strings.Builder cannot fail
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// specFields parses one spec into its fields in order; keys may repeat (input, output).
func specFields(spec string, allowed map[string]bool) ([][2]string, error) {
	r := csv.NewReader(strings.NewReader(spec))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%q is not a comma-separated list of key=value: %w", spec, err)
	}
	if _, err := r.Read(); err == nil {
		return nil, fmt.Errorf("%q holds more than one line", spec)
	}
	out := make([][2]string, 0, len(rec))
	for _, field := range rec {
		k, v, ok := strings.Cut(field, "=")
		if !ok || !allowed[k] {
			return nil, fmt.Errorf("%q: field %q is not one of %s (as key=value)", spec, field, keyList(allowed))
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

func keyList(allowed map[string]bool) string {
	keys := make([]string, 0, len(allowed))
	for k := range allowed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

var (
	deviceKeys = map[string]bool{"device": true, "devices_per_node": true, "first_device": true}
	modelKeys  = union(deviceKeys, "name", "backend", "file", "batch_size", "min_batch_size", "min_batch_timeout", "tag", "input", "output")
	scriptKeys = union(deviceKeys, "name", "file", "function")
)

func union(m map[string]bool, keys ...string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	for _, k := range keys {
		out[k] = true
	}
	return out
}

// deviceField applies one device key to d; ok is false for other keys.
func deviceField(d *DeviceOptions, k, v string) (ok bool, err error) {
	switch k {
	case "device":
		d.Device = v
	case "devices_per_node":
		d.DevicesPerNode, err = strconv.Atoi(v)
	case "first_device":
		d.FirstDevice, err = strconv.Atoi(v)
	default:
		return false, nil
	}
	return true, err
}

// ParseColocatedModel reads a --ml-model value and checks it as add_ml_model does (the file must
// exist on this node; a relative path is taken from cwd).
func ParseColocatedModel(cwd, spec string) (*MLModel, error) {
	fields, err := specFields(spec, modelKeys)
	if err != nil {
		return nil, err
	}
	var a MLModelArgs
	for _, kv := range fields {
		k, v := kv[0], kv[1]
		if ok, err := deviceField(&a.Device, k, v); ok {
			if err != nil {
				return nil, fmt.Errorf("%q: %s=%q is not a number", spec, k, v)
			}
			continue
		}
		switch k {
		case "name":
			a.Name = v
		case "backend":
			a.Backend = v
		case "file":
			a.ModelPath = v
		case "tag":
			a.Tag = v
		case "input":
			a.Inputs = append(a.Inputs, v)
		case "output":
			a.Outputs = append(a.Outputs, v)
		case "batch_size":
			a.BatchSize, err = strconv.Atoi(v)
		case "min_batch_size":
			a.MinBatchSize, err = strconv.Atoi(v)
		case "min_batch_timeout":
			a.MinBatchTimeout, err = strconv.Atoi(v)
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %s=%q is not a number", spec, k, v)
		}
	}
	if a.Name == "" || a.ModelPath == "" {
		return nil, fmt.Errorf("%q: an ML model needs name= and file=", spec)
	}
	return NewMLModel(cwd, a)
}

// ParseColocatedScript reads a --script value and checks it as add_script does.
func ParseColocatedScript(cwd, spec string) (*Script, error) {
	fields, err := specFields(spec, scriptKeys)
	if err != nil {
		return nil, err
	}
	var a ScriptArgs
	function := false
	for _, kv := range fields {
		k, v := kv[0], kv[1]
		if ok, err := deviceField(&a.Device, k, v); ok {
			if err != nil {
				return nil, fmt.Errorf("%q: %s=%q is not a number", spec, k, v)
			}
			continue
		}
		switch k {
		case "name":
			a.Name = v
		case "file":
			a.ScriptPath = v
		case "function":
			function = v == "true"
		}
	}
	if a.Name == "" || a.ScriptPath == "" {
		return nil, fmt.Errorf("%q: a script needs name= and file=", spec)
	}
	s, err := NewScript(cwd, a)
	if s != nil {
		s.IsFunction = function
	}
	return s, err
}

// StoreColocatedObjects stores the objects into the colocated database c connects to, with the same
// client calls and device layout as the driver uses for a standard database.
func StoreColocatedObjects(ctx context.Context, c *client.Client, models []*MLModel, scripts []*Script) error {
	for _, obj := range colocatedObjects(models, scripts) {
		blob, err := obj.content()
		if err != nil {
			return fmt.Errorf("could not read %s %s: %w", obj.kind(), obj.name(), err)
		}
		if err := storeObject(ctx, c, obj, blob); err != nil {
			return fmt.Errorf("could not store %s %s: %w", obj.kind(), obj.name(), err)
		}
	}
	return nil
}

// ColocatedObjectsStored reports whether every object is in the database already: the ranks of a
// step that do not start the node's database wait for this before their application starts.
func ColocatedObjectsStored(ctx context.Context, c *client.Client, models []*MLModel, scripts []*Script) (bool, error) {
	for _, m := range models {
		if ok, err := c.ModelExists(ctx, m.Name); !ok || err != nil {
			return false, err
		}
	}
	for _, s := range scripts {
		if ok, err := c.ScriptExists(ctx, s.Name); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

func colocatedObjects(models []*MLModel, scripts []*Script) []dbObject {
	out := make([]dbObject, 0, len(models)+len(scripts))
	for _, m := range models {
		out = append(out, dbObject{model: m})
	}
	for _, s := range scripts {
		out = append(out, dbObject{script: s})
	}
	return out
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// colocatedScriptFile is where the source of the model's i-th script is written for its wrapper:
// beside the step's output files, so every run keeps the source it ran with.
func colocatedScriptFile(statusDir string, i int, name string) string {
	return filepath.Join(statusDir, fmt.Sprintf("colocated_script_%d_%s.txt", i, unsafeFileChars.ReplaceAllString(name, "_")))
}
