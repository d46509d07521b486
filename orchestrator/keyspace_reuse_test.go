package orchestrator

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"unsafe"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/persist"
)

const reuseSize = 64 << 10

// ownedValue is what SET stores: an argument buffer from the keyspace, filled with fill.
func ownedValue(ks *Keyspace, fill byte) *stringValue {
	b := ks.ArgBuffer(reuseSize)
	for i := range b {
		b[i] = fill
	}
	return &stringValue{b: b}
}

// reusedWithin reports whether one of rounds fresh argument buffers is b's memory. sync.Pool may drop
// any single buffer (the race detector drops one in four on purpose), so callers loop.
func reusedWithin(ks *Keyspace, b []byte, rounds int) bool {
	for range rounds {
		c := ks.ArgBuffer(len(b))
		if unsafe.SliceData(c) == unsafe.SliceData(b) {
			return true
		}
		for i := range c {
			c[i] = 0xEE // what a later request would write over a wrongly reused buffer
		}
	}
	return false
}

// A value stored with PutOwned and replaced or deleted unread gives its buffer to a later argument.
func TestOwnedValueDroppedUnreadIsReused(t *testing.T) {
	for _, drop := range []string{"overwrite", "delete"} {
		t.Run(drop, func(t *testing.T) {
			ks := NewKeyspace(0)
			reused := 0
			for range 50 {
				v := ownedValue(ks, 'a')
				if err := ks.PutOwned([]byte("k"), v); err != nil {
					t.Fatal(err)
				}
				if drop == "overwrite" {
					ks.Put([]byte("k"), &stringValue{b: []byte("small")})
				} else {
					ks.Delete([]byte("k"))
				}
				if reusedWithin(ks, v.b, 1) {
					reused++
				}
			}
			if reused == 0 {
				t.Fatal("no dropped owned value's buffer was reused in 50 rounds")
			}
		})
	}
}

// Whatever hands a value out of the keyspace makes its buffer ineligible: the holder keeps reading
// it after the key has moved on.
func TestValueHandedOutIsNeverReused(t *testing.T) {
	key := []byte("k")
	cases := map[string]func(ks *Keyspace) command.Value{
		"Get": func(ks *Keyspace) command.Value { v, _ := ks.Get(key); return v },
		"Range": func(ks *Keyspace) command.Value {
			var got command.Value
			ks.Range(func(_ []byte, v command.Value) bool { got = v; return true })
			return got
		},
		"Update": func(ks *Keyspace) command.Value {
			var got command.Value
			ks.Update(key, func(old command.Value, _ bool) (command.Value, bool, error) { got = old; return nil, false, nil })
			return got
		},
		"transaction Get": func(ks *Keyspace) command.Value {
			v, _ := ks.lockAll().Get(key)
			ks.unlockAll()
			return v
		},
		"snapshot": func(ks *Keyspace) command.Value {
			snap := ks.beginSnapshot(func() {})
			ks.Put([]byte("other"), &stringValue{b: []byte("x")}) // a write copies its shard, if shared
			var got command.Value
			for i := range snap.shards {
				for _, kv := range snap.shard(i) {
					if kv.key == "k" {
						got = kv.val
					}
				}
			}
			return got
		},
	}
	for name, handOut := range cases {
		t.Run(name, func(t *testing.T) {
			ks := NewKeyspace(0)
			if err := ks.PutOwned(key, ownedValue(ks, 'a')); err != nil {
				t.Fatal(err)
			}
			held := handOut(ks).(*stringValue)
			for _, drop := range []func(){
				func() { ks.PutOwned(key, ownedValue(ks, 'b')) },
				func() { ks.Delete(key) },
			} {
				drop()
				if reusedWithin(ks, held.b, 20) {
					t.Fatal("a value handed out was reused")
				}
				if bytes.Count(held.b, []byte{'a'}) != reuseSize {
					t.Fatal("the value handed out changed under its holder")
				}
			}
		})
	}
}

// TypeName (TYPE, EXISTS and the type check of AI.TENSORSET) does not count as handing out.
func TestTypeNameLeavesValueOwned(t *testing.T) {
	ks := NewKeyspace(0)
	ks.PutOwned([]byte("k"), ownedValue(ks, 'a'))
	if name, ok := ks.TypeName([]byte("k")); !ok || name != "string" {
		t.Fatalf("TypeName = %q, %v", name, ok)
	}
	if name, ok := ks.TypeName([]byte("none")); ok {
		t.Fatalf("TypeName of a missing key = %q", name)
	}
	if !isOwned(ks, "k") {
		t.Fatal("TypeName handed the value out")
	}
}

