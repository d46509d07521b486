package scripts_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/client"
	"github.com/ssrun/ssrun/orchestrator"
	"github.com/ssrun/ssrun/tensor"
)

// startServer runs a real ssrun db shard in-process on a free loopback port, with the script engine
// wired as `ssrun db` wires it.
func startServer(t *testing.T) string {
	t.Helper()
	srv, err := orchestrator.New(orchestrator.Config{Name: "scripts", Port: 0, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

func newRedis(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// do runs one command and fails the test on error.
func do(t *testing.T, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := c.Do(context.Background(), args...).Result()
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// doErr runs one command that must fail and returns the error reply.
func doErr(t *testing.T, c *redis.Client, args ...any) string {
	t.Helper()
	v, err := c.Do(context.Background(), args...).Result()
	if err == nil {
		t.Fatalf("%v: got %v, want an error", args, v)
	}
	return err.Error()
}

// values is AI.TENSORGET key VALUES as text: doubles come as bulk strings, integers as integers.
func values(t *testing.T, c *redis.Client, key string) []string {
	t.Helper()
	raw := do(t, c, "AI.TENSORGET", key, "VALUES").([]any)
	out := make([]string, len(raw))
	for k, v := range raw {
		out[k] = fmt.Sprint(v)
	}
	return out
}

const seedScript = `
def negate(x):
    return torch.neg(x)

def timestwo(x):
    return 2*x

def pre_process(tensors, keys, args):
    # RedisAI's SCRIPTEXECUTE convention: input tensors, KEYS names, ARGS strings.
    x = torch.cat([t.flatten() for t in tensors])
    return (x - float(args[0])) / float(args[1]), torch.tensor([len(keys)])

def describe(x):
    return torch.softmax(x, 1), torch.argmax(x, dim=1), x.sum(0)

def bad_shapes(x):
    y = x.reshape(-1)
    return torch.matmul(y, x)
`

func TestSeedScriptThroughTheServer(t *testing.T) {
	c := newRedis(t, startServer(t))
	if got := do(t, c, "AI.SCRIPTSTORE", "seed", "CPU", "ENTRY_POINTS", 3, "negate", "timestwo", "pre_process", "SOURCE", seedScript); got != "OK" {
		t.Fatalf("SCRIPTSTORE = %v", got)
	}
	do(t, c, "AI.TENSORSET", "x", "FLOAT", 2, 2, "VALUES", 1, -2, 3.5, 4)
	do(t, c, "AI.SCRIPTEXECUTE", "seed", "negate", "INPUTS", 1, "x", "OUTPUTS", 1, "neg")
	if got, want := values(t, c, "neg"), []string{"-1", "2", "-3.5", "-4"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("negate = %v, want %v", got, want)
	}
	do(t, c, "AI.SCRIPTEXECUTE", "seed", "timestwo", "INPUTS", 1, "x", "OUTPUTS", 1, "twice")
	if got, want := values(t, c, "twice"), []string{"2", "-4", "7", "8"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("timestwo = %v, want %v", got, want)
	}
	meta := do(t, c, "AI.TENSORGET", "twice", "META").([]any)
	if meta[1] != "FLOAT" {
		t.Errorf("timestwo dtype = %v", meta[1])
	}

	// KEYS and ARGS reach a RedisAI-style function; two outputs, each stored under its key.
	do(t, c, "AI.TENSORSET", "y", "FLOAT", 2, "VALUES", 5, 7)
	do(t, c, "AI.SCRIPTEXECUTE", "seed", "pre_process", "KEYS", 2, "x", "y", "INPUTS", 2, "x", "y",
		"ARGS", 2, "1", "2", "OUTPUTS", 2, "scaled", "nkeys")
	if got, want := values(t, c, "scaled"), []string{"0", "-1.5", "1.25", "1.5", "2", "3"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("pre_process = %v, want %v", got, want)
	}
	if got := values(t, c, "nkeys"); len(got) != 1 || got[0] != "2" {
		t.Errorf("pre_process keys = %v", got)
	}
}

func TestScriptSetAndScriptRunThroughTheClientLibrary(t *testing.T) {
	addr := startServer(t)
	ctx := context.Background()
	c, err := client.New(client.Options{Addrs: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetScript(ctx, "seed", "CPU", seedScript+"\ndef describe2(x):\n    return describe(x)\n"); err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.FromFloat32([]int64{2, 2}, []float32{0, 0, 3, 1})
	if err := c.PutTensor(ctx, "x", x); err != nil {
		t.Fatal(err)
	}
	if err := c.RunScript(ctx, "seed", "describe", []string{"x"}, []string{"p", "best", "total"}); err != nil {
		t.Fatal(err)
	}
	p, err := c.GetTensor(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	probs, _ := p.AsFloat32()
	if probs[0] != 0.5 || probs[1] != 0.5 || probs[2] <= probs[3] || probs[2]+probs[3] < 0.9999 {
		t.Errorf("softmax = %v", probs)
	}
	best, _ := c.GetTensor(ctx, "best")
	if idx, _ := best.AsInt64(); len(idx) != 2 || idx[0] != 0 || idx[1] != 0 {
		t.Errorf("argmax = %v (%v)", idx, best.DType)
	}
	total, _ := c.GetTensor(ctx, "total")
	if sums, _ := total.AsFloat32(); len(sums) != 2 || sums[0] != 3 || sums[1] != 1 {
		t.Errorf("sum = %v", sums)
	}
	got, err := c.GetScript(ctx, "seed")
	if err != nil || !strings.Contains(got, "def negate(x):") {
		t.Errorf("GetScript = %q, %v", got, err)
	}
	// The variadic "$" list of AI.SCRIPTRUN arrives as one list argument.
	r := newRedis(t, addr)
	do(t, r, "AI.SCRIPTSET", "sum", "CPU", "SOURCE", "def total(scale, xs):\n    return scale * torch.stack(xs).sum(0)\n")
	do(t, r, "AI.TENSORSET", "two", "INT64", 1, "VALUES", 2)
	do(t, r, "AI.TENSORSET", "a", "INT32", 2, "VALUES", 1, 2)
	do(t, r, "AI.TENSORSET", "b", "INT32", 2, "VALUES", 10, 20)
	do(t, r, "AI.SCRIPTRUN", "sum", "total", "INPUTS", "two", "$", "a", "b", "OUTPUTS", "s")
	if got := values(t, r, "s"); strings.Join(got, ",") != "22,44" {
		t.Errorf("variadic total = %v", got)
	}
	if meta := do(t, r, "AI.TENSORGET", "s", "META").([]any); meta[1] != "INT64" {
		t.Errorf("int32 list * int64 tensor gave %v, want INT64", meta[1])
	}
}

func TestScriptErrorsAreClearReplies(t *testing.T) {
	c := newRedis(t, startServer(t))
	do(t, c, "AI.TENSORSET", "x", "FLOAT", 2, 3, "VALUES", 1, 2, 3, 4, 5, 6)

	got := doErr(t, c, "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "def f(x):\n    return x +\n")
	if !strings.Contains(got, "script:2:15: got newline, want primary expression") {
		t.Errorf("syntax error reply: %q", got)
	}
	got = doErr(t, c, "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "g", "SOURCE", "def f(x):\n    return x\n")
	if got != "Function g does not exist in the given script." {
		t.Errorf("missing entry point reply: %q", got)
	}
	if n := do(t, c, "EXISTS", "s"); n != int64(0) {
		t.Errorf("a script that failed to compile was stored")
	}

	do(t, c, "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "bad_shapes", "SOURCE", seedScript)
	got = doErr(t, c, "AI.SCRIPTEXECUTE", "s", "bad_shapes", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
	want := "Traceback (most recent call last): | script:18:24: in bad_shapes | Error in matmul: mat1 and mat2 shapes cannot be multiplied (1x6 and 2x3)"
	if got != want {
		t.Errorf("runtime error reply:\n%q\nwant\n%q", got, want)
	}
	got = doErr(t, c, "AI.SCRIPTEXECUTE", "s", "nope", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
	if got != "Function does not exist: nope" {
		t.Errorf("missing function reply: %q", got)
	}
	got = doErr(t, c, "AI.SCRIPTEXECUTE", "s", "timestwo", "INPUTS", 1, "x", "OUTPUTS", 2, "y", "z")
	if !strings.Contains(got, "the run produced 1 outputs for 2 OUTPUTS keys") {
		t.Errorf("output count reply: %q", got)
	}

	// A runaway loop stops at the step limit and the connection stays usable.
	do(t, c, "AI.SCRIPTSET", "loop", "CPU", "SOURCE", "def spin(x):\n    while True:\n        pass\n    return x\n")
	got = doErr(t, c, "AI.SCRIPTEXECUTE", "loop", "spin", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
	if !strings.Contains(got, "too many steps") || !strings.Contains(got, "step limit") {
		t.Errorf("step limit reply: %q", got)
	}
	if pong := do(t, c, "PING"); pong != "PONG" {
		t.Errorf("PING after the step limit = %v", pong)
	}
	info := do(t, c, "AI.INFO", "loop").([]any)
	for k := 0; k+1 < len(info); k += 2 {
		if info[k] == "errors" && info[k+1] != int64(1) {
			t.Errorf("AI.INFO errors = %v, want 1", info[k+1])
		}
	}
}

// TestScriptInADag chains a script between tensors that exist only inside an AI.DAGEXECUTE: the
// script's outputs feed the next step and only the persisted key is stored.
func TestScriptInADag(t *testing.T) {
	c := newRedis(t, startServer(t))
	do(t, c, "AI.SCRIPTSTORE", "seed", "CPU", "ENTRY_POINTS", 2, "negate", "timestwo", "SOURCE", seedScript)
	reply := do(t, c, "AI.DAGEXECUTE", "PERSIST", 1, "out",
		"|>", "AI.TENSORSET", "a", "FLOAT", 3, "VALUES", 1, 2, 3,
		"|>", "AI.SCRIPTEXECUTE", "seed", "negate", "INPUTS", 1, "a", "OUTPUTS", 1, "b",
		"|>", "AI.SCRIPTEXECUTE", "seed", "timestwo", "INPUTS", 1, "b", "OUTPUTS", 1, "out",
		"|>", "AI.TENSORGET", "out", "VALUES").([]any)
	if got := fmt.Sprint(reply[len(reply)-1]); got != "[-2 -4 -6]" {
		t.Errorf("DAG result = %v (reply %v)", got, reply)
	}
	if got := values(t, c, "out"); strings.Join(got, ",") != "-2,-4,-6" {
		t.Errorf("persisted out = %v", got)
	}
	if n := do(t, c, "EXISTS", "a", "b"); n != int64(0) {
		t.Errorf("DAG-local tensors were stored: EXISTS = %v", n)
	}
}
