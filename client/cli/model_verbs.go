package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/client"
)

func init() {
	register(verb{name: "set-model", args: "NAME FILE",
		summary: "store a model file (ONNX, TORCH, TF, TFLITE) under NAME",
		flags:   setModelFlags})
	register(verb{name: "get-model", args: "NAME",
		summary: "write a stored model's bytes to stdout (or --out FILE)",
		flags:   getModelFlags})
	register(verb{name: "run-model", args: "NAME",
		summary: "run a stored model on --inputs tensors, storing --outputs tensors",
		flags:   runModelFlags})
	register(verb{name: "set-script", args: "NAME FILE",
		summary: "store a script's source file under NAME",
		flags:   setScriptFlags})
	register(verb{name: "get-script", args: "NAME",
		summary: "print a stored script's source",
		flags:   getScriptFlags})
	register(verb{name: "run-script", args: "NAME",
		summary: "call function --fn of a stored script on --inputs tensors, storing --outputs tensors",
		flags:   runScriptFlags})
}

func setModelFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	backend := fs.String("backend", "", "TF, TFLITE, TORCH or ONNX (required)")
	device := fs.String("device", "CPU", "CPU, GPU, CPU:<n> or GPU:<n>")
	var o client.ModelOptions
	fs.StringVar(&o.Tag, "tag", "", "a tag stored with the model (e.g. its version)")
	fs.IntVar(&o.BatchSize, "batch-size", 0, "batch requests together up to this size (0: no batching)")
	fs.IntVar(&o.MinBatchSize, "min-batch-size", 0, "wait for at least this many requests (needs --batch-size)")
	fs.IntVar(&o.MinBatchTimeout, "min-batch-timeout", 0, "milliseconds to wait for --min-batch-size (needs it)")
	fs.StringSliceVar(&o.Inputs, "inputs", nil, "graph input node names (TF models only)")
	fs.StringSliceVar(&o.Outputs, "outputs", nil, "graph output node names (TF models only)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 2 {
			return usagef("want NAME and FILE")
		}
		if *backend == "" {
			return usagef("--backend is required (TF, TFLITE, TORCH or ONNX)")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		return c.SetModelFromFile(ctx, args[0], args[1], strings.ToUpper(*backend), strings.ToUpper(*device), o)
	}
}

func getModelFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	out := fs.StringP("out", "o", "", "write to this file instead of stdout")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one model NAME")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		blob, err := c.GetModel(ctx, args[0])
		if err != nil {
			return err
		}
		if *out != "" {
			return writeFileAtomic(*out, blob)
		}
		_, err = e.stdout.Write(blob)
		return err
	}
}

// writeFileAtomic writes through a temporary file and a rename so that a failed run leaves no
// half-written model behind.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func runFlags(fs *pflag.FlagSet) (inputs, outputs *[]string) {
	inputs = fs.StringSlice("inputs", nil, "input tensor names, comma-separated (read with the SSKEYIN prefix)")
	outputs = fs.StringSlice("outputs", nil, "output tensor names, comma-separated (written with the SSKEYOUT prefix)")
	return inputs, outputs
}

func runModelFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	inputs, outputs := runFlags(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one model NAME")
		}
		if len(*inputs) == 0 || len(*outputs) == 0 {
			return usagef("--inputs and --outputs are required")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		return c.RunModel(ctx, args[0], *inputs, *outputs)
	}
}

func setScriptFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	device := fs.String("device", "CPU", "CPU, GPU, CPU:<n> or GPU:<n>")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 2 {
			return usagef("want NAME and FILE")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		return c.SetScriptFromFile(ctx, args[0], strings.ToUpper(*device), args[1])
	}
}

func getScriptFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one script NAME")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		src, err := c.GetScript(ctx, args[0])
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(e.stdout, src)
		return err
	}
}

func runScriptFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	fn := fs.String("fn", "", "the script function to call (required)")
	inputs, outputs := runFlags(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one script NAME")
		}
		if *fn == "" {
			return usagef("--fn is required")
		}
		if len(*inputs) == 0 || len(*outputs) == 0 {
			return usagef("--inputs and --outputs are required")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		return c.RunScript(ctx, args[0], *fn, *inputs, *outputs)
	}
}
