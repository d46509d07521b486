// Command evloop is the measurement behind keeping goroutine-per-connection in `ssrun db` (issue 14):
// one minimal RESP SET/GET server (same parser, same map) over two network designs, goroutine per
// connection (net) and gnet v2 event loops (epoll, one per core), run by run.sh against redis-server
// and ssrun db with redis-benchmark. It is its own module so that gnet stays out of ssrun's go.mod.
package main

import (
	"bytes"
	"flag"
	"net"
	"strconv"
	"sync"

	"github.com/panjf2000/gnet/v2"
)

var (
	mu    sync.RWMutex
	store = map[string][]byte{}
)

// parse one multibulk request from buf; returns args, consumed bytes, ok (false: incomplete).
func parse(buf []byte) ([][]byte, int, bool) {
	if len(buf) == 0 || buf[0] != '*' {
		return nil, 0, false
	}
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		return nil, 0, false
	}
	n, _ := strconv.Atoi(string(buf[1 : i-1]))
	p := i + 1
	args := make([][]byte, 0, n)
	for k := 0; k < n; k++ {
		j := bytes.IndexByte(buf[p:], '\n')
		if j < 0 {
			return nil, 0, false
		}
		l, _ := strconv.Atoi(string(buf[p+1 : p+j-1]))
		p += j + 1
		if len(buf) < p+l+2 {
			return nil, 0, false
		}
		args = append(args, buf[p:p+l])
		p += l + 2
	}
	return args, p, true
}

func exec(args [][]byte, out []byte) []byte {
	switch string(args[0]) {
	case "SET", "set":
		v := append([]byte(nil), args[2]...)
		mu.Lock()
		store[string(args[1])] = v
		mu.Unlock()
		return append(out, "+OK\r\n"...)
	case "GET", "get":
		mu.RLock()
		v, ok := store[string(args[1])]
		mu.RUnlock()
		if !ok {
			return append(out, "$-1\r\n"...)
		}
		out = append(out, '$')
		out = strconv.AppendInt(out, int64(len(v)), 10)
		out = append(out, "\r\n"...)
		out = append(out, v...)
		return append(out, "\r\n"...)
	}
	return append(out, "+OK\r\n"...)
}

type handler struct {
	gnet.BuiltinEventEngine
}

func (h *handler) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	var out []byte
	used := 0
	for {
		args, n, ok := parse(buf[used:])
		if !ok {
			break
		}
		out = exec(args, out)
		used += n
	}
	c.Discard(used)
	if len(out) > 0 {
		c.Write(out)
	}
	return gnet.None
}

func serveGoroutines(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer nc.Close()
			pending := make([]byte, 0, 64*1024)
			var out []byte
			for {
				if cap(pending)-len(pending) < 16*1024 {
					pending = append(pending, make([]byte, cap(pending))...)[:len(pending)]
				}
				m, err := nc.Read(pending[len(pending):cap(pending)])
				if err != nil {
					return
				}
				pending = pending[:len(pending)+m]
				used := 0
				for {
					args, n, ok := parse(pending[used:])
					if !ok {
						break
					}
					out = exec(args, out)
					used += n
				}
				pending = append(pending[:0], pending[used:]...)
				if len(out) > 0 {
					nc.Write(out)
					out = out[:0]
				}
			}
		}()
	}
}

func main() {
	mode := flag.String("mode", "gnet", "gnet or goroutine")
	addr := flag.String("addr", "127.0.0.1:6400", "")
	flag.Parse()
	if *mode == "gnet" {
		panic(gnet.Run(&handler{}, "tcp://"+*addr, gnet.WithMulticore(true)))
	}
	serveGoroutines(*addr)
}
