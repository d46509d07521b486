package ai

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// FuzzCommandArguments runs AI.* commands with arbitrary arguments (NUL-separated in the input; the
// first byte picks the command) against a keyspace holding a tensor, a script and a model. Every
// command must answer exactly one well-formed reply and never panic. AI.CONFIG is left out: it loads
// shared libraries from the paths it is given.
func FuzzCommandArguments(f *testing.F) {
	for _, seed := range []string{
		"\x00t\x00FLOAT\x002\x002\x00VALUES\x001\x002\x003\x004",
		"\x00t\x00INT8\x003\x00BLOB\x00abc",
		"\x00t\x00STRING\x002\x00VALUES\x00a\x00b",
		"\x00m\x00TF\x00CPU\x00INPUTS\x001\x00a\x00OUTPUTS\x001\x00b\x00BLOB\x00x",
		"\x00m\x00ONNX\x00CPU\x00BATCHSIZE\x004\x00MINBATCHSIZE\x002\x00BLOB\x00x",
		"\x00s\x00CPU\x00ENTRY_POINTS\x001\x00negate\x00SOURCE\x00def negate(x):\n    return torch.neg(x)\n",
		"\x00s\x00negate\x00INPUTS\x001\x00x\x00OUTPUTS\x001\x00y",
		"\x00LOAD\x001\x00x\x00|>\x00AI.TENSORGET\x00x\x00VALUES",
		"\x00t\x00META\x00BLOB",
	} {
		for c := byte(0); c < 20; c += 3 {
			f.Add(append([]byte{c}, seed...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		e := newEnv(t, Options{Scripts: &testScripts{}})
		e.do("AI.TENSORSET", "x", "FLOAT", "2", "VALUES", "1", "2")
		e.do("AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "1", "negate", "SOURCE", "def negate(x):\n    return torch.neg(x)\n")
		e.do("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "blob")
		var names []string
		for n := range e.cmds {
			if n != "AI.CONFIG" {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		args := [][]byte{[]byte(names[int(data[0])%len(names)])}
		if len(data) > 1 {
			args = append(args, bytes.Split(data[1:], []byte{0})[1:]...)
		}
		reply := e.doBytes(args)
		if !wellFormed(reply) {
			t.Fatalf("%q answered %q", args, reply)
		}
	})
}

// wellFormed checks that reply is exactly one complete RESP2 value.
func wellFormed(reply string) bool {
	rest, ok := oneValue(reply)
	return ok && rest == ""
}

func oneValue(s string) (string, bool) {
	if len(s) < 3 {
		return "", false
	}
	line, rest, found := strings.Cut(s, "\r\n")
	if !found {
		return "", false
	}
	switch line[0] {
	case '+', '-', ':':
		return rest, !strings.ContainsAny(line, "\r\n")
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", false
		}
		if n < 0 {
			return rest, true
		}
		if len(rest) < n+2 || rest[n:n+2] != "\r\n" {
			return "", false
		}
		return rest[n+2:], true
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", false
		}
		for i := 0; i < n; i++ {
			var ok bool
			if rest, ok = oneValue(rest); !ok {
				return "", false
			}
		}
		return rest, true
	}
	return "", false
}
