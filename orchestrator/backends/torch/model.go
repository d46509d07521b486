//go:build cgo

package torch

import (
	"context"
	"fmt"

	"github.com/ssrun/ssrun/tensor"
)

// model is a loaded TorchScript module, shared by every queue worker (libtorch runs a module's
// methods concurrently).
type model struct {
	unit    *unit
	sig     *signature
	inputs  []string
	outputs []string // nil when forward returns a List[Tensor]: known only after a run
}

func (m *model) Inputs() []string  { return m.inputs }
func (m *model) Outputs() []string { return m.outputs }

// VariadicInputs reports a forward taking one List[Tensor]: it accepts any number of input keys.
func (m *model) VariadicInputs() bool { return m.sig.listInput() }

// VariadicOutputs reports a forward returning a List[Tensor]: any number of output keys.
func (m *model) VariadicOutputs() bool { return m.outputs == nil }

// Run runs forward once.
func (m *model) Run(ctx context.Context, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	args, err := bindTensors(m.sig, "forward", in)
	if err != nil {
		return nil, err
	}
	return m.unit.run("forward", args)
}

// bindTensors binds tensors to a function's parameters by its schema, as RedisAI binds a script
// function's inputs: a Tensor parameter takes the next tensor, a List[Tensor] parameter takes all the
// remaining ones.
func bindTensors(sig *signature, fn string, in []*tensor.Tensor) ([]argument, error) {
	args := make([]argument, 0, len(sig.params))
	next := 0
	for _, p := range sig.params {
		switch p.typ {
		case typeTensor:
			if next >= len(in) {
				return nil, fmt.Errorf("Wrong number of inputs provided to function: %s", fn)
			}
			args = append(args, argument{kind: argTensor, tensors: in[next : next+1]})
			next++
		case typeTensorList:
			args = append(args, argument{kind: argTensorList, tensors: in[next:]})
			next = len(in)
		default:
			return nil, fmt.Errorf("Unsupported input type in function definition: %s (parameter %s is %s; ssrun passes Tensor and List[Tensor])", fn, p.name, p.typ)
		}
	}
	if next != len(in) {
		return nil, fmt.Errorf("Wrong number of inputs provided to function: %s (it takes %d tensors, %d given)", fn, next, len(in))
	}
	return args, nil
}
