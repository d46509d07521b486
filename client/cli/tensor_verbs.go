package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/client"
	"github.com/ssrun/ssrun/tensor"
)

func init() {
	register(verb{name: "put-tensor", args: "NAME [VALUE...]",
		summary: "store a tensor from values given as arguments, or raw little-endian bytes with --file",
		flags:   putTensorFlags})
	register(verb{name: "get-tensor", args: "NAME",
		summary: "print a tensor: its values (one row per line), JSON, or its raw bytes",
		flags:   getTensorFlags})
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

func putTensorFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	dtypeName := fs.String("dtype", "FLOAT", "element type: FLOAT, DOUBLE, INT8, INT16, INT32, INT64, UINT8, UINT16, BOOL, STRING")
	shapeText := fs.String("shape", "", "dimensions, e.g. 2,3 (default: one dimension holding every value)")
	file := fs.String("file", "", "read the tensor's raw bytes (little-endian, row-major) from this file; - is stdin")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 {
			return usagef("missing the tensor NAME")
		}
		name, words := args[0], args[1:]
		dtype, ok := tensor.ParseDType(*dtypeName)
		if !ok {
			return usagef("--dtype %q is not one of FLOAT, DOUBLE, INT8, INT16, INT32, INT64, UINT8, UINT16, BOOL, STRING", *dtypeName)
		}
		shape, err := parseShape(*shapeText)
		if err != nil {
			return err
		}
		var t *tensor.Tensor
		if *file != "" {
			if len(words) > 0 {
				return usagef("give values as arguments or --file, not both")
			}
			t, err = readRawTensor(e.stdin, *file, dtype, shape)
		} else {
			if len(words) == 0 {
				return usagef("no values given (pass them after NAME, or use --file)")
			}
			t, err = parseValues(dtype, shape, words)
		}
		if err != nil {
			return err
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		return c.PutTensor(ctx, name, t)
	}
}

// readRawTensor reads a BLOB from path (or stdin for "-"). Without a shape a fixed-size type gets one
// dimension holding every element.
func readRawTensor(stdin io.Reader, path string, dtype tensor.DType, shape []int64) (*tensor.Tensor, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s is empty: no tensor data", path)
	}
	if shape == nil {
		if dtype == tensor.String {
			return nil, usagef("--shape is required for STRING data")
		}
		if len(data)%dtype.Size() != 0 {
			return nil, fmt.Errorf("%s holds %d bytes, not a whole number of %d-byte %s elements", path, len(data), dtype.Size(), dtype)
		}
		shape = []int64{int64(len(data) / dtype.Size())}
	}
	t, err := tensor.New(dtype, shape, data)
	if err != nil {
		return nil, fmt.Errorf("%s does not hold a %s tensor of shape %v: %s", path, dtype, shape, strings.TrimPrefix(err.Error(), "ERR "))
	}
	return t, nil
}

func getTensorFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	format := fs.String("format", "values", "values (one row per line), json ({dtype, shape, values}) or raw (the bytes)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one tensor NAME")
		}
		if *format != "values" && *format != "json" && *format != "raw" {
			return usagef("--format must be values, json or raw, not %q", *format)
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		t, err := c.GetTensor(ctx, args[0])
		if err != nil {
			return err
		}
		switch *format {
		case "json":
			return writeJSON(e.stdout, t)
		case "raw":
			_, err := e.stdout.Write(t.Data)
			return err
		}
		return writeValues(e.stdout, t)
	}
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
