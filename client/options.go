package client

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

// Options say where the database is and how keys are prefixed. NewFromEnv fills them from the
// environment as SmartRedis does; New takes them as given.
type Options struct {
	// Addrs are the database addresses: "host:port", "tcp://host:port" or "unix:///path/to.sock" (the last
	// only for a standalone database). A standalone client connects to one of them chosen at random, as
	// SmartRedis does to spread clients over entries; a cluster client uses all of them as seeds.
	Addrs []string
	// Cluster selects a Redis Cluster (SR_DB_TYPE=Clustered) rather than one standalone server.
	Cluster bool
	// KeyOut is the prefix of keys this client writes (SSKEYOUT); empty means none.
	KeyOut string
	// KeyIn are the prefixes this client may read from (SSKEYIN); the first is the initial data source.
	KeyIn []string
	// Password is sent with AUTH when the server requires one (ssrun db --requirepass).
	Password string
	// DialTimeout bounds one attempt to connect to a server (default 5 s).
	DialTimeout time.Duration
	// ConnectTimeout is how long New keeps trying to reach a database that does not answer yet
	// (SR_CONN_TIMEOUT, in seconds; NewFromEnv defaults it to SmartRedis's 100 s). Zero means one attempt.
	ConnectTimeout time.Duration
	// ConnectInterval is the pause between connection attempts (SR_CONN_INTERVAL in milliseconds,
	// default 1 s).
	ConnectInterval time.Duration
	// ModelTimeout is sent as AI.MODELEXECUTE's TIMEOUT in milliseconds (SR_MODEL_TIMEOUT, default
	// 60 000 000 as SmartRedis).
	ModelTimeout time.Duration
}

// Environment variable names SmartRedis reads; with a database identifier each gets the suffix
// "_<id>" (SSDB_mydb, SR_DB_TYPE_mydb, SSKEYIN_mydb, ...), as SmartRedis's
// ConfigOptions::create_from_environment(id) does.
const (
	EnvSSDB         = "SSDB"
	EnvDBType       = "SR_DB_TYPE"
	EnvKeyIn        = "SSKEYIN"
	EnvKeyOut       = "SSKEYOUT"
	EnvModelTimeout = "SR_MODEL_TIMEOUT"
	EnvConnTimeout  = "SR_CONN_TIMEOUT"
	EnvConnInterval = "SR_CONN_INTERVAL"
)

// defaultModelTimeout is SmartRedis's SR_MODEL_TIMEOUT default, 60 000 000 ms.
const defaultModelTimeout = 60_000_000 * time.Millisecond

// SmartRedis's connection retry defaults: SR_CONN_TIMEOUT 100 s, SR_CONN_INTERVAL 1000 ms.
const (
	defaultConnectTimeout  = 100 * time.Second
	defaultConnectInterval = time.Second
)

// ErrNoSSDB is returned when the environment does not say where the database is.
var ErrNoSSDB = errors.New("client: SSDB is not set: it must hold the database address(es), e.g. SSDB=127.0.0.1:6780")

// OptionsFromEnv reads SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT, SR_MODEL_TIMEOUT, SR_CONN_TIMEOUT and
// SR_CONN_INTERVAL, each suffixed with "_"+dbID when dbID is not empty.
func OptionsFromEnv(dbID string) (Options, error) {
	return optionsFromLookup(dbID, os.LookupEnv)
}

func optionsFromLookup(dbID string, lookup func(string) (string, bool)) (Options, error) {
	name := func(base string) string {
		if dbID == "" {
			return base
		}
		return base + "_" + dbID
	}
	var o Options
	ssdb, ok := lookup(name(EnvSSDB))
	if !ok || strings.TrimSpace(ssdb) == "" {
		if dbID != "" {
			return o, fmt.Errorf("client: %s is not set: the database %q has no address", name(EnvSSDB), dbID)
		}
		return o, ErrNoSSDB
	}
	addrs, err := ParseSSDB(ssdb)
	if err != nil {
		return o, fmt.Errorf("client: %s: %w", name(EnvSSDB), err)
	}
	o.Addrs = addrs
	dbType, _ := lookup(name(EnvDBType))
	o.Cluster = ParseDBType(dbType)
	if in, ok := lookup(name(EnvKeyIn)); ok {
		o.KeyIn = SplitKeyIn(in)
	}
	o.KeyOut, _ = lookup(name(EnvKeyOut))
	o.ConnectTimeout, o.ConnectInterval = defaultConnectTimeout, defaultConnectInterval
	durations := []struct {
		env  string
		unit time.Duration
		dst  *time.Duration
	}{
		{EnvModelTimeout, time.Millisecond, &o.ModelTimeout},
		{EnvConnTimeout, time.Second, &o.ConnectTimeout},
		{EnvConnInterval, time.Millisecond, &o.ConnectInterval},
	}
	for _, d := range durations {
		v, ok := lookup(name(d.env))
		if !ok || v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			unit := "milliseconds"
			if d.unit == time.Second {
				unit = "seconds"
			}
			return o, fmt.Errorf("client: %s=%q is not a positive number of %s", name(d.env), v, unit)
		}
		*d.dst = time.Duration(n) * d.unit
	}
	return o, nil
}

// ParseDBType reads SR_DB_TYPE: SmartRedis treats an unset value and any case of "Clustered" as a
// cluster and everything else as standalone.
func ParseDBType(v string) bool {
	return v == "" || strings.EqualFold(v, "clustered")
}

// SplitKeyIn splits SSKEYIN at commas, skipping empty items as SmartRedis does.
func SplitKeyIn(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseSSDB checks and splits an SSDB value: comma-separated entries of "host:port", "tcp://host:port"
// or "unix:///path", with only the characters SmartRedis allows (letters, digits and ".:,/_-").
func ParseSSDB(v string) ([]string, error) {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".:,/_-", r)) {
			return nil, fmt.Errorf("invalid character %q in %q: addresses may hold only letters, digits and .:,/_-", r, v)
		}
	}
	var addrs []string
	for _, entry := range strings.Split(v, ",") {
		if entry == "" {
			continue
		}
		if _, _, err := splitAddress(entry); err != nil {
			return nil, err
		}
		addrs = append(addrs, entry)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no address in %q", v)
	}
	return addrs, nil
}

// splitAddress turns one SSDB entry into a go-redis network and address. Ports are parsed like C's
// strtol with base 0 (SmartRedis's parse), so "0x1a7c" is port 6780.
func splitAddress(entry string) (network, addr string, err error) {
	if path, ok := strings.CutPrefix(entry, "unix://"); ok {
		if path == "" {
			return "", "", fmt.Errorf("%q: a unix socket address needs a path (unix:///path/to.sock)", entry)
		}
		return "unix", path, nil
	}
	hostPort := strings.TrimPrefix(entry, "tcp://")
	host, port, ok := strings.Cut(hostPort, ":")
	if !ok || host == "" || port == "" {
		return "", "", fmt.Errorf("%q is not host:port, tcp://host:port or unix:///path", entry)
	}
	n, err := strconv.ParseUint(port, 0, 16)
	if err != nil || n == 0 {
		return "", "", fmt.Errorf("%q: port %q is not a number between 1 and 65535", entry, port)
	}
	return "tcp", host + ":" + strconv.FormatUint(n, 10), nil
}

// pickAddress chooses the standalone server among the entries, at random like SmartRedis.
func pickAddress(addrs []string) string {
	return addrs[rand.IntN(len(addrs))]
}
