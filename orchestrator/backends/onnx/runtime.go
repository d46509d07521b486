//go:build cgo

package onnx

import (
	"fmt"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/ssrun/ssrun/orchestrator/ai"
)

// environment is the process's one ONNX Runtime environment and the library it came from.
var environment struct {
	mu      sync.Mutex
	library string
}

// Load loads ONNX Runtime from the shared library at path (once per process) and returns a backend
// whose sessions use opts. Loading the library already loaded returns a new backend on it.
func Load(path string, opts Options) (ai.Backend, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	environment.mu.Lock()
	defer environment.mu.Unlock()
	switch environment.library {
	case "":
		ort.SetSharedLibraryPath(abs)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			return nil, fmt.Errorf("onnx: %w", err)
		}
		environment.library = abs
	case abs:
	default:
		return nil, fmt.Errorf("onnx: ONNX Runtime is already loaded from %s; a process can load only one", environment.library)
	}
	return &Backend{opts: opts, library: abs}, nil
}

// Backend is the ONNX backend on a loaded ONNX Runtime.
type Backend struct {
	opts    Options
	library string
}

// Name is the RedisAI backend name.
func (b *Backend) Name() string { return "ONNX" }

// Library is the path of the loaded shared library.
func (b *Backend) Library() string { return b.library }

// Version is the ONNX Runtime version, for logs and INFO.
func (b *Backend) Version() string { return ort.GetVersion() }
