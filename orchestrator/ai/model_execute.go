package ai

import (
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// modelCall is a parsed AI.MODELEXECUTE / AI.MODELRUN.
type modelCall struct {
	model           *ModelValue
	inKeys, outKeys [][]byte
	timeout         time.Duration
}

// modelExecute is AI.MODELEXECUTE key INPUTS n in... OUTPUTS m out... [TIMEOUT ms].
func (m *Module) modelExecute(ctx *command.Ctx, args [][]byte) {
	mc, err := parseModelExecute(ctx.Keys, args)
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	m.runModelCall(ctx, mc)
}

func parseModelExecute(ks command.Keyspace, args [][]byte) (*modelCall, error) {
	if len(args) < 8 {
		return nil, wrongArity("AI.MODELEXECUTE")
	}
	model, err := getModel(ks, args[1])
	if err != nil {
		return nil, err
	}
	mc := &modelCall{model: model}
	if !isWord(args[2], "INPUTS") {
		return nil, replyError("ERR INPUTS not specified")
	}
	n, ok := parseLongLong(args[3])
	if !ok {
		return nil, replyError("ERR Invalid argument for input_count")
	}
	if n <= 0 {
		return nil, replyError("ERR Input count must be a positive integer")
	}
	if model.IOKnown && !model.InputsVariadic && int64(len(model.Inputs)) != n {
		return nil, replyError(errInputsMismatch)
	}
	pos := 4
	if int64(len(args)-pos) < n {
		return nil, replyError("ERR number of input keys to AI.MODELEXECUTE command does not match the number of given arguments")
	}
	mc.inKeys = args[pos : pos+int(n)]
	pos += int(n)
	if pos == len(args) || !isWord(args[pos], "OUTPUTS") {
		return nil, replyError("ERR OUTPUTS not specified")
	}
	pos++
	if pos == len(args) {
		return nil, replyError("ERR Invalid argument for output_count")
	}
	if n, ok = parseLongLong(args[pos]); !ok {
		return nil, replyError("ERR Invalid argument for output_count")
	}
	pos++
	if n <= 0 {
		return nil, replyError("ERR Output count must be a positive integer")
	}
	if model.IOKnown && !model.OutputsVariadic && int64(len(model.Outputs)) != n {
		return nil, replyError(errOutputsMismatch)
	}
	if int64(len(args)-pos) < n {
		return nil, replyError("ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments")
	}
	mc.outKeys = args[pos : pos+int(n)]
	pos += int(n)
	if pos == len(args) {
		return mc, nil
	}
	word := args[pos]
	pos++
	if !isWord(word, "TIMEOUT") {
		return nil, replyError("Invalid argument: " + string(word))
	}
	if pos == len(args) {
		return nil, replyError("ERR No value provided for TIMEOUT")
	}
	if mc.timeout, err = parseTimeout(args[pos]); err != nil {
		return nil, err
	}
	pos++
	if pos != len(args) {
		return nil, replyError("Invalid argument: " + string(args[pos]))
	}
	return mc, nil
}

// parseTimeout reads a TIMEOUT value: a positive integer of milliseconds.
func parseTimeout(b []byte) (time.Duration, error) {
	n, ok := parseLongLong(b)
	if !ok || n <= 0 {
		return 0, replyError(errInvalidTimeout)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// modelRun is the deprecated AI.MODELRUN key [TIMEOUT t] INPUTS in... OUTPUTS out... (no counts).
func (m *Module) modelRun(ctx *command.Ctx, args [][]byte) {
	if len(args) < 6 {
		replyErr(ctx.Reply, wrongArity("AI.MODELRUN"))
		return
	}
	model, err := getModel(ctx.Keys, args[1])
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	mc := &modelCall{model: model}
	pos := 2
	if isWord(args[pos], "TIMEOUT") {
		if mc.timeout, err = parseTimeout(args[pos+1]); err != nil {
			replyErr(ctx.Reply, err)
			return
		}
		pos += 2
	}
	if !isWord(args[pos], "INPUTS") {
		ctx.Reply.Error("ERR INPUTS not specified")
		return
	}
	outputs := false
	for _, a := range args[pos+1:] {
		switch {
		case !outputs && isWord(a, "OUTPUTS"):
			outputs = true
		case outputs:
			mc.outKeys = append(mc.outKeys, a)
		default:
			mc.inKeys = append(mc.inKeys, a)
		}
	}
	if model.IOKnown && !model.InputsVariadic && len(model.Inputs) != len(mc.inKeys) {
		ctx.Reply.Error(errInputsMismatch)
		return
	}
	if model.IOKnown && !model.OutputsVariadic && len(model.Outputs) != len(mc.outKeys) {
		ctx.Reply.Error(errOutputsMismatch)
		return
	}
	m.runModelCall(ctx, mc)
}
