package orchestrator

import (
	"strconv"
	"testing"
)

// A script whose every line is indented (SmartRedis's set_function sends inspect.getsource of a
// nested function) compiles in the Starlark engine after dedenting, runs, and SCRIPTGET returns the
// source as sent. The TorchScript engine's case is in backends/torch.
func TestIndentedScriptStarlark(t *testing.T) {
	srv := startServer(t, Config{Name: "db"})
	c := dial(t, "tcp", srv.Addr())
	src := "        def neg(x):\n            return torch.neg(x)\n"
	if r := c.Do("AI.SCRIPTSET", "s", "CPU", "SOURCE", src); r != "+OK\r\n" {
		t.Fatalf("SCRIPTSET: %q", r)
	}
	c.Do("AI.TENSORSET", "x", "FLOAT", "2", "VALUES", "1", "-2")
	if r := c.Do("AI.SCRIPTRUN", "s", "neg", "INPUTS", "x", "OUTPUTS", "y"); r != "+OK\r\n" {
		t.Fatalf("SCRIPTRUN: %q", r)
	}
	if r := c.Do("AI.TENSORGET", "y", "VALUES"); r != "*2\r\n$2\r\n-1\r\n$1\r\n2\r\n" {
		t.Fatalf("TENSORGET: %q", r)
	}
	if r := c.Do("AI.SCRIPTGET", "s", "SOURCE"); r != "$"+strconv.Itoa(len(src))+"\r\n"+src+"\r\n" {
		t.Fatalf("SCRIPTGET: %q", r)
	}
}
