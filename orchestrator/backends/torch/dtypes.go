package torch

import (
	"fmt"

	"github.com/ssrun/ssrun/tensor"
)

// checkDType refuses the RedisAI types libtorch 1.13 has no tensors for, saying what to use instead.
func checkDType(d tensor.DType) error {
	switch d {
	case tensor.Uint16:
		return fmt.Errorf("torch: libtorch has no uint16 tensors; store the tensor as INT32 for a TORCH model or script")
	case tensor.String:
		return fmt.Errorf("torch: libtorch has no string tensors; TORCH models and scripts take numeric and BOOL tensors")
	}
	if !d.Valid() {
		return fmt.Errorf("torch: invalid tensor type %d", d)
	}
	return nil
}
