//go:build !cgo

package torch

import (
	"errors"

	"github.com/ssrun/ssrun/orchestrator/ai"
)

// Load fails in a binary built without cgo: the shim is a C library loaded with dlopen.
func Load(path string, opts Options) (ai.Backend, error) {
	return nil, errors.New("torch: this ssrun binary was built with CGO_ENABLED=0 and cannot load the TORCH backend; rebuild with cgo (make build)")
}
