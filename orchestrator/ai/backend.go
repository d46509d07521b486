package ai

import (
	"context"
	"fmt"
	"strings"

	"github.com/ssrun/ssrun/tensor"
)

// Backend runs models of one kind. A backend is plugged in at start (Options.Backends) or loaded at
// run time by AI.CONFIG LOADBACKEND through Options.LoadBackend, as RedisAI loads its shared libraries.
type Backend interface {
	// Name is the RedisAI backend name it serves: "ONNX", "TF", "TFLITE" or "TORCH".
	Name() string
	// Prepare builds a runnable session for a stored model. Its error is sent to the client as it is
	// (on one line), as RedisAI passes backend errors through.
	Prepare(spec ModelSpec) (PreparedModel, error)
}

// ModelSpec is what a backend gets to prepare a model.
type ModelSpec struct {
	Device          string
	Blob            []byte
	Inputs, Outputs []string // the names given with MODELSTORE (TF only), else nil
	BatchSize       uint64
}

// PreparedModel is a model a backend can run.
type PreparedModel interface {
	// Inputs and Outputs are the model's input and output names, in order.
	Inputs() []string
	Outputs() []string
	// Run runs the model once. inputs are in the model's input order; the result has one tensor per
	// output. ctx is cancelled when the server shuts down.
	Run(ctx context.Context, inputs []*tensor.Tensor) ([]*tensor.Tensor, error)
}

// ScriptEngine compiles script sources (ssrun's are Starlark with a torch-like module).
type ScriptEngine interface {
	// Compile checks a source and its entry points (nil for AI.SCRIPTSET, which declares none).
	Compile(device string, source []byte, entryPoints []string) (CompiledScript, error)
}

// CompiledScript runs the functions of one script.
type CompiledScript interface {
	// Run calls one function and returns its output tensors (one per OUTPUTS key).
	Run(ctx context.Context, call ScriptCall) ([]*tensor.Tensor, error)
}

// ScriptCall is one function call of AI.SCRIPTEXECUTE or AI.SCRIPTRUN.
type ScriptCall struct {
	Function string
	Inputs   []*tensor.Tensor
	// Variadic is the index in Inputs where AI.SCRIPTRUN's "$" list starts (passed to the function
	// as one list argument), or -1.
	Variadic int
	Keys     [][]byte // KEYS of AI.SCRIPTEXECUTE
	Args     [][]byte // ARGS of AI.SCRIPTEXECUTE
}

// BackendLoader loads the backend name from a library path (AI.CONFIG LOADBACKEND name path).
type BackendLoader func(name, path string) (Backend, error)

// backendNames are the backends RedisAI knows, in its order.
var backendNames = []string{"TF", "TFLITE", "TORCH", "ONNX"}

// parseBackend matches a backend name case-insensitively and returns its canonical spelling.
func parseBackend(name []byte) (string, bool) {
	for _, b := range backendNames {
		if strings.EqualFold(string(name), b) {
			return b, true
		}
	}
	return "", false
}

// backendNotLoaded keeps RedisAI's "ERR Backend not loaded: <NAME>" and says what to do about it:
// how to load ONNX Runtime, and for the backends ssrun does not run, how to get an ONNX model instead.
func backendNotLoaded(name string) string {
	msg := "ERR Backend not loaded: " + name + ". "
	switch name {
	case "ONNX":
		return msg + "Load ONNX Runtime with AI.CONFIG LOADBACKEND ONNX /path/to/libonnxruntime.so, " +
			"or start ssrun db with --onnxruntime PATH or SSRUN_ONNXRUNTIME_LIB set"
	case "TF":
		return msg + "ssrun runs ONNX and TorchScript models only: convert the TensorFlow graph with tf2onnx and store it with backend ONNX"
	case "TFLITE":
		return msg + "ssrun runs ONNX and TorchScript models only: convert the TFLite model with tf2onnx (--tflite) and store it with backend ONNX"
	case "TORCH":
		return msg + "Load ssrun's TORCH backend (make torch-backend, needs libtorch-dev) with AI.CONFIG LOADBACKEND TORCH " +
			"/path/to/libssrun_torch.so, or start ssrun db with --torch PATH or SSRUN_TORCH_BACKEND set; " +
			"or export the module with torch.onnx.export and store it with backend ONNX"
	}
	return msg
}

// scriptEngineMissing is the error of a script run on a server without a script engine.
const scriptEngineMissing = "ERR Backend not loaded: TORCH. ssrun runs scripts as Starlark and this server was started without its script engine"

// prepare returns the model's session, building it on first use with the backend now loaded; it
// answers the client-facing error when the backend is missing or refuses the model.
func (m *Module) prepare(model *ModelValue) (PreparedModel, error) {
	model.mu.Lock()
	defer model.mu.Unlock()
	if model.prepared != nil {
		return model.prepared, nil
	}
	b := m.backend(model.Backend)
	if b == nil {
		return nil, replyError(backendNotLoaded(model.Backend))
	}
	spec := ModelSpec{Device: model.Device, Blob: model.Blob, BatchSize: model.BatchSize}
	if model.Backend == "TF" {
		spec.Inputs, spec.Outputs = model.Inputs, model.Outputs
	}
	p, err := b.Prepare(spec)
	if err != nil {
		return nil, replyError(oneLine(err.Error()))
	}
	model.prepared = p
	return p, nil
}

func (m *Module) backend(name string) Backend {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.backends[name]
}

// loadBackend handles AI.CONFIG LOADBACKEND: RedisAI answers a bare "error loading backend" and logs
// the cause, so the cause goes to the log here too.
func (m *Module) loadBackend(name, path string) error {
	if m.opts.LoadBackend == nil {
		return fmt.Errorf("this server has no loader for backend %s", name)
	}
	b, err := m.opts.LoadBackend(name, path)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.backends[name] = b
	m.mu.Unlock()
	return nil
}
