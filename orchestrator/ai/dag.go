package ai

import (
	"bytes"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/tensor"
)

// dagOp is one "|>" operation of a DAG.
type dagOp struct {
	kind    string // AI.TENSORSET, AI.TENSORGET, AI.MODELEXECUTE, AI.SCRIPTEXECUTE
	tensor  *tensor.Tensor
	format  int
	model   *modelCall
	script  *scriptCall
	inKeys  [][]byte
	outKeys [][]byte

	// Set while running.
	ran    bool
	err    string
	result *tensor.Tensor // what TENSORGET saw at its point of the DAG
}

// dag is a parsed AI.DAGEXECUTE.
type dag struct {
	loaded  map[string]*tensor.Tensor
	persist [][]byte
	timeout int64
	ops     []*dagOp
	routing bool
}

// dagExecute is AI.DAGEXECUTE[_RO] [LOAD n k..] [PERSIST n k..] [ROUTING tag] [TIMEOUT ms] |> op...
// Tensors live in the DAG; only PERSIST keys are written, after every op succeeded.
func (m *Module) dagExecute(readOnly bool) func(*command.Ctx, [][]byte) {
	return func(ctx *command.Ctx, args [][]byte) {
		d, err := parseDAG(ctx.Keys, args, readOnly)
		if err != nil {
			replyErr(ctx.Reply, err)
			return
		}
		m.runDAG(ctx, d)
	}
}

func parseDAG(ks command.Keyspace, args [][]byte, readOnly bool) (*dag, error) {
	name := "AI.DAGEXECUTE"
	if readOnly {
		name = "AI.DAGEXECUTE_RO"
	}
	if len(args) < 6 {
		return nil, replyError("ERR missing arguments for '" + name + "' command")
	}
	d := &dag{loaded: map[string]*tensor.Tensor{}}
	loadDone, persistDone, timeoutDone := false, false, false
	var opArgs [][][]byte
	for pos := 1; pos < len(args); {
		word := args[pos]
		noOps := len(opArgs) == 0
		switch {
		case isWord(word, "LOAD") && !loadDone && noOps:
			n, err := parseDAGLoad(ks, args[pos:], d)
			if err != nil {
				return nil, err
			}
			pos += n
			loadDone = true
		case isWord(word, "PERSIST") && !persistDone && noOps:
			if readOnly {
				return nil, replyError("ERR PERSIST cannot be specified in a read-only DAG")
			}
			n, err := parseDAGPersist(args[pos:], d)
			if err != nil {
				return nil, err
			}
			pos += n
			persistDone = true
		case isWord(word, "ROUTING") && !d.routing && noOps:
			pos++
			if pos == len(args) {
				return nil, replyError("ERR Missing ROUTING value")
			}
			pos++
			d.routing = true
		case isWord(word, "TIMEOUT") && !timeoutDone && noOps:
			if len(args)-pos < 2 {
				return nil, replyError("ERR No value provided for TIMEOUT")
			}
			n, ok := parseLongLong(args[pos+1])
			if !ok || n <= 0 {
				return nil, replyError(errInvalidTimeout)
			}
			d.timeout = n
			pos += 2
			timeoutDone = true
		case string(word) == "|>" && pos < len(args)-1:
			pos++
			start := pos
			for pos < len(args) && string(args[pos]) != "|>" {
				pos++
			}
			opArgs = append(opArgs, args[start:pos])
		default:
			return nil, replyError(oneLine("ERR Invalid DAG command. Unexpected argument:  " + string(word))) // sic: two spaces; an echoed newline would break the reply
		}
	}
	if !loadDone && !persistDone && !d.routing {
		return nil, replyError("ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, PERSIST keywords")
	}
	if len(opArgs) == 0 {
		return nil, replyError("ERR DAG is empty")
	}
	for _, a := range opArgs {
		op, err := parseDAGOp(ks, a, readOnly)
		if err != nil {
			return nil, err
		}
		d.ops = append(d.ops, op)
	}
	return d, checkDAGKeys(d)
}

