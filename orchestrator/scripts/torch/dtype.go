package torch

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/tensor"
)

// DType is a torch dtype as scripts see it (torch.float32, torch.int64, ...): a RedisAI data type under
// PyTorch's name, so a script's dtypes and the database's tensor types are one set.
type DType struct{ D tensor.DType }

var _ starlark.Comparable = DType{}

// torchNames are PyTorch's canonical names; aliases (float, double, long, ...) are extra module members.
var torchNames = map[tensor.DType]string{
	tensor.Float: "float32", tensor.Double: "float64",
	tensor.Int8: "int8", tensor.Int16: "int16", tensor.Int32: "int32", tensor.Int64: "int64",
	tensor.Uint8: "uint8", tensor.Uint16: "uint16", tensor.Bool: "bool",
}

// dtypeAliases are PyTorch's other spellings of the same dtypes.
var dtypeAliases = map[string]tensor.DType{
	"float": tensor.Float, "double": tensor.Double, "short": tensor.Int16, "int": tensor.Int32, "long": tensor.Int64,
}

func (d DType) String() string        { return "torch." + torchNames[d.D] }
func (d DType) Type() string          { return "dtype" }
func (d DType) Freeze()               {}
func (d DType) Truth() starlark.Bool  { return starlark.True }
func (d DType) Hash() (uint32, error) { return uint32(d.D), nil }

// CompareSameType allows == and != (x.dtype == torch.float32).
func (d DType) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	switch op {
	case syntax.EQL:
		return d == y.(DType), nil
	case syntax.NEQ:
		return d != y.(DType), nil
	}
	return false, fmt.Errorf("dtypes support only == and !=")
}

func isUnsigned(d tensor.DType) bool { return d == tensor.Uint8 || d == tensor.Uint16 }

// intBits is the width of an integer dtype.
func intBits(d tensor.DType) int { return d.Size() * 8 }

// promote is torch.promote_types for the dtypes RedisAI has: the smallest dtype that holds both.
func promote(a, b tensor.DType) tensor.DType {
	switch {
	case a == tensor.Invalid:
		return b
	case b == tensor.Invalid || a == b:
		return a
	case a.IsFloat() && b.IsFloat():
		return tensor.Double
	case a.IsFloat():
		return a
	case b.IsFloat():
		return b
	case a == tensor.Bool:
		return b
	case b == tensor.Bool:
		return a
	}
	if isUnsigned(a) == isUnsigned(b) {
		if intBits(a) >= intBits(b) {
			return a
		}
		return b
	}
	signed, unsigned := a, b
	if isUnsigned(a) {
		signed, unsigned = b, a
	}
	need := intBits(unsigned) * 2 // a signed type must be twice as wide to hold the unsigned range
	if intBits(signed) >= need {
		return signed
	}
	return signedOfBits(need)
}

func signedOfBits(bits int) tensor.DType {
	switch bits {
	case 16:
		return tensor.Int16
	case 32:
		return tensor.Int32
	}
	return tensor.Int64
}

// operand is one input of an elementwise operation. Torch ranks operands for type promotion: tensors
// with dimensions first, then zero-dimensional tensors, then Python numbers ("wrapped" scalars), and a
// lower rank only changes the result when it is of a higher kind (2*int8 stays int8, int8*2.5 is float).
type operand struct {
	t       *Tensor
	wrapped bool
}

// resultType is torch.result_type over the operands.
func resultType(ops ...operand) tensor.DType {
	var dim, zero, wrapped tensor.DType
	for _, o := range ops {
		d := o.t.dtype
		switch {
		case o.wrapped:
			if d.IsFloat() {
				d = tensor.Float // Python floats take the default dtype
			}
			wrapped = promote(wrapped, d)
		case len(o.t.shape) == 0:
			zero = promote(zero, d)
		default:
			dim = promote(dim, d)
		}
	}
	return combineCategories(dim, combineCategories(zero, wrapped))
}

func combineCategories(higher, lower tensor.DType) tensor.DType {
	switch {
	case higher.IsFloat():
		return higher
	case higher == tensor.Bool || lower.IsFloat():
		return promote(higher, lower)
	case higher != tensor.Invalid:
		return higher
	}
	return lower
}

// wrapInt brings an integer result into its dtype's range the way C casts do (torch wraps on overflow).
func wrapInt(d tensor.DType, v int64) int64 {
	switch d {
	case tensor.Int8:
		return int64(int8(v))
	case tensor.Int16:
		return int64(int16(v))
	case tensor.Int32:
		return int64(int32(v))
	case tensor.Uint8:
		return int64(uint8(v))
	case tensor.Uint16:
		return int64(uint16(v))
	case tensor.Bool:
		if v != 0 {
			return 1
		}
		return 0
	}
	return v
}

// dtypeArg reads an optional dtype argument (None or absent gives def).
func dtypeArg(v starlark.Value, def tensor.DType) (tensor.DType, error) {
	switch v := v.(type) {
	case nil, starlark.NoneType:
		return def, nil
	case DType:
		return v.D, nil
	}
	return tensor.Invalid, fmt.Errorf("dtype must be a torch dtype such as torch.float32, not %s", v.Type())
}
