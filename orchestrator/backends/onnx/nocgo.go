//go:build !cgo

package onnx

import (
	"errors"

	"github.com/ssrun/ssrun/orchestrator/ai"
)

// Load fails in a binary built without cgo: ONNX Runtime is a C library.
func Load(path string, opts Options) (ai.Backend, error) {
	return nil, errors.New("onnx: this ssrun binary was built with CGO_ENABLED=0 and cannot load ONNX Runtime; rebuild with cgo (make build)")
}
