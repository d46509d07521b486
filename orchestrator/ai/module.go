// Package ai implements RedisAI's AI.* commands for the orchestrator: tensors, models and scripts
// stored in the server's keyspace with RedisAI's argument order, validation order, error texts and
// RESP2 reply layouts (see shared/reference/wire-protocol.md §1), run statistics (AI.INFO), module
// configuration (AI.CONFIG), DAGs, and per-device execution queues on which model and script runs are
// executed by pluggable backends (Backend, ScriptEngine).
//
// The server registers Commands(); the package depends only on the command contract, not on the
// server. Argument buffers are kept as stored data without copying (the server hands each argument
// over as a fresh allocation).
//
// Where ssrun differs from RedisAI, on purpose:
//   - A model whose backend is not loaded is stored anyway (RedisAI answers "Could not load
//     backend"); running it answers "ERR Backend not loaded: <NAME>. <how to load it or what to
//     use instead>". It is prepared when the backend is loaded later (AI.CONFIG LOADBACKEND).
//   - ONNX models report their input and output names from the blob itself, without a runtime;
//     TORCH and TFLITE models without a backend report none, and execute commands then cannot
//     check their key counts before the run. A TorchScript forward taking one List[Tensor] takes
//     any number of input keys (RedisAI refuses such models), one returning a list any number of
//     output keys.
//   - Scripts compile with the TORCH backend as TorchScript, or without it in ssrun's Starlark
//     dialect (script_engine.go); a uniformly indented source is dedented first (dedent.go).
//   - A negative count in AI.SCRIPTEXECUTE (which RedisAI silently treats as zero) is refused with
//     the scope's count error.
//   - AI.INFO and the scan commands forget a model or script as soon as its key no longer holds it
//     (DEL, RENAME, FLUSHALL, overwrite); RedisAI keeps a renamed model's stats under the old name.
//   - Execute commands inside MULTI are the server's concern (the server has no MULTI).
//   - MODELSTORE takes an extra batching option, BATCHSIZE n ADAPTIVE us (adaptive.go): a batch
//     waits for as many requests as there are active clients (capped by 3/4 of the previous batch),
//     never longer than us microseconds, so a lone client never waits and many clients share runs.
//     RedisAI's own options keep their meaning.
package ai

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// DefaultModelChunkSize is RedisAI's default MODEL_CHUNK_SIZE (511 MiB).
const DefaultModelChunkSize = 511 * 1024 * 1024

// Options configure a Module.
type Options struct {
	// ThreadsPerQueue is the number of workers per device queue (RedisAI's THREADS_PER_QUEUE);
	// values below 1 mean 1.
	ThreadsPerQueue int
	// Backends are available from the start, keyed by their Name().
	Backends []Backend
	// LoadBackend loads a backend for AI.CONFIG LOADBACKEND; nil makes loading fail.
	LoadBackend BackendLoader
	// Scripts compiles and runs scripts (the Starlark dialect); nil stores scripts but answers runs
	// with an error. A loaded TORCH backend that is also a ScriptEngine compiles TorchScript instead,
	// as ScriptEngine chooses.
	Scripts ScriptEngine
	// ScriptEngine is the engine choice: ScriptEngineAuto (or empty), ScriptEngineTorch or
	// ScriptEngineStarlark.
	ScriptEngine string
	// BackendsPath is what AI.CONFIG GET BACKENDSPATH answers until changed; empty means the
	// "backends" directory beside the executable, as RedisAI defaults to the one beside the module.
	BackendsPath string
	// ModelChunkSize is the initial MODEL_CHUNK_SIZE; 0 means DefaultModelChunkSize.
	ModelChunkSize int64
	// IntraOpThreads and InterOpThreads are the backends' thread pool sizes, reported by INFO MODULES
	// (RedisAI's INTRA_OP_PARALLELISM and INTER_OP_PARALLELISM).
	IntraOpThreads, InterOpThreads int
	// Version is ssrun's version (git describe), whose commit INFO MODULES reports as ai_git_sha.
	Version string
	// Logf receives warnings (backend load failures); nil means the standard logger.
	Logf func(format string, args ...any)
}

// Module holds the AI command family's state for one server: configuration, loaded backends, the
// run-statistics registry and the device queues.
type Module struct {
	opts Options

	mu           sync.Mutex
	backends     map[string]Backend
	backendsPath string
	chunkSize    int64

	stats  *statsRegistry
	queues *queues

	// runCtx is passed to backends and cancelled by Close.
	runCtx    context.Context
	cancelRun context.CancelFunc
}

