package ai

import (
	"sync"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/tensor"
)

// Type names as RedisAI registers them; TYPE answers these.
const (
	TensorTypeName = "AI_TENSOR"
	ModelTypeName  = "AI__MODEL"
	ScriptTypeName = "AI_SCRIPT"
)

// TensorValue is a tensor stored under a key. It wraps tensor.Tensor so that the client and the server
// share one tensor model while only the server knows about keyspace values.
type TensorValue struct{ *tensor.Tensor }

// TypeName implements command.Value.
func (TensorValue) TypeName() string { return TensorTypeName }

// MemSize implements command.Value.
func (v TensorValue) MemSize() int64 { return v.Tensor.MemSize() }

// Buffer implements command.BufferValue: the tensor's data.
func (v TensorValue) Buffer() []byte { return v.Data }

// ModelValue is a model stored under a key: the blob exactly as given, the options of MODELSTORE, and
// the backend's prepared session once one has been built. The exported fields never change after
// the value is stored; the prepared session is built lazily (a backend may be loaded after the model
// was stored) under once.
type ModelValue struct {
	Backend         string // TF, TFLITE, TORCH or ONNX
	Device          string // as given: CPU, GPU:0, ...
	Tag             []byte
	BatchSize       uint64
	MinBatchSize    uint64
	MinBatchTimeout uint64 // milliseconds
	// AdaptiveWait is ssrun's ADAPTIVE option (microseconds; 0 = RedisAI's static batching): see
	// adaptive.go.
	AdaptiveWait uint64
	// Inputs and Outputs are the names given (TF) or reported by the backend or by the blob's own
	// metadata (ONNX); IOKnown is false when neither is available (TORCH, TFLITE without a backend),
	// and then execute commands cannot check their key counts against the model.
	Inputs, Outputs []string
	IOKnown         bool
	// InputsVariadic and OutputsVariadic exempt the inputs or outputs from that check: a TorchScript
	// forward taking one List[Tensor] takes any number of inputs, one returning a List[Tensor] gives
	// any number of outputs.
	InputsVariadic, OutputsVariadic bool
	Blob                            []byte

	stats   *Stats
	clients activeClients // who runs this model, for ADAPTIVE batching

	mu       sync.Mutex
	prepared PreparedModel
}

// TypeName implements command.Value.
func (*ModelValue) TypeName() string { return ModelTypeName }

// MemSize implements command.Value.
func (m *ModelValue) MemSize() int64 {
	n := int64(256 + len(m.Blob) + len(m.Tag) + len(m.Device))
	for _, s := range m.Inputs {
		n += int64(16 + len(s))
	}
	for _, s := range m.Outputs {
		n += int64(16 + len(s))
	}
	return n
}

// ScriptValue is a script stored under a key: its source, device, tag and declared entry points.
type ScriptValue struct {
	Device      string
	Tag         []byte
	EntryPoints []string
	Source      []byte
	// Engine is the engine that compiled the script ("torchscript" or "starlark"), empty if none.
	Engine string

	stats    *Stats
	compiled CompiledScript // nil when no script engine is configured
}

// TypeName implements command.Value.
func (*ScriptValue) TypeName() string { return ScriptTypeName }

// MemSize implements command.Value.
func (s *ScriptValue) MemSize() int64 {
	n := int64(192 + len(s.Source) + len(s.Tag) + len(s.Device))
	for _, e := range s.EntryPoints {
		n += int64(16 + len(e))
	}
	return n
}

// getTensor looks a tensor up with RedisAI's errors: a missing key, then a key of another type.
func getTensor(ks command.Keyspace, key []byte) (*tensor.Tensor, error) {
	v, ok := ks.Get(key)
	if !ok {
		return nil, replyError(errTensorKeyEmpty)
	}
	tv, ok := v.(TensorValue)
	if !ok {
		return nil, replyError(command.WrongType)
	}
	return tv.Tensor, nil
}

func getModel(ks command.Keyspace, key []byte) (*ModelValue, error) {
	v, ok := ks.Get(key)
	if !ok {
		return nil, replyError(errModelKeyEmpty)
	}
	m, ok := v.(*ModelValue)
	if !ok {
		return nil, replyError(command.WrongType)
	}
	return m, nil
}

func getScript(ks command.Keyspace, key []byte) (*ScriptValue, error) {
	v, ok := ks.Get(key)
	if !ok {
		return nil, replyError(errScriptKeyEmpty)
	}
	s, ok := v.(*ScriptValue)
	if !ok {
		return nil, replyError(command.WrongType)
	}
	return s, nil
}

// holdsOtherType reports whether key exists with a type other than typeName (WRONGTYPE for a store).
func holdsOtherType(ks command.Keyspace, key []byte, typeName string) bool {
	name, ok := ks.TypeName(key)
	return ok && name != typeName
}

// put stores v, or answers Redis's OOM error past maxmemory and returns false.
func put(ctx *command.Ctx, key []byte, v command.Value) bool {
	if err := ctx.Keys.Put(key, v); err != nil {
		replyPutError(ctx.Reply, err)
		return false
	}
	return true
}

// replyPutError answers a store refused by the keyspace.
func replyPutError(r command.Reply, err error) {
	if err == command.ErrOOM {
		r.Error(command.OOMReply)
	} else {
		r.Error("ERR " + err.Error())
	}
}

// storeRunnable ends MODELSTORE and SCRIPTSTORE alike: a key holding another kind of value is refused
// (WRONGTYPE), the model or script is stored with its fresh run statistics registered for AI.INFO, and
// its device's execution queue exists before the first run asks for it.
func (m *Module) storeRunnable(ctx *command.Ctx, key []byte, v command.Value, st *Stats, device string) {
	if holdsOtherType(ctx.Keys, key, v.TypeName()) {
		ctx.Reply.Error(command.WrongType)
		return
	}
	if !put(ctx, key, v) {
		return
	}
	m.stats.store(key, st)
	m.queues.get(device)
	ctx.Reply.SimpleString("OK")
}
