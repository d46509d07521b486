package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/client"
)

func init() {
	register(verb{name: "exists", args: "NAME",
		summary: "print true and exit 0 if the object exists, print false and exit 1 if not",
		flags:   existsFlags})
	register(verb{name: "poll", args: "NAME",
		summary: "wait for an object to appear: exit 0 once it exists, 1 if it did not within --tries",
		flags:   pollFlags})
	register(verb{name: "del", args: "NAME...",
		summary: "delete tensors (or datasets, lists, models, scripts, keys with --kind)",
		flags:   delFlags})
}

// kinds are the objects exists, poll and del can address.
const kindsHelp = "tensor, dataset, model, script, list (del only) or key (no prefix)"

// existence answers whether name of kind exists.
func existence(ctx context.Context, c *client.Client, kind, name string) (bool, error) {
	switch kind {
	case "tensor":
		return c.TensorExists(ctx, name)
	case "dataset":
		return c.DatasetExists(ctx, name)
	case "model":
		return c.ModelExists(ctx, name)
	case "script":
		return c.ScriptExists(ctx, name)
	case "key":
		return c.KeyExists(ctx, name)
	}
	return false, usagef("--kind must be one of tensor, dataset, model, script or key, not %q", kind)
}

func existsFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	kind := fs.String("kind", "tensor", "what NAME is: "+kindsHelp)
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one NAME")
		}
		if !validKind(*kind) {
			return usagef("--kind must be one of tensor, dataset, model, script or key, not %q", *kind)
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		ok, err := existence(ctx, c, *kind, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, ok)
		if !ok {
			return absentError{fmt.Sprintf("%s %q does not exist", *kind, args[0])}
		}
		return nil
	}
}

func validKind(k string) bool {
	return k == "tensor" || k == "dataset" || k == "model" || k == "script" || k == "key"
}

func pollFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	kind := fs.String("kind", "tensor", "what NAME is: "+kindsHelp)
	interval := fs.String("interval", "100ms", "time between checks: a duration (250ms, 1s) or milliseconds as SmartRedis takes them")
	tries := fs.Int("tries", 100, "number of checks")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one NAME")
		}
		if !validKind(*kind) {
			return usagef("--kind must be one of tensor, dataset, model, script or key, not %q", *kind)
		}
		every, err := parseInterval(*interval)
		if err != nil {
			return err
		}
		if *tries < 1 {
			return usagef("--tries must be at least 1")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		for i := 0; i < *tries; i++ {
			ok, err := existence(ctx, c, *kind, args[0])
			if err != nil {
				return err
			}
			if ok {
				return nil
			}
			if i < *tries-1 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(every):
				}
			}
		}
		return absentError{fmt.Sprintf("%s %q did not appear after %d checks %v apart", *kind, args[0], *tries, every)}
	}
}

// parseInterval takes a Go duration or a bare number of milliseconds.
func parseInterval(s string) (time.Duration, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms >= 0 {
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usagef("--interval %q is neither a duration (250ms, 2s) nor a number of milliseconds", s)
	}
	return d, nil
}

func delFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	kind := fs.String("kind", "tensor", "what the NAMEs are: "+kindsHelp)
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 {
			return usagef("missing the NAME(s) to delete")
		}
		var del func(*client.Client, context.Context, string) error
		switch *kind {
		case "tensor":
			del = (*client.Client).DeleteTensor
		case "dataset":
			del = (*client.Client).DeleteDataset
		case "model":
			del = (*client.Client).DeleteModel
		case "script":
			del = (*client.Client).DeleteScript
		case "list":
			del = (*client.Client).DeleteList
		case "key":
			del = (*client.Client).DeleteKey
		default:
			return usagef("--kind must be one of %s, not %q", kindsHelp, *kind)
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		for _, name := range args {
			if err := del(c, ctx, name); err != nil {
				return err
			}
		}
		return nil
	}
}
