package client

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// PutDataset stores ds under "[prefix.]{name}" in one pipeline, as SmartRedis does: DEL {name}.meta,
// HMSET {name}.meta with the metadata and ".tensor_names", AI.TENSORSET {name}.<tensor> per tensor,
// and last HSET {name}.meta .COMPLETE 1, the mark readers poll for.
func (c *Client) PutDataset(ctx context.Context, ds *Dataset) error {
	if ds == nil || ds.Name == "" {
		return opError("put dataset", "", fmt.Errorf("the dataset needs a name"))
	}
	key := datasetKey(c.prefixes.putPrefix(kindDataset), ds.Name)
	return opError("put dataset", key+".meta", c.putDatasetAt(ctx, key, ds))
}

// putDatasetAt writes ds's tensors and metadata under key ("[prefix.]{name}").
func (c *Client) putDatasetAt(ctx context.Context, key string, ds *Dataset) error {
	meta := key + ".meta"
	pipe := c.rdb.Pipeline()
	queue(ctx, pipe, "DEL", meta)
	fields := []any{"HMSET", meta}
	for _, n := range ds.metaNames {
		fields = append(fields, n, encodeMeta(ds.meta[n]))
	}
	if len(ds.tensorNames) > 0 {
		fields = append(fields, tensorNamesField, ds.tensorNamesValue())
	}
	if len(fields) > 2 {
		queue(ctx, pipe, fields...)
	}
	for _, n := range ds.tensorNames {
		queue(ctx, pipe, tensorSetArgs(key+"."+n, ds.tensors[n])...)
	}
	queue(ctx, pipe, "HSET", meta, completeField, "1")
	return execPipeline(ctx, pipe)
}

// CopyDataset copies the dataset src (get prefix) to dst (put prefix), tensors and metadata.
func (c *Client) CopyDataset(ctx context.Context, src, dst string) error {
	from := datasetKey(c.prefixes.getPrefix(kindDataset), src)
	to := datasetKey(c.prefixes.putPrefix(kindDataset), dst)
	dss, err := c.getDatasets(ctx, []string{from})
	if err != nil {
		return opError("copy dataset", from+".meta", err)
	}
	ds := dss[0]
	ds.Name = dst
	return opError("copy dataset", to+".meta", c.putDatasetAt(ctx, to, ds))
}

// RenameDataset copies the dataset src (get prefix) to dst (put prefix), then deletes src, as
// SmartRedis does (the keys of the two names may live on different shards).
func (c *Client) RenameDataset(ctx context.Context, src, dst string) error {
	if err := c.CopyDataset(ctx, src, dst); err != nil {
		return err
	}
	return c.DeleteDataset(ctx, src)
}

// GetDataset reads the dataset name (get prefix): HGETALL {name}.meta, then its tensors in one pipeline.
func (c *Client) GetDataset(ctx context.Context, name string) (*Dataset, error) {
	key := datasetKey(c.prefixes.getPrefix(kindDataset), name)
	dss, err := c.getDatasets(ctx, []string{key})
	if err != nil {
		return nil, opError("get dataset", key+".meta", err)
	}
	return dss[0], nil
}

// DatasetExists reports whether the dataset name (get prefix) is complete: HEXISTS {name}.meta .COMPLETE.
func (c *Client) DatasetExists(ctx context.Context, name string) (bool, error) {
	meta := datasetKey(c.prefixes.getPrefix(kindDataset), name) + ".meta"
	ok, err := c.do(ctx, "HEXISTS", meta, completeField).Bool()
	return ok, opError("dataset exists", meta, err)
}

// DeleteDataset removes the dataset name (get prefix): HGETALL {name}.meta, then DEL of the hash and
// every tensor.
func (c *Client) DeleteDataset(ctx context.Context, name string) error {
	key := datasetKey(c.prefixes.getPrefix(kindDataset), name)
	meta := key + ".meta"
	fields, err := c.do(ctx, "HGETALL", meta).Slice()
	if err != nil {
		return opError("delete dataset", meta, err)
	}
	if len(fields) == 0 {
		return notFoundError("delete dataset", meta, "dataset")
	}
	ds, err := decodeDatasetMeta(name, fields)
	if err != nil {
		return opError("delete dataset", meta, err)
	}
	args := []any{"DEL", meta}
	for _, t := range ds.tensorNames {
		args = append(args, key+"."+t)
	}
	return opError("delete dataset", meta, c.do(ctx, args...).Err())
}