// parseDAGLoad reads LOAD n k... and loads the tensors; it returns the number of arguments used.
func parseDAGLoad(ks command.Keyspace, sub [][]byte, d *dag) (int, error) {
	if len(sub) < 3 {
		return 0, replyError("ERR missing arguments after LOAD keyword in DAG command")
	}
	n, ok := parseLongLong(sub[1])
	if !ok || n <= 0 {
		return 0, replyError("ERR invalid or negative value found in number of keys to LOAD")
	}
	loaded := int64(0)
	for pos := 2; pos < len(sub) && loaded < n; pos++ {
		t, err := getTensor(ks, sub[pos])
		if err != nil {
			return 0, err
		}
		d.loaded[string(sub[pos])] = t
		loaded++
	}
	if loaded != n {
		return 0, replyError("ERR number of keys to LOAD into DAG does not match the number of given arguments")
	}
	return int(n) + 2, nil
}

// parseDAGPersist reads PERSIST n k...; it returns the number of arguments used.
func parseDAGPersist(sub [][]byte, d *dag) (int, error) {
	if len(sub) < 3 {
		return 0, replyError("ERR missing arguments after PERSIST keyword in DAG command")
	}
	n, ok := parseLongLong(sub[1])
	if !ok || n <= 0 {
		return 0, replyError("ERR invalid or negative value found in number of keys to PERSIST")
	}
	count := int64(0)
	for pos := 2; pos < len(sub) && count < n; pos++ {
		for _, k := range d.persist {
			if bytes.Equal(k, sub[pos]) {
				return 0, replyError("ERR PERSIST keys must be unique")
			}
		}
		d.persist = append(d.persist, sub[pos])
		count++
	}
	if count != n {
		return 0, replyError("ERR number of keys to PERSIST after DAG execution does not match the number of given arguments")
	}
	return int(n) + 2, nil
}

func parseDAGOp(ks command.Keyspace, a [][]byte, readOnly bool) (*dagOp, error) {
	if len(a) == 0 {
		return nil, replyError("Unsupported command within DAG")
	}
	op := &dagOp{}
	switch {
	case isWord(a[0], "AI.TENSORGET"):
		op.kind = "AI.TENSORGET"
		format, err := parseTensorGetFormat(a)
		if err != nil {
			return nil, err
		}
		op.format, op.inKeys = format, [][]byte{a[1]}
	case isWord(a[0], "AI.TENSORSET"):
		op.kind = "AI.TENSORSET"
		t, err := parseTensorSet(a)
		if err != nil {
			return nil, err
		}
		op.tensor, op.outKeys = t, [][]byte{a[1]}
	case isWord(a[0], "AI.MODELEXECUTE"):
		op.kind = "AI.MODELEXECUTE"
		mc, err := parseModelExecute(ks, a)
		if err != nil {
			return nil, err
		}
		if mc.timeout > 0 {
			return nil, replyError("ERR TIMEOUT not allowed within a DAG command")
		}
		op.model, op.inKeys, op.outKeys = mc, mc.inKeys, mc.outKeys
	case isWord(a[0], "AI.SCRIPTEXECUTE"):
		op.kind = "AI.SCRIPTEXECUTE"
		if readOnly {
			return nil, replyError("ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG")
		}
		if len(a) < 3 {
			return nil, wrongArity("AI.SCRIPTEXECUTE")
		}
		script, err := getScript(ks, a[1])
		if err != nil {
			return nil, err
		}
		sc := &scriptCall{script: script, call: ScriptCall{Function: string(a[2]), Variadic: -1}}
		if err := parseScriptExecuteScopes(a, sc, false); err != nil {
			return nil, err
		}
		if sc.timeout > 0 {
			return nil, replyError("ERR TIMEOUT not allowed within a DAG command")
		}
		op.script, op.inKeys, op.outKeys = sc, sc.inKeys, sc.outKeys
	case isWord(a[0], "AI.MODELRUN"):
		return nil, replyError("Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command")
	case isWord(a[0], "AI.SCRIPTRUN"):
		return nil, replyError("Deprecated AI.SCRIPTRUN cannot be used in AI.DAGEXECUTE command")
	default:
		return nil, replyError("Unsupported command within DAG")
	}
	return op, nil
}

