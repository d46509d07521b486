package ai

import (
	"bytes"
	"sort"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// modelStore is AI.MODELSTORE key backend device [TAG t] [BATCHSIZE n [MINBATCHSIZE m
// [MINBATCHTIMEOUT ms]]] [ADAPTIVE us] [INPUTS k n... OUTPUTS k n...] BLOB chunk...; the checks follow
// RedisAI's order exactly, including TF's mandatory INPUTS/OUTPUTS and the refusal of INPUTS for other
// backends. ADAPTIVE is ssrun's (adaptive.go).
func (m *Module) modelStore(ctx *command.Ctx, args [][]byte) {
	if len(args) < 6 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	model, err := parseModelStore(args)
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	m.storeModel(ctx, args[1], model)
}

func parseModelStore(args [][]byte) (*ModelValue, error) {
	backend, ok := parseBackend(args[2])
	if !ok {
		return nil, replyError(errUnsupportedBackend)
	}
	if !validDevice(args[3]) {
		return nil, replyError(errInvalidDevice)
	}
	model := &ModelValue{Backend: backend, Device: string(args[3])}
	c := &cursor{args: args, pos: 4}
	if c.advanceIf("TAG") {
		model.Tag = c.next()
	}
	if err := parseBatchOptions(c, model); err != nil {
		return nil, err
	}
	if c.atEnd() {
		return nil, replyError(errMissingModelBlob)
	}
	word := c.next()
	if backend == "TF" {
		if !isWord(word, "INPUTS") {
			return nil, replyError("ERR INPUTS not specified for TF")
		}
		names, err := c.countedNames("input")
		if err != nil {
			return nil, err
		}
		model.Inputs = names
		word = c.next()
		if word == nil || !isWord(word, "OUTPUTS") {
			return nil, replyError("ERR OUTPUTS not specified for TF")
		}
		if names, err = c.countedNames("output"); err != nil {
			return nil, err
		}
		model.Outputs = names
		model.IOKnown = true
		if !c.atEnd() {
			word = c.next()
		}
	} else if isWord(word, "INPUTS") {
		return nil, replyError("ERR INPUTS argument should not be specified for this backend")
	}
	if !isWord(word, "BLOB") {
		return nil, replyError(errExpectedBlob)
	}
	if c.atEnd() {
		return nil, replyError(errMissingModelBlob)
	}
	model.Blob = joinChunks(args[c.pos:])
	return model, nil
}

// joinChunks concatenates the BLOB chunks; a single chunk is kept as it is (the server hands
// arguments over, see tensorSet).
func joinChunks(chunks [][]byte) []byte {
	if len(chunks) == 1 {
		return chunks[0]
	}
	return bytes.Join(chunks, nil)
}

// parseBatchOptions reads BATCHSIZE, MINBATCHSIZE and MINBATCHTIMEOUT in that order (MODELSTORE rules).
func parseBatchOptions(c *cursor, model *ModelValue) error {
	var ok bool
	if c.advanceIf("BATCHSIZE") {
		if model.BatchSize, ok = parseUnsigned(c.next()); !ok {
			return replyError("ERR Invalid argument for BATCHSIZE")
		}
	}
	if c.advanceIf("MINBATCHSIZE") {
		if model.MinBatchSize, ok = parseUnsigned(c.next()); !ok {
			return replyError("ERR Invalid argument for MINBATCHSIZE")
		}
		if model.BatchSize == 0 && model.MinBatchSize > 0 {
			return replyError("ERR MINBATCHSIZE specified without BATCHSIZE")
		}
	}
	if c.advanceIf("MINBATCHTIMEOUT") {
		if model.MinBatchTimeout, ok = parseUnsigned(c.next()); !ok {
			return replyError("ERR Invalid argument for MINBATCHTIMEOUT")
		}
		if model.MinBatchSize == 0 && model.MinBatchTimeout > 0 {
			return replyError("ERR MINBATCHTIMEOUT specified without MINBATCHSIZE")
		}
	}
	return parseAdaptive(c, model)
}

// validDevice is RedisAI's MODELSTORE device check: CPU, GPU, or CPU:/GPU: followed by digits only,
// shorter than 10 bytes in all.
func validDevice(d []byte) bool {
	if isWord(d, "CPU") || isWord(d, "GPU") {
		return true
	}
	if len(d) < 4 || len(d) >= 10 || !(isWord(d[:4], "CPU:") || isWord(d[:4], "GPU:")) {
		return false
	}
	for _, c := range d[4:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// modelSet is the deprecated AI.MODELSET key backend device [TAG t] [BATCHSIZE n [MINBATCHSIZE m
// [MINBATCHTIMEOUT ms]]] [INPUTS i... OUTPUTS o...] BLOB chunk... (no counts).
func (m *Module) modelSet(ctx *command.Ctx, args [][]byte) {
	if len(args) < 4 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	model, err := parseModelSet(args)
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	m.storeModel(ctx, args[1], model)
}

func parseModelSet(args [][]byte) (*ModelValue, error) {
	backend, ok := parseBackend(args[2])
	if !ok {
		return nil, replyError(errUnsupportedBackend)
	}
	device := args[3]
	if len(device) > 10 {
		return nil, replyError(errInvalidDevice)
	}
	for _, w := range []string{"INPUTS", "OUTPUTS", "TAG", "BATCHSIZE", "MINBATCHSIZE", "MINBATCHTIMEOUT", "BLOB"} {
		if isWord(device, w) {
			return nil, replyError(errInvalidDevice)
		}
	}
	model := &ModelValue{Backend: backend, Device: string(device)}
	c := &cursor{args: args, pos: 4}
	if c.advanceIf("TAG") {
		model.Tag = c.next()
	}
	var valid bool
	if c.advanceIf("BATCHSIZE") {
		if backend == "TFLITE" {
			return nil, replyError("ERR Auto-batching not supported by the TFLITE backend")
		}
		if model.BatchSize, valid = parseUnsigned(c.next()); !valid {
			return nil, replyError("ERR Invalid argument for BATCHSIZE")
		}
	}
	if c.advanceIf("MINBATCHSIZE") {
		if model.BatchSize == 0 {
			return nil, replyError("ERR MINBATCHSIZE specified without BATCHSIZE")
		}
		if model.MinBatchSize, valid = parseUnsigned(c.next()); !valid {
			return nil, replyError("ERR Invalid argument for MINBATCHSIZE")
		}
	}
	if c.advanceIf("MINBATCHTIMEOUT") {
		if model.BatchSize == 0 {
			return nil, replyError("ERR MINBATCHTIMEOUT specified without BATCHSIZE")
		}
		if model.MinBatchSize == 0 {
			return nil, replyError("ERR MINBATCHTIMEOUT specified without MINBATCHSIZE")
		}
		if model.MinBatchTimeout, valid = parseUnsigned(c.next()); !valid {
			return nil, replyError("ERR Invalid argument for MINBATCHTIMEOUT")
		}
	}
	if c.atEnd() {
		return nil, replyError(errMissingModelBlob)
	}
	blobAt := len(args)
	for i := c.pos; i < len(args); i++ {
		if isWord(args[i], "BLOB") {
			blobAt = i
			break
		}
	}
	options := args[c.pos:blobAt]
	if backend == "TF" {
		if len(options) == 0 {
			return nil, replyError("ERR Insufficient arguments, INPUTS and OUTPUTS not specified")
		}
		if !isWord(options[0], "INPUTS") {
			return nil, replyError("ERR INPUTS not specified")
		}
		outAt := len(options)
		for i := 1; i < len(options); i++ {
			if isWord(options[i], "OUTPUTS") {
				outAt = i
				break
			}
		}
		if outAt == len(options) {
			return nil, replyError("ERR OUTPUTS not specified")
		}
		model.Inputs = toStrings(options[1:outAt])
		model.Outputs = toStrings(options[outAt+1:])
		model.IOKnown = true
	}
	if blobAt+1 >= len(args) {
		return nil, replyError(errMissingModelBlob)
	}
	model.Blob = joinChunks(args[blobAt+1:])
	return model, nil
}

// variadicModel is a prepared model whose input or output count is not fixed (TorchScript lists).
type variadicModel interface {
	VariadicInputs() bool
	VariadicOutputs() bool
}

// storeModel finishes MODELSTORE/MODELSET: the backend prepares the model when it is loaded (its
// errors are the reply, as in RedisAI); without it the model is stored as given, to be prepared when
// the backend is loaded. Then the key's type is checked and the model and its stats entry replace any
// previous ones.
func (m *Module) storeModel(ctx *command.Ctx, key []byte, model *ModelValue) {
	if b := m.backend(model.Backend); b != nil {
		spec := ModelSpec{Device: model.Device, Blob: model.Blob, BatchSize: model.BatchSize}
		if model.Backend == "TF" {
			spec.Inputs, spec.Outputs = model.Inputs, model.Outputs
		}
		p, err := b.Prepare(spec)
		if err != nil {
			ctx.Reply.Error(oneLine(err.Error()))
			return
		}
		model.prepared = p
		model.Inputs, model.Outputs, model.IOKnown = p.Inputs(), p.Outputs(), true
		if v, ok := p.(variadicModel); ok {
			model.InputsVariadic, model.OutputsVariadic = v.VariadicInputs(), v.VariadicOutputs()
		}
	} else if model.Backend == "ONNX" {
		if in, out, err := onnxIONames(model.Blob); err == nil {
			model.Inputs, model.Outputs, model.IOKnown = in, out, true
		}
	}
	model.stats = newStats(key, statsModel, model.Backend, model.Device, model.Tag)
	m.storeRunnable(ctx, key, model, model.stats, model.Device)
}

// modelGet is AI.MODELGET key [META] [BLOB]: BLOB alone is the blob, META alone 16 fields, else 18.
func (m *Module) modelGet(ctx *command.Ctx, args [][]byte) {
	if len(args) < 2 || len(args) > 4 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	model, err := getModel(ctx.Keys, args[1])
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	meta, blob := false, false
	for _, w := range args[2:] {
		meta = meta || isWord(w, "META")
		blob = blob || isWord(w, "BLOB")
	}
	chunk := m.modelChunkSize()
	if !meta && blob {
		replyChunks(ctx.Reply, model.Blob, chunk)
		return
	}
	withBlob := !meta || blob
	n := 16
	if withBlob {
		n = 18
	}
	r := ctx.Reply
	r.Array(n)
	r.BulkString("backend")
	r.BulkString(model.Backend)
	r.BulkString("device")
	r.BulkString(model.Device)
	r.BulkString("tag")
	r.Bulk(nonNil(model.Tag))
	r.BulkString("batchsize")
	r.Int(int64(model.BatchSize))
	r.BulkString("minbatchsize")
	r.Int(int64(model.MinBatchSize))
	r.BulkString("inputs")
	replyStrings(r, model.Inputs)
	r.BulkString("outputs")
	replyStrings(r, model.Outputs)
	r.BulkString("minbatchtimeout")
	r.Int(int64(model.MinBatchTimeout))
	if withBlob {
		r.BulkString("blob")
		replyChunks(r, model.Blob, chunk)
	}
}

// replyChunks is RedisAI's chunked blob reply: one bulk string when the blob is shorter than the
// chunk size, else an array of floor(len/chunk)+1 chunks (an exact multiple ends with an empty one).
func replyChunks(r command.Reply, blob []byte, chunk int64) {
	n := int64(len(blob))/chunk + 1
	if n == 1 {
		r.Bulk(blob)
		return
	}
	r.Array(int(n))
	for i := int64(0); i < n; i++ {
		start := i * chunk
		end := min(start+chunk, int64(len(blob)))
		r.Bulk(blob[start:end])
	}
}

// modelDel is AI.MODELDEL key.
func (m *Module) modelDel(ctx *command.Ctx, args [][]byte) {
	if len(args) != 2 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	if _, err := getModel(ctx.Keys, args[1]); err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	ctx.Keys.Delete(args[1])
	ctx.Reply.SimpleString("OK")
}

// modelScan is AI._MODELSCAN: [key, tag] for every model of this shard, sorted by key.
func (m *Module) modelScan(ctx *command.Ctx, args [][]byte) {
	m.scan(ctx, args, statsModel)
}

func (m *Module) scan(ctx *command.Ctx, args [][]byte, kind string) {
	if len(args) != 1 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	entries := m.stats.live(ctx.Keys, kind)
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i].key, entries[j].key) < 0 })
	ctx.Reply.Array(len(entries))
	for _, s := range entries {
		ctx.Reply.Array(2)
		ctx.Reply.Bulk(s.key)
		ctx.Reply.Bulk(nonNil(s.tag))
	}
}

func replyStrings(r command.Reply, ss []string) {
	r.Array(len(ss))
	for _, s := range ss {
		r.BulkString(s)
	}
}

func toStrings(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
