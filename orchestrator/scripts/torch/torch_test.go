package torch

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// eval evaluates one Starlark expression with torch predeclared and t a 2×3 float32 tensor.
func eval(t *testing.T, expr string) (string, error) {
	t.Helper()
	thread := &starlark.Thread{Name: "test"}
	env := starlark.StringDict{"torch": Module()}
	m, err := starlark.EvalOptions(&syntax.FileOptions{}, thread, "setup", "torch.tensor([[1., 2., 3.], [4., 5., 6.]])", env)
	if err != nil {
		t.Fatal(err)
	}
	env["m"] = m
	v, err := starlark.EvalOptions(&syntax.FileOptions{}, thread, "expr", expr, env)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

type opCase struct{ expr, want string }

// check runs cases whose results are printed tensors (or other values) and compares the text, which
// shows values, nesting (the shape) and a non-default dtype. Expected values are worked out by hand.
func check(t *testing.T, cases []opCase) {
	t.Helper()
	for _, c := range cases {
		got, err := eval(t, c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.expr, got, c.want)
		}
	}
}

// checkErrors runs cases that must fail with a message containing want.
func checkErrors(t *testing.T, cases []opCase) {
	t.Helper()
	for _, c := range cases {
		got, err := eval(t, c.expr)
		if err == nil {
			t.Errorf("%s: got %s, want an error containing %q", c.expr, got, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.expr, err, c.want)
		}
	}
}

func TestConstruction(t *testing.T) {
	check(t, []opCase{
		{"torch.tensor([1, 2, 3])", "tensor([1, 2, 3])"},
		{"torch.tensor([1, 2.5])", "tensor([1., 2.5])"},
		{"torch.tensor([[True], [False]])", "tensor([[True], [False]])"},
		{"torch.tensor(7)", "tensor(7)"},
		{"torch.tensor(7).shape", "()"},
		{"torch.tensor([1, 2], dtype=torch.float64)", "tensor([1., 2.], dtype=torch.float64)"},
		{"torch.tensor([1.7, -1.7], dtype=torch.int32)", "tensor([1, -1], dtype=torch.int32)"},
		{"torch.tensor([300], dtype=torch.uint8)", "tensor([44], dtype=torch.uint8)"},
		{"torch.tensor([9007199254740993])", "tensor([9007199254740993])"},
		{"torch.tensor([]).shape", "(0,)"},
		{"torch.tensor([0.1]).item()", "0.10000000149011612"},
		{"torch.zeros(2, 3)", "tensor([[0., 0., 0.], [0., 0., 0.]])"},
		{"torch.zeros((2,), dtype=torch.int64)", "tensor([0, 0])"},
		{"torch.ones([1, 2])", "tensor([[1., 1.]])"},
		{"torch.ones(2, dtype=torch.bool)", "tensor([True, True])"},
		{"torch.full((2, 2), 7)", "tensor([[7, 7], [7, 7]])"},
		{"torch.full((2,), 1.5)", "tensor([1.5, 1.5])"},
		{"torch.full([1], 2, dtype=torch.float64)", "tensor([2.], dtype=torch.float64)"},
		{"torch.arange(4)", "tensor([0, 1, 2, 3])"},
		{"torch.arange(1, 7, 2)", "tensor([1, 3, 5])"},
		{"torch.arange(0, 1, 0.25)", "tensor([0., 0.25, 0.5, 0.75])"},
		{"torch.arange(3, 0, -1)", "tensor([3, 2, 1])"},
		{"torch.arange(3, dtype=torch.float32)", "tensor([0., 1., 2.])"},
		{"torch.arange(0)", "tensor([])"},
	})
	checkErrors(t, []opCase{
		{"torch.tensor([[1, 2], [3]])", "expected sequence of length 2 at dim 1 (got 1)"},
		{"torch.tensor(['a'])", "could not infer dtype of string"},
		{"torch.zeros(-1)", "negative dimension -1"},
		{"torch.zeros(1 << 20, 1 << 20)", "the limit for script tensors"},
		{"torch.arange(0, 1, 0)", "step must be nonzero"},
		{"torch.arange(1, 0)", "inconsistent with step sign"},
		{"torch.zeros(2, dtype='float')", "dtype must be a torch dtype"},
	})
}

