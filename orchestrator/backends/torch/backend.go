//go:build cgo

package torch

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/ssrun/ssrun/orchestrator/ai"
)

// shimState is the process's one loaded shim: its entry points are process-wide, as are libtorch's
// thread pools.
var shimState struct {
	mu      sync.Mutex
	library string
}

// Load loads the shim at path (once per process) and returns the backend on it. It is also the
// script engine for TorchScript (Compile).
func Load(path string, opts Options) (ai.Backend, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("torch: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	shimState.mu.Lock()
	defer shimState.mu.Unlock()
	switch shimState.library {
	case "":
		if err := openShim(abs); err != nil {
			return nil, fmt.Errorf("torch: cannot load %s: %w", abs, err)
		}
		if err := setThreads(opts.IntraOpThreads, opts.InterOpThreads); err != nil {
			return nil, fmt.Errorf("torch: %w", err)
		}
		shimState.library = abs
	case abs:
	default:
		return nil, fmt.Errorf("torch: the TORCH backend is already loaded from %s; a process can load only one", shimState.library)
	}
	return &Backend{library: abs}, nil
}

// Backend is the TORCH backend on a loaded shim.
type Backend struct {
	library string
}

var (
	_ ai.Backend      = (*Backend)(nil)
	_ ai.ScriptEngine = (*Backend)(nil)
)

// Name is the RedisAI backend name.
func (b *Backend) Name() string { return "TORCH" }

// Library is the path of the loaded shim.
func (b *Backend) Library() string { return b.library }

// Version is the libtorch version the shim was built against, for logs and INFO.
func (b *Backend) Version() string { return shimVersion() }

// Prepare loads a TorchScript archive. Its errors are libtorch's, which RedisAI passes on.
func (b *Backend) Prepare(spec ai.ModelSpec) (ai.PreparedModel, error) {
	u, err := loadModule(spec.Blob)
	if err != nil {
		return nil, err
	}
	sig, err := u.schema("forward")
	if err != nil {
		return nil, err
	}
	m := &model{unit: u, sig: sig, inputs: sig.names()}
	if n := sig.outputCount(); n >= 0 {
		// RedisAI names a TorchScript model's outputs "" (TorchScript has no output names).
		m.outputs = make([]string, n)
	}
	return m, nil
}
