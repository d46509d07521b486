// Command load is the load generator of bench/db for requests redis-benchmark cannot send: AI.TENSORSET
// and AI.TENSORGET of large float32 tensors (redis-benchmark takes a custom command's arguments from its
// own command line, which the kernel caps at 128 KiB per argument), and SET/GET of the same bytes as the
// baseline on redis-server. Like redis-benchmark it opens -c connections, keeps -P requests in flight
// on each, and measures every request's latency from the write of its batch to the read of its reply.
//
// It prints one line: "rps p50_ms p99_ms".
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	op := flag.String("op", "set", "set, get, tensorset or tensorget")
	size := flag.Int("size", 4096, "value bytes (a multiple of 4 for tensors: float32 elements)")
	clients := flag.Int("c", 16, "connections")
	pipeline := flag.Int("P", 1, "requests in flight per connection")
	total := flag.Int("n", 1000, "requests in all")
	flag.Parse()
	if err := run(*addr, *op, *size, *clients, *pipeline, *total); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(addr, op string, size, clients, pipeline, total int) error {
	if size%4 != 0 && (op == "tensorset" || op == "tensorget") {
		return fmt.Errorf("-size %d is not a whole number of float32 elements (use a multiple of 4)", size)
	}
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i)
	}
	request := func(key string) ([]byte, error) {
		switch op {
		case "set":
			return encode("SET", key, payload), nil
		case "get":
			return encode("GET", key), nil
		case "tensorset":
			return encode("AI.TENSORSET", key, "FLOAT", strconv.Itoa(size/4), "BLOB", payload), nil
		case "tensorget":
			return encode("AI.TENSORGET", key, "META", "BLOB"), nil
		}
		return nil, fmt.Errorf("unknown -op %q (set, get, tensorset, tensorget)", op)
	}
	// Reads need a value to read: each connection reads its own key, stored once beforehand.
	if op == "get" || op == "tensorget" {
		fill := map[string]string{"get": "set", "tensorget": "tensorset"}[op]
		saved := op
		op = fill
		for c := 0; c < clients; c++ {
			req, _ := request(keyOf(c))
			if err := roundTrip(addr, req); err != nil {
				return fmt.Errorf("storing %s: %w", keyOf(c), err)
			}
		}
		op = saved
	}
	perClient := max(1, total/clients)
	lat := make([][]time.Duration, clients)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		req, err := request(keyOf(c))
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := drive(addr, req, pipeline, perClient)
			if err != nil {
				failed.Store(&err)
			}
			lat[c] = l
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := failed.Load(); err != nil {
		return *err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(q float64) float64 {
		return float64(all[min(len(all)-1, int(q*float64(len(all))))].Microseconds()) / 1000
	}
	fmt.Printf("%.1f %.3f %.3f\n", float64(len(all))/elapsed.Seconds(), ms(0.50), ms(0.99))
	return nil
}

func keyOf(c int) string { return "bench:load:" + strconv.Itoa(c) }

// drive sends n requests on one connection, pipeline at a time, and returns each one's latency.
func drive(addr string, req []byte, pipeline, n int) ([]time.Duration, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	batch := make([]byte, 0, len(req)*pipeline)
	for i := 0; i < pipeline; i++ {
		batch = append(batch, req...)
	}
	rd := bufio.NewReaderSize(conn, 64*1024)
	lat := make([]time.Duration, 0, n)
	for len(lat) < n {
		k := min(pipeline, n-len(lat))
		t0 := time.Now()
		if _, err := conn.Write(batch[:k*len(req)]); err != nil {
			return nil, err
		}
		for i := 0; i < k; i++ {
			if err := skipReply(rd); err != nil {
				return nil, err
			}
			lat = append(lat, time.Since(t0))
		}
	}
	return lat, nil
}

func roundTrip(addr string, req []byte) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write(req); err != nil {
		return err
	}
	return skipReply(bufio.NewReader(conn))
}

// encode builds a RESP multibulk request from strings and byte slices.
func encode(args ...any) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		var s []byte
		switch v := a.(type) {
		case string:
			s = []byte(v)
		case []byte:
			s = v
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, "\r\n"...)
		b = append(b, s...)
		b = append(b, "\r\n"...)
	}
	return b
}

// skipReply reads one RESP2 reply and discards it; an error reply is returned as an error, since a
// benchmark of failing requests would measure nothing.
func skipReply(rd *bufio.Reader) error {
	line, err := rd.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 {
		return fmt.Errorf("short reply line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', ':':
		return nil
	case '-':
		return errors.New("server replied " + body)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if n < 0 {
			return errors.New("server replied nil: the key was not stored")
		}
		_, err = rd.Discard(n + 2)
		return err
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := skipReply(rd); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unexpected reply %q", line)
}
