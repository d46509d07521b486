package client

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestOptionsFromEnvReadsSmartRedisVariables(t *testing.T) {
	env := map[string]string{
		"SSDB":       "10.0.0.1:6379,tcp://10.0.0.2:6379",
		"SR_DB_TYPE": "Clustered",
		"SSKEYIN":    "producer_0,,producer_1",
		"SSKEYOUT":   "consumer",
	}
	o, err := optionsFromLookup("", lookupFrom(env))
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Addrs: []string{"10.0.0.1:6379", "tcp://10.0.0.2:6379"}, Cluster: true,
		KeyIn: []string{"producer_0", "producer_1"}, KeyOut: "consumer",
		ConnectTimeout: 100 * time.Second, ConnectInterval: time.Second}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Fatalf("options (-want +got):\n%s", diff)
	}
}

func TestOptionsFromEnvUsesSuffixedNamesForADatabaseIdentifier(t *testing.T) {
	env := map[string]string{
		"SSDB": "127.0.0.1:1", "SSDB_my_db": "127.0.0.1:6780", "SR_DB_TYPE_my_db": "Standalone",
		"SSKEYOUT_my_db": "m0", "SR_MODEL_TIMEOUT_my_db": "1500",
		"SR_CONN_TIMEOUT_my_db": "3", "SR_CONN_INTERVAL_my_db": "250",
	}
	o, err := optionsFromLookup("my_db", lookupFrom(env))
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Addrs: []string{"127.0.0.1:6780"}, KeyOut: "m0", ModelTimeout: 1500 * time.Millisecond,
		ConnectTimeout: 3 * time.Second, ConnectInterval: 250 * time.Millisecond}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Fatalf("options (-want +got):\n%s", diff)
	}
}

func TestDBTypeDefaultsToClusteredAsSmartRedis(t *testing.T) {
	for v, want := range map[string]bool{"": true, "Clustered": true, "CLUSTERED": true, "Standalone": false, "x": false} {
		if got := ParseDBType(v); got != want {
			t.Errorf("ParseDBType(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestOptionsFromEnvErrors(t *testing.T) {
	cases := []struct {
		env  map[string]string
		id   string
		want string
	}{
		{map[string]string{}, "", "SSDB is not set"},
		{map[string]string{"SSDB_x": ""}, "x", "SSDB_x is not set"},
		{map[string]string{"SSDB": "127.0.0.1:6780;"}, "", `invalid character ';'`},
		{map[string]string{"SSDB": "localhost"}, "", "is not host:port"},
		{map[string]string{"SSDB": "h:99999"}, "", "not a number between 1 and 65535"},
		{map[string]string{"SSDB": "unix://"}, "", "needs a path"},
		{map[string]string{"SSDB": "h:1", "SR_MODEL_TIMEOUT": "soon"}, "", `SR_MODEL_TIMEOUT="soon" is not a positive number of milliseconds`},
		{map[string]string{"SSDB": "h:1", "SR_CONN_TIMEOUT": "-1"}, "", `SR_CONN_TIMEOUT="-1" is not a positive number of seconds`},
	}
	for _, c := range cases {
		_, err := optionsFromLookup(c.id, lookupFrom(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("env %v: error %v, want it to mention %q", c.env, err, c.want)
		}
	}
	if _, err := optionsFromLookup("", lookupFrom(map[string]string{})); !errors.Is(err, ErrNoSSDB) {
		t.Errorf("missing SSDB: %v is not ErrNoSSDB", err)
	}
}

func TestSplitAddressForms(t *testing.T) {
	cases := []struct{ in, network, addr string }{
		{"127.0.0.1:6780", "tcp", "127.0.0.1:6780"},
		{"tcp://node1:6379", "tcp", "node1:6379"},
		{"h:0x1a7c", "tcp", "h:6780"},
		{"unix:///tmp/db.sock", "unix", "/tmp/db.sock"},
	}
	for _, c := range cases {
		n, a, err := splitAddress(c.in)
		if err != nil || n != c.network || a != c.addr {
			t.Errorf("splitAddress(%q) = %q, %q, %v; want %q, %q", c.in, n, a, err, c.network, c.addr)
		}
	}
}
