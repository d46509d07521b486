package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/client"
)

func init() {
	register(verb{name: "info", args: "[NAME]",
		summary: "without NAME: the database's nodes, slot ranges, key counts and prefixes; with NAME: a model's or script's run statistics (AI.INFO) on every node",
		flags:   infoFlags})
}

func infoFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	reset := fs.Bool("reset", false, "zero the run statistics of NAME")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 1 {
			return usagef("want at most one NAME")
		}
		if *reset && len(args) == 0 {
			return usagef("--reset needs a model or script NAME")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		if len(args) == 0 {
			return printDatabase(ctx, e, c)
		}
		for _, addr := range c.Addrs() {
			fields, err := c.GetAIInfo(ctx, addr, args[0], *reset)
			if err != nil {
				return err
			}
			if *reset {
				continue
			}
			fmt.Fprintf(e.stdout, "node %s\n", addr)
			for _, f := range fields {
				fmt.Fprintf(e.stdout, "  %s: %s\n", f.Name, f.Value)
			}
		}
		return nil
	}
}

// printDatabase describes the connection: mode, each node with its slot ranges and key count, and the
// key prefixes in force.
func printDatabase(ctx context.Context, e *env, c *client.Client) error {
	mode := "standalone"
	if c.IsCluster() {
		mode = "cluster"
	}
	fmt.Fprintf(e.stdout, "mode: %s\n", mode)
	for _, n := range c.Nodes() {
		keys, err := c.DBSize(ctx, n.Addr)
		if err != nil {
			return err
		}
		ranges := make([]string, len(n.Slots))
		for i, r := range n.Slots {
			ranges[i] = fmt.Sprintf("%d-%d", r[0], r[1])
		}
		fmt.Fprintf(e.stdout, "node %s slots %s keys %d\n", n.Addr, strings.Join(ranges, ","), keys)
	}
	out, in, source := c.Prefixes()
	fmt.Fprintf(e.stdout, "keyout: %s\nkeyin: %s\nsource: %s\n", out, strings.Join(in, ","), source)
	return nil
}