func TestElementwise(t *testing.T) {
	check(t, []opCase{
		{"torch.neg(m)", "tensor([[-1., -2., -3.], [-4., -5., -6.]])"},
		{"-torch.tensor([1, -2])", "tensor([-1, 2])"},
		{"torch.tensor([-128], dtype=torch.int8).neg()", "tensor([-128], dtype=torch.int8)"},
		{"torch.abs(torch.tensor([-1.5, 2.]))", "tensor([1.5, 2.])"},
		{"torch.abs(torch.tensor([-3, 3]))", "tensor([3, 3])"},
		{"torch.add(m, 1)", "tensor([[2., 3., 4.], [5., 6., 7.]])"},
		{"torch.add(m, m, alpha=2)", "tensor([[3., 6., 9.], [12., 15., 18.]])"},
		{"torch.sub(m, torch.tensor([1., 1., 1.]))", "tensor([[0., 1., 2.], [3., 4., 5.]])"},
		{"torch.sub(torch.tensor([5]), 1, alpha=3)", "tensor([2])"},
		{"torch.mul(m, torch.tensor([[2.], [0.5]]))", "tensor([[2., 4., 6.], [2., 2.5, 3.]])"},
		{"torch.div(torch.tensor([1, 3]), 2)", "tensor([0.5, 1.5])"},
		{"torch.div(torch.tensor([7, -7]), 2, rounding_mode='floor')", "tensor([3, -4])"},
		{"torch.div(torch.tensor([7, -7]), 2, rounding_mode='trunc')", "tensor([3, -3])"},
		{"torch.div(torch.tensor([1.]), 0)", "tensor([inf])"},
		{"torch.pow(torch.tensor([1., 2., 3.]), 2)", "tensor([1., 4., 9.])"},
		{"torch.pow(2, torch.tensor([0, 3, 10]))", "tensor([1, 8, 1024])"},
		{"torch.pow(torch.tensor([4.]), 0.5)", "tensor([2.])"},
		{"torch.exp(torch.tensor([0.]))", "tensor([1.])"},
		{"abs(torch.exp(torch.tensor([1.])).item() - 2.7182817) < 1e-6", "True"},
		{"torch.exp(torch.tensor([0]))", "tensor([1.])"},
		{"torch.log(torch.tensor([1., 0.]))", "tensor([0., -inf])"},
		{"abs(torch.log(torch.tensor([10.])).item() - 2.3025851) < 1e-6", "True"},
		{"torch.sqrt(torch.tensor([4., 2.25, -1.]))", "tensor([2., 1.5, nan])"},
		{"torch.sqrt(torch.tensor([9]))", "tensor([3.])"},
		{"torch.relu(torch.tensor([-1., 0., 2.]))", "tensor([0., 0., 2.])"},
		{"torch.relu(torch.tensor([-3, 3]))", "tensor([0, 3])"},
		{"torch.sigmoid(torch.tensor([0.]))", "tensor([0.5])"},
		{"abs(torch.sigmoid(torch.tensor([2.])).item() - 0.880797) < 1e-6", "True"},
		{"torch.tanh(torch.tensor([0.]))", "tensor([0.])"},
		{"abs(torch.tanh(torch.tensor([1.])).item() - 0.7615942) < 1e-6", "True"},
		{"torch.clamp(torch.tensor([-2., 0.5, 3.]), min=0, max=1)", "tensor([0., 0.5, 1.])"},
		{"torch.clamp(torch.tensor([-2, 5]), max=3)", "tensor([-2, 3])"},
		{"torch.clamp(torch.tensor([1, 5]), min=2.5)", "tensor([2.5, 5.])"},
		{"torch.clamp(torch.tensor([1., 5.]), torch.tensor([2., 2.]), torch.tensor([3., 4.]))", "tensor([2., 4.])"},
		{"torch.maximum(torch.tensor([1., 5.]), torch.tensor([3., 2.]))", "tensor([3., 5.])"},
		{"torch.minimum(torch.tensor([1, 5]), torch.tensor([3, 2]))", "tensor([1, 2])"},
		{"torch.remainder(torch.tensor([-3, 3]), 2)", "tensor([1, 1])"},
		{"torch.remainder(torch.tensor([5.5]), -2)", "tensor([-0.5])"},
		{"torch.floor_divide(torch.tensor([-3.]), 2)", "tensor([-2.])"},
	})
	checkErrors(t, []opCase{
		{"torch.neg(torch.tensor([True]))", "neg is not supported on bool tensors"},
		{"torch.add(m, torch.ones(2))", "the size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"},
		{"torch.pow(torch.tensor([2]), -1)", "integers to negative integer powers are not allowed"},
		{"torch.floor_divide(torch.tensor([1]), 0)", "ZeroDivisionError"},
		{"torch.clamp(m)", "at least one of 'min' or 'max' must not be None"},
		{"torch.add(1, 2)", "expects at least one Tensor argument"},
		{"torch.add(m, 'x')", "must be a Tensor or a number, not string"},
		{"torch.div(m, 2, rounding_mode='up')", "rounding_mode"},
		{"torch.tensor([True]) - torch.tensor([True])", "with two bool tensors is not supported"},
	})
}

