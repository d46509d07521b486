package orchestrator

import (
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// A blocking command learns through its context that its client went away; on a live connection the
// watcher leaves pipelined requests intact.
func TestBlockingCommandCancelledOnDisconnect(t *testing.T) {
	srv, err := New(Config{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	cancelled := make(chan bool, 4)
	srv.Register(command.Spec{Name: "TEST.WAIT", Arity: 2, Flags: command.Blocking, Handler: func(ctx *command.Ctx, args [][]byte) {
		d, _ := time.ParseDuration(string(args[1]))
		select {
		case <-ctx.Context.Done():
			cancelled <- true
			ctx.Reply.Error("ERR cancelled")
		case <-time.After(d):
			cancelled <- false
			ctx.Reply.SimpleString("DONE")
		}
	}})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	live := dial(t, "tcp", srv.Addr())
	live.Send([]byte(strings.Join([]string{string(encodeCommand("TEST.WAIT", "50ms")), "PING\r\n", string(encodeCommand("TEST.WAIT", "1ms"))}, "")))
	for _, want := range []string{"+DONE\r\n", "+PONG\r\n", "+DONE\r\n"} {
		if got := live.Reply(); got != want {
			t.Errorf("pipelined reply = %q, want %q", got, want)
		}
	}
	<-cancelled
	<-cancelled

	gone := dial(t, "tcp", srv.Addr())
	gone.Send(encodeCommand("TEST.WAIT", "30s"))
	time.Sleep(50 * time.Millisecond)
	gone.nc.Close()
	select {
	case wasCancelled := <-cancelled:
		if !wasCancelled {
			t.Error("the command ran to its end after the client left")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command was not cancelled after the client disconnected")
	}
	if got := live.Do("PING"); got != "+PONG\r\n" {
		t.Errorf("other connection after a disconnect: %q", got)
	}
}
