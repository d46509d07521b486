package ai

import (
	"bytes"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// scriptStore is AI.SCRIPTSTORE key device [TAG t] ENTRY_POINTS n fn... SOURCE src. As in RedisAI the
// device is not validated and arguments after the source are ignored.
func (m *Module) scriptStore(ctx *command.Ctx, args [][]byte) {
	if len(args) < 8 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	script := &ScriptValue{Device: string(args[2])}
	c := &cursor{args: args, pos: 3}
	if c.advanceIf("TAG") {
		script.Tag = c.next()
	}
	if !c.advanceIf("ENTRY_POINTS") {
		ctx.Reply.Error(errMissingEntryPoints)
		return
	}
	n, ok := acLongLong(c.next())
	if !ok {
		ctx.Reply.Error("ERR Non numeric entry points number provided to AI.SCRIPTSTORE command")
		return
	}
	if n < 0 || n > int64(len(args)-c.pos) {
		ctx.Reply.Error(errMissingEntryPoints)
		return
	}
	script.EntryPoints = toStrings(args[c.pos : c.pos+int(n)])
	c.pos += int(n)
	if !c.advanceIf("SOURCE") || c.atEnd() {
		ctx.Reply.Error(errMissingSource)
		return
	}
	script.Source = bytes.Clone(c.next())
	m.storeScript(ctx, args[1], script)
}

// scriptSet is the deprecated AI.SCRIPTSET key device [TAG t] SOURCE src, which SmartRedis sends.
func (m *Module) scriptSet(ctx *command.Ctx, args [][]byte) {
	if len(args) != 5 && len(args) != 7 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	script := &ScriptValue{Device: string(args[2])}
	c := &cursor{args: args, pos: 3}
	if c.advanceIf("TAG") {
		script.Tag = c.next()
	}
	if c.atEnd() || !c.advanceIf("SOURCE") || c.atEnd() {
		ctx.Reply.Error(errMissingSource)
		return
	}
	script.Source = bytes.Clone(c.next())
	m.storeScript(ctx, args[1], script)
}

// storeScript compiles the script with the engine chosen now (its errors are the reply), checks the
// key's type, and stores the script with a fresh stats entry. A uniformly indented source (Python's
// inspect.getsource of a nested function) compiles dedented; SCRIPTGET returns it as it was sent.
func (m *Module) storeScript(ctx *command.Ctx, key []byte, script *ScriptValue) {
	engine, name, err := m.scriptEngineNow()
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	if engine != nil {
		compiled, err := engine.Compile(script.Device, dedent(script.Source), script.EntryPoints)
		if err != nil {
			ctx.Reply.Error(oneLine(err.Error()))
			return
		}
		script.compiled, script.Engine = compiled, name
	}
	script.stats = newStats(key, statsScript, "TORCH", script.Device, script.Tag)
	m.storeRunnable(ctx, key, script, script.stats, script.Device)
}

// scriptGet is AI.SCRIPTGET key [META] [SOURCE]: SOURCE alone is the source, META alone 6 fields,
// anything else 8.
func (m *Module) scriptGet(ctx *command.Ctx, args [][]byte) {
	if len(args) < 2 || len(args) > 4 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	script, err := getScript(ctx.Keys, args[1])
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	meta, source := false, false
	for _, w := range args[2:] {
		meta = meta || isWord(w, "META")
		source = source || isWord(w, "SOURCE")
	}
	if !meta && source {
		ctx.Reply.Bulk(script.Source)
		return
	}
	withSource := source || !meta
	n := 6
	if withSource {
		n = 8
	}
	r := ctx.Reply
	r.Array(n)
	r.BulkString("device")
	r.BulkString(script.Device)
	r.BulkString("tag")
	r.Bulk(nonNil(script.Tag))
	r.BulkString("Entry Points")
	replyStrings(r, script.EntryPoints)
	if withSource {
		r.BulkString("source")
		r.Bulk(script.Source)
	}
}

// scriptDel is AI.SCRIPTDEL key.
func (m *Module) scriptDel(ctx *command.Ctx, args [][]byte) {
	if len(args) != 2 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	if _, err := getScript(ctx.Keys, args[1]); err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	ctx.Keys.Delete(args[1])
	ctx.Reply.SimpleString("OK")
}

// scriptScan is AI._SCRIPTSCAN.
func (m *Module) scriptScan(ctx *command.Ctx, args [][]byte) {
	m.scan(ctx, args, statsScript)
}