// checkDAGKeys verifies, before anything runs, that every op input was loaded or made by an earlier
// op and that every PERSIST key is made somewhere in the DAG.
func checkDAGKeys(d *dag) error {
	known := map[string]bool{}
	for k := range d.loaded {
		known[k] = true
	}
	for _, op := range d.ops {
		for _, k := range op.inKeys {
			if !known[string(k)] {
				return replyError("ERR INPUT key cannot be found in DAG")
			}
		}
		for _, k := range op.outKeys {
			known[string(k)] = true
		}
	}
	for _, k := range d.persist {
		if !known[string(k)] {
			return replyError("ERR PERSIST key cannot be found in DAG")
		}
	}
	return nil
}

// runDAG runs the ops in order; after a failed op the later model and script ops are not run ("NA").
func (m *Module) runDAG(ctx *command.Ctx, d *dag) {
	tensors := map[string]*tensor.Tensor{}
	for k, t := range d.loaded {
		tensors[k] = t
	}
	failed := false
	for _, op := range d.ops {
		switch op.kind {
		case "AI.TENSORSET":
			tensors[string(op.outKeys[0])] = op.tensor
			op.ran = true
		case "AI.TENSORGET":
			op.result = tensors[string(op.inKeys[0])]
			op.ran = true
		default:
			if failed {
				continue
			}
			r := m.runDAGOp(ctx, d, op, tensors)
			if r.timedOut {
				ctx.Reply.SimpleString("TIMEDOUT")
				return
			}
			op.ran = true
			if r.err != "" {
				op.err, failed = r.err, true
				continue
			}
			for i, k := range op.outKeys {
				if i < len(r.outputs) {
					tensors[string(k)] = r.outputs[i]
				}
			}
		}
	}
	if !failed {
		for _, k := range d.persist {
			if !put(ctx, k, TensorValue{tensors[string(k)]}) {
				return
			}
		}
	}
	replyDAG(ctx.Reply, d)
}

func (m *Module) runDAGOp(ctx *command.Ctx, d *dag, op *dagOp, tensors map[string]*tensor.Tensor) *request {
	inputs := make([]*tensor.Tensor, len(op.inKeys))
	for i, k := range op.inKeys {
		inputs[i] = tensors[string(k)]
	}
	r := &request{done: make(chan struct{})}
	r.timeout = msDuration(d.timeout)
	device := ""
	if op.model != nil {
		r.model, r.inputs, device = op.model.model, inputs, op.model.model.Device
	} else {
		sc := *op.script
		sc.call.Inputs = inputs
		r.work = func() { m.execScript(r, &sc) }
		device = sc.script.Device
	}
	m.await(ctx.Context, device, r)
	if r.err == "" && !r.timedOut && len(r.outputs) != len(op.outKeys) {
		r.err = "ERR the run produced a different number of outputs than OUTPUTS keys"
	}
	return r
}

func replyDAG(r command.Reply, d *dag) {
	r.Array(len(d.ops))
	for _, op := range d.ops {
		switch {
		case op.kind == "AI.TENSORSET":
			r.SimpleString("OK")
		case op.kind == "AI.TENSORGET":
			if op.result == nil {
				r.SimpleString("NA")
			} else {
				replyTensor(r, op.result, op.format)
			}
		case op.err != "":
			r.Error(op.err)
		case !op.ran:
			r.SimpleString("NA")
		default:
			r.SimpleString("OK")
		}
	}
}
