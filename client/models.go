package client

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ModelOptions are AI.MODELSTORE's optional parts. Zero values are left out, as SmartRedis does.
type ModelOptions struct {
	Tag             string
	BatchSize       int
	MinBatchSize    int
	MinBatchTimeout int // milliseconds
	// Inputs and Outputs name the graph's input and output nodes; only TF models need them.
	Inputs, Outputs []string
}

// Backends are the model backends RedisAI knows.
var Backends = []string{"TF", "TFLITE", "TORCH", "ONNX"}

var deviceRE = regexp.MustCompile(`^(?i:CPU|GPU)(:[0-9]+)?$`)

// checkModelArgs validates backend and device the way SmartRedis's Python client does, so a typo is
// reported before a large blob is sent.
func checkModelArgs(backend, device string) error {
	ok := false
	for _, b := range Backends {
		ok = ok || backend == b
	}
	if !ok {
		return fmt.Errorf("backend %q is not one of %s", backend, strings.Join(Backends, ", "))
	}
	if !deviceRE.MatchString(device) || len(device) >= 10 {
		return fmt.Errorf("device %q is not CPU, GPU, CPU:<n> or GPU:<n>", device)
	}
	return nil
}

// SetModel stores a model (put prefix if model prefixing is on). The blob is sent in chunks of the
// server's MODEL_CHUNK_SIZE (asked with AI.CONFIG GET unless SetModelChunkSize was called). On a cluster
// the model is stored once per slot range under "{P}.name", the first failure stopping the upload.
func (c *Client) SetModel(ctx context.Context, name string, blob []byte, backend, device string, o ModelOptions) error {
	key := c.prefixes.putKey(kindModel, name)
	if err := checkModelArgs(backend, device); err != nil {
		return opError("set model", key, err)
	}
	if len(blob) == 0 {
		return opError("set model", key, fmt.Errorf("the model blob is empty"))
	}
	chunk, err := c.modelChunkSize(ctx)
	if err != nil {
		return opError("set model", key, err)
	}
	for _, k := range c.copyKeys(key) {
		if err := c.do(ctx, modelStoreArgs(k, blob, backend, device, o, chunk)...).Err(); err != nil {
			return opError("set model", k, err)
		}
	}
	return nil
}

// SetModelFromFile is SetModel with the blob read from path.
func (c *Client) SetModelFromFile(ctx context.Context, name, path, backend, device string, o ModelOptions) error {
	blob, err := os.ReadFile(path)
	if err != nil {
		return opError("set model", c.prefixes.putKey(kindModel, name), err)
	}
	return c.SetModel(ctx, name, blob, backend, device, o)
}

// SetModelMultiGPU stores the model once per GPU, as "name.GPU:<i>" on device GPU:<i> for the numGPUs
// GPUs from firstGPU, then as name on device GPU, the layout SmartRedis's set_model_multigpu uses and
// RunModelMultiGPU expects.
func (c *Client) SetModelMultiGPU(ctx context.Context, name string, blob []byte, backend string, firstGPU, numGPUs int, o ModelOptions) error {
	if firstGPU < 0 || numGPUs < 1 {
		return opError("set model", name, fmt.Errorf("firstGPU must be >= 0 and numGPUs >= 1 (got %d, %d)", firstGPU, numGPUs))
	}
	for i := firstGPU; i < firstGPU+numGPUs; i++ {
		dev := "GPU:" + strconv.Itoa(i)
		if err := c.SetModel(ctx, name+"."+dev, blob, backend, dev, o); err != nil {
			return err
		}
	}
	return c.SetModel(ctx, name, blob, backend, "GPU", o)
}

// modelStoreArgs is AI.MODELSTORE key backend device [TAG t] [BATCHSIZE n [MINBATCHSIZE m
// [MINBATCHTIMEOUT t]]] [INPUTS n ...] [OUTPUTS n ...] BLOB chunk...
func modelStoreArgs(key string, blob []byte, backend, device string, o ModelOptions, chunk int) []any {
	args := []any{"AI.MODELSTORE", key, backend, device}
	if o.Tag != "" {
		args = append(args, "TAG", o.Tag)
	}
	if o.BatchSize > 0 {
		args = append(args, "BATCHSIZE", strconv.Itoa(o.BatchSize))
	}
	if o.MinBatchSize > 0 {
		args = append(args, "MINBATCHSIZE", strconv.Itoa(o.MinBatchSize))
	}
	if o.MinBatchTimeout > 0 {
		args = append(args, "MINBATCHTIMEOUT", strconv.Itoa(o.MinBatchTimeout))
	}
	if len(o.Inputs) > 0 {
		args = append(args, "INPUTS", strconv.Itoa(len(o.Inputs)))
		for _, s := range o.Inputs {
			args = append(args, s)
		}
	}
	if len(o.Outputs) > 0 {
		args = append(args, "OUTPUTS", strconv.Itoa(len(o.Outputs)))
		for _, s := range o.Outputs {
			args = append(args, s)
		}
	}
	args = append(args, "BLOB")
	for _, piece := range chunks(blob, chunk) {
		args = append(args, piece)
	}
	return args
}

