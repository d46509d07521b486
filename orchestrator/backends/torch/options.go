package torch

import (
	"fmt"

	"github.com/ssrun/ssrun/orchestrator/ai"
)

// Options tune libtorch's thread pools, which are process-wide.
type Options struct {
	// IntraOpThreads is libtorch's pool inside one operator (0: its default, one per core). With
	// several queue workers, fewer avoid oversubscribing the cores.
	IntraOpThreads int
	// InterOpThreads is the pool running independent operators (0: libtorch's default). libtorch
	// accepts it only before its first parallel work, so it is set when the shim is loaded.
	InterOpThreads int
}

// Loader returns the function AI.CONFIG LOADBACKEND TORCH calls: it loads the shim from path,
// resolved against the module's BACKENDSPATH (asked at each call, as the path can change).
func Loader(opts Options, backendsPath func() string) ai.BackendLoader {
	return func(name, path string) (ai.Backend, error) {
		if name != "TORCH" {
			return nil, fmt.Errorf("torch: the TORCH shim cannot load backend %s", name)
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