// New returns a module ready to serve; Close stops its queue workers.
func New(opts Options) *Module {
	if opts.ThreadsPerQueue < 1 {
		opts.ThreadsPerQueue = 1
	}
	if opts.ModelChunkSize <= 0 {
		opts.ModelChunkSize = DefaultModelChunkSize
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	path := opts.BackendsPath
	if path == "" {
		path = defaultBackendsPath()
	}
	m := &Module{
		opts:         opts,
		backends:     map[string]Backend{},
		backendsPath: path,
		chunkSize:    opts.ModelChunkSize,
		stats:        newStatsRegistry(),
	}
	m.runCtx, m.cancelRun = context.WithCancel(context.Background())
	m.queues = newQueues(opts.ThreadsPerQueue, m.runBatch, m.queueCreated)
	for _, b := range opts.Backends {
		m.backends[b.Name()] = b
	}
	return m
}

// Close stops the device queues: waiting runs are answered with an error and workers exit.
func (m *Module) Close() { m.queues.close(m.cancelRun) }

// queueCreated logs where a new device's runs really execute: ssrun accepts and records GPU devices,
// as SmartRedis's set_model_multigpu needs, but its backends run on the CPU.
func (m *Module) queueCreated(device string) {
	if len(device) >= 3 && strings.EqualFold(device[:3], "GPU") {
		m.opts.Logf("ai: device %s: models and scripts stored for it run on the CPU (ssrun has no GPU execution)", device)
	}
}

// InfoSection is the module's part of the server's INFO output ("# ai"), one "field:value" per line
// with CRLF endings: configuration, loaded backends and device queues, and where runs execute.
func (m *Module) InfoSection() string {
	m.mu.Lock()
	backends := make([]string, 0, len(m.backends))
	var versions []string
	for name, b := range m.backends {
		backends = append(backends, name)
		if d, ok := b.(describedBackend); ok {
			versions = append(versions, "ai_backend_"+strings.ToLower(name)+":"+d.Version()+" "+d.Library())
		}
	}
	chunk, path := m.chunkSize, m.backendsPath
	m.mu.Unlock()
	sort.Strings(backends)
	sort.Strings(versions)
	_, scripts, _ := m.scriptEngineNow()
	if scripts == "" {
		scripts = engineNone // --script-engine torch, backend not loaded yet
	}
	choice := m.opts.ScriptEngine
	if choice == "" {
		choice = ScriptEngineAuto
	}
	lines := []string{
		"ai_threads_per_queue:" + strconv.Itoa(m.opts.ThreadsPerQueue),
		"ai_model_chunk_size:" + strconv.FormatInt(chunk, 10),
		"ai_backendspath:" + path,
		"ai_backends_loaded:" + strings.Join(backends, ","),
		"ai_script_engine:" + scripts,
		"ai_script_engine_choice:" + choice,
		"ai_queues:" + strings.Join(m.queues.names(), ","),
		"ai_execution_device:CPU",
	}
	lines = append(lines, versions...)
	return strings.Join(lines, "\r\n") + "\r\n"
}

// describedBackend is a backend that can say which library it runs on (the ONNX backend: ONNX
// Runtime's version and path), shown in INFO so users can check what was loaded.
type describedBackend interface {
	Version() string
	Library() string
}

func defaultBackendsPath() string {
	exe, err := os.Executable()
	if err != nil {
		return "backends"
	}
	return filepath.Join(filepath.Dir(exe), "backends")
}

// Commands returns the AI.* command specs. Arity is -1 for all of them: RedisAI checks arity itself
// and its message echoes the command name as typed ('AI.TENSORSET'), unlike Redis built-ins.
func (m *Module) Commands() []command.Spec {
	const (
		w     = command.Write | command.DenyOOM
		r     = command.ReadOnly
		run   = command.Write | command.DenyOOM | command.Blocking
		store = w | command.Slow // a model or script is compiled or loaded into its backend
	)
	key1 := func(name string, flags command.Flags, h func(*command.Ctx, [][]byte)) command.Spec {
		return command.Spec{Name: name, Arity: -1, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, Handler: h}
	}
	keyless := func(name string, flags command.Flags, h func(*command.Ctx, [][]byte)) command.Spec {
		return command.Spec{Name: name, Arity: -1, Flags: flags, Handler: h}
	}
	withKeys := func(name string, flags command.Flags, keys func([][]byte) [][]byte, h func(*command.Ctx, [][]byte)) command.Spec {
		return command.Spec{Name: name, Arity: -1, Flags: flags, Keys: keys, Handler: h}
	}
	return []command.Spec{
		key1("AI.TENSORSET", w, m.tensorSet),
		key1("AI.TENSORGET", r, m.tensorGet),
		key1("AI.MODELSTORE", store, m.modelStore),
		key1("AI.MODELSET", store, m.modelSet),
		key1("AI.MODELGET", r, m.modelGet),
		key1("AI.MODELDEL", command.Write, m.modelDel),
		withKeys("AI.MODELEXECUTE", run, modelExecuteKeys, m.modelExecute),
		withKeys("AI.MODELRUN", run, modelRunKeys, m.modelRun),
		key1("AI.SCRIPTSTORE", store, m.scriptStore),
		key1("AI.SCRIPTSET", store, m.scriptSet),
		key1("AI.SCRIPTGET", r, m.scriptGet),
		key1("AI.SCRIPTDEL", command.Write, m.scriptDel),
		withKeys("AI.SCRIPTEXECUTE", run, scriptExecuteKeys, m.scriptExecute),
		withKeys("AI.SCRIPTRUN", run, scriptRunKeys, m.scriptRun),
		withKeys("AI.DAGEXECUTE", run, dagKeys, m.dagExecute(false)),
		withKeys("AI.DAGEXECUTE_RO", r|command.Blocking, dagKeys, m.dagExecute(true)),
		key1("AI.INFO", r, m.info),
		keyless("AI.CONFIG", command.Admin|command.Slow, m.config),
		keyless("AI._MODELSCAN", r, m.modelScan),
		keyless("AI._SCRIPTSCAN", r, m.scriptScan),
	}
}