// TestPromotion follows torch.result_type: a number does not widen a tensor of its kind, a float
// number makes an integer tensor float32, zero-dimensional tensors count below dimensioned ones.
func TestPromotion(t *testing.T) {
	check(t, []opCase{
		{"(2*m).dtype", "torch.float32"},
		{"(m + torch.tensor([1.], dtype=torch.float64)).dtype", "torch.float64"},
		{"(m + torch.tensor(1., dtype=torch.float64)).dtype", "torch.float32"},
		{"(torch.tensor([1], dtype=torch.int8) * 1000).dtype", "torch.int8"},
		{"torch.tensor([100], dtype=torch.int8) * 2", "tensor([-56], dtype=torch.int8)"},
		{"(torch.tensor([1], dtype=torch.int8) * 2.5).dtype", "torch.float32"},
		{"(torch.tensor([1], dtype=torch.uint8) + torch.tensor([1], dtype=torch.int8)).dtype", "torch.int16"},
		{"(torch.tensor([1], dtype=torch.uint16) + torch.tensor([1], dtype=torch.int16)).dtype", "torch.int32"},
		{"(torch.tensor([1], dtype=torch.int32) + torch.tensor([1])).dtype", "torch.int64"},
		{"(torch.tensor([True]) + 1).dtype", "torch.int64"},
		{"torch.tensor([True, False]) + torch.tensor([True, True])", "tensor([True, True])"},
		{"(torch.tensor([1], dtype=torch.int32) + torch.tensor(1.)).dtype", "torch.float32"},
		{"(torch.tensor([1]) / torch.tensor([2])).dtype", "torch.float32"},
		{"torch.tensor([16777217.]).item()", "1.6777216e+07"},
		{"torch.tensor([16777217.], dtype=torch.float64).item()", "1.6777217e+07"},
	})
}

func TestOperators(t *testing.T) {
	check(t, []opCase{
		{"2*m", "tensor([[2., 4., 6.], [8., 10., 12.]])"},
		{"m*2", "tensor([[2., 4., 6.], [8., 10., 12.]])"},
		{"m + m", "tensor([[2., 4., 6.], [8., 10., 12.]])"},
		{"10 - m", "tensor([[9., 8., 7.], [6., 5., 4.]])"},
		{"m - 1", "tensor([[0., 1., 2.], [3., 4., 5.]])"},
		{"m / 2", "tensor([[0.5, 1., 1.5], [2., 2.5, 3.]])"},
		{"6 / torch.tensor([3, 4])", "tensor([2., 1.5])"},
		{"torch.tensor([7, -7]) // 2", "tensor([3, -4])"},
		{"torch.tensor([7, -7]) % 3", "tensor([1, 2])"},
		{"-m", "tensor([[-1., -2., -3.], [-4., -5., -6.]])"},
		{"+m", "tensor([[1., 2., 3.], [4., 5., 6.]])"},
		{"m[0] * m[1]", "tensor([4., 10., 18.])"},
	})
	checkErrors(t, []opCase{
		{"m + 'a'", "unknown binary op: Tensor + string"},
		{"m & m", "unknown binary op: Tensor & Tensor"},
	})
}

