package torch

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/tensor"
)

// MaxElements bounds the size of any tensor a script creates, so a script cannot exhaust the
// database's memory with one call (torch.zeros(1 << 40)).
const MaxElements = 1 << 28

// Tensor is a dense row-major tensor. Floating point values (FLOAT, DOUBLE) are held as float64 and
// rounded to float32 after every operation on a FLOAT tensor, which gives float32's correctly rounded
// results; integers and bools are held as int64 and wrapped to their dtype's width. Operations return
// new tensors; views (x[i], x[a:b], reshape, view, squeeze, unsqueeze, flatten) share their source's
// values as in PyTorch, and x[i] = v writes through them. Tensors reachable from a script's globals are
// frozen when the script is stored: every call shares them, so they and their views are read-only.
type Tensor struct {
	dtype  tensor.DType
	shape  []int
	f      []float64 // values when dtype.IsFloat()
	i      []int64   // values otherwise
	frozen bool
}

var (
	_ starlark.HasAttrs    = (*Tensor)(nil)
	_ starlark.HasBinary   = (*Tensor)(nil)
	_ starlark.HasUnary    = (*Tensor)(nil)
	_ starlark.Sliceable   = (*Tensor)(nil)
	_ starlark.HasSetIndex = (*Tensor)(nil)
	_ starlark.Iterable    = (*Tensor)(nil)
)

// numel is the element count of a shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// checkShape refuses negative dimensions and tensors over MaxElements.
func checkShape(shape []int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("negative dimension %d in shape %s", d, shapeString(shape))
		}
		if d > 0 && n > MaxElements/d {
			return fmt.Errorf("shape %s has more than %d elements, the limit for script tensors", shapeString(shape), MaxElements)
		}
		n *= d
	}
	return nil
}

// newTensor allocates a zero tensor of dtype and shape.
func newTensor(dtype tensor.DType, shape []int) (*Tensor, error) {
	if err := checkShape(shape); err != nil {
		return nil, err
	}
	t := &Tensor{dtype: dtype, shape: append([]int{}, shape...)}
	if dtype.IsFloat() {
		t.f = make([]float64, numel(shape))
	} else {
		t.i = make([]int64, numel(shape))
	}
	return t, nil
}

func (t *Tensor) isFloat() bool { return t.dtype.IsFloat() }
func (t *Tensor) numel() int    { return numel(t.shape) }
func (t *Tensor) ndim() int     { return len(t.shape) }

// floatAt and intAt read element k as either kind, converting as a cast would.
func (t *Tensor) floatAt(k int) float64 {
	if t.isFloat() {
		return t.f[k]
	}
	return float64(t.i[k])
}

func (t *Tensor) intAt(k int) int64 {
	if t.isFloat() {
		return floatToInt(t.f[k])
	}
	return t.i[k]
}

