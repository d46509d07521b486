package onnx

import "github.com/ssrun/ssrun/orchestrator/ai"

// Options tune the sessions the backend builds.
type Options struct {
	// IntraOpThreads is ONNX Runtime's thread pool size inside one operator (0: its default, one
	// per physical core). With several queue workers, 1 avoids oversubscribing the cores.
	IntraOpThreads int
	// InterOpThreads is the pool running independent operators in parallel (0: ONNX Runtime's
	// default, sequential execution).
	InterOpThreads int
}

// Loader returns the function AI.CONFIG LOADBACKEND calls: it loads ONNX Runtime from path, resolved
// against the module's BACKENDSPATH (backendsPath is asked at each call, as the path can change).
func Loader(opts Options, backendsPath func() string) ai.BackendLoader {
	return func(name, path string) (ai.Backend, error) {
		if name != "ONNX" {
			return nil, errUnsupported(name)
		}
		dir := ""
		if backendsPath != nil {
			dir = backendsPath()
		}
		lib, err := ResolveLibrary(path, dir)
		if err != nil {
			return nil, err
		}
		return Load(lib, opts)
	}
}
