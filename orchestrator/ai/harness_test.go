package ai

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// memKeyspace is a minimal command.Keyspace for driving handlers without the server.
type memKeyspace struct {
	mu     sync.Mutex
	values map[string]command.Value
}

func newMemKeyspace() *memKeyspace { return &memKeyspace{values: map[string]command.Value{}} }

func (k *memKeyspace) Get(key []byte) (command.Value, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.values[string(key)]
	return v, ok
}

func (k *memKeyspace) Put(key []byte, v command.Value) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.values[string(key)] = v
	return nil
}

func (k *memKeyspace) PutOwned(key []byte, v command.BufferValue) error { return k.Put(key, v) }

func (k *memKeyspace) TypeName(key []byte) (string, bool) {
	v, ok := k.Get(key)
	if !ok {
		return "", false
	}
	return v.TypeName(), true
}

func (k *memKeyspace) Delete(key []byte) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.values[string(key)]
	delete(k.values, string(key))
	return ok
}

func (k *memKeyspace) Update(key []byte, fn func(command.Value, bool) (command.Value, bool, error)) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	old, ok := k.values[string(key)]
	nv, del, err := fn(old, ok)
	if err != nil {
		return err
	}
	if nv != nil {
		k.values[string(key)] = nv
	} else if del {
		delete(k.values, string(key))
	}
	return nil
}

func (k *memKeyspace) Range(fn func([]byte, command.Value) bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, v := range k.values {
		if !fn([]byte(key), v) {
			return
		}
	}
}

// stringValue stands for a Redis string, to provoke WRONGTYPE.
type stringValue string

func (stringValue) TypeName() string { return "string" }
func (s stringValue) MemSize() int64 { return int64(len(s)) }

// respRecorder writes replies as RESP2 text, so tests compare exactly what a client would read.
type respRecorder struct{ b strings.Builder }

func (r *respRecorder) SimpleString(s string) { fmt.Fprintf(&r.b, "+%s\r\n", s) }
func (r *respRecorder) Error(msg string)      { fmt.Fprintf(&r.b, "-%s\r\n", msg) }
func (r *respRecorder) Int(n int64)           { fmt.Fprintf(&r.b, ":%d\r\n", n) }
func (r *respRecorder) Bulk(b []byte)         { fmt.Fprintf(&r.b, "$%d\r\n%s\r\n", len(b), b) }
func (r *respRecorder) BulkString(s string)   { r.Bulk([]byte(s)) }
func (r *respRecorder) Null()                 { r.b.WriteString("$-1\r\n") }
func (r *respRecorder) Array(n int)           { fmt.Fprintf(&r.b, "*%d\r\n", n) }
func (r *respRecorder) NullArray()            { r.b.WriteString("*-1\r\n") }

// env is a module with its command table and a keyspace.
type env struct {
	t    *testing.T
	m    *Module
	ks   *memKeyspace
	cmds map[string]command.Spec
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	m := New(opts)
	t.Cleanup(m.Close)
	e := &env{t: t, m: m, ks: newMemKeyspace(), cmds: map[string]command.Spec{}}
	for _, s := range m.Commands() {
		e.cmds[s.Name] = s
	}
	return e
}

// do runs one command given as separate arguments and returns its RESP reply.
func (e *env) do(args ...string) string {
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	return e.doBytes(bargs)
}

func (e *env) doBytes(args [][]byte) string {
	if strings.EqualFold(string(args[0]), "SET") { // a plain Redis string, to provoke WRONGTYPE
		e.ks.Put(args[1], stringValue(args[2]))
		return ok()
	}
	spec, ok := e.cmds[strings.ToUpper(string(args[0]))]
	if !ok {
		e.t.Fatalf("no command %s", args[0])
	}
	rec := &respRecorder{}
	spec.Handler(&command.Ctx{Context: context.Background(), Keys: e.ks, Reply: rec}, args)
	return rec.b.String()
}

// must runs a command and fails the test unless it answers want.
func (e *env) must(want string, args ...string) {
	e.t.Helper()
	if got := e.do(args...); got != want {
		e.t.Fatalf("%q\n got %q\nwant %q", args, got, want)
	}
}

// RESP builders for expected replies.
func ok() string                 { return "+OK\r\n" }
func errr(msg string) string     { return "-" + msg + "\r\n" }
func bulk(s string) string       { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }
func integer(n int64) string     { return fmt.Sprintf(":%d\r\n", n) }
func arr(items ...string) string { return fmt.Sprintf("*%d\r\n", len(items)) + strings.Join(items, "") }
