package orchestrator

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// A TCP connection is served inside one held read of its socket (serveHeld) and leaves it for a
// request longer than the read buffer. Requests cut into pieces at every boundary, values larger than
// the buffer between small requests, and a pipeline arriving in bursts must all be answered in order.
func TestHeldReadAnswersSplitLargeAndPipelinedRequests(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())

	// A request split into 1-byte writes, with the server waiting between them.
	for _, b := range encodeCommand("SET", "split", "value") {
		c.Send([]byte{b})
		time.Sleep(200 * time.Microsecond)
	}
	if got := c.Reply(); got != "+OK\r\n" {
		t.Fatalf("split SET = %q", got)
	}

	// Values around and past the 64 KiB read buffer, each followed by a small request in the same write.
	for _, size := range []int{65536 - 40, 65536, 65536 + 1, 1 << 20} {
		value := strings.Repeat(string(rune('a'+size%26)), size)
		c.Send(append(encodeCommand("SET", "big", value), encodeCommand("STRLEN", "big")...))
		if got := c.Reply(); got != "+OK\r\n" {
			t.Fatalf("SET of %d bytes = %q", size, got)
		}
		if got, want := c.Reply(), fmt.Sprintf(":%d\r\n", size); got != want {
			t.Fatalf("STRLEN after a %d-byte SET = %q, want %q", size, got, want)
		}
		if got := c.Do("GET", "big"); got != fmt.Sprintf("$%d\r\n%s\r\n", size, value) {
			t.Fatalf("GET of the %d-byte value came back wrong (%d bytes)", size, len(got))
		}
	}

	// 2,000 pipelined INCRs written in uneven bursts from another goroutine while replies are read.
	var pipeline bytes.Buffer
	for i := 0; i < 2000; i++ {
		pipeline.Write(encodeCommand("INCR", "n"))
	}
	raw := pipeline.Bytes()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for len(raw) > 0 {
			n := min(len(raw), 1+len(raw)%977)
			c.nc.Write(raw[:n])
			raw = raw[n:]
		}
	}()
	for i := 1; i <= 2000; i++ {
		if got, want := c.Reply(), fmt.Sprintf(":%d\r\n", i); got != want {
			t.Fatalf("INCR %d = %q, want %q", i, got, want)
		}
	}
	wg.Wait()
}

// Shutting the server down ends a connection even while its peer keeps pipelining requests, so that
// the held read never returns to the poller on its own.
func TestShutdownEndsAConnectionThatKeepsSending(t *testing.T) {
	srv := startServer(t, Config{})
	busy := dial(t, "tcp", srv.Addr())
	if got := busy.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING = %q", got)
	}
	go func() { // sends as fast as the server reads, never waiting for a reply
		req := bytes.Repeat(encodeCommand("PING"), 64)
		for {
			busy.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
			if _, err := busy.nc.Write(req); err != nil {
				return
			}
		}
	}()
	go func() { // drains replies so that the server's writes never block
		buf := make([]byte, 64<<10)
		for {
			if _, err := busy.nc.Read(buf); err != nil {
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a connection still sending: %v after %s (its goroutine never saw the close)", err, time.Since(start))
	}
}

// WriteVectors sends every buffer in order, across the partial writes and waits of a peer that reads
// slowly (megabytes do not fit in the socket buffers, so writev stops short and the poller waits).
func TestWriteVectorsSendsEveryByteInOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sock, err := newSocketIO(nc)
	if err != nil {
		t.Fatal(err)
	}
	var bufs [][]byte
	var want []byte
	for i, n := range []int{9, 3 << 20, 0, 2, 5<<20 + 7, 1} {
		b := bytes.Repeat([]byte{byte('a' + i)}, n)
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	got := make(chan []byte)
	go func() {
		var all []byte
		chunk := make([]byte, 100000)
		for len(all) < len(want) {
			n, err := peer.Read(chunk)
			if err != nil {
				break
			}
			all = append(all, chunk[:n]...)
			time.Sleep(100 * time.Microsecond)
		}
		got <- all
	}()
	n, err := sock.WriteVectors(bufs)
	if err != nil || n != int64(len(want)) {
		t.Fatalf("WriteVectors = %d, %v; want %d", n, err, len(want))
	}
	if !bytes.Equal(<-got, want) {
		t.Fatal("the peer received other bytes than were written")
	}
}
