package ai

// How scripts compile (ssrun db --script-engine). RedisAI's scripts are TorchScript; ssrun compiles
// them with libtorch when its TORCH backend is loaded, and otherwise runs them in its Starlark dialect
// (package scripts), so the same SCRIPTSET works on a machine without libtorch.
const (
	// ScriptEngineAuto compiles with TorchScript when the TORCH backend is loaded, else Starlark.
	// The engine is chosen when a script is stored: a script stored before AI.CONFIG LOADBACKEND
	// TORCH keeps running in Starlark until it is stored again.
	ScriptEngineAuto = "auto"
	// ScriptEngineTorch always compiles TorchScript: storing a script without the backend fails.
	ScriptEngineTorch = "torch"
	// ScriptEngineStarlark always uses the Starlark dialect, even with the TORCH backend loaded.
	ScriptEngineStarlark = "starlark"
)

// Engine names shown in INFO (ai_script_engine).
const (
	engineTorchScript = "torchscript"
	engineStarlark    = "starlark"
	engineNone        = "none"
)

// ValidScriptEngine reports whether choice is one of the engine choices ("" means auto).
func ValidScriptEngine(choice string) bool {
	switch choice {
	case "", ScriptEngineAuto, ScriptEngineTorch, ScriptEngineStarlark:
		return true
	}
	return false
}

// scriptEngineNow is the engine a script stored now compiles with, and its INFO name; with the
// "torch" choice and no backend it answers the client-facing error instead.
func (m *Module) scriptEngineNow() (ScriptEngine, string, error) {
	torch, _ := m.backend("TORCH").(ScriptEngine)
	switch m.opts.ScriptEngine {
	case ScriptEngineTorch:
		if torch == nil {
			return nil, "", replyError(torchScriptsNeedBackend)
		}
		return torch, engineTorchScript, nil
	case ScriptEngineStarlark:
	default:
		if torch != nil {
			return torch, engineTorchScript, nil
		}
	}
	if m.opts.Scripts == nil {
		return nil, engineNone, nil
	}
	return m.opts.Scripts, engineStarlark, nil
}

// torchScriptsNeedBackend is the store error of a server started with --script-engine torch before its
// TORCH backend is loaded.
const torchScriptsNeedBackend = "ERR Backend not loaded: TORCH. This server compiles scripts as TorchScript " +
	"(--script-engine torch): load the backend with AI.CONFIG LOADBACKEND TORCH /path/to/libssrun_torch.so, " +
	"or start ssrun db with --torch PATH or SSRUN_TORCH_BACKEND set"
