package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/client"
)

// connFlags are the flags every verb takes to find the database.
type connFlags struct {
	addr     string
	dbType   string
	dbID     string
	keyOut   string
	keyIn    string
	source   string
	password string
	timeout  time.Duration
	wait     time.Duration
	fs       *pflag.FlagSet
	c        *client.Client
}

func addConnFlags(fs *pflag.FlagSet) *connFlags {
	f := &connFlags{fs: fs}
	fs.StringVar(&f.addr, "addr", "", "database address(es), comma-separated host:port, tcp://host:port or unix:///path (default: $SSDB)")
	fs.StringVar(&f.dbType, "db-type", "", "Clustered or Standalone (default: $SR_DB_TYPE, or with --addr: Clustered for several addresses)")
	fs.StringVar(&f.dbID, "db-id", "", "database identifier: read SSDB_<id>, SR_DB_TYPE_<id>, ... instead")
	fs.StringVar(&f.keyOut, "keyout", "", "prefix for keys written (overrides $SSKEYOUT)")
	fs.StringVar(&f.keyIn, "keyin", "", "comma-separated prefixes keys are read from (overrides $SSKEYIN)")
	fs.StringVar(&f.source, "source", "", "which --keyin/$SSKEYIN prefix to read from (default: the first)")
	fs.StringVar(&f.password, "password", "", "password for a database started with --requirepass")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up after this long (e.g. 30s; default: no limit)")
	fs.DurationVar(&f.wait, "wait", 0, "keep trying to reach a database that is not up yet for this long (e.g. 60s; default: fail at once)")
	return f
}

// options resolves the flags and the environment into client options.
func (f *connFlags) options() (client.Options, error) {
	var o client.Options
	if f.addr != "" {
		addrs, err := client.ParseSSDB(f.addr)
		if err != nil {
			return o, usagef("--addr: %v", err)
		}
		o.Addrs = addrs
		o.Cluster = len(addrs) > 1
	} else {
		var err error
		if o, err = client.OptionsFromEnv(f.dbID); err != nil {
			return o, fmt.Errorf("%w (or pass --addr)", err)
		}
	}
	if f.fs.Changed("db-type") {
		switch strings.ToLower(f.dbType) {
		case "clustered":
			o.Cluster = true
		case "standalone":
			o.Cluster = false
		default:
			return o, usagef("--db-type must be Clustered or Standalone, not %q", f.dbType)
		}
	}
	if f.fs.Changed("keyout") {
		o.KeyOut = f.keyOut
	}
	if f.fs.Changed("keyin") {
		o.KeyIn = client.SplitKeyIn(f.keyIn)
	}
	o.Password = f.password
	// A command run by hand should fail at once when the database is down, not after SmartRedis's
	// 100 s (SR_CONN_TIMEOUT); --wait asks for patience explicitly.
	o.ConnectTimeout = f.wait
	return o, nil
}

func (f *connFlags) open() (*client.Client, error) {
	if f.c != nil {
		return f.c, nil
	}
	o, err := f.options()
	if err != nil {
		return nil, err
	}
	c, err := client.New(o)
	if err != nil {
		return nil, err
	}
	if f.source != "" {
		if err := c.SetDataSource(f.source); err != nil {
			c.Close()
			return nil, err
		}
	}
	f.c = c
	return c, nil
}

func (f *connFlags) close() {
	if f.c != nil {
		f.c.Close()
	}
}
