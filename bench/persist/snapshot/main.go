// Command snapshot measures a background snapshot of a large dataset on ssrun db or redis-server: it
// fills the server with -gib GiB of 4 MiB values (AI.TENSORSET FLOAT tensors on ssrun, SET strings on
// redis-server), then runs BGSAVE while one client keeps writing small keys, and prints
//
//	snapshot_s  max_write_ms  p99_write_ms  writes_during  latest_fork_usec
//
// snapshot_s is from BGSAVE to the end of the save (INFO persistence); max_write_ms is the longest
// latency of a write during it: the pause a client saw.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

type conn struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func dial(addr string) *conn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		fail(err)
	}
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 1<<16), bw: bufio.NewWriterSize(nc, 1<<20)}
}

func (c *conn) do(args ...[]byte) string {
	fmt.Fprintf(c.bw, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.bw, "$%d\r\n", len(a))
		c.bw.Write(a)
		c.bw.WriteString("\r\n")
	}
	if err := c.bw.Flush(); err != nil {
		fail(err)
	}
	return c.reply()
}

// reply reads one reply; bulk strings are returned whole, arrays are not expected here.
func (c *conn) reply() string {
	line, err := c.br.ReadString('\n')
	if err != nil {
		fail(err)
	}
	if line[0] == '$' {
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		if n < 0 {
			return ""
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(c.br, buf); err != nil {
			fail(err)
		}
		return string(buf[:n])
	}
	return strings.TrimSpace(line)
}

func ioReadFull(br *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := br.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func b(s string) []byte { return []byte(s) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "snapshot:", err)
	os.Exit(1)
}

func infoField(c *conn, field string) string {
	for _, l := range strings.Split(c.do(b("INFO"), b("persistence"))+c.do(b("INFO"), b("stats")), "\r\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return v
		}
	}
	return ""
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server")
	engine := flag.String("engine", "ssrun", "ssrun (AI.TENSORSET) or redis (SET)")
	gib := flag.Float64("gib", 1, "GiB to store")
	flag.Parse()
	const size = 4 << 20
	val := make([]byte, size)
	for i := range val {
		val[i] = byte(i * 31)
	}
	c := dial(*addr)
	n := int(*gib * (1 << 30) / size)
	for i := 0; i < n; i++ {
		key := b(fmt.Sprintf("tensor:%d", i))
		var r string
		if *engine == "ssrun" {
			r = c.do(b("AI.TENSORSET"), key, b("FLOAT"), b(strconv.Itoa(size/4)), b("BLOB"), val)
		} else {
			r = c.do(b("SET"), key, val)
		}
		if r != "+OK" {
			fail(fmt.Errorf("store %d: %s", i, r))
		}
	}
	w := dial(*addr)
	stop := make(chan struct{})
	lat := make(chan []time.Duration)
	go func() {
		var ls []time.Duration
		for i := 0; ; i++ {
			select {
			case <-stop:
				lat <- ls
				return
			default:
			}
			t := time.Now()
			w.do(b("SET"), b("probe"), b(strconv.Itoa(i)))
			ls = append(ls, time.Since(t))
		}
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if r := c.do(b("BGSAVE")); !strings.HasPrefix(r, "+Background saving started") {
		fail(fmt.Errorf("BGSAVE: %s", r))
	}
	for infoField(c, "rdb_bgsave_in_progress") != "0" {
		time.Sleep(2 * time.Millisecond)
	}
	took := time.Since(start)
	close(stop)
	ls := <-lat
	slices.Sort(ls)
	if st := infoField(c, "rdb_last_bgsave_status"); st != "ok" {
		fail(fmt.Errorf("BGSAVE failed: %s", st))
	}
	p99 := ls[len(ls)*99/100]
	fmt.Printf("%.3f %.3f %.3f %d %s\n", took.Seconds(), float64(ls[len(ls)-1])/1e6, float64(p99)/1e6, len(ls), infoField(c, "latest_fork_usec"))
}