// chunks splits blob into pieces of at most size bytes.
func chunks(blob []byte, size int) [][]byte {
	if size <= 0 || len(blob) <= size {
		return [][]byte{blob}
	}
	var out [][]byte
	for len(blob) > size {
		out = append(out, blob[:size])
		blob = blob[size:]
	}
	return append(out, blob)
}

// modelChunkSize is the size set with SetModelChunkSize, or else the server's AI.CONFIG GET
// MODEL_CHUNK_SIZE, which must be a positive integer.
func (c *Client) modelChunkSize(ctx context.Context) (int, error) {
	if n := c.chunkSize.Load(); n > 0 {
		return int(n), nil
	}
	n, err := c.doKeyless(ctx, "AI.CONFIG", "GET", "MODEL_CHUNK_SIZE").Int64()
	if err != nil {
		return 0, fmt.Errorf("asking the server's MODEL_CHUNK_SIZE: %w", err)
	}
	if n <= 0 {
		return 0, fmt.Errorf("the server's MODEL_CHUNK_SIZE is %d", n)
	}
	return int(n), nil
}

// SetModelChunkSize sets MODEL_CHUNK_SIZE on every node (AI.CONFIG MODEL_CHUNK_SIZE n) and uses it for
// later SetModel calls instead of asking the server each time.
func (c *Client) SetModelChunkSize(ctx context.Context, size int) error {
	if size <= 0 {
		return opError("set model chunk size", "", fmt.Errorf("the chunk size must be positive, not %d", size))
	}
	err := c.forEachNode(ctx, func(ctx context.Context, n *redis.Client) error {
		return n.Do(ctx, "AI.CONFIG", "MODEL_CHUNK_SIZE", strconv.Itoa(size)).Err()
	})
	if err != nil {
		return opError("set model chunk size", "", err)
	}
	c.chunkSize.Store(int64(size))
	return nil
}

// GetModel returns the model's blob (get prefix if model prefixing is on): AI.MODELGET key BLOB. A
// chunked reply (a server with a lowered MODEL_CHUNK_SIZE) is joined.
func (c *Client) GetModel(ctx context.Context, name string) ([]byte, error) {
	key := c.firstCopyKey(c.prefixes.getKey(kindModel, name))
	v, err := c.do(ctx, "AI.MODELGET", key, "BLOB").Result()
	if err != nil {
		return nil, opError("get model", key, err)
	}
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case []any:
		var blob []byte
		for _, p := range v {
			s, ok := p.(string)
			if !ok {
				return nil, opError("get model", key, fmt.Errorf("malformed chunked reply: element is %T", p))
			}
			blob = append(blob, s...)
		}
		return blob, nil
	default:
		return nil, opError("get model", key, fmt.Errorf("malformed reply of type %T", v))
	}
}

// ModelExists reports whether the model exists (EXISTS; on a cluster, the lowest slot range's copy).
func (c *Client) ModelExists(ctx context.Context, name string) (bool, error) {
	return c.exists(ctx, "model exists", c.firstCopyKey(c.prefixes.getKey(kindModel, name)))
}

// DeleteModel removes the model (every per-range copy on a cluster): AI.MODELDEL key.
func (c *Client) DeleteModel(ctx context.Context, name string) error {
	return c.deleteEverywhere(ctx, "delete model", "AI.MODELDEL", c.prefixes.getKey(kindModel, name))
}

// deleteEverywhere sends verb for each copy of key, stopping at the first error.
func (c *Client) deleteEverywhere(ctx context.Context, op, verb, key string) error {
	for _, k := range c.copyKeys(key) {
		if err := c.do(ctx, verb, k).Err(); err != nil {
			return opError(op, k, err)
		}
	}
	return nil
}

// copyKeys are the keys a model or script named key is stored under: key itself on a standalone
// database, "{P}.key" for each slot range's prefix P on a cluster.
func (c *Client) copyKeys(key string) []string {
	if !c.IsCluster() {
		return []string{key}
	}
	keys := make([]string, len(c.ranges))
	for i, r := range c.ranges {
		keys[i] = "{" + r.prefix + "}." + key
	}
	return keys
}

// firstCopyKey is the copy SmartRedis reads for exists and get: the lowest slot range's.
func (c *Client) firstCopyKey(key string) string { return c.copyKeys(key)[0] }