func TestReductions(t *testing.T) {
	check(t, []opCase{
		{"torch.sum(m)", "tensor(21.)"},
		{"torch.sum(m, 0)", "tensor([5., 7., 9.])"},
		{"torch.sum(m, dim=1, keepdim=True)", "tensor([[6.], [15.]])"},
		{"m.sum((0, 1))", "tensor(21.)"},
		{"m.sum(())", "tensor(21.)"},
		{"m.sum(-1)", "tensor([6., 15.])"},
		{"torch.sum(torch.tensor([1, 2], dtype=torch.int8))", "tensor(3)"},
		{"torch.sum(torch.tensor([True, True, False]))", "tensor(2)"},
		{"torch.sum(m, dtype=torch.float64)", "tensor(21., dtype=torch.float64)"},
		{"torch.mean(m)", "tensor(3.5)"},
		{"torch.mean(m, 1)", "tensor([2., 5.])"},
		{"torch.mean(torch.tensor(2.5, dtype=torch.float64))", "tensor(2.5, dtype=torch.float64)"},
		{"torch.mean(torch.tensor([1., 2.], dtype=torch.float64))", "tensor(1.5, dtype=torch.float64)"},
		{"m.mean(dim=0, keepdim=True)", "tensor([[2.5, 3.5, 4.5]])"},
		{"torch.var(torch.tensor([1., 2., 3., 4.]))", "tensor(1.6666666269302368)"},
		{"torch.var(torch.tensor([1., 2., 3., 4.]), False)", "tensor(1.25)"},
		{"torch.var(torch.tensor([1., 2., 3., 4.]), correction=0)", "tensor(1.25)"},
		{"torch.var(m, 1)", "tensor([1., 1.])"},
		{"m.var(0, keepdim=True)", "tensor([[4.5, 4.5, 4.5]])"},
		{"torch.std(torch.tensor([2., 4., 4., 4., 5., 5., 7., 9.], dtype=torch.float64), unbiased=False)", "tensor(2., dtype=torch.float64)"},
		{"m.std(dim=1)", "tensor([1., 1.])"},
		{"torch.var(torch.tensor([1.]))", "tensor(nan)"},
		{"torch.max(m)", "tensor(6.)"},
		{"torch.min(m)", "tensor(1.)"},
		{"torch.max(torch.tensor([1., float('nan'), 3.]))", "tensor(nan)"},
		{"torch.max(m, 1)", "(values=tensor([3., 6.]), indices=tensor([2, 2]))"},
		{"torch.max(m, 0).values", "tensor([4., 5., 6.])"},
		{"torch.min(m, 1, keepdim=True).indices", "tensor([[0], [0]])"},
		{"torch.min(m, dim=0)[1]", "tensor([0, 0, 0])"},
		{"torch.max(torch.tensor([1, 5]), torch.tensor([4, 2]))", "tensor([4, 5])"},
		{"torch.argmax(m)", "tensor(5)"},
		{"torch.argmax(torch.tensor([[1, 9], [9, 1]]), dim=1)", "tensor([1, 0])"},
		{"torch.argmax(torch.tensor([3, 3, 1]))", "tensor(0)"},
		{"torch.argmax(m, dim=0, keepdim=True)", "tensor([[1, 1, 1]])"},
		{"torch.argmin(m, 1)", "tensor([0, 0])"},
	})
	checkErrors(t, []opCase{
		{"torch.mean(torch.tensor([1, 2]))", "mean(): could not infer output dtype"},
		{"torch.std(torch.tensor([1, 2]))", "std and var only support floating point dtypes"},
		{"torch.sum(m, 2)", "dimension out of range (expected to be in range of [-2, 1], but got 2)"},
		{"torch.sum(m, (0, 0))", "dim 0 appears multiple times"},
		{"torch.max(torch.tensor([]))", "expected reduction dim to be specified"},
	})
}

func TestReductionUnpacks(t *testing.T) {
	thread := &starlark.Thread{Name: "test"}
	src := "values, indices = torch.max(torch.tensor([[1., 7.], [9., 2.]]), 1)\n"
	globals, err := starlark.ExecFileOptions(&syntax.FileOptions{}, thread, "unpack.star", src, starlark.StringDict{"torch": Module()})
	if err != nil {
		t.Fatal(err)
	}
	if got := globals["values"].String(); got != "tensor([7., 9.])" {
		t.Errorf("values = %s", got)
	}
	if got := globals["indices"].String(); got != "tensor([1, 0])" {
		t.Errorf("indices = %s", got)
	}
}