// getDatasets reads the datasets stored under keys ("[prefix.]{name}"), batching the round trips: one
// pipeline of HGETALLs, one of AI.TENSORGETs (go-redis splits them per shard on a cluster).
func (c *Client) getDatasets(ctx context.Context, keys []string) ([]*Dataset, error) {
	pipe := c.rdb.Pipeline()
	metas := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		metas[i] = queue(ctx, pipe, "HGETALL", k+".meta")
	}
	if err := execPipeline(ctx, pipe); err != nil {
		return nil, err
	}
	dss := make([]*Dataset, len(keys))
	pipe = c.rdb.Pipeline()
	gets := make([][]*redis.Cmd, len(keys))
	for i, k := range keys {
		fields, _ := metas[i].Slice()
		if len(fields) == 0 {
			return nil, notFoundError("get dataset", k+".meta", "dataset")
		}
		ds, err := decodeDatasetMeta(datasetName(k), fields)
		if err != nil {
			return nil, fmt.Errorf("dataset %q: %w", k, err)
		}
		dss[i] = ds
		for _, t := range ds.tensorNames {
			gets[i] = append(gets[i], queue(ctx, pipe, "AI.TENSORGET", k+"."+t, "META", "BLOB"))
		}
	}
	if err := execPipeline(ctx, pipe); err != nil {
		return nil, err
	}
	for i, ds := range dss {
		names := ds.tensorNames
		ds.tensorNames = nil
		for j, n := range names {
			reply, _ := gets[i][j].Slice()
			t, err := parseTensorReply(reply)
			if err != nil {
				return nil, fmt.Errorf("dataset %q tensor %q: %w", ds.Name, n, err)
			}
			if err := ds.AddTensor(n, t); err != nil {
				return nil, err
			}
		}
	}
	return dss, nil
}

// datasetName recovers a dataset's name from its key "[prefix.]{name}".
func datasetName(key string) string {
	open := strings.IndexByte(key, '{')
	end := strings.LastIndexByte(key, '}')
	if open < 0 || end < open {
		return key
	}
	return key[open+1 : end]
}

// decodeDatasetMeta builds a dataset (without tensors' data) from a HGETALL reply of its ".meta" hash.
func decodeDatasetMeta(name string, fields []any) (*Dataset, error) {
	ds := NewDataset(name)
	if len(fields)%2 != 0 {
		return nil, fmt.Errorf("malformed HGETALL reply with %d elements", len(fields))
	}
	for i := 0; i < len(fields); i += 2 {
		k, _ := fields[i].(string)
		v, _ := fields[i+1].(string)
		switch k {
		case completeField:
			continue
		case tensorNamesField:
			f, err := decodeMeta(k, v)
			if err != nil {
				return nil, err
			}
			names, err := decodeStrings(f.data)
			if err != nil {
				return nil, err
			}
			ds.tensorNames = names
		default:
			f, err := decodeMeta(k, v)
			if err != nil {
				return nil, err
			}
			ds.meta[k] = f
			ds.metaNames = append(ds.metaNames, k)
		}
	}
	return ds, nil
}

// queue adds a command whose key is its first argument to a pipeline.
func queue(ctx context.Context, pipe redis.Pipeliner, args ...any) *redis.Cmd {
	cmd := command(ctx, 1, args...)
	_ = pipe.Process(ctx, cmd)
	return cmd
}

// execPipeline sends the pipeline and returns the first command error.
func execPipeline(ctx context.Context, pipe redis.Pipeliner) error {
	cmds, err := pipe.Exec(ctx)
	for _, c := range cmds {
		if e := c.Err(); e != nil && e != redis.Nil {
			return e
		}
	}
	if err == redis.Nil {
		return nil
	}
	return err
}
