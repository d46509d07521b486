package client

import (
	"context"
	"fmt"
)

// AppendToList appends the dataset ds, which this client put, to the aggregation list name (put
// prefix): RPUSH [prefix.]name [prefix.]{ds}.
func (c *Client) AppendToList(ctx context.Context, name string, ds *Dataset) error {
	list := c.prefixes.putKey(kindList, name)
	if ds == nil || ds.Name == "" {
		return opError("append to list", list, fmt.Errorf("the dataset needs a name"))
	}
	entry := datasetKey(c.prefixes.putPrefix(kindDataset), ds.Name)
	return opError("append to list", list, c.do(ctx, "RPUSH", list, entry).Err())
}

// GetListLength returns the number of datasets in the list name (get prefix): LLEN.
func (c *Client) GetListLength(ctx context.Context, name string) (int64, error) {
	list := c.prefixes.getKey(kindList, name)
	n, err := c.do(ctx, "LLEN", list).Int64()
	return n, opError("get list length", list, err)
}

// DeleteList removes the list name (get prefix), not the datasets in it: DEL.
func (c *Client) DeleteList(ctx context.Context, name string) error {
	list := c.prefixes.getKey(kindList, name)
	return opError("delete list", list, c.do(ctx, "DEL", list).Err())
}

// GetDatasetsFromList reads every dataset in the list name (get prefix), in list order.
func (c *Client) GetDatasetsFromList(ctx context.Context, name string) ([]*Dataset, error) {
	return c.GetDatasetListRange(ctx, name, 0, -1)
}

// GetDatasetListRange reads the datasets at positions start..end of the list name (inclusive; negative
// positions count from the end, as LRANGE).
func (c *Client) GetDatasetListRange(ctx context.Context, name string, start, end int64) ([]*Dataset, error) {
	list := c.prefixes.getKey(kindList, name)
	entries, err := c.do(ctx, "LRANGE", list, start, end).StringSlice()
	if err != nil {
		return nil, opError("get datasets from list", list, err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	dss, err := c.getDatasets(ctx, entries)
	return dss, opError("get datasets from list", list, err)
}

// CopyList copies the entries of the list src (get prefix) to dst (put prefix), replacing dst: LRANGE,
// DEL, RPUSH. The datasets themselves are not copied. An empty or missing src is an error.
func (c *Client) CopyList(ctx context.Context, src, dst string) error {
	from := c.prefixes.getKey(kindList, src)
	to := c.prefixes.putKey(kindList, dst)
	entries, err := c.do(ctx, "LRANGE", from, 0, -1).StringSlice()
	if err != nil {
		return opError("copy list", from, err)
	}
	if len(entries) == 0 {
		return notFoundError("copy list", from, "list")
	}
	if err := c.do(ctx, "DEL", to).Err(); err != nil {
		return opError("copy list", to, err)
	}
	return opError("copy list", to, c.do(ctx, appendStrings([]any{"RPUSH", to}, entries)...).Err())
}

// RenameList copies the list src to dst, then deletes src.
func (c *Client) RenameList(ctx context.Context, src, dst string) error {
	if err := c.CopyList(ctx, src, dst); err != nil {
		return err
	}
	return c.DeleteList(ctx, src)
}
