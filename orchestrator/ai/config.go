package ai

import (
	"github.com/ssrun/ssrun/orchestrator/command"
)

// config is AI.CONFIG BACKENDSPATH p | LOADBACKEND b path | MODEL_CHUNK_SIZE n | GET name.
func (m *Module) config(ctx *command.Ctx, args [][]byte) {
	if len(args) < 2 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	sub := args[1]
	switch {
	case isWord(sub, "LOADBACKEND"):
		if len(args) < 4 {
			replyErr(ctx.Reply, wrongArity(args[0]))
			return
		}
		name, ok := parseBackend(args[2])
		if !ok {
			ctx.Reply.Error(errUnsupportedBackend)
			return
		}
		if err := m.loadBackend(name, string(args[3])); err != nil {
			m.opts.Logf("ai: could not load backend %s from %q: %v", name, args[3], err)
			ctx.Reply.Error("ERR error loading backend")
			return
		}
		ctx.Reply.SimpleString("OK")
	case isWord(sub, "BACKENDSPATH"):
		if len(args) < 3 {
			ctx.Reply.Error("ERR BACKENDSPATH: missing path argument")
			return
		}
		m.mu.Lock()
		m.backendsPath = string(args[2])
		m.mu.Unlock()
		ctx.Reply.SimpleString("OK")
	case isWord(sub, "MODEL_CHUNK_SIZE"):
		if len(args) < 3 {
			ctx.Reply.Error("ERR MODEL_CHUNK_SIZE: missing chunk size")
			return
		}
		n, ok := parseLongLong(args[2])
		if !ok || n <= 0 {
			ctx.Reply.Error("ERR MODEL_CHUNK_SIZE: invalid chunk size")
			return
		}
		m.mu.Lock()
		m.chunkSize = n
		m.mu.Unlock()
		ctx.Reply.SimpleString("OK")
	case isWord(sub, "GET"):
		if len(args) < 3 {
			replyErr(ctx.Reply, wrongArity(args[0]))
			return
		}
		switch {
		case isWord(args[2], "BACKENDSPATH"):
			m.mu.Lock()
			path := m.backendsPath
			m.mu.Unlock()
			ctx.Reply.BulkString(path)
		case isWord(args[2], "MODEL_CHUNK_SIZE"):
			ctx.Reply.Int(m.modelChunkSize())
		default:
			ctx.Reply.Null()
		}
	default:
		ctx.Reply.Error("ERR unsupported subcommand")
	}
}

func (m *Module) modelChunkSize() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.chunkSize
}

// BackendsPath is the current BACKENDSPATH, where a backend loader looks for libraries given by a
// relative path.
func (m *Module) BackendsPath() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.backendsPath
}