// floatToInt truncates toward zero as a C cast does; NaN and out-of-range values become 0 and the
// int64 limits rather than being undefined.
func floatToInt(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// to converts t to dtype (torch's Tensor.to(dtype)).
func (t *Tensor) to(dtype tensor.DType) *Tensor {
	if dtype == t.dtype {
		return t
	}
	out := &Tensor{dtype: dtype, shape: t.shape}
	n := t.numel()
	if dtype.IsFloat() {
		out.f = make([]float64, n)
		for k := range n {
			out.f[k] = t.floatAt(k)
		}
		out.roundFloat32()
		return out
	}
	out.i = make([]int64, n)
	for k := range n {
		if dtype == tensor.Bool && t.isFloat() {
			if t.f[k] != 0 {
				out.i[k] = 1
			}
			continue
		}
		out.i[k] = wrapInt(dtype, t.intAt(k))
	}
	return out
}

// roundFloat32 rounds every value of a FLOAT tensor to float32 precision.
func (t *Tensor) roundFloat32() {
	if t.dtype != tensor.Float {
		return
	}
	for k, v := range t.f {
		t.f[k] = float64(float32(v))
	}
}

// wrapInts brings every value of an integer tensor into its dtype's range.
func (t *Tensor) wrapInts() {
	if t.isFloat() || t.dtype == tensor.Int64 {
		return
	}
	for k, v := range t.i {
		t.i[k] = wrapInt(t.dtype, v)
	}
}

// scalarTensor wraps a Starlark number as a zero-dimensional tensor.
func scalarTensor(v starlark.Value) (*Tensor, bool) {
	switch v := v.(type) {
	case starlark.Int:
		i, ok := v.Int64()
		if !ok {
			return nil, false
		}
		return &Tensor{dtype: tensor.Int64, shape: []int{}, i: []int64{i}}, true
	case starlark.Float:
		return &Tensor{dtype: tensor.Double, shape: []int{}, f: []float64{float64(v)}}, true
	case starlark.Bool:
		b := int64(0)
		if v {
			b = 1
		}
		return &Tensor{dtype: tensor.Bool, shape: []int{}, i: []int64{b}}, true
	}
	return nil, false
}

// toOperand accepts a tensor or a number (a "wrapped" scalar for type promotion).
func toOperand(v starlark.Value, what string) (operand, error) {
	if t, ok := v.(*Tensor); ok {
		return operand{t: t}, nil
	}
	if t, ok := scalarTensor(v); ok {
		return operand{t: t, wrapped: true}, nil
	}
	return operand{}, fmt.Errorf("%s must be a Tensor or a number, not %s", what, v.Type())
}

func (t *Tensor) Type() string { return "Tensor" }
func (t *Tensor) Freeze()      { t.frozen = true }

// Truth is the value of a one-element tensor, as bool(tensor) in PyTorch; a larger tensor is true
// (PyTorch raises there, which Starlark's Truth cannot).
func (t *Tensor) Truth() starlark.Bool {
	if t.numel() != 1 {
		return starlark.True
	}
	return t.floatAt(0) != 0
}

// Hash fails: tensors, like PyTorch's, are not dictionary keys by value.
func (t *Tensor) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: Tensor") }

// String prints as PyTorch does in outline: tensor([[1., 2.], [3., 4.]]) with the dtype when it is not
// the default for the values.
func (t *Tensor) String() string {
	var b strings.Builder
	b.WriteString("tensor(")
	t.writeValues(&b, 0, 0)
	if t.dtype != tensor.Float && t.dtype != tensor.Int64 && t.dtype != tensor.Bool {
		b.WriteString(", dtype=" + DType{t.dtype}.String())
	}
	b.WriteString(")")
	return b.String()
}

func (t *Tensor) writeValues(b *strings.Builder, dim, offset int) {
	if dim == t.ndim() {
		b.WriteString(t.elementString(offset))
		return
	}
	inner := numel(t.shape[dim+1:])
	b.WriteString("[")
	for k := range t.shape[dim] {
		if k > 0 {
			b.WriteString(", ")
		}
		t.writeValues(b, dim+1, offset+k*inner)
	}
	b.WriteString("]")
}

func (t *Tensor) elementString(k int) string {
	switch {
	case t.dtype == tensor.Bool:
		if t.i[k] != 0 {
			return "True"
		}
		return "False"
	case t.isFloat() && math.IsNaN(t.f[k]):
		return "nan"
	case t.isFloat() && math.IsInf(t.f[k], 1):
		return "inf"
	case t.isFloat() && math.IsInf(t.f[k], -1):
		return "-inf"
	case t.isFloat():
		s := tensor.FormatDouble(t.f[k])
		if !strings.ContainsAny(s, ".eEn") { // integral value: PyTorch prints "2."
			s += "."
		}
		return s
	}
	return fmt.Sprint(t.i[k])
}

// element returns element k as a Starlark number.
func (t *Tensor) element(k int) starlark.Value {
	switch {
	case t.dtype == tensor.Bool:
		return starlark.Bool(t.i[k] != 0)
	case t.isFloat():
		return starlark.Float(t.f[k])
	}
	return starlark.MakeInt64(t.i[k])
}

// Len is the size of dim 0 (0 for a zero-dimensional tensor).
func (t *Tensor) Len() int {
	if t.ndim() == 0 {
		return 0
	}
	return t.shape[0]
}

// Index is x[i] on dim 0: the sub-tensor without that dimension.
func (t *Tensor) Index(i int) starlark.Value { return t.rows(i, i+1, 1, false) }

// Slice is x[start:end:step] on dim 0 (Starlark has already clamped the bounds; a negative step walks
// backwards, which PyTorch does not allow and Python lists do).
func (t *Tensor) Slice(start, end, step int) starlark.Value { return t.rows(start, end, step, true) }

func (t *Tensor) rows(start, end, step int, keepDim bool) *Tensor {
	inner := numel(t.shape[1:])
	if step == 1 { // contiguous rows: share the values (tensors are immutable)
		end = max(end, start)
		out := &Tensor{dtype: t.dtype, shape: append([]int{end - start}, t.shape[1:]...)}
		if !keepDim {
			out.shape = out.shape[1:]
		}
		if t.isFloat() {
			out.f = t.f[start*inner : end*inner : end*inner]
		} else {
			out.i = t.i[start*inner : end*inner : end*inner]
		}
		out.frozen = t.frozen
		return out
	}
	var picks []int
	for r := start; (step > 0 && r < end) || (step < 0 && r > end); r += step {
		picks = append(picks, r)
	}
	out := &Tensor{dtype: t.dtype, shape: append([]int{len(picks)}, t.shape[1:]...)}
	if !keepDim {
		out.shape = out.shape[1:]
	}
	if t.isFloat() {
		out.f = make([]float64, 0, len(picks)*inner)
		for _, r := range picks {
			out.f = append(out.f, t.f[r*inner:(r+1)*inner]...)
		}
	} else {
		out.i = make([]int64, 0, len(picks)*inner)
		for _, r := range picks {
			out.i = append(out.i, t.i[r*inner:(r+1)*inner]...)
		}
	}
	return out
}

// SetIndex is x[i] = v: v (a number or a tensor broadcastable to x[i]'s shape) is converted to x's
// dtype and written into row i, as PyTorch's indexed assignment does.
func (t *Tensor) SetIndex(i int, v starlark.Value) error {
	if t.frozen {
		return fmt.Errorf("cannot assign to a tensor made at the script's top level: every call shares it, so it is read-only (copy it with .clone() first)")
	}
	src, err := toOperand(v, "assigned value")
	if err != nil {
		return err
	}
	row := t.shape[1:]
	if shape, err := broadcastShapes(row, src.t.shape); err != nil || !equalShapes(shape, row) {
		return fmt.Errorf("shape mismatch: value tensor of shape %s cannot be broadcast to indexing result of shape %s", shapeString(src.t.shape), shapeString(row))
	}
	values, err := expand(src.t.to(t.dtype), row)
	if err != nil {
		return err
	}
	inner := numel(row)
	if t.isFloat() {
		copy(t.f[i*inner:(i+1)*inner], values.f)
	} else {
		copy(t.i[i*inner:(i+1)*inner], values.i)
	}
	return nil
}

// clone is a copy that owns its values.
func (t *Tensor) clone() *Tensor {
	return &Tensor{dtype: t.dtype, shape: append([]int{}, t.shape...), f: slices.Clone(t.f), i: slices.Clone(t.i)}
}

// Iterate walks dim 0, as `for row in x` does in PyTorch.
func (t *Tensor) Iterate() starlark.Iterator { return &rowIterator{t: t} }

type rowIterator struct {
	t *Tensor
	k int
}

func (it *rowIterator) Next(p *starlark.Value) bool {
	if it.k >= it.t.Len() {
		return false
	}
	*p = it.t.Index(it.k)
	it.k++
	return true
}

func (it *rowIterator) Done() {}

// Binary gives tensors Python's arithmetic operators, with a number on either side (2*x, x/3).
// Starlark has no ** or @ operators: scripts use torch.pow and torch.matmul.
func (t *Tensor) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	fn, ok := operatorOps[op]
	if !ok {
		return nil, nil // not supported: Starlark reports the operand types
	}
	other, err := toOperand(y, "operand")
	if err != nil {
		return nil, nil
	}
	a, b := operand{t: t}, other
	if side == starlark.Right {
		a, b = b, a
	}
	return applyBinary(fn, a, b)
}

// Unary gives -x and +x.
func (t *Tensor) Unary(op syntax.Token) (starlark.Value, error) {
	switch op {
	case syntax.MINUS:
		return neg(t)
	case syntax.PLUS:
		return t.clone(), nil
	}
	return nil, nil
}

// shapeString prints a shape as PyTorch's error messages do: [2, 3].
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for k, d := range shape {
		parts[k] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// shapeTuple is x.shape: a tuple of ints (PyTorch's torch.Size is a tuple).
func shapeTuple(shape []int) starlark.Tuple {
	out := make(starlark.Tuple, len(shape))
	for k, d := range shape {
		out[k] = starlark.MakeInt(d)
	}
	return out
}
