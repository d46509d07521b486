package builtins

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/runtime"
)

// This file adapts add_ml_model, add_script and add_function, shared by models and ensembles.

// deviceArgs are the device keyword arguments every DB object takes.
type deviceArgs struct {
	device         string
	devicesPerNode int
	firstDevice    int
}

func (d deviceArgs) options() runtime.DeviceOptions {
	return runtime.DeviceOptions{Device: d.device, DevicesPerNode: d.devicesPerNode, FirstDevice: d.firstDevice}
}

func entityAddMLModel(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := runtime.MLModelArgs{}
	dev := deviceArgs{device: "CPU", devicesPerNode: 1}
	var model, inputs, outputs starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs,
		"name", &a.Name, "backend", &a.Backend, "model?", &model, "model_path??", &a.ModelPath,
		"device?", &dev.device, "devices_per_node?", &dev.devicesPerNode, "first_device?", &dev.firstDevice,
		"batch_size?", &a.BatchSize, "min_batch_size?", &a.MinBatchSize, "min_batch_timeout?", &a.MinBatchTimeout,
		"tag?", &a.Tag, "inputs?", &inputs, "outputs?", &outputs); err != nil {
		return nil, err
	}
	switch m := model.(type) {
	case nil, starlark.NoneType:
	case starlark.Bytes:
		a.Model = []byte(m)
	case starlark.String:
		a.Model = []byte(m)
	default:
		return nil, typeErrorf("model must be bytes, not %s", model.Type())
	}
	var ok bool
	if a.Inputs, ok = strOrStrings(inputs); !ok {
		return nil, typeErrorf("inputs must be a str or a list of str")
	}
	if a.Outputs, ok = strOrStrings(outputs); !ok {
		return nil, typeErrorf("outputs must be a str or a list of str")
	}
	a.Device = dev.options()
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	ml, err := runtime.NewMLModel(env.dir(), a)
	if err != nil {
		return nil, err
	}
	switch e := b.Receiver().(EntityValue).Entity().(type) {
	case *runtime.Model:
		e.AddMLModel(ml)
	case *runtime.Ensemble:
		err = e.AddMLModel(ml)
	}
	return starlark.None, err
}

func entityAddScript(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := runtime.ScriptArgs{}
	dev := deviceArgs{device: "CPU", devicesPerNode: 1}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs,
		"name", &a.Name, "script??", &a.Script, "script_path??", &a.ScriptPath,
		"device?", &dev.device, "devices_per_node?", &dev.devicesPerNode, "first_device?", &dev.firstDevice); err != nil {
		return nil, err
	}
	a.Device = dev.options()
	return addScript(thread, b, a)
}

// entityAddFunction is add_function(name, function=None, device=...): function is a Starlark def whose
// source is shipped to the database, where scripts are Starlark (docs/design.md §6).
func entityAddFunction(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := runtime.ScriptArgs{}
	dev := deviceArgs{device: "CPU", devicesPerNode: 1}
	var fn starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs,
		"name", &a.Name, "function?", &fn,
		"device?", &dev.device, "devices_per_node?", &dev.devicesPerNode, "first_device?", &dev.firstDevice); err != nil {
		return nil, err
	}
	a.Device = dev.options()
	if !isNone(fn) {
		f, ok := fn.(*starlark.Function)
		if !ok {
			return nil, typeErrorf("function must be a Starlark function defined with def, not %s", fn.Type())
		}
		env, err := EnvOf(thread)
		if err != nil {
			return nil, err
		}
		if a.Function, err = env.functionSource(f); err != nil {
			return nil, err
		}
	}
	return addScript(thread, b, a)
}

func addScript(thread *starlark.Thread, b *starlark.Builtin, a runtime.ScriptArgs) (starlark.Value, error) {
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	s, err := runtime.NewScript(env.dir(), a)
	if err != nil {
		return nil, err
	}
	switch e := b.Receiver().(EntityValue).Entity().(type) {
	case *runtime.Model:
		e.AddScript(s)
	case *runtime.Ensemble:
		err = e.AddScript(s)
	}
	return starlark.None, err
}

// functionSource returns the text of the def statement that defined f, dedented, read from the script
// source the host loaded (so what ships is what ran).
func (env *Env) functionSource(f *starlark.Function) (string, error) {
	pos := f.Position()
	if f.Name() == "lambda" {
		return "", typeErrorf("add_function needs a function defined with def, not a lambda (%s)", pos)
	}
	if env.Source == nil {
		return "", fmt.Errorf("internal error: no script sources available to ship function %s", f.Name())
	}
	src, err := env.Source(pos.Filename())
	if err != nil {
		return "", fmt.Errorf("source of function %s: %w", f.Name(), err)
	}
	file, err := env.fileOptions().Parse(pos.Filename(), src, 0)
	if err != nil {
		return "", err
	}
	var def *syntax.DefStmt
	syntax.Walk(file, func(n syntax.Node) bool {
		if d, ok := n.(*syntax.DefStmt); ok && d.Def.Line == pos.Line && d.Def.Col == pos.Col {
			def = d
		}
		return def == nil
	})
	if def == nil {
		return "", fmt.Errorf("source of function %s not found at %s", f.Name(), pos)
	}
	_, end := def.Span()
	lines := strings.Split(string(src), "\n")
	body := lines[pos.Line-1 : end.Line]
	indent := int(pos.Col) - 1
	for i, l := range body {
		if len(l) >= indent && strings.TrimSpace(l[:indent]) == "" {
			body[i] = l[indent:]
		}
	}
	return strings.Join(body, "\n") + "\n", nil
}
