package ai

import (
	"fmt"
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

func TestConfigSubcommands(t *testing.T) {
	e := newEnv(t, Options{BackendsPath: "/opt/backends", Logf: t.Logf})
	e.must(bulk("/opt/backends"), "AI.CONFIG", "GET", "BACKENDSPATH")
	e.must(errr("ERR BACKENDSPATH: missing path argument"), "AI.CONFIG", "BACKENDSPATH")
	e.must(ok(), "AI.CONFIG", "BACKENDSPATH", "/usr/lib/backends")
	e.must(bulk("/usr/lib/backends"), "AI.CONFIG", "get", "backendspath")
	if e.m.BackendsPath() != "/usr/lib/backends" {
		t.Fatal("BackendsPath() must follow AI.CONFIG")
	}
	e.must(arity("AI.CONFIG"), "AI.CONFIG", "GET")
	e.must(arity("AI.CONFIG"), "AI.CONFIG", "LOADBACKEND", "ONNX")
	e.must(errr("ERR error loading backend"), "AI.CONFIG", "LOADBACKEND", "ONNX", "/nowhere.so")
}

func TestInfoSectionAndGPULog(t *testing.T) {
	var logs []string
	e := newEnv(t, Options{ThreadsPerQueue: 2, Backends: []Backend{&addBackend{name: "ONNX"}}, Logf: func(f string, a ...any) {
		logs = append(logs, fmt.Sprintf(f, a...))
	}})
	e.must(ok(), "AI.MODELSTORE", "m", "ONNX", "GPU:1", "BLOB", "x")
	e.must(ok(), "AI.MODELSTORE", "m2", "ONNX", "GPU:1", "BLOB", "x")
	e.must(ok(), "AI.SCRIPTSET", "s", "CPU", "SOURCE", "x")
	if len(logs) != 1 || !strings.Contains(logs[0], "GPU:1") || !strings.Contains(logs[0], "run on the CPU") {
		t.Fatalf("logs %q", logs)
	}
	info := e.m.InfoSection()
	for _, want := range []string{"ai_threads_per_queue:2\r\n", "ai_backends_loaded:ONNX\r\n", "ai_queues:CPU,GPU:1\r\n",
		"ai_model_chunk_size:535822336\r\n", "ai_script_engine:none\r\n", "ai_execution_device:CPU\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("InfoSection lacks %q:\n%s", want, info)
		}
	}
}
