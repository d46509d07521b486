package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The request pattern of a SmartRedis client serving one inference: put_tensor (AI.TENSORSET of the
// input), run_model (AI.MODELEXECUTE), unpack_tensor (AI.TENSORGET META BLOB of the output), three
// blocking round trips on one connection. Its baseline is the same clients doing three SET/GET round
// trips of the same byte sizes on redis-server: each request and each reply the same length as its
// AI counterpart, so the difference is the work behind them (the tensor checks, the queue hand-off,
// the model run), not the bytes on the wire.
//
// Both sides use the same minimal RESP client (commands encoded once, replies read as they come), so
// that the client's own CPU, which shares the machine's cores with the server, is the same small
// amount on both sides and what is measured is the servers.

// trip is one round trip: a pre-encoded request and the exact reply it must get.
type trip struct {
	request []byte
	reply   []byte
}

// pattern is one client's three round trips.
type pattern [3]trip

// aiPattern is client i's TENSORSET / MODELEXECUTE / TENSORGET on model key, with the replies it
// must get (the output blob is learnt from the first run, see learnReplies).
func aiPattern(model string, i int, in []byte) pattern {
	x, y := fmt.Sprintf("{ml}px%d", i), fmt.Sprintf("{ml}py%d", i)
	return pattern{
		{request: encode("AI.TENSORSET", x, "FLOAT", "1", "256", "BLOB", string(in)), reply: []byte("+OK\r\n")},
		{request: encode("AI.MODELEXECUTE", model, "INPUTS", "1", x, "OUTPUTS", "1", y), reply: []byte("+OK\r\n")},
		{request: encode("AI.TENSORGET", y, "META", "BLOB")},
	}
}

// redisPattern is the baseline of ai: a SET as long as TENSORSET, a SET as long as MODELEXECUTE
// storing the value the third trip reads, and a GET whose reply is as long as TENSORGET's.
func redisPattern(i int, ai pattern) pattern {
	x := fmt.Sprintf("px%d", i)
	set1 := padTo(len(ai[0].request), func(v string) []byte { return encode("SET", x, v) })
	// GET answers $<n>\r\n<value>\r\n: the value length whose reply has TENSORGET's length.
	value := 0
	for value+len(strconv.Itoa(value))+5 < len(ai[2].reply) {
		value++
	}
	val := string(bytes.Repeat([]byte{'v'}, value))
	// The second request's value is fixed by the GET, so it is padded to MODELEXECUTE's length
	// through its key.
	key := fmt.Sprintf("py%d", i)
	set2 := encode("SET", key, val)
	for len(set2) < len(ai[1].request) {
		key += "_"
		set2 = encode("SET", key, val)
	}
	return pattern{
		{request: set1, reply: []byte("+OK\r\n")},
		{request: set2, reply: []byte("+OK\r\n")},
		{request: encode("GET", key), reply: []byte("$" + strconv.Itoa(len(val)) + "\r\n" + val + "\r\n")},
	}
}

// padTo builds make(value) with the value grown until the request is at least n bytes long.
func padTo(n int, make func(string) []byte) []byte {
	v := ""
	for {
		b := make(v)
		if len(b) >= n {
			return b
		}
		v += "v"
	}
}

// encode is a RESP array of bulk strings.
func encode(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// conn is a minimal RESP connection: one write and one complete reply per round trip.
type conn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10)}, nil
}

// roundTrip sends req and returns the raw bytes of its reply (valid until the next call).
func (c *conn) roundTrip(req []byte) ([]byte, error) {
	if _, err := c.c.Write(req); err != nil {
		return nil, err
	}
	c.buf = c.buf[:0]
	if err := c.readReply(); err != nil {
		return nil, err
	}
	return c.buf, nil
}

// readReply appends one whole RESP2 reply to c.buf.
func (c *conn) readReply() error {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	c.buf = append(c.buf, line...)
	if len(line) < 3 {
		return errors.New("short reply line")
	}
	switch line[0] {
	case '+', '-', ':':
		return nil
	case '$':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil || n < 0 {
			return err
		}
		start := len(c.buf)
		c.buf = append(c.buf, make([]byte, n+2)...)
		_, err = io.ReadFull(c.r, c.buf[start:])
		return err
	case '*':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return err
		}
		for k := 0; k < n; k++ {
			if err := c.readReply(); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unexpected reply %q", line)
}

// learnReplies runs p once and fills in the replies not known in advance (TENSORGET's), checking
// the known ones.
func learnReplies(addr string, p *pattern) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.c.Close()
	for k := range p {
		got, err := c.roundTrip(p[k].request)
		if err != nil {
			return err
		}
		if p[k].reply == nil {
			p[k].reply = append([]byte(nil), got...)
		} else if !bytes.Equal(got, p[k].reply) {
			return fmt.Errorf("round trip %d: got %q, want %q", k+1, got, p[k].reply)
		}
	}
	return nil
}

// measurePattern runs one client per pattern, each on its own connection, repeating its three round
// trips; a request's latency is the three together. Every reply is checked. The first fifth of the
// time is warm-up.
func measurePattern(addr string, pid int, patterns []pattern, d time.Duration) result {
	var wg sync.WaitGroup
	lat := make([][]time.Duration, len(patterns))
	start := time.Now()
	warm, end := start.Add(d/5), start.Add(d/5+d)
	var cpu [2]time.Duration
	wg.Add(1)
	go func() { // the server's CPU time over the measured window
		defer wg.Done()
		time.Sleep(time.Until(warm))
		cpu[0] = cpuTime(pid)
		time.Sleep(time.Until(end))
		cpu[1] = cpuTime(pid)
	}()
	for i := range patterns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial(addr)
			if err != nil {
				fail(err)
			}
			defer c.c.Close()
			p := patterns[i]
			for {
				t0 := time.Now()
				if t0.After(end) {
					return
				}
				for k := range p {
					got, err := c.roundTrip(p[k].request)
					if err != nil {
						fail(err)
					}
					if !bytes.Equal(got, p[k].reply) {
						fail(fmt.Errorf("client %d round trip %d: got %q, want %q", i, k+1, truncate(got), truncate(p[k].reply)))
					}
				}
				if t0.After(warm) {
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	r := summarize(lat, d)
	if n := r.rps * d.Seconds(); n > 0 && pid > 0 {
		r.cpu = (cpu[1] - cpu[0]) / time.Duration(n)
	}
	return r
}

// cpuTime is the user and system time process pid has used (0 if unknown: no pid or no /proc).
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at its closing parenthesis;
	// utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	s, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

func truncate(b []byte) []byte {
	if len(b) > 120 {
		return b[:120]
	}
	return b
}
