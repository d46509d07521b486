package orchestrator

import (
	"fmt"
	"os"
	"runtime"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/backends/onnx"
	"github.com/ssrun/ssrun/orchestrator/scripts"
)

// registerModules adds the command families that live in their own packages: RedisAI's AI.* commands
// (package ai), whose execution queues get cfg.Threads workers per device, with the ONNX backend
// loaded from cfg.ONNXRuntime or $SSRUN_ONNXRUNTIME_LIB, or later by AI.CONFIG LOADBACKEND.
func registerModules(s *Server) error {
	onnxOpts := onnx.Options{IntraOpThreads: s.cfg.IntraOpThreads, InterOpThreads: s.cfg.InterOpThreads}
	if onnxOpts.IntraOpThreads == 0 {
		// Every queue worker may run a model at once: share the cores among them rather than give
		// each run ONNX Runtime's default pool of one thread per core.
		onnxOpts.IntraOpThreads = max(1, runtime.NumCPU()/max(1, s.cfg.Threads))
	}
	var m *ai.Module
	opts := ai.Options{
		ThreadsPerQueue: s.cfg.Threads,
		LoadBackend:     onnx.Loader(onnxOpts, func() string { return m.BackendsPath() }),
		Scripts:         scripts.New(),
	}
	if b, err := loadONNX(s.cfg.ONNXRuntime, onnxOpts); err != nil {
		return err
	} else if b != nil {
		opts.Backends = append(opts.Backends, b)
	}
	m = ai.New(opts)
	s.Register(m.Commands()...)
	s.closers = append(s.closers, m.Close)
	s.aiInfo = m.InfoSection
	return nil
}

// loadONNX loads the library the user named (flag, then environment); naming one that does not load
// stops the server, as a silently missing backend would only show up at the first run.
func loadONNX(path string, opts onnx.Options) (ai.Backend, error) {
	source := "--onnxruntime"
	if path == "" {
		path, source = os.Getenv(onnx.EnvLibrary), onnx.EnvLibrary
	}
	if path == "" {
		return nil, nil
	}
	lib, err := onnx.ResolveLibrary(path, "")
	if err == nil {
		var b ai.Backend
		if b, err = onnx.Load(lib, opts); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s: %v", source, err)
}
