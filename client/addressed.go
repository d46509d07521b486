package client

import (
	"context"
	"fmt"
	"strings"
)

// The methods below address one node by its address (one of Addrs()), as SmartRedis's
// get_db_node_info, flush_db, save, config_get and config_set do: server settings and persistence are
// per node, not per key.

// DBNodeInfo returns the node's INFO EVERYTHING as sections ("Server", "Persistence", ...) of
// key/value pairs.
func (c *Client) DBNodeInfo(ctx context.Context, addr string) (map[string]map[string]string, error) {
	node, err := c.nodeClient(ctx, addr)
	if err != nil {
		return nil, err
	}
	text, err := node.Do(ctx, "INFO", "EVERYTHING").Text()
	if err != nil {
		return nil, opError("db node info", addr, err)
	}
	return parseInfo(text), nil
}

// parseInfo reads INFO's "# Section" headers and "key:value" lines.
func parseInfo(text string) map[string]map[string]string {
	out := map[string]map[string]string{}
	section := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if name, ok := strings.CutPrefix(line, "# "); ok {
			section = name
			out[section] = map[string]string{}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || line == "" {
			continue
		}
		if out[section] == nil {
			out[section] = map[string]string{}
		}
		out[section][k] = v
	}
	return out
}

// ClusterInfo returns the node's CLUSTER INFO fields (cluster_state, ...); only for a cluster.
func (c *Client) ClusterInfo(ctx context.Context, addr string) (map[string]string, error) {
	if !c.IsCluster() {
		return nil, opError("cluster info", addr, fmt.Errorf("the database is not a cluster"))
	}
	node, err := c.nodeClient(ctx, addr)
	if err != nil {
		return nil, err
	}
	text, err := node.ClusterInfo(ctx).Result()
	if err != nil {
		return nil, opError("cluster info", addr, err)
	}
	return parseInfo(text)[""], nil
}

// FlushDB deletes every key on the node: FLUSHDB.
func (c *Client) FlushDB(ctx context.Context, addr string) error {
	return c.onNode(ctx, "flush db", addr, "FLUSHDB")
}

// Save asks the node to persist its data: SAVE (ssrun db only records the time, rdb_last_save_time).
func (c *Client) Save(ctx context.Context, addr string) error {
	return c.onNode(ctx, "save", addr, "SAVE")
}

// ConfigSet changes a server setting on the node: CONFIG SET name value.
func (c *Client) ConfigSet(ctx context.Context, addr, name, value string) error {
	return c.onNode(ctx, "config set", addr, "CONFIG", "SET", name, value)
}

// ConfigGet returns the node's settings matching pattern: CONFIG GET pattern. An unknown name gives an
// empty map.
func (c *Client) ConfigGet(ctx context.Context, addr, pattern string) (map[string]string, error) {
	node, err := c.nodeClient(ctx, addr)
	if err != nil {
		return nil, err
	}
	m, err := node.ConfigGet(ctx, pattern).Result()
	return m, opError("config get", addr, err)
}

func (c *Client) onNode(ctx context.Context, op, addr string, args ...any) error {
	node, err := c.nodeClient(ctx, addr)
	if err != nil {
		return err
	}
	return opError(op, addr, node.Do(ctx, args...).Err())
}
