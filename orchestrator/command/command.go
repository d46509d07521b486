// Package command is the contract between the orchestrator's server (protocol, keyspace, cluster routing)
// and the command families that plug into it (core Redis commands, RedisAI's AI.* commands). It holds
// only types: a command family depends on this package, never on the server, so the two can evolve apart.
package command

import (
	"context"
	"errors"
)

// ErrOOM is returned by Keyspace.Put when storing the value would push used memory past maxmemory.
// Handlers answer it with Redis's exact text (OOMReply).
var ErrOOM = errors.New("OOM command not allowed when used memory > 'maxmemory'.")

// OOMReply is the error line Redis sends when a write is refused for memory.
const OOMReply = "OOM command not allowed when used memory > 'maxmemory'."

// Value is anything stored under a key. Values are immutable once stored: a handler that changes a
// value builds a new one and Puts it, so readers never see a half-updated value and no lock is held
// while a large value is copied.
type Value interface {
	// TypeName is what the TYPE command answers: "string", "hash", "list", "AI_TENSOR", "AI__MODEL",
	// "AI_SCRIPT".
	TypeName() string
	// MemSize is the number of bytes the value accounts for in used_memory (payload plus overhead).
	MemSize() int64
}

// BufferValue is a value whose memory is one byte buffer, which it owns alone: a string's bytes, a
// tensor's data. Buffer returns it.
type BufferValue interface {
	Value
	Buffer() []byte
}

// Keyspace is the server's key/value store as command families see it. Keys are binary-safe.
// Every method is safe for concurrent use.
type Keyspace interface {
	// Get returns the value stored at key.
	Get(key []byte) (Value, bool)
	// Put stores v at key, replacing any previous value; it returns ErrOOM past maxmemory.
	Put(key []byte, v Value) error
	// PutOwned is Put for a value whose buffer (BufferValue) is a request argument that nothing else
	// holds or will hold: the handler keeps no reference to it and stores it nowhere else. If the value
	// is later replaced or deleted without having been read, the keyspace reuses that buffer for a later
	// request's argument of the same size.
	PutOwned(key []byte, v BufferValue) error
	// TypeName returns the type of the value at key, without reading the value (a read makes an owned
	// value's buffer ineligible for reuse).
	TypeName(key []byte) (string, bool)
	// Delete removes key and reports whether it existed.
	Delete(key []byte) bool
	// Update runs fn on the current value (nil, false if absent) under the key's lock and stores what
	// it returns: a non-nil Value replaces, nil with del=true deletes, nil with del=false leaves it.
	// fn must be quick (no I/O, no large copies): it is for read-modify-write of small values.
	Update(key []byte, fn func(old Value, ok bool) (nv Value, del bool, err error)) error
	// Range calls fn for every key until fn returns false. The order is unspecified.
	Range(fn func(key []byte, v Value) bool)
}

// Reply writes one RESP2 reply. A handler writes exactly one complete reply per call (an Array header
// is followed by exactly that many elements).
type Reply interface {
	SimpleString(s string) // +s
	Error(msg string)      // -msg; msg carries its own prefix: "ERR ...", "WRONGTYPE ...", "MOVED ..."
	Int(n int64)           // :n
	Bulk(b []byte)         // $len b
	BulkString(s string)   // $len s
	Null()                 // $-1
	Array(n int)           // *n, then n elements
	NullArray()            // *-1
}

// Flags describe a command for COMMAND, maxmemory checks and cluster routing.
type Flags uint32

const (
	// Write marks commands that modify the keyspace.
	Write Flags = 1 << iota
	// ReadOnly marks commands that only read keys.
	ReadOnly
	// DenyOOM marks commands refused once used memory exceeds maxmemory.
	DenyOOM
	// Admin marks server-management commands.
	Admin
	// NoAuth marks commands allowed before AUTH (AUTH, HELLO, QUIT).
	NoAuth
	// Blocking marks commands that may wait (model and script execution, polls).
	Blocking
	// Slow marks commands that may run long without waiting (compiling a model or script, loading a
	// backend, work on the whole keyspace): an event loop hands their connection to a goroutine of its
	// own, as it does a blocking command's, so that they hold up no other client.
	Slow
)

// Spec is one command. Name is upper case ("SET", "AI.TENSORSET"). Arity follows Redis: N > 0 means
// exactly N arguments including the name, -N means at least N; a mismatch is answered by the server with
// "ERR wrong number of arguments for '<name lower case>' command" before Handler runs.
type Spec struct {
	Name  string
	Arity int
	Flags Flags
	// FirstKey, LastKey, Step locate keys as in Redis's COMMAND reply (1-based; LastKey -1 means the last
	// argument; 0,0,0 means no keys). Keys, when set, overrides them for commands whose keys follow
	// keywords (AI.MODELEXECUTE ... INPUTS n k1..kn OUTPUTS ...); it must not fail: on malformed input it
	// returns what it can and Handler reports the error.
	FirstKey, LastKey, Step int
	Keys                    func(args [][]byte) [][]byte
	// Handler runs the command. args[0] is the command name as the client sent it. It may block (model
	// execution); that blocks only this connection, whose later pipelined replies wait in order.
	Handler func(ctx *Ctx, args [][]byte)
}

// Ctx is what a handler gets: the keyspace, the reply writer and the connection's context (cancelled
// when the client disconnects or the server shuts down).
type Ctx struct {
	Context context.Context
	Keys    Keyspace
	Reply   Reply
}

// KeysOf returns the keys of args for routing and CROSSSLOT checks, from Keys or the key positions.
func (s *Spec) KeysOf(args [][]byte) [][]byte {
	if s.Keys != nil {
		return s.Keys(args)
	}
	if s.FirstKey <= 0 || s.FirstKey >= len(args) {
		return nil
	}
	last := s.LastKey
	if last < 0 {
		last = len(args) + last
	}
	if last >= len(args) {
		last = len(args) - 1
	}
	step := s.Step
	if step <= 0 {
		step = 1
	}
	var keys [][]byte
	for i := s.FirstKey; i <= last; i += step {
		keys = append(keys, args[i])
	}
	return keys
}

// WrongArity is Redis's reply text for a bad argument count.
func WrongArity(name string) string {
	return "ERR wrong number of arguments for '" + lower(name) + "' command"
}

// WrongType is Redis's reply text for an operation on a key holding another kind of value.
const WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
