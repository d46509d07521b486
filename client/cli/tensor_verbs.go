package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/tensor"
)

func init() {
	register(verb{name: "put-tensor", args: "NAME [VALUE...]",
		summary: "store a tensor from values given as arguments, or raw little-endian bytes with --file",
		flags:   putTensorFlags})
	register(verb{name: "get-tensor", args: "NAME",
		summary: "print a tensor: its values (one row per line), JSON, or its raw bytes",
		flags:   getTensorFlags})
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
