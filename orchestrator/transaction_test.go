package orchestrator

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/resp"
)

// No other client's command runs between a transaction's commands.
func TestExecIsIsolated(t *testing.T) {
	srv := startServer(t, Config{})
	ctx := context.Background()
	rdb := newGoRedis(t, &redis.Options{Addr: srv.Addr(), PoolSize: 8})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					rdb.Incr(ctx, "counter")
				}
			}
		}()
	}
	for round := 0; round < 20; round++ {
		cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < 50; i++ {
				p.Incr(ctx, "counter")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("TxPipelined: %v", err)
		}
		first := cmds[0].(*redis.IntCmd).Val()
		for i, cmd := range cmds {
			if got := cmd.(*redis.IntCmd).Val(); got != first+int64(i) {
				t.Fatalf("round %d: reply %d = %d after %d: another client's INCR interleaved", round, i, got, first)
			}
		}
	}
	close(stop)
	wg.Wait()
}

// go-redis's optimistic-locking helper: a key changed by another client between WATCH and EXEC makes
// the transaction fail, and a retry succeeds.
func TestGoRedisWatch(t *testing.T) {
	srv := startServer(t, Config{})
	ctx := context.Background()
	rdb := newGoRedis(t, &redis.Options{Addr: srv.Addr()})
	other := newGoRedis(t, &redis.Options{Addr: srv.Addr()})
	rdb.Set(ctx, "balance", 10, 0)
	attempts := 0
	transfer := func(tx *redis.Tx) error {
		attempts++
		n, err := tx.Get(ctx, "balance").Int()
		if err != nil {
			return err
		}
		if attempts == 1 {
			other.IncrBy(ctx, "balance", 100) // a concurrent write after WATCH
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "balance", n-1, 0)
			return nil
		})
		return err
	}
	if err := rdb.Watch(ctx, transfer, "balance"); err != redis.TxFailedErr {
		t.Fatalf("first attempt: %v, want redis.TxFailedErr", err)
	}
	if err := rdb.Watch(ctx, transfer, "balance"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n, _ := rdb.Get(ctx, "balance").Int(); n != 109 {
		t.Errorf("balance = %d, want 109", n)
	}
}

func TestExecReplies(t *testing.T) {
	srv, err := New(Config{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(command.Spec{Name: "AI.MODELEXECUTE", Arity: -2, Flags: command.Blocking, FirstKey: 1, LastKey: 1, Step: 1,
		Handler: func(ctx *command.Ctx, _ [][]byte) { ctx.Reply.SimpleString("RAN") }})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, "tcp", srv.Addr())
	big := strings.Repeat("v", 3*resp.FlushThreshold)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"SET", "big", big}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"AI.MODELEXECUTE", "m"}, "+QUEUED\r\n"},
		{[]string{"GET", "big"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n-ERR Cannot run RedisAI command within a transaction or a LUA script\r\n$" + strconv.Itoa(len(big)) + "\r\n" + big + "\r\n"},
		{[]string{"AI.MODELEXECUTE", "m"}, "+RAN\r\n"},
	}
	for _, st := range steps {
		if got := c.Do(st.args...); got != st.want {
			t.Errorf("%.40q = %.120q, want %.120q", st.args, got, st.want)
		}
	}
}

func TestExecInCluster(t *testing.T) {
	servers := startCluster(t)
	c := dial(t, "tcp", servers[1].Addr()) // owns 5461-10922: {8M} is slot 5461, "bar" 5061 is not
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "{8M}a", "1"}, "+QUEUED\r\n"},
		{[]string{"SET", "bar", "1"}, "-MOVED 5061 " + servers[0].Addr() + "\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "{8M}a", "1"}, "+QUEUED\r\n"},
		{[]string{"SET", fmt.Sprintf("{%s}b", keyInSlot(t, 6000)), "1"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "{8M}a", "1"}, "+QUEUED\r\n"},
		{[]string{"INCR", "{8M}a"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n+OK\r\n:2\r\n"},
	}
	for _, st := range steps {
		if got := c.Do(st.args...); got != st.want {
			t.Errorf("%q = %q, want %q", st.args, got, st.want)
		}
	}
}

// keyInSlot finds a short key that hashes to slot.
func keyInSlot(t *testing.T, slot int) string {
	for i := 0; i < 1<<20; i++ {
		if k := strconv.Itoa(i); KeySlot([]byte(k)) == slot {
			return k
		}
	}
	t.Fatalf("no key for slot %d", slot)
	return ""
}
