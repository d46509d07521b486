package client

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Client is a connection to a standalone database or a cluster, with SmartRedis's key layout and
// ensemble prefixes. It is safe for concurrent use.
type Client struct {
	opts     Options
	rdb      redis.UniversalClient
	cluster  *redis.ClusterClient // nil for a standalone database
	prefixes *prefixes
	ranges   []slotRange // cluster slot ranges ordered by start slot; one standalone "range" otherwise
	// chunkSize is the model chunk size set by SetModelChunkSize; 0 means ask the server every time,
	// as SmartRedis does until set_model_chunk_size is called.
	chunkSize atomic.Int64
}

// slotRange is one contiguous slot range of a cluster with the master serving it and SmartRedis's key
// prefix that hashes to its first slot.
type slotRange struct {
	start, end int
	addr       string
	prefix     string
}

const defaultDialTimeout = 5 * time.Second

// NewFromEnv connects using SSDB, SR_DB_TYPE, SSKEYIN and SSKEYOUT, as a SmartRedis client does.
func NewFromEnv() (*Client, error) { return NewFromEnvFor("") }

// NewFromEnvFor connects to the database with identifier dbID (SSDB_<dbID>, SR_DB_TYPE_<dbID>, ...),
// the way SmartRedis clients address one of several databases of an experiment.
func NewFromEnvFor(dbID string) (*Client, error) {
	opts, err := OptionsFromEnv(dbID)
	if err != nil {
		return nil, err
	}
	return New(opts)
}

// New connects to the database opts describe and checks that it answers (PING for a standalone server,
// CLUSTER SLOTS for a cluster, the same handshake as SmartRedis), trying again for up to
// opts.ConnectTimeout.
func New(opts Options) (*Client, error) {
	if len(opts.Addrs) == 0 {
		return nil, errors.New("client: no database address given")
	}
	for _, a := range opts.Addrs {
		if _, _, err := splitAddress(a); err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = defaultDialTimeout
	}
	if opts.ModelTimeout <= 0 {
		opts.ModelTimeout = defaultModelTimeout
	}
	if opts.ModelTimeout < time.Millisecond {
		opts.ModelTimeout = time.Millisecond // TIMEOUT is whole milliseconds and must be positive
	}
	if opts.ConnectInterval <= 0 {
		opts.ConnectInterval = defaultConnectInterval
	}
	c := &Client{opts: opts, prefixes: newPrefixes(opts.KeyOut, opts.KeyIn)}
	if err := c.open(); err != nil {
		return nil, err
	}
	if err := c.handshakeWithRetries(); err != nil {
		c.rdb.Close()
		return nil, err
	}
	return c, nil
}

// open creates the go-redis client: one connection pool to a standalone server chosen among the
// addresses, or a cluster client seeded with all of them.
func (c *Client) open() error {
	if !c.opts.Cluster {
		entry := pickAddress(c.opts.Addrs)
		network, addr, _ := splitAddress(entry)
		c.rdb = redis.NewClient(&redis.Options{
			Network:               network,
			Addr:                  addr,
			Password:              c.opts.Password,
			Protocol:              2,
			DisableIdentity:       true,
			DialTimeout:           c.opts.DialTimeout,
			ReadTimeout:           -1, // model runs block; callers bound waits with their context
			WriteTimeout:          -1,
			ContextTimeoutEnabled: true,
		})
		c.ranges = []slotRange{{start: 0, end: slotCount - 1, addr: entry}}
		return nil
	}
	addrs := make([]string, 0, len(c.opts.Addrs))
	for _, a := range c.opts.Addrs {
		network, addr, _ := splitAddress(a)
		if network == "unix" {
			return fmt.Errorf("client: %q: a unix socket cannot address a cluster; set SR_DB_TYPE=Standalone", a)
		}
		addrs = append(addrs, addr)
	}
	c.cluster = redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 addrs,
		Password:              c.opts.Password,
		Protocol:              2,
		DisableIdentity:       true,
		DialTimeout:           c.opts.DialTimeout,
		ReadTimeout:           -1,
		WriteTimeout:          -1,
		ContextTimeoutEnabled: true,
	})
	c.rdb = c.cluster
	return nil
}

