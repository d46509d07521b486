package client

import (
	"context"
	"fmt"
	"os"
)

// SetScript stores a script's source (put prefix if model prefixing is on): AI.SCRIPTSET key device
// SOURCE text, the command SmartRedis sends. On a cluster it is stored once per slot range.
func (c *Client) SetScript(ctx context.Context, name, device, source string) error {
	key := c.prefixes.putKey(kindModel, name)
	if !deviceRE.MatchString(device) || len(device) >= 10 {
		return opError("set script", key, fmt.Errorf("device %q is not CPU, GPU, CPU:<n> or GPU:<n>", device))
	}
	for _, k := range c.copyKeys(key) {
		if err := c.do(ctx, "AI.SCRIPTSET", k, device, "SOURCE", source).Err(); err != nil {
			return opError("set script", k, err)
		}
	}
	return nil
}

// SetScriptFromFile is SetScript with the source read from path.
func (c *Client) SetScriptFromFile(ctx context.Context, name, device, path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return opError("set script", c.prefixes.putKey(kindModel, name), err)
	}
	return c.SetScript(ctx, name, device, string(src))
}

// GetScript returns the script's source: AI.SCRIPTGET key SOURCE (the lowest range's copy on a cluster).
func (c *Client) GetScript(ctx context.Context, name string) (string, error) {
	key := c.firstCopyKey(c.prefixes.getKey(kindModel, name))
	src, err := c.do(ctx, "AI.SCRIPTGET", key, "SOURCE").Text()
	return src, opError("get script", key, err)
}

// ScriptExists reports whether the script exists (EXISTS on the lowest range's copy on a cluster).
func (c *Client) ScriptExists(ctx context.Context, name string) (bool, error) {
	return c.exists(ctx, "script exists", c.firstCopyKey(c.prefixes.getKey(kindModel, name)))
}

// DeleteScript removes the script (every per-range copy on a cluster): AI.SCRIPTDEL key.
func (c *Client) DeleteScript(ctx context.Context, name string) error {
	return c.deleteEverywhere(ctx, "delete script", "AI.SCRIPTDEL", c.prefixes.getKey(kindModel, name))
}
