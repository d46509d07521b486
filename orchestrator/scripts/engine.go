package scripts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/scripts/torch"
	"github.com/ssrun/ssrun/tensor"
)

// DefaultMaxSteps bounds the Starlark steps of one script call. A tensor operation is one step
// whatever its size, so the bound stops runaway loops, not large tensors.
const DefaultMaxSteps = 10_000_000

// fileOptions is the dialect of database scripts: the driver's (while loops, sets, top-level
// statements, re-assigned globals), so a function shipped by add_function compiles the same in both
// places. Recursion stays off.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}

// Engine compiles and runs Starlark scripts; it implements ai.ScriptEngine.
type Engine struct {
	// MaxSteps bounds each call (and the script's top level); 0 means DefaultMaxSteps.
	MaxSteps uint64
}

var _ ai.ScriptEngine = (*Engine)(nil)

// New returns an engine with the default step limit.
func New() *Engine { return &Engine{} }

func (e *Engine) maxSteps() uint64 {
	if e.MaxSteps == 0 {
		return DefaultMaxSteps
	}
	return e.MaxSteps
}

// Compile executes the script's top level in a sandbox (the only predeclared name is torch; there is
// no load, print goes nowhere) and checks that every entry point is a function of the script.
func (e *Engine) Compile(device string, source []byte, entryPoints []string) (ai.CompiledScript, error) {
	thread := e.newThread("compile")
	globals, err := starlark.ExecFileOptions(fileOptions, thread, "script", source, predeclared())
	if err != nil {
		return nil, e.explain(scriptError(err))
	}
	globals.Freeze()
	for _, name := range entryPoints {
		if _, ok := globals[name].(*starlark.Function); !ok {
			return nil, fmt.Errorf("Function %s does not exist in the given script.", name)
		}
	}
	return &Script{engine: e, globals: globals}, nil
}

func predeclared() starlark.StringDict {
	return starlark.StringDict{"torch": torch.Module()}
}

// newThread is a sandboxed thread: no loads, output discarded, the step limit set.
func (e *Engine) newThread(name string) *starlark.Thread {
	thread := &starlark.Thread{
		Name:  name,
		Print: func(*starlark.Thread, string) {},
		Load: func(*starlark.Thread, string) (starlark.StringDict, error) {
			return nil, errors.New("load is not available in database scripts")
		},
	}
	thread.SetMaxExecutionSteps(e.maxSteps())
	return thread
}

// Script is a compiled script: its frozen globals, shared by concurrent calls.
type Script struct {
	engine  *Engine
	globals starlark.StringDict
}

// Run calls one function (see calling.go for how tensors, KEYS and ARGS become its arguments) and
// returns its tensor or tuple of tensors. Cancelling ctx stops the script at its next step.
func (s *Script) Run(ctx context.Context, call ai.ScriptCall) ([]*tensor.Tensor, error) {
	fn, ok := s.globals[call.Function].(*starlark.Function)
	if !ok {
		return nil, fmt.Errorf("Function does not exist: %s", call.Function)
	}
	args, err := callArguments(fn, call)
	if err != nil {
		return nil, err
	}
	thread := s.engine.newThread(call.Function)
	stop := context.AfterFunc(ctx, func() { thread.Cancel("the server is shutting down") })
	defer stop()
	out, err := starlark.Call(thread, fn, args, nil)
	if err != nil {
		return nil, s.engine.explain(scriptError(err))
	}
	return outputs(call.Function, out)
}

// outputs converts a function's result (a tensor, or a tuple or list of tensors) to database tensors.
func outputs(fn string, out starlark.Value) ([]*tensor.Tensor, error) {
	var values []starlark.Value
	switch v := out.(type) {
	case *torch.Tensor:
		values = []starlark.Value{v}
	case starlark.Tuple:
		values = v
	case *starlark.List:
		for k := range v.Len() {
			values = append(values, v.Index(k))
		}
	case *torch.ValuesIndices:
		values = []starlark.Value{v.Values, v.Indices}
	default:
		return nil, fmt.Errorf("function %s returned %s; a script function must return a Tensor or a tuple of Tensors", fn, out.Type())
	}
	result := make([]*tensor.Tensor, len(values))
	for k, v := range values {
		t, ok := v.(*torch.Tensor)
		if !ok {
			return nil, fmt.Errorf("function %s returned %s as output %d; a script function must return a Tensor or a tuple of Tensors", fn, v.Type(), k)
		}
		converted, err := t.ToTensor()
		if err != nil {
			return nil, fmt.Errorf("function %s output %d: %v", fn, k, err)
		}
		result[k] = converted
	}
	return result, nil
}

// explain names the step limit when a script ran into it.
func (e *Engine) explain(err error) error {
	if strings.Contains(err.Error(), "too many steps") {
		return fmt.Errorf("%v (the script exceeded its step limit of %d steps per call)", err, e.maxSteps())
	}
	return err
}

// scriptError turns a Starlark error into the reply text: the backtrace, one frame per "|"-separated
// part (replies are one line), so a user sees the failing line of the script.
func scriptError(err error) error {
	var evalErr *starlark.EvalError
	if errors.As(err, &evalErr) {
		lines := strings.Split(strings.TrimSpace(evalErr.Backtrace()), "\n")
		for k := range lines {
			lines[k] = strings.TrimSpace(lines[k])
		}
		return errors.New(strings.Join(lines, " | "))
	}
	return err // syntax and resolve errors already name file:line:col
}
