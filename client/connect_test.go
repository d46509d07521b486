package client

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/orchestrator"
)

func TestUnixSocketAndPassword(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "db.sock")
	srv, err := orchestrator.New(orchestrator.Config{Name: "unix", Port: -1, UnixSocket: sock, RequirePass: "s3cret", Threads: 1})
	must(t, err)
	must(t, srv.Start())
	t.Cleanup(func() { srv.Close() })

	if _, err := New(Options{Addrs: []string{"unix://" + sock}}); err == nil || !strings.Contains(err.Error(), "cannot reach the database at unix://"+sock) {
		t.Errorf("connecting without the password: %v", err)
	}
	c := connect(t, Options{Addrs: []string{"unix://" + sock}, Password: "s3cret"})
	ctx := testContext(t)
	must(t, PutValues(ctx, c, "x", []int64{1}, []uint8{9}))
	checkValues(t, c, "x", []uint8{9})
	if got := c.Addrs(); len(got) != 1 || got[0] != "unix://"+sock {
		t.Errorf("Addrs = %v", got)
	}
}

func TestNewFromEnvConnects(t *testing.T) {
	addr := startStandalone(t)
	t.Setenv("SSDB", "127.0.0.1:1,") // the trailing empty entry is skipped
	t.Setenv("SR_DB_TYPE", "Standalone")
	t.Setenv("SR_CONN_TIMEOUT", "1")
	t.Setenv("SR_CONN_INTERVAL", "200")
	if _, err := NewFromEnv(); err == nil || !strings.Contains(err.Error(), "cannot reach the database at 127.0.0.1:1") {
		t.Errorf("unreachable database: %v", err)
	}
	t.Setenv("SSDB", addr)
	t.Setenv("SSKEYOUT", "member_0")
	c, err := NewFromEnv()
	must(t, err)
	defer c.Close()
	ctx := testContext(t)
	must(t, PutValues(ctx, c, "v", []int64{1}, []int16{-4}))
	if ok, _ := c.KeyExists(ctx, "member_0.v"); !ok {
		t.Error("SSKEYOUT was not applied")
	}
	t.Setenv("SR_DB_TYPE", "")
	if _, err := NewFromEnv(); err == nil || !strings.Contains(err.Error(), "set SR_DB_TYPE=Standalone") {
		t.Errorf("a standalone server taken for a cluster (SR_DB_TYPE unset): %v", err)
	}
}

// A client started before its database waits for it, as SmartRedis clients do (SR_CONN_TIMEOUT).
func TestNewWaitsForADatabaseThatStartsLater(t *testing.T) {
	port := freePorts(t, 1)[0]
	addr := "127.0.0.1:" + strconv.Itoa(port)
	started := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		srv, err := orchestrator.New(orchestrator.Config{Name: "late", Port: port, Threads: 1})
		if err == nil {
			err = srv.Start()
			t.Cleanup(func() { srv.Close() })
		}
		started <- err
	}()
	begin := time.Now()
	c, err := New(Options{Addrs: []string{addr}, ConnectTimeout: 20 * time.Second, ConnectInterval: 50 * time.Millisecond})
	must(t, <-started)
	must(t, err)
	defer c.Close()
	if waited := time.Since(begin); waited < 250*time.Millisecond {
		t.Errorf("connected after %v, before the server started", waited)
	}
	must(t, PutValues(testContext(t), c, "x", []int64{1}, []int32{1}))

	begin = time.Now()
	_, err = New(Options{Addrs: []string{"127.0.0.1:1"}, ConnectTimeout: 0})
	if err == nil || time.Since(begin) > 10*time.Second {
		t.Errorf("one attempt at a closed port: %v after %v", err, time.Since(begin))
	}
}