// isOwned reports whether key's entry still owns its value's buffer (under the shard's lock: the
// server's goroutines write the map).
func isOwned(ks *Keyspace, key string) bool {
	s := ks.shard([]byte(key))
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[key].owned.Load()
}

// A client's SET stores its value owned; EXISTS, TYPE and an AI.TENSORSET type check leave it so,
// and GET hands it out.
func TestCommandsThatDoNotReadLeaveTheValueOwned(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	owned := func() bool { return isOwned(srv.Keys(), "k") }
	if r := c.Do("SET", "k", string(bytes.Repeat([]byte("v"), reuseSize))); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	for _, cmd := range [][]string{{"EXISTS", "k"}, {"TYPE", "k"}, {"AI.TENSORSET", "k", "FLOAT", "1", "VALUES", "1"}} {
		c.Do(cmd...)
		if !owned() {
			t.Fatalf("%s handed the value out", cmd[0])
		}
	}
	if r := c.Do("TYPE", "k"); r != "+string\r\n" {
		t.Fatalf("TYPE: %q", r)
	}
	c.Do("GET", "k")
	if owned() {
		t.Fatal("GET left the value owned")
	}
}

// With an append-only log attached, a stored value is referenced by the log's pending records too.
func TestLoggedValueIsNotOwned(t *testing.T) {
	ks := NewKeyspace(0)
	l := persist.NewLog(filepath.Join(t.TempDir(), "log"), persist.FsyncNo)
	defer l.Close()
	ks.log.Store(l)
	ks.PutOwned([]byte("k"), ownedValue(ks, 'a'))
	if isOwned(ks, "k") {
		t.Fatal("a logged value is owned")
	}
}

// Clients overwrite and read large values of the same keys, strings and tensors, while snapshots are
// taken: every reply must be one whole value as it was written (a buffer reused while a reply still
// went out from it, or while a snapshot held it, shows up as a mix of fills).
func TestConcurrentOverwritesNeverCorruptReads(t *testing.T) {
	srv := startServer(t, Config{})
	ctx := context.Background()
	rdb := newGoRedis(t, &redis.Options{Addr: srv.Addr(), PoolSize: 16})
	const writers, readers, rounds, keys = 4, 4, 1000, 3
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers+1)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				k := fmt.Sprintf("k%d", i%keys)
				fill := bytes.Repeat([]byte{byte('A' + (w*rounds+i)%50)}, reuseSize)
				if err := rdb.Set(ctx, k, fill, 0).Err(); err != nil {
					errs <- err
					return
				}
				if err := rdb.Do(ctx, "AI.TENSORSET", "t"+k, "UINT8", reuseSize, "BLOB", fill).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				k := fmt.Sprintf("k%d", i%keys)
				got, err := rdb.Get(ctx, k).Bytes()
				if err == nil {
					err = checkUniform("GET "+k, got)
				}
				if err == redis.Nil {
					err = nil
				}
				if err != nil {
					errs <- err
					return
				}
				blob, err := rdb.Do(ctx, "AI.TENSORGET", "t"+k, "BLOB").Text()
				if err == nil {
					err = checkUniform("AI.TENSORGET t"+k, []byte(blob))
				}
				if err != nil && err.Error() != "ERR tensor key is empty or in a different shard" {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if err := rdb.Save(ctx).Err(); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func checkUniform(what string, b []byte) error {
	if len(b) != reuseSize {
		return fmt.Errorf("%s: %d bytes, want %d", what, len(b), reuseSize)
	}
	if n := bytes.Count(b, b[:1]); n != len(b) {
		return fmt.Errorf("%s: %d of %d bytes are %q: two values mixed", what, n, len(b), b[0])
	}
	return nil
}

// BenchmarkOverwrite compares an overwrite that hands its buffer to the next argument (PutOwned, what
// SET does) with one that leaves it to the collector (Put), in-process: each round takes an argument
// buffer, fills it as the socket read would, and stores it over the last one.
func BenchmarkOverwrite(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10, 1 << 20} {
		for _, owned := range []bool{false, true} {
			name := fmt.Sprintf("%dKiB/Put", size>>10)
			if owned {
				name = fmt.Sprintf("%dKiB/PutOwned", size>>10)
			}
			b.Run(name, func(b *testing.B) {
				ks := NewKeyspace(0)
				key := []byte("k")
				b.SetBytes(int64(size))
				for i := 0; i < b.N; i++ {
					buf := ks.ArgBuffer(size)
					for j := 0; j < len(buf); j += 512 {
						buf[j] = byte(i)
					}
					v := &stringValue{b: buf}
					if owned {
						ks.PutOwned(key, v)
					} else {
						ks.Put(key, v)
					}
				}
			})
		}
	}
}