// handshakeWithRetries repeats the handshake every ConnectInterval until it succeeds or ConnectTimeout
// has passed, so that an application started together with its database (a colocated one, say) waits
// for it as SmartRedis clients do.
func (c *Client) handshakeWithRetries() error {
	deadline := time.Now().Add(c.opts.ConnectTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.DialTimeout)
		err := c.handshake(ctx)
		cancel()
		var reply redis.Error
		if err == nil || errors.As(err, &reply) || !time.Now().Add(c.opts.ConnectInterval).Before(deadline) {
			return err // success, a definite answer from the server, or out of time
		}
		time.Sleep(c.opts.ConnectInterval)
	}
}

// handshake is SmartRedis's: PING for a standalone server, CLUSTER SLOTS (read into the slot ranges)
// for a cluster.
func (c *Client) handshake(ctx context.Context) error {
	if c.cluster == nil {
		if err := c.rdb.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("client: cannot reach the database at %s: %w", c.ranges[0].addr, err)
		}
		return nil
	}
	seeds := strings.Join(c.opts.Addrs, ",")
	//lint:ignore SA1019 SmartRedis reads the map with CLUSTER SLOTS; ssrun db and redis-server 7 answer it, and CLUSTER SHARDS would shut out older Redis servers
	slots, err := c.cluster.ClusterSlots(ctx).Result()
	if err != nil {
		return fmt.Errorf("client: cannot read the cluster slot map from %s (if the database is not a cluster, set SR_DB_TYPE=Standalone): %w", seeds, err)
	}
	if len(slots) == 0 {
		return fmt.Errorf("client: the cluster at %s serves no slots", seeds)
	}
	var ranges []slotRange
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			return fmt.Errorf("client: cluster slot range %d-%d has no node", s.Start, s.End)
		}
		ranges = append(ranges, slotRange{start: s.Start, end: s.End, addr: s.Nodes[0].Addr, prefix: shardPrefix(s.Start)})
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].start < ranges[j].start })
	c.ranges = ranges
	return nil
}

// Close releases the connections.
func (c *Client) Close() error { return c.rdb.Close() }

// IsCluster reports whether the client talks to a cluster.
func (c *Client) IsCluster() bool { return c.cluster != nil }

// Addrs returns the address of every database node: the chosen server for a standalone database, the
// master of each slot range (in slot order, one per node) for a cluster. These are the addresses the
// addressed commands (DBInfo, AIInfo, ...) accept.
func (c *Client) Addrs() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range c.ranges {
		if !seen[r.addr] {
			seen[r.addr] = true
			out = append(out, r.addr)
		}
	}
	return out
}

// rangeOf returns the slot range serving key.
func (c *Client) rangeOf(key string) slotRange {
	slot := keySlot(key)
	i := sort.Search(len(c.ranges), func(i int) bool { return c.ranges[i].end >= slot })
	if i == len(c.ranges) {
		i = len(c.ranges) - 1
	}
	return c.ranges[i]
}

// command builds a command whose key (for cluster routing) is argument keyPos; 0 means keyless.
func command(ctx context.Context, keyPos int, args ...any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	if keyPos > 0 {
		cmd.SetFirstKeyPos(int8(keyPos))
	}
	return cmd
}

// do runs a command whose first argument after the name is its key.
func (c *Client) do(ctx context.Context, args ...any) *redis.Cmd {
	cmd := command(ctx, 1, args...)
	_ = c.rdb.Process(ctx, cmd)
	return cmd
}

// doKeyless runs a command that names no key, on any node.
func (c *Client) doKeyless(ctx context.Context, args ...any) *redis.Cmd {
	cmd := command(ctx, 0, args...)
	_ = c.rdb.Process(ctx, cmd)
	return cmd
}

// nodeClient returns the connection to the node at addr (one of Addrs()).
func (c *Client) nodeClient(ctx context.Context, addr string) (*redis.Client, error) {
	if c.cluster == nil {
		for _, r := range c.ranges {
			if r.addr == addr {
				return c.rdb.(*redis.Client), nil
			}
		}
		return nil, fmt.Errorf("client: %q is not the database address (%s)", addr, c.ranges[0].addr)
	}
	for _, r := range c.ranges {
		if r.addr == addr {
			return c.cluster.MasterForKey(ctx, "{"+r.prefix+"}")
		}
	}
	return nil, fmt.Errorf("client: %q is not a node of the cluster (%s)", addr, strings.Join(c.Addrs(), ", "))
}

// forEachNode runs fn once on every node (each master once in a cluster).
func (c *Client) forEachNode(ctx context.Context, fn func(ctx context.Context, node *redis.Client) error) error {
	if c.cluster == nil {
		return fn(ctx, c.rdb.(*redis.Client))
	}
	return c.cluster.ForEachMaster(ctx, fn)
}
