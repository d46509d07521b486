package ai

import "testing"

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
