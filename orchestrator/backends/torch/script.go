//go:build cgo

package torch

import (
	"context"
	"fmt"
	"sync"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/tensor"
)

// script is a compiled TorchScript compilation unit and its declared entry points.
type script struct {
	unit        *unit
	entryPoints map[string]bool
	signatures  sync.Map // function name → *signature, read once from libtorch
}

// signature returns a function's schema, cached: a compiled unit never changes.
func (s *script) signature(fn string) (*signature, error) {
	if sig, ok := s.signatures.Load(fn); ok {
		return sig.(*signature), nil
	}
	sig, err := s.unit.schema(fn)
	if err != nil {
		return nil, err
	}
	s.signatures.Store(fn, sig)
	return sig, nil
}

// Compile compiles TorchScript source with libtorch and checks each entry point as RedisAI does: it
// exists and has the signature fn(tensors: List[Tensor], keys: List[str], args: List[str]).
func (b *Backend) Compile(device string, source []byte, entryPoints []string) (ai.CompiledScript, error) {
	u, err := compileSource(source)
	if err != nil {
		return nil, err
	}
	s := &script{unit: u, entryPoints: map[string]bool{}}
	for _, name := range entryPoints {
		sig, err := u.schema(name)
		if err != nil {
			return nil, fmt.Errorf("Function %s does not exist in the given script.", name)
		}
		if len(sig.params) != 3 {
			return nil, fmt.Errorf("Wrong number of inputs in function %s. Expected 3 but was %d", name, len(sig.params))
		}
		if !sig.entryPoint() {
			return nil, fmt.Errorf("Wrong inputs type in function %s. Expected signature similar to: def %s(tensors: List[Tensor], keys: List[str], args: List[str])", name, name)
		}
		s.entryPoints[name] = true
	}
	return s, nil
}

// Run calls one function. An entry point, or any function with the entry-point signature, gets
// (tensors, keys, args); other functions get their tensors bound by their schema (AI.SCRIPTSET and
// SmartRedis's run_script, where "$" lists arrive in the List[Tensor] parameter).
func (s *script) Run(ctx context.Context, call ai.ScriptCall) ([]*tensor.Tensor, error) {
	sig, err := s.signature(call.Function)
	if err != nil {
		return nil, fmt.Errorf("Function does not exist: %s", call.Function)
	}
	var args []argument
	if s.entryPoints[call.Function] || sig.entryPoint() {
		args = []argument{
			{kind: argTensorList, tensors: call.Inputs},
			{kind: argStringList, strings: call.Keys},
			{kind: argStringList, strings: call.Args},
		}
	} else {
		if len(call.Keys) > 0 || len(call.Args) > 0 {
			return nil, fmt.Errorf("Function %s takes no KEYS or ARGS: declare it as def %s(tensors: List[Tensor], keys: List[str], args: List[str])", call.Function, call.Function)
		}
		if args, err = bindTensors(sig, call.Function, call.Inputs); err != nil {
			return nil, err
		}
	}
	return s.unit.run(call.Function, args)
}
