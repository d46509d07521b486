package runtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// respCommand sends one command to a database shard and reads its reply (simple string, error,
// integer or bulk string). The runtime's own administration (PING, CONFIG SET, SHUTDOWN, CLUSTER INFO)
// goes through this one-shot connection rather than a client pool: a shard that is gone is an
// answer here, not something to retry and log about.
func respCommand(ctx context.Context, addr string, timeout time.Duration, args ...string) (string, error) {
	network, target := "tcp", addr
	if path, ok := strings.CutPrefix(addr, "unix://"); ok {
		network, target = "unix", path
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, network, target)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
