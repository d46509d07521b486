package client

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ssrun/ssrun/tensor"
)

// PutTensor stores t under name (with the put prefix): AI.TENSORSET key TYPE dims... BLOB data.
func (c *Client) PutTensor(ctx context.Context, name string, t *tensor.Tensor) error {
	key := c.prefixes.putKey(kindTensor, name)
	return opError("put tensor", key, c.setTensor(ctx, key, t))
}

// GetTensor reads the tensor name (with the get prefix): AI.TENSORGET key META BLOB.
func (c *Client) GetTensor(ctx context.Context, name string) (*tensor.Tensor, error) {
	key := c.prefixes.getKey(kindTensor, name)
	t, err := c.getTensor(ctx, key)
	return t, opError("get tensor", key, err)
}

// PutValues stores values with the given shape as a tensor of the matching RedisAI type (float32 as
// FLOAT, int64 as INT64, ...).
func PutValues[T tensor.Element](ctx context.Context, c *Client, name string, shape []int64, values []T) error {
	t, err := tensor.From(shape, values)
	if err != nil {
		return opError("put tensor", c.prefixes.putKey(kindTensor, name), err)
	}
	return c.PutTensor(ctx, name, t)
}

// GetValues reads the tensor name as a typed slice and its shape; the stored type must be T's.
func GetValues[T tensor.Element](ctx context.Context, c *Client, name string) ([]T, []int64, error) {
	t, err := c.GetTensor(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if want := tensor.DTypeOf[T](); t.DType != want {
		return nil, nil, opError("get tensor", c.prefixes.getKey(kindTensor, name),
			fmt.Errorf("stored type is %s, not %s", t.DType, want))
	}
	v, err := tensor.Values[T](t)
	if err != nil {
		return nil, nil, opError("get tensor", c.prefixes.getKey(kindTensor, name), err)
	}
	return v, t.Shape, nil
}

// TensorExists reports whether the tensor name exists (get prefix): EXISTS key.
func (c *Client) TensorExists(ctx context.Context, name string) (bool, error) {
	return c.exists(ctx, "tensor exists", c.prefixes.getKey(kindTensor, name))
}

// KeyExists reports whether key exists, taken literally (no prefix).
func (c *Client) KeyExists(ctx context.Context, key string) (bool, error) {
	return c.exists(ctx, "key exists", key)
}

// DeleteTensor removes the tensor name (get prefix): DEL, or UNLINK on a cluster as SmartRedis does.
// Unlike SmartRedis it reports a tensor that was not there (errors.Is(err, ErrNotFound)), which callers
// that want an idempotent delete can ignore.
func (c *Client) DeleteTensor(ctx context.Context, name string) error {
	key := c.prefixes.getKey(kindTensor, name)
	verb := "DEL"
	if c.IsCluster() {
		verb = "UNLINK"
	}
	n, err := c.do(ctx, verb, key).Int64()
	if err == nil && n == 0 {
		return notFoundError("delete tensor", key, "tensor")
	}
	return opError("delete tensor", key, err)
}

// RenameTensor moves the tensor from (get prefix) to to (put prefix). Keys in different cluster slots
// cannot be renamed by the server, so there it copies and then unlinks the source, as SmartRedis does.
func (c *Client) RenameTensor(ctx context.Context, from, to string) error {
	src := c.prefixes.getKey(kindTensor, from)
	dst := c.prefixes.putKey(kindTensor, to)
	if c.IsCluster() && keySlot(src) != keySlot(dst) {
		if err := c.copyTensorKey(ctx, src, dst); err != nil {
			return opError("rename tensor", src, err)
		}
		return opError("rename tensor", src, c.do(ctx, "UNLINK", src).Err())
	}
	return opError("rename tensor", src, c.do(ctx, "RENAME", src, dst).Err())
}

// CopyTensor copies the tensor from (get prefix) to to (put prefix): AI.TENSORGET then AI.TENSORSET.
func (c *Client) CopyTensor(ctx context.Context, from, to string) error {
	src := c.prefixes.getKey(kindTensor, from)
	dst := c.prefixes.putKey(kindTensor, to)
	return opError("copy tensor", src, c.copyTensorKey(ctx, src, dst))
}

func (c *Client) copyTensorKey(ctx context.Context, src, dst string) error {
	t, err := c.getTensor(ctx, src)
	if err != nil {
		return err
	}
	return c.setTensor(ctx, dst, t)
}

func (c *Client) exists(ctx context.Context, op, key string) (bool, error) {
	n, err := c.do(ctx, "EXISTS", key).Int64()
	if err != nil {
		return false, opError(op, key, err)
	}
	return n > 0, nil
}

// setTensor checks t first so that a malformed tensor is refused here, naming the problem, rather than
// by the server.
func (c *Client) setTensor(ctx context.Context, key string, t *tensor.Tensor) error {
	if t == nil {
		return fmt.Errorf("no tensor given")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return c.do(ctx, tensorSetArgs(key, t)...).Err()
}

// tensorSetArgs is AI.TENSORSET key TYPE dims... BLOB data.
func tensorSetArgs(key string, t *tensor.Tensor) []any {
	args := make([]any, 0, 5+len(t.Shape))
	args = append(args, "AI.TENSORSET", key, t.DType.String())
	for _, d := range t.Shape {
		args = append(args, strconv.FormatInt(d, 10))
	}
	return append(args, "BLOB", t.Data)
}

func (c *Client) getTensor(ctx context.Context, key string) (*tensor.Tensor, error) {
	reply, err := c.do(ctx, "AI.TENSORGET", key, "META", "BLOB").Slice()
	if err != nil {
		return nil, err
	}
	return parseTensorReply(reply)
}

// parseTensorReply reads the META BLOB reply: dtype, TYPE, shape, [dims], blob, data.
func parseTensorReply(reply []any) (*tensor.Tensor, error) {
	if len(reply) < 6 {
		return nil, fmt.Errorf("malformed AI.TENSORGET reply: %d elements, want 6", len(reply))
	}
	typeName, ok := reply[1].(string)
	if !ok {
		return nil, fmt.Errorf("malformed AI.TENSORGET reply: dtype is %T", reply[1])
	}
	dtype, ok := tensor.ParseDType(typeName)
	if !ok {
		return nil, fmt.Errorf("the server answered an unknown tensor type %q", typeName)
	}
	dims, ok := reply[3].([]any)
	if !ok {
		return nil, fmt.Errorf("malformed AI.TENSORGET reply: shape is %T", reply[3])
	}
	shape := make([]int64, len(dims))
	for i, d := range dims {
		n, ok := d.(int64)
		if !ok {
			return nil, fmt.Errorf("malformed AI.TENSORGET reply: dimension %d is %T", i, d)
		}
		shape[i] = n
	}
	blob, ok := reply[5].(string)
	if !ok {
		return nil, fmt.Errorf("malformed AI.TENSORGET reply: blob is %T", reply[5])
	}
	t, err := tensor.New(dtype, shape, []byte(blob))
	if err != nil {
		return nil, fmt.Errorf("the server's tensor is inconsistent: %w", err)
	}
	return t, nil
}

// DeleteKey removes key, taken literally (no prefix), whatever it holds.
func (c *Client) DeleteKey(ctx context.Context, key string) error {
	n, err := c.do(ctx, "DEL", key).Int64()
	if err == nil && n == 0 {
		return notFoundError("delete key", key, "key")
	}
	return opError("delete key", key, err)
}