func TestShapes(t *testing.T) {
	check(t, []opCase{
		{"m.shape", "(2, 3)"},
		{"m.dtype", "torch.float32"},
		{"m.ndim", "2"},
		{"m.size()", "(2, 3)"},
		{"m.size(-1)", "3"},
		{"m.dim()", "2"},
		{"torch.numel(m)", "6"},
		{"torch.reshape(m, (3, 2))", "tensor([[1., 2.], [3., 4.], [5., 6.]])"},
		{"m.reshape(-1)", "tensor([1., 2., 3., 4., 5., 6.])"},
		{"m.view(3, -1)", "tensor([[1., 2.], [3., 4.], [5., 6.]])"},
		{"m.view((1, 6)).shape", "(1, 6)"},
		{"torch.transpose(m, 0, 1)", "tensor([[1., 4.], [2., 5.], [3., 6.]])"},
		{"m.t()", "tensor([[1., 4.], [2., 5.], [3., 6.]])"},
		{"m.T", "tensor([[1., 4.], [2., 5.], [3., 6.]])"},
		{"torch.permute(torch.arange(24).reshape(2, 3, 4), (2, 0, 1)).shape", "(4, 2, 3)"},
		{"torch.arange(24).reshape(2, 3, 4).permute(2, 0, 1)[1]", "tensor([[1, 5, 9], [13, 17, 21]])"},
		{"torch.squeeze(torch.zeros(1, 2, 1)).shape", "(2,)"},
		{"torch.squeeze(torch.zeros(1, 2, 1), 0).shape", "(2, 1)"},
		{"torch.squeeze(torch.zeros(1, 2, 1), 1).shape", "(1, 2, 1)"},
		{"torch.unsqueeze(m, 0).shape", "(1, 2, 3)"},
		{"m.unsqueeze(-1).shape", "(2, 3, 1)"},
		{"torch.flatten(torch.zeros(2, 3, 4)).shape", "(24,)"},
		{"torch.flatten(torch.zeros(2, 3, 4), 1).shape", "(2, 12)"},
		{"torch.flatten(torch.zeros(2, 3, 4), 0, 1).shape", "(6, 4)"},
		{"torch.flatten(torch.tensor(5)).shape", "(1,)"},
		{"torch.cat([m, m])", "tensor([[1., 2., 3.], [4., 5., 6.], [1., 2., 3.], [4., 5., 6.]])"},
		{"torch.cat((m, torch.tensor([[7], [8]])), dim=1)", "tensor([[1., 2., 3., 7.], [4., 5., 6., 8.]])"},
		{"torch.cat([torch.tensor([1]), torch.tensor([2.5])])", "tensor([1., 2.5])"},
		{"torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])])", "tensor([[1, 2], [3, 4]])"},
		{"torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], dim=1)", "tensor([[1, 3], [2, 4]])"},
		{"torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], -1).shape", "(2, 2)"},
	})
	checkErrors(t, []opCase{
		{"m.reshape(4, 2)", "shape '[4, 2]' is invalid for input of size 6"},
		{"m.reshape(-1, -1)", "only one dimension can be inferred"},
		{"m.permute(0)", "does not match the length of the desired ordering"},
		{"m.permute(0, 0)", "duplicate dims"},
		{"torch.cat([m, torch.zeros(2, 2)])", "sizes of tensors must match except in dimension 0"},
		{"torch.cat([])", "non-empty list"},
		{"torch.cat(m)", "must be a list or tuple of Tensors"},
		{"torch.stack([torch.zeros(2), torch.zeros(3)])", "stack expects each tensor to be equal size"},
		{"torch.unsqueeze(m, 3)", "dimension out of range"},
		{"torch.zeros(2, 2, 2).t()", "t() expects a tensor with <= 2 dimensions"},
	})
}

func TestIndexing(t *testing.T) {
	check(t, []opCase{
		{"m[1]", "tensor([4., 5., 6.])"},
		{"m[-1]", "tensor([4., 5., 6.])"},
		{"m[1][2]", "tensor(6.)"},
		{"m[0:1]", "tensor([[1., 2., 3.]])"},
		{"m[1:]", "tensor([[4., 5., 6.]])"},
		{"torch.arange(6)[::2]", "tensor([0, 2, 4])"},
		{"torch.arange(6)[4:2]", "tensor([])"},
		{"len(m)", "2"},
		{"[r.sum().item() for r in m]", "[6.0, 15.0]"},
		{"m[1][2].item()", "6.0"},
		{"m.tolist()", "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]"},
		{"torch.tensor([1, 2]).tolist()", "[1, 2]"},
	})
	checkErrors(t, []opCase{
		{"m[2]", "index 2 out of range"},
		{"m.item()", "a Tensor with 6 elements cannot be converted to Scalar"},
		{"{m: 1}", "unhashable type: Tensor"},
	})
}

