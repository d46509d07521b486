package orchestrator

import (
	"fmt"
	"log"
	"os"
	"runtime"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/backends/onnx"
	"github.com/ssrun/ssrun/orchestrator/backends/torch"
	"github.com/ssrun/ssrun/orchestrator/scripts"
)

// registerModules adds the command families that live in their own packages: RedisAI's AI.* commands
// (package ai), whose execution queues get cfg.Threads workers per device, with the ONNX backend
// loaded from cfg.ONNXRuntime or $SSRUN_ONNXRUNTIME_LIB and the TORCH backend from cfg.TorchBackend
// or $SSRUN_TORCH_BACKEND, or either later by AI.CONFIG LOADBACKEND.
func registerModules(s *Server) error {
	// Every queue worker may run a model at once: share the cores among them rather than give each
	// run a pool of one thread per core.
	intra := s.cfg.IntraOpThreads
	if intra == 0 {
		intra = max(1, runtime.NumCPU()/max(1, s.cfg.Threads))
	}
	onnxOpts := onnx.Options{IntraOpThreads: intra, InterOpThreads: s.cfg.InterOpThreads}
	torchOpts := torch.Options{IntraOpThreads: intra, InterOpThreads: s.cfg.InterOpThreads}
	var m *ai.Module
	backendsPath := func() string { return m.BackendsPath() }
	loadONNXAt, loadTorchAt := onnx.Loader(onnxOpts, backendsPath), torch.Loader(torchOpts, backendsPath)
	opts := ai.Options{
		ThreadsPerQueue: s.cfg.Threads,
		LoadBackend: func(name, path string) (ai.Backend, error) {
			if name == "TORCH" {
				return loadTorchAt(name, path)
			}
			return loadONNXAt(name, path)
		},
		Scripts:        scripts.New(),
		ScriptEngine:   s.cfg.ScriptEngine,
		IntraOpThreads: intra,
		InterOpThreads: s.cfg.InterOpThreads,
		Version:        Version,
	}
	for _, load := range []func() (ai.Backend, error){
		func() (ai.Backend, error) { return loadONNX(s.cfg.ONNXRuntime, onnxOpts) },
		func() (ai.Backend, error) { return loadTorch(s.cfg.TorchBackend, torchOpts) },
	} {
		b, err := load()
		if err != nil {
			return err
		}
		if b != nil {
			opts.Backends = append(opts.Backends, b)
		}
	}
	m = ai.New(opts)
	s.ai = m
	s.Register(m.Commands()...)
	s.closers = append(s.closers, m.Close)
	s.aiInfo = m.InfoSection
	s.aiModulesInfo = m.ModulesInfo
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

// loadTorch loads the TORCH shim the user named (flag, then environment), like loadONNX.
func loadTorch(path string, opts torch.Options) (ai.Backend, error) {
	source := "--torch"
	if path == "" {
		path, source = os.Getenv(torch.EnvLibrary), torch.EnvLibrary
	}
	if path == "" {
		return nil, nil
	}
	lib, err := torch.ResolveLibrary(path, "")
	if err == nil {
		var b ai.Backend
		if b, err = torch.Load(lib, opts); err == nil {
			log.Printf("ai: TORCH backend loaded from %s (libtorch %s)", lib, b.(interface{ Version() string }).Version())
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s: %v", source, err)
}
