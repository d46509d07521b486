package ai

import (
	"strconv"
	"sync"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/tensor"
)

// runModelCall fetches the inputs, queues the run on the model's device, waits, stores the outputs
// and answers +OK, +TIMEDOUT or the error.
func (m *Module) runModelCall(ctx *command.Ctx, mc *modelCall) {
	inputs, err := fetchTensors(ctx.Keys, mc.inKeys)
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	r := &request{timeout: mc.timeout, model: mc.model, inputs: inputs, client: ctx.Context, done: make(chan struct{})}
	m.await(ctx.Context, mc.model.Device, r)
	if mc.model.AdaptiveWait > 0 {
		// A client's think time is counted from its reply (see activeWindow).
		mc.model.clients.replied(r.client, time.Now())
	}
	m.replyRun(ctx, r, mc.outKeys)
}

func fetchTensors(ks command.Keyspace, keys [][]byte) ([]*tensor.Tensor, error) {
	out := make([]*tensor.Tensor, len(keys))
	for i, k := range keys {
		t, err := getTensor(ks, k)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// replyRun answers a finished run and stores its outputs under outKeys.
func (m *Module) replyRun(ctx *command.Ctx, r *request, outKeys [][]byte) {
	switch {
	case r.timedOut:
		ctx.Reply.SimpleString("TIMEDOUT")
		return
	case r.err != "":
		ctx.Reply.Error(r.err)
		return
	case len(r.outputs) != len(outKeys):
		ctx.Reply.Error("ERR the run produced " + strconv.Itoa(len(r.outputs)) + " outputs for " +
			strconv.Itoa(len(outKeys)) + " OUTPUTS keys")
		return
	}
	for i, o := range r.outputs {
		if o == nil {
			ctx.Reply.Error("ERR the backend returned no tensor for output " + strconv.Itoa(i))
			return
		}
		if err := o.Validate(); err != nil {
			ctx.Reply.Error("ERR the backend returned an invalid tensor for output " + strconv.Itoa(i) + ": " + err.Error())
			return
		}
	}
	for i, k := range outKeys {
		if !put(ctx, k, TensorValue{r.outputs[i]}) {
			return
		}
	}
	ctx.Reply.SimpleString("OK")
}

// runBatch executes what a device worker took from its queue: one script run, one model run, or a
// batch of runs of the same model whose inputs are concatenated on dim 0 and whose outputs are split
// back per request (each request's stats count its own slice).
func (m *Module) runBatch(batch []*request) {
	defer func() {
		for _, r := range batch {
			r.finish()
		}
	}()
	if batch[0].work != nil {
		batch[0].work()
		return
	}
	model := batch[0].model
	fail := func(msg string, durationUS int64) {
		for _, r := range batch {
			r.err = msg
			model.stats.record(durationUS, 0, true)
		}
	}
	prepared, err := m.prepare(model)
	if err != nil {
		fail(err.Error(), 0)
		return
	}
	if v, ok := prepared.(variadicModel); ok && v.VariadicInputs() {
		// any number of inputs
	} else if n := len(prepared.Inputs()); n != len(batch[0].inputs) {
		fail(errInputsMismatch, 0)
		return
	}
	inputs := batch[0].inputs
	if len(batch) > 1 {
		joined, errMsg := joinBatch(batch)
		defer releaseBatch(joined)
		if errMsg != "" {
			fail(errMsg, 0)
			return
		}
		inputs = joined
	}
	start := time.Now()
	outputs, err := prepared.Run(m.runCtx, inputs)
	durationUS := time.Since(start).Microseconds()
	if err != nil {
		fail(oneLine(err.Error()), durationUS)
		return
	}
	if len(batch) == 1 {
		batch[0].outputs = outputs
		model.stats.record(durationUS, samplesOf(outputs), false)
		return
	}
	m.splitBatch(batch, outputs, durationUS)
}

// batchBuffers holds the byte buffers batched inputs are joined in. A joined input lives only for
// the run (a backend does not keep its inputs, and a batch's outputs are copied out per request by
// splitBatch), so its buffer serves the next batch: allocating (and faulting in) a fresh buffer per
// batch and copying into it cost as much as the model run itself in the request-pattern profile.
var batchBuffers sync.Pool

// joinBatch concatenates each input of the batch's requests on dim 0 into pooled buffers.
func joinBatch(batch []*request) ([]*tensor.Tensor, string) {
	joined := make([]*tensor.Tensor, 0, len(batch[0].inputs))
	for k := range batch[0].inputs {
		first := batch[0].inputs[k]
		rows, size := int64(0), 0
		for _, r := range batch {
			if !tensor.SameSampleShape(first, r.inputs[k]) {
				return joined, "ERR tensor: cannot concatenate " + first.String() + " with " + r.inputs[k].String()
			}
			rows += r.inputs[k].Shape[0]
			size += len(r.inputs[k].Data)
		}
		buf, _ := batchBuffers.Get().(*[]byte)
		if buf == nil || cap(*buf) < size {
			fresh := make([]byte, size) // 8-aligned, as ONNX Runtime wants its inputs
			buf = &fresh
		}
		data := (*buf)[:0]
		for _, r := range batch {
			data = append(data, r.inputs[k].Data...)
		}
		*buf = data
		shape := append([]int64{rows}, first.Shape[1:]...)
		joined = append(joined, &tensor.Tensor{DType: first.DType, Shape: shape, Data: data})
	}
	return joined, ""
}

// releaseBatch returns the joined inputs' buffers to the pool once the run is over.
func releaseBatch(joined []*tensor.Tensor) {
	for _, t := range joined {
		data := t.Data[:0]
		t.Data = nil
		batchBuffers.Put(&data)
	}
}

// splitBatch hands each request its rows of every output; a model that did not keep the batch
// dimension fails every request, as in RedisAI.
func (m *Module) splitBatch(batch []*request, outputs []*tensor.Tensor, durationUS int64) {
	model := batch[0].model
	total := int64(0)
	for _, r := range batch {
		total += requestSize(r)
	}
	for _, o := range outputs {
		if o.BatchSize() != total {
			for _, r := range batch {
				r.err = errBatchSize
				model.stats.record(durationUS, 0, true)
			}
			return
		}
	}
	offset := int64(0)
	for _, r := range batch {
		size := requestSize(r)
		r.outputs = make([]*tensor.Tensor, len(outputs))
		for k, o := range outputs {
			part, err := o.Slice(offset, size)
			if err != nil {
				r.err = "ERR " + err.Error()
				break
			}
			r.outputs[k] = part
		}
		offset += size
		model.stats.record(durationUS, size, r.err != "")
	}
}

// samplesOf is what AI.INFO counts as samples: dim 0 of the first output.
func samplesOf(outputs []*tensor.Tensor) int64 {
	if len(outputs) == 0 || len(outputs[0].Shape) == 0 {
		return 0
	}
	return outputs[0].Shape[0]
}

// runScriptCall queues a script run on the script's device and answers like a model run.
func (m *Module) runScriptCall(ctx *command.Ctx, sc *scriptCall) {
	inputs, err := fetchTensors(ctx.Keys, sc.inKeys)
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	sc.call.Inputs = inputs
	r := &request{timeout: sc.timeout, done: make(chan struct{})}
	r.work = func() { m.execScript(r, sc) }
	m.await(ctx.Context, sc.script.Device, r)
	m.replyRun(ctx, r, sc.outKeys)
}

func (m *Module) execScript(r *request, sc *scriptCall) {
	stats := sc.script.stats
	if sc.script.compiled == nil {
		r.err = scriptEngineMissing
		stats.record(0, 0, true)
		return
	}
	start := time.Now()
	outputs, err := sc.script.compiled.Run(m.runCtx, sc.call)
	durationUS := time.Since(start).Microseconds()
	if err != nil {
		r.err = oneLine(err.Error())
		stats.record(durationUS, 0, true)
		return
	}
	r.outputs = outputs
	stats.record(durationUS, 0, false)
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
