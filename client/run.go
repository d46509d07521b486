package client

import (
	"context"
	"fmt"
	"strconv"
)

// RunModel runs the model name on the tensors inputs (get prefix) and stores its results as outputs
// (put prefix): AI.MODELEXECUTE key INPUTS n ... OUTPUTS m ... TIMEOUT <ModelTimeout ms>. On a cluster
// it works as SmartRedis: the inputs are copied to temporary keys "{P}.<input>.TMP" next to the copy
// of the model of the range holding the first input, the model runs there, the outputs are copied back
// to their own keys and the temporary keys are deleted, whatever the outcome.
func (c *Client) RunModel(ctx context.Context, name string, inputs, outputs []string) error {
	model := c.prefixes.getKey(kindModel, name)
	if err := checkRunArgs(inputs, outputs); err != nil {
		return opError("run model", model, err)
	}
	timeout := strconv.FormatInt(c.opts.ModelTimeout.Milliseconds(), 10)
	build := func(model string, in, out []string) []any {
		args := []any{"AI.MODELEXECUTE", model, "INPUTS", strconv.Itoa(len(in))}
		args = appendStrings(args, in)
		args = append(args, "OUTPUTS", strconv.Itoa(len(out)))
		args = appendStrings(args, out)
		return append(args, "TIMEOUT", timeout)
	}
	return opError("run model", model, c.run(ctx, model, inputs, outputs, build))
}

// RunModelMultiGPU runs the copy of a SetModelMultiGPU model on one of the numGPUs GPUs from firstGPU,
// chosen by offset (e.g. an MPI rank) as SmartRedis does: GPU firstGPU + offset mod numGPUs.
func (c *Client) RunModelMultiGPU(ctx context.Context, name string, inputs, outputs []string, offset, firstGPU, numGPUs int) error {
	if firstGPU < 0 || numGPUs < 1 || offset < 0 {
		return opError("run model", name, fmt.Errorf("offset and firstGPU must be >= 0 and numGPUs >= 1 (got %d, %d, %d)", offset, firstGPU, numGPUs))
	}
	gpu := firstGPU + offset%numGPUs
	return c.RunModel(ctx, name+".GPU:"+strconv.Itoa(gpu), inputs, outputs)
}

// RunScript calls function fn of the script name on inputs (get prefix), storing outputs (put prefix):
// AI.SCRIPTRUN key fn INPUTS ... OUTPUTS ..., the command SmartRedis sends; on a cluster with the same
// temporary keys as RunModel.
func (c *Client) RunScript(ctx context.Context, name, fn string, inputs, outputs []string) error {
	script := c.prefixes.getKey(kindModel, name)
	if fn == "" {
		return opError("run script", script, fmt.Errorf("no function name given"))
	}
	if err := checkRunArgs(inputs, outputs); err != nil {
		return opError("run script", script, err)
	}
	build := func(script string, in, out []string) []any {
		args := []any{"AI.SCRIPTRUN", script, fn, "INPUTS"}
		args = appendStrings(args, in)
		args = append(args, "OUTPUTS")
		return appendStrings(args, out)
	}
	return opError("run script", script, c.run(ctx, script, inputs, outputs, build))
}

func checkRunArgs(inputs, outputs []string) error {
	if len(inputs) == 0 {
		return fmt.Errorf("no input tensors given")
	}
	if len(outputs) == 0 {
		return fmt.Errorf("no output tensors given")
	}
	return nil
}

// run prefixes the tensor names, then executes directly (standalone) or through temporary keys beside
// the per-range copy of the model or script (cluster).
func (c *Client) run(ctx context.Context, key string, inputs, outputs []string, build func(string, []string, []string) []any) error {
	in := make([]string, len(inputs))
	for i, s := range inputs {
		in[i] = c.prefixes.getKey(kindTensor, s)
	}
	out := make([]string, len(outputs))
	for i, s := range outputs {
		out[i] = c.prefixes.putKey(kindTensor, s)
	}
	if !c.IsCluster() {
		return execReply(c.do(ctx, build(key, in, out)...).Result())
	}
	p := "{" + c.rangeOf(in[0]).prefix + "}."
	tmpIn := make([]string, len(in))
	tmpOut := make([]string, len(out))
	for i, k := range in {
		tmpIn[i] = p + k + ".TMP"
	}
	for i, k := range out {
		tmpOut[i] = p + k + ".TMP"
	}
	defer c.deleteTemporaries(context.WithoutCancel(ctx), append(append([]string(nil), tmpIn...), tmpOut...))
	for i := range in {
		if err := c.copyTensorKey(ctx, in[i], tmpIn[i]); err != nil {
			return fmt.Errorf("copying input %q next to the model: %w", in[i], err)
		}
	}
	if err := execReply(c.do(ctx, build(p+key, tmpIn, tmpOut)...).Result()); err != nil {
		return err
	}
	for i := range out {
		if err := c.copyTensorKey(ctx, tmpOut[i], out[i]); err != nil {
			return fmt.Errorf("copying output %q back: %w", out[i], err)
		}
	}
	return nil
}

// deleteTemporaries removes the temporary keys with one DEL (they share a slot); failure is ignored as
// by SmartRedis, since the run's own result matters more.
func (c *Client) deleteTemporaries(ctx context.Context, keys []string) {
	args := []any{"DEL"}
	_ = c.do(ctx, appendStrings(args, keys)...).Err()
}

// execReply turns an execute reply into an error: +OK is success, +TIMEDOUT is ErrTimedOut.
func execReply(v any, err error) error {
	if err != nil {
		return err
	}
	if s, ok := v.(string); ok && s == "TIMEDOUT" {
		return ErrTimedOut
	}
	return nil
}

func appendStrings(args []any, ss []string) []any {
	for _, s := range ss {
		args = append(args, s)
	}
	return args
}
