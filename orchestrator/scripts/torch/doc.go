// Package torch is the `torch` module of database scripts: tensors with PyTorch's names, broadcasting
// and type promotion over the database's dtypes (FLOAT, DOUBLE, INT8..INT64, UINT8, UINT16, BOOL as
// torch.float32, float64, int8..int64, uint8, uint16, bool; aliases float, double, short, int, long).
//
// Functions (torch.NAME; most are also tensor methods, x.NAME(...)):
//
//	construction  tensor(data, dtype=None) zeros(*size, dtype=None) ones(*size, dtype=None)
//	              full(size, fill_value, dtype=None) arange([start,] end[, step], dtype=None)
//	elementwise   neg abs exp log sqrt relu sigmoid tanh
//	              add(x, y, alpha=1) sub(x, y, alpha=1) mul div(x, y, rounding_mode=None) pow
//	              floor_divide remainder maximum minimum clamp(x, min=None, max=None) (clip)
//	              eq ne gt ge lt le where(cond, x, y)
//	reductions    sum(x, dim=None, keepdim=False, dtype=None) mean(...) max min argmax argmin
//	              var(x, dim=None, unbiased=True, keepdim=False, correction=None) std(...)
//	              (max(x) is a 0-d tensor; max(x, dim) is (values, indices) with .values/.indices;
//	              max(x, other) is maximum)
//	shape         reshape transpose t permute squeeze unsqueeze flatten cat (concat) stack numel
//	linear        matmul softmax(x, dim, dtype=None)
//
// Tensor attributes and methods: x.shape (a tuple), x.dtype, x.ndim, x.T, x.device ("cpu"), x[i] and
// x[a:b:s] on dim 0, x[i] = v (a number or a broadcastable tensor), len(x), iteration over dim 0, x.size(dim=None), x.dim(), x.item(), x.tolist(), x.view(*shape),
// x.reshape(*shape), x.permute(*dims), x.to(dtype or device or tensor), x.float(), x.double(), x.int(), x.long(), x.bool(),
// x.contiguous(), x.clone(), x.detach(), x.cpu(). Operators: + - * / // % and unary - and +, with numbers on
// either side (2*x).
//
// Type promotion is torch.result_type: dimensioned tensors outrank zero-dimensional ones, which
// outrank Python numbers, and a lower-ranked operand only changes the result when it is of a higher
// kind (bool < integer < float): int8_tensor*1000 stays int8 (and wraps), int_tensor*2.5 is float32,
// true division of integers is float32. Integer and bool sums are int64; mean, softmax and friends
// refuse integer tensors as PyTorch does. FLOAT tensors are computed in float64 and rounded to float32
// after each operation, so elementwise results are float32's correctly rounded ones.
//
// Not PyTorch: Starlark has no ** or @ operators (torch.pow, torch.matmul) and its ==, < give one
// bool (use torch.eq, torch.lt); a multi-element tensor is true in `if x:` where PyTorch raises;
// slicing accepts a negative step, and a slice with a step other than 1 is a copy, not a view; there
// is no autograd, no in-place method (x.add_(y)) and no indexing beyond dim 0 (x[:, 0] is
// x.t()[0]). Tensors made at a script's top level are read-only (every call shares them). Every
// tensor a script makes is limited to MaxElements elements.
package torch
