package client

import (
	"path/filepath"
	"strings"
	"testing"

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