func TestMatmulAndSoftmax(t *testing.T) {
	check(t, []opCase{
		{"torch.matmul(m, torch.tensor([[1.], [0.], [-1.]]))", "tensor([[-2.], [-2.]])"},
		{"torch.matmul(torch.tensor([1, 2]), torch.tensor([3, 4]))", "tensor(11)"},
		{"torch.matmul(torch.tensor([1., 1.]), m)", "tensor([5., 7., 9.])"},
		{"torch.matmul(m, torch.tensor([1., 1., 1.]))", "tensor([6., 15.])"},
		{"torch.matmul(m, m.t())", "tensor([[14., 32.], [32., 77.]])"},
		{"torch.matmul(torch.stack([m, 2*m]), torch.ones(3, 1)).shape", "(2, 2, 1)"},
		{"torch.matmul(torch.stack([m, 2*m]), torch.ones(3, 1))[1]", "tensor([[12.], [30.]])"},
		{"torch.matmul(torch.ones(3), torch.ones(2, 3, 4)).shape", "(2, 4)"},
		{"m.matmul(torch.ones(3, 2)).shape", "(2, 2)"},
		{"torch.softmax(torch.tensor([0., 0.]), 0)", "tensor([0.5, 0.5])"},
		{"torch.softmax(torch.tensor([[1000., 1000.], [0., 0.]]), dim=1)", "tensor([[0.5, 0.5], [0.5, 0.5]])"},
		{"torch.softmax(torch.tensor([[0., 0.], [0., 0.]]), dim=0)", "tensor([[0.5, 0.5], [0.5, 0.5]])"},
		{"torch.softmax(torch.tensor([1, 1]), 0, dtype=torch.float64)", "tensor([0.5, 0.5], dtype=torch.float64)"},
		{"abs(torch.softmax(torch.tensor([0., 1.]), -1)[1].item() - 0.7310586) < 1e-6", "True"},
	})
	checkErrors(t, []opCase{
		{"torch.matmul(m, m)", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"},
		{"torch.matmul(m, torch.ones(3, dtype=torch.float64))", "expected m1 and m2 to have the same dtype, but got: torch.float32 != torch.float64"},
		{"torch.matmul(torch.tensor(1.), m)", "at least 1D"},
		{"torch.softmax(torch.tensor([1, 2]), 0)", "softmax expects a floating point tensor, got torch.int64"},
	})
}

func TestMethodsAndDtypes(t *testing.T) {
	check(t, []opCase{
		{"m.neg().abs().sum()", "tensor(21.)"},
		{"m.add(1).mul(2)[0]", "tensor([4., 6., 8.])"},
		{"m.pow(2)[0]", "tensor([1., 4., 9.])"},
		{"m.clamp(2, 5)[0]", "tensor([2., 2., 3.])"},
		{"m.softmax(1).sum(1)", "tensor([1., 1.])"},
		{"m.int()", "tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int32)"},
		{"m.long().dtype", "torch.int64"},
		{"m.double().dtype", "torch.float64"},
		{"torch.tensor([0., 2.]).bool()", "tensor([False, True])"},
		{"torch.tensor([1, 2]).float()", "tensor([1., 2.])"},
		{"m.to(torch.int16).dtype", "torch.int16"},
		{"m.contiguous() == m", "True"},
		{"torch.float == torch.float32", "True"},
		{"torch.long == torch.int64", "True"},
		{"torch.int == torch.int32", "True"},
		{"torch.double != torch.float32", "True"},
		{"str(torch.uint8) == 'torch.uint8'", "True"},
	})
	checkErrors(t, []opCase{
		{"m.nope()", "Tensor has no .nope field or method"},
		{"torch.nope", "has no .nope field or method"},
	})
}

// TestNamesCoverTheSpec checks that every operation the issue lists is a member of the module.
func TestNamesCoverTheSpec(t *testing.T) {
	names := map[string]bool{}
	for _, n := range Names() {
		names[n] = true
	}
	for _, want := range strings.Fields(`tensor zeros ones arange full neg add sub mul div pow exp log sqrt abs clamp
		relu sigmoid tanh sum mean max min argmax reshape transpose permute squeeze unsqueeze cat stack flatten
		matmul softmax float32 float64 int32 int64 bool`) {
		if !names[want] {
			t.Errorf("torch.%s is missing", want)
		}
	}
}

func TestComparisonsAndWhere(t *testing.T) {
	check(t, []opCase{
		{"torch.gt(m, 3)", "tensor([[False, False, False], [True, True, True]])"},
		{"m.le(torch.tensor([1., 5., 3.]))", "tensor([[True, True, True], [False, True, False]])"},
		{"torch.eq(torch.tensor([1, 2]), torch.tensor([1., 2.5]))", "tensor([True, False])"},
		{"torch.ne(torch.tensor([float('nan')]), torch.tensor([float('nan')]))", "tensor([True])"},
		{"torch.lt(torch.tensor([1, 2]), 1.5)", "tensor([True, False])"},
		{"torch.ge(torch.tensor([True, False]), torch.tensor([True, True]))", "tensor([True, False])"},
		{"torch.where(torch.gt(m, 3), m, 0.)", "tensor([[0., 0., 0.], [4., 5., 6.]])"},
		{"torch.where(torch.tensor([True, False]), torch.tensor([1, 2]), torch.tensor([[10], [20]]))", "tensor([[1, 10], [1, 20]])"},
		{"torch.where(torch.tensor([1, 0]), 1.5, torch.tensor([7, 8]))", "tensor([1.5, 8.])"},
	})
	checkErrors(t, []opCase{
		{"torch.where(torch.ones(2), torch.ones(3), 0)", "must match the size of tensor b"},
		{"m < m", "Tensor < Tensor not implemented"},
	})
}

// TestIndexedAssignment covers x[i] = v and PyTorch's view semantics: x[i], slices with step 1 and
// reshapes share values with their source; clone and torch.tensor copy.
func TestIndexedAssignment(t *testing.T) {
	src := `
def run():
    a = torch.zeros(2, 3)
    a[0] = 1.5
    a[1] = torch.tensor([1, 2, 3])
    row = a[1]
    row[0] = 9
    b = torch.arange(4)
    b[-1] = 2.7
    v = b.view(2, 2)
    v[0] = torch.tensor([7, 7])
    c = b.clone()
    c[0] = 0
    d = torch.tensor(b)
    d[1] = 0
    e = torch.zeros(3, 2)
    e[1:][0] = 5
    return a, b, c, d, e
`
	thread := &starlark.Thread{Name: "test"}
	globals, err := starlark.ExecFileOptions(&syntax.FileOptions{}, thread, "assign.star", src, starlark.StringDict{"torch": Module()})
	if err != nil {
		t.Fatal(err)
	}
	out, err := starlark.Call(thread, globals["run"], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"tensor([[1.5, 1.5, 1.5], [9., 2., 3.]])",
		"tensor([7, 7, 2, 2])",
		"tensor([0, 7, 2, 2])",
		"tensor([7, 0, 2, 2])",
		"tensor([[0., 0.], [5., 5.], [0., 0.]])",
	}
	for k, v := range out.(starlark.Tuple) {
		if v.String() != want[k] {
			t.Errorf("result %d = %s, want %s", k, v, want[k])
		}
	}
	for _, c := range []opCase{
		{"x = torch.zeros(2, 3)\nx[0] = torch.ones(2)\n", "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [3]"},
		{"x = torch.zeros(2)\nx[2] = 1\n", "index 2 out of range"},
		{"x = torch.zeros(2)\nx[0] = 'a'\n", "assigned value must be a Tensor or a number"},
		{"x = torch.zeros(2)\nx.freeze = 1\n", "can't assign to .freeze field of Tensor"},
	} {
		_, err := starlark.ExecFileOptions(&syntax.FileOptions{}, &starlark.Thread{Name: "test"}, "bad.star", c.expr, starlark.StringDict{"torch": Module()})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.expr, err, c.want)
		}
	}
}
