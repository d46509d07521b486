package ai

import (
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// scriptCall is a parsed AI.SCRIPTEXECUTE / AI.SCRIPTRUN.
type scriptCall struct {
	script          *ScriptValue
	call            ScriptCall
	inKeys, outKeys [][]byte
	timeout         time.Duration
}

// scriptExecute is AI.SCRIPTEXECUTE key fn [KEYS n..] [INPUTS n..] [ARGS n..] [OUTPUTS n..] [TIMEOUT ms].
func (m *Module) scriptExecute(ctx *command.Ctx, args [][]byte) {
	if len(args) < 3 {
		replyErr(ctx.Reply, wrongArity("AI.SCRIPTEXECUTE"))
		return
	}
	script, err := getScript(ctx.Keys, args[1])
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	sc := &scriptCall{script: script, call: ScriptCall{Function: string(args[2]), Variadic: -1}}
	if err := parseScriptExecuteScopes(args, sc, true); err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	m.runScriptCall(ctx, sc)
}

// parseScriptExecuteScopes reads the scopes after the function name: KEYS or INPUTS first (unless in
// a DAG, where RedisAI does not require it), then each scope at most once in any order, TIMEOUT last.
func parseScriptExecuteScopes(args [][]byte, sc *scriptCall, keysOrInputsFirst bool) error {
	pos := 3
	seen := map[string]bool{}
	if keysOrInputsFirst && (pos >= len(args) || !(isWord(args[pos], "KEYS") || isWord(args[pos], "INPUTS"))) {
		return replyError("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command")
	}
	for pos < len(args) {
		word := args[pos]
		pos++
		if isWord(word, "TIMEOUT") {
			if pos >= len(args) {
				return replyError("ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE")
			}
			var err error
			if sc.timeout, err = parseTimeout(args[pos]); err != nil {
				return err
			}
			pos++
			if pos != len(args) {
				return replyError("ERR Encountered problem parsing AI.SCRIPTEXECUTE")
			}
			return nil
		}
		scope := ""
		for _, s := range []string{"KEYS", "ARGS", "INPUTS", "OUTPUTS"} {
			if isWord(word, s) {
				scope = s
			}
		}
		if scope == "" {
			return replyError(oneLine("ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: " + string(word)))
		}
		if seen[scope] {
			return replyError("ERR Already Encountered " + scope + " scope in AI.SCRIPTEXECUTE command")
		}
		seen[scope] = true
		list, next, err := scopeList(args, pos, scope)
		if err != nil {
			return err
		}
		pos = next
		switch scope {
		case "KEYS":
			sc.call.Keys = list
		case "ARGS":
			sc.call.Args = list
		case "INPUTS":
			sc.inKeys = list
		case "OUTPUTS":
			sc.outKeys = list
		}
	}
	return nil
}

// scopeList reads "n item..." at pos for a scope, with RedisAI's per-scope messages. A negative count,
// which RedisAI silently treats as zero, is refused here as an invalid count.
func scopeList(args [][]byte, pos int, scope string) ([][]byte, int, error) {
	if scope == "KEYS" {
		if len(args)-pos < 2 {
			return nil, 0, replyError("ERR Missing arguments after KEYS keyword")
		}
		n, ok := parseLongLong(args[pos])
		if !ok || n <= 0 {
			return nil, 0, replyError("ERR Invalid or negative value found in number of KEYS")
		}
		if int64(len(args)-pos-1) < n {
			return nil, 0, replyError("ERR Number of pre declared KEYS to be used in the command does not match the number of given arguments")
		}
		return args[pos+1 : pos+1+int(n)], pos + 1 + int(n), nil
	}
	if pos >= len(args) {
		return nil, 0, replyError("ERR Invalid arguments provided to AI.SCRIPTEXECUTE")
	}
	name := map[string]string{"ARGS": "keys", "INPUTS": "inputs", "OUTPUTS": "outputs"}[scope]
	plural := map[string]string{"ARGS": "args", "INPUTS": "inputs", "OUTPUTS": "outputs"}[scope]
	n, ok := parseLongLong(args[pos])
	if !ok || n < 0 {
		return nil, 0, replyError("ERR Invalid argument for " + name + " count in AI.SCRIPTEXECUTE")
	}
	if int64(len(args)-pos-1) < n {
		return nil, 0, replyError("ERR number of " + plural + " to AI.SCRIPTEXECUTE command does not match the number of given arguments")
	}
	return args[pos+1 : pos+1+int(n)], pos + 1 + int(n), nil
}

// scriptRun is the deprecated AI.SCRIPTRUN key fn INPUTS in... OUTPUTS out... [TIMEOUT t], which
// SmartRedis sends; "$" among the inputs starts a variadic list.
func (m *Module) scriptRun(ctx *command.Ctx, args [][]byte) {
	if len(args) < 3 {
		replyErr(ctx.Reply, wrongArity("AI.SCRIPTRUN"))
		return
	}
	script, err := getScript(ctx.Keys, args[1])
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	sc := &scriptCall{script: script, call: ScriptCall{Function: string(args[2]), Variadic: -1}}
	if err := parseScriptRunArgs(args, sc); err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	m.runScriptCall(ctx, sc)
}

func parseScriptRunArgs(args [][]byte, sc *scriptCall) error {
	inInputs, inOutputs, timeoutSet, inputsDone := false, false, false, false
	for pos := 3; pos < len(args); pos++ {
		a := args[pos]
		switch {
		case isWord(a, "TIMEOUT"):
			if timeoutSet {
				return replyError("ERR Already encountered an TIMEOUT section in SCRIPTRUN")
			}
			pos++
			if pos >= len(args) {
				return replyError("ERR No value provided for TIMEOUT")
			}
			var err error
			if sc.timeout, err = parseTimeout(args[pos]); err != nil {
				return err
			}
			timeoutSet = true
		case isWord(a, "INPUTS"):
			if inputsDone {
				return replyError("ERR Already encountered an INPUTS section in SCRIPTRUN")
			}
			if inInputs {
				return replyError("ERR Already encountered an INPUTS keyword in SCRIPTRUN")
			}
			inInputs, inOutputs = true, false
		case isWord(a, "OUTPUTS"):
			if inOutputs {
				return replyError("ERR Already encountered an OUTPUTS keyword in SCRIPTRUN")
			}
			inInputs, inOutputs, inputsDone = false, true, true
		case string(a) == "$":
			if !inInputs {
				return replyError("ERR Encountered a variable size list of tensors outside of input section")
			}
			if sc.call.Variadic > -1 {
				return replyError("ERR Already encountered a variable size list of tensors")
			}
			sc.call.Variadic = len(sc.inKeys)
		case inInputs:
			sc.inKeys = append(sc.inKeys, a)
		case inOutputs:
			sc.outKeys = append(sc.outKeys, a)
		default:
			return replyError("ERR Unrecongnized parameter to SCRIPTRUN")
		}
	}
	return nil
}
