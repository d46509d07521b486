package runtime

import (
	"bufio"
	"context"
	"net"
	"strings"
	"time"

	"github.com/ssrun/ssrun/resp"
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
	if _, err := conn.Write(resp.Command(args...)); err != nil {
		return "", err
	}
	return resp.ReadReply(bufio.NewReader(conn))
}
