package client

import (
	"context"
	"fmt"
	"strconv"
)

// Node is one database node: its address and the slot ranges it serves (all of 0-16383 standalone).
type Node struct {
	Addr  string
	Slots [][2]int
}

// Nodes lists the database nodes in slot order.
func (c *Client) Nodes() []Node {
	var out []Node
	index := map[string]int{}
	for _, r := range c.ranges {
		i, ok := index[r.addr]
		if !ok {
			i = len(out)
			index[r.addr] = i
			out = append(out, Node{Addr: r.addr})
		}
		out[i].Slots = append(out[i].Slots, [2]int{r.start, r.end})
	}
	return out
}

// DBSize returns the number of keys on the node at addr (one of Addrs()).
func (c *Client) DBSize(ctx context.Context, addr string) (int64, error) {
	node, err := c.nodeClient(ctx, addr)
	if err != nil {
		return 0, err
	}
	n, err := node.DBSize(ctx).Result()
	return n, opError("dbsize", addr, err)
}

// InfoField is one name/value pair of an AI.INFO reply, in the server's order.
type InfoField struct {
	Name, Value string
}

// GetAIInfo returns the run statistics of the model or script name on the node at addr (one of
// Addrs()): AI.INFO key [RESETSTAT], with SmartRedis's per-range key "{P}.name" on a cluster. With
// reset the statistics are zeroed and nil is returned.
func (c *Client) GetAIInfo(ctx context.Context, addr, name string, reset bool) ([]InfoField, error) {
	key := c.prefixes.getKey(kindModel, name)
	node, err := c.nodeClient(ctx, addr)
	if err != nil {
		return nil, err
	}
	if c.IsCluster() {
		for _, r := range c.ranges {
			if r.addr == addr {
				key = "{" + r.prefix + "}." + key
				break
			}
		}
	}
	args := []any{"AI.INFO", key}
	if reset {
		args = append(args, "RESETSTAT")
	}
	v, err := node.Do(ctx, args...).Result()
	if err != nil {
		return nil, opError("ai info", key, err)
	}
	if reset {
		return nil, nil
	}
	flat, ok := v.([]any)
	if !ok || len(flat)%2 != 0 {
		return nil, opError("ai info", key, fmt.Errorf("malformed AI.INFO reply %v", v))
	}
	out := make([]InfoField, 0, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		out = append(out, InfoField{Name: fmt.Sprint(flat[i]), Value: infoValue(flat[i+1])})
	}
	return out, nil
}

// infoValue prints a reply element, which AI.INFO sends as a bulk string, an integer or a double.
func infoValue(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// Prefixes describes the key prefixes in force: SSKEYOUT, SSKEYIN and the current data source.
func (c *Client) Prefixes() (keyOut string, keyIn []string, source string) {
	p := c.prefixes
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.put, append([]string(nil), p.in...), p.source
}
