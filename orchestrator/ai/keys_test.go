package ai

import (
	"strings"
	"testing"
)

func keysOf(fn func([][]byte) [][]byte, cmd string) string {
	var args [][]byte
	for _, a := range strings.Fields(cmd) {
		args = append(args, []byte(a))
	}
	var out []string
	for _, k := range fn(args) {
		out = append(out, string(k))
	}
	return strings.Join(out, " ")
}

func TestKeyExtractionForRouting(t *testing.T) {
	cases := []struct {
		fn   func([][]byte) [][]byte
		cmd  string
		want string
	}{
		{modelExecuteKeys, "AI.MODELEXECUTE m{1} INPUTS 2 a{1} b OUTPUTS 1 c{1} TIMEOUT 5", "m{1} a{1} b c{1}"},
		{modelExecuteKeys, "AI.MODELEXECUTE m INPUTS 5 a", "m a"},
		{modelExecuteKeys, "AI.MODELEXECUTE m INPUTS x a", "m"},
		{modelExecuteKeys, "AI.MODELEXECUTE", ""},
		{modelRunKeys, "AI.MODELRUN m TIMEOUT 5 INPUTS a b OUTPUTS c", "m a b c"},
		{scriptExecuteKeys, "AI.SCRIPTEXECUTE s f KEYS 1 k INPUTS 2 a b ARGS 2 x y OUTPUTS 1 c TIMEOUT 9", "s k a b c"},
		{scriptRunKeys, "AI.SCRIPTRUN s f INPUTS a $ b OUTPUTS c TIMEOUT 9", "s a b c"},
		{dagKeys, "AI.DAGEXECUTE LOAD 2 a b PERSIST 1 c ROUTING r TIMEOUT 5 |> AI.TENSORGET x", "a b c r"},
	}
	for _, c := range cases {
		if got := keysOf(c.fn, c.cmd); got != c.want {
			t.Errorf("%s: keys %q, want %q", c.cmd, got, c.want)
		}
	}
	// The specs wire them in and keep key 1 for the single-key commands.
	m := New(Options{})
	defer m.Close()
	for _, s := range m.Commands() {
		if s.Arity != -1 || s.Handler == nil {
			t.Errorf("%s: arity %d", s.Name, s.Arity)
		}
		if s.Name == "AI.TENSORSET" && keysOf(s.KeysOf, "AI.TENSORSET t FLOAT 1") != "t" {
			t.Errorf("AI.TENSORSET key")
		}
		if s.Name == "AI.CONFIG" && keysOf(s.KeysOf, "AI.CONFIG GET X") != "" {
			t.Errorf("AI.CONFIG has no keys")
		}
	}
}
