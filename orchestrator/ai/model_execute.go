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
	mc, errMsg := parseModelExecute(ctx.Keys, args)
	if errMsg != "" {
		ctx.Reply.Error(errMsg)
		return
	}
	m.runModelCall(ctx, mc)
}

func parseModelExecute(ks command.Keyspace, args [][]byte) (*modelCall, string) {
	if len(args) < 8 {
		return nil, "ERR wrong number of arguments for 'AI.MODELEXECUTE' command"
	}
	model, errMsg := getModel(ks, args[1])
	if errMsg != "" {
		return nil, errMsg
	}
	mc := &modelCall{model: model}
	if !isWord(args[2], "INPUTS") {
		return nil, "ERR INPUTS not specified"
	}
	n, ok := parseLongLong(args[3])
	if !ok {
		return nil, "ERR Invalid argument for input_count"
	}
	if n <= 0 {
		return nil, "ERR Input count must be a positive integer"
	}
	if model.IOKnown && !model.InputsVariadic && int64(len(model.Inputs)) != n {
		return nil, errInputsMismatch
	}
	pos := 4
	if int64(len(args)-pos) < n {
		return nil, "ERR number of input keys to AI.MODELEXECUTE command does not match the number of given arguments"
	}
	mc.inKeys = args[pos : pos+int(n)]
	pos += int(n)
	if pos == len(args) || !isWord(args[pos], "OUTPUTS") {
		return nil, "ERR OUTPUTS not specified"
	}
	pos++
	if pos == len(args) {
		return nil, "ERR Invalid argument for output_count"
	}
	if n, ok = parseLongLong(args[pos]); !ok {
		return nil, "ERR Invalid argument for output_count"
	}
	pos++
	if n <= 0 {
		return nil, "ERR Output count must be a positive integer"
	}
	if model.IOKnown && !model.OutputsVariadic && int64(len(model.Outputs)) != n {
		return nil, errOutputsMismatch
	}
	if int64(len(args)-pos) < n {
		return nil, "ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments"
	}
	mc.outKeys = args[pos : pos+int(n)]
	pos += int(n)
	if pos == len(args) {
		return mc, ""
	}
	word := args[pos]
	pos++
	if !isWord(word, "TIMEOUT") {
		return nil, "Invalid argument: " + string(word)
	}
	if pos == len(args) {
		return nil, "ERR No value provided for TIMEOUT"
	}
	var msg string
	if mc.timeout, msg = parseTimeout(args[pos]); msg != "" {
		return nil, msg
	}
	pos++
	if pos != len(args) {
		return nil, "Invalid argument: " + string(args[pos])
	}
	return mc, ""
}

// parseTimeout reads a TIMEOUT value: a positive integer of milliseconds.
func parseTimeout(b []byte) (time.Duration, string) {
	n, ok := parseLongLong(b)
	if !ok || n <= 0 {
		return 0, errInvalidTimeout
	}
	return time.Duration(n) * time.Millisecond, ""
}

// modelRun is the deprecated AI.MODELRUN key [TIMEOUT t] INPUTS in... OUTPUTS out... (no counts).
func (m *Module) modelRun(ctx *command.Ctx, args [][]byte) {
	if len(args) < 6 {
		ctx.Reply.Error("ERR wrong number of arguments for 'AI.MODELRUN' command")
		return
	}
	model, errMsg := getModel(ctx.Keys, args[1])
	if errMsg != "" {
		ctx.Reply.Error(errMsg)
		return
	}
	mc := &modelCall{model: model}
	pos := 2
	if isWord(args[pos], "TIMEOUT") {
		if mc.timeout, errMsg = parseTimeout(args[pos+1]); errMsg != "" {
			ctx.Reply.Error(errMsg)
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
