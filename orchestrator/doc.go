// Package orchestrator is ssrun's built-in database server, `ssrun db`: one process is one shard of an
// in-memory, Redis-compatible store (RESP2, core Redis commands) with RedisAI's AI.* commands, run
// standalone or as one node of a statically configured Redis Cluster.
//
// # Command line
//
//	ssrun db [--name NAME] [--port N] [--bind ADDR]... [--unixsocket PATH] [--requirepass PW]
//	         [--maxmemory SIZE] [--proto-max-bulk-len SIZE] [--threads N]
//	         [--onnxruntime PATH] [--intra-op-threads N] [--inter-op-threads N]
//	         [--cluster] [--cluster-slots START-END] [--cluster-node-id ID]
//	         [--cluster-announce HOST:PORT] [--cluster-peer ID,HOST:PORT,START-END]...
//
// --port defaults to 6780 (0 picks a free port, -1 disables TCP), --bind to 127.0.0.1 (repeatable),
// --maxmemory to 0 (no limit; 100mb and 1gb forms as in redis.conf, "kb/mb/gb" = 1024-based, "k/m/g" =
// 1000-based). --threads is the number of execution workers per device queue of the AI commands
// (--threads-per-queue is the same flag under RedisAI's name). --onnxruntime loads ONNX Runtime
// (libonnxruntime.so, or a directory holding it; default $SSRUN_ONNXRUNTIME_LIB) for ONNX models, and
// the shard refuses to start if it does not load; --intra-op-threads and --inter-op-threads size
// its thread pools (see package backends/onnx).
//
// A shard uses every core by default; set GOMAXPROCS in its environment to hold it to fewer (Go also
// follows a cgroup CPU quota), e.g. when it shares a node with the simulation it serves. On a
// two-core machine shared with its clients, GOMAXPROCS=1 was level with or ahead of redis-server on
// 15 of bench/db's 24 rows, GOMAXPROCS=2 on 13 (bench/db/README.md).
//
// # Connections
//
// Each connection has its own goroutine. A TCP connection is served inside one RawConn.Read held
// across requests (connection.go, socket.go): its socket is read and written with raw system calls,
// and after a read that came back short the goroutine returns to Go's poller without reading again
// to EAGAIN, so an unpipelined request costs one read(2) and one write(2), as in redis-server.
//
// # Cluster flags
//
// The host starts every shard with the same static slot map: each node is told its own range and every
// other node's id, address and range. Ranges must cover 0-16383 exactly once, or the shard refuses to
// start. Example for three shards:
//
//	ssrun db --port 7001 --cluster-slots 0-5460 --cluster-node-id <A> \
//	    --cluster-peer <B>,127.0.0.1:7002,5461-10922 --cluster-peer <C>,127.0.0.1:7003,10923-16383
//
// Node ids are 40 lower-case hex characters (Redis's format). Without --cluster-node-id a node derives
// one from its name and address (SHA-1), so the host can compute peers' ids itself if it prefers.
// --cluster alone makes a one-node cluster owning every slot. The node answers CLUSTER SLOTS, SHARDS,
// NODES, INFO, MYID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, READONLY and ASKING, redirects keys of
// other nodes with "-MOVED <slot> <host>:<port>" and refuses multi-key commands spanning slots with
// "-CROSSSLOT ...". The map never changes at run time (no gossip, no resharding, no replicas).
// A node bound to a wildcard address (--bind 0.0.0.0) shows itself in CLUSTER SLOTS/NODES under the
// address each client reached it on, but peers' MOVED redirects and the ready line use the configured
// address: give --cluster-announce HOST:PORT (and the same address in the peers' --cluster-peer).
//
// # Ready line
//
// Once it accepts connections, `ssrun db` prints exactly one line to stdout:
//
//	SSRUN_DB_READY {"name":"db_0","addr":"127.0.0.1:6780","addrs":["127.0.0.1:6780"],"cluster":false,"pid":4242}
//
// The JSON is ReadyInfo: name, addr (the address clients should use: the first TCP listener, or the
// cluster announce address), addrs (every listener), unixsocket (if any), cluster, node_id and slots (in
// cluster mode) and pid. It exits 0 after SIGTERM, SIGINT or the SHUTDOWN command, 2 on bad flags and 1
// when it cannot listen.
//
// # Protocol
//
// RESP2 multibulk requests and inline commands (quoted as redis-cli and Redis's sdssplitargs quote),
// pipelined with in-order replies; keys and values are binary-safe. Arguments are limited to
// proto-max-bulk-len (512 MiB by default); before AUTH, as in Redis, requests are limited to 10
// arguments of 16 KiB. A malformed request is answered "-ERR Protocol error: ..." and only that
// connection is closed. HELLO answers protocol 2 and rejects 3 with "-NOPROTO unsupported protocol
// version" (go-redis v9 then falls back to RESP2).
//
// The codec is package resp, hand-written rather than github.com/tidwall/redcon because redcon has no
// bulk length limit (a client can make it grow its buffer without bound), copies every request into a
// raw buffer and reuses argument memory (so stored values must be copied again), and answers "*0" with
// an error where Redis ignores it. BenchmarkRequestParsing (resp/bench_test.go) measures both on the
// same pipelines: about 2x faster for small SETs and 10x for 1 MiB arguments (bench/db/README.md).
//
// # Keyspace
//
// Keys live in 256 shards each guarded by its own RWMutex. Stored values are immutable
// (command.Value): a command builds a new value, then swaps the pointer under the shard lock, so no
// lock is held while a large value is copied. used_memory counts key and value bytes plus a fixed
// per-entry overhead; past maxmemory, writes get Redis's OOM error (policy noeviction). Lists share
// append-only segments between versions so LPUSH/RPUSH stay O(1); hashes are copied on write.
//
// # Not supported
//
// Key expiry (SET EX/PX answer an error), persistence (SAVE only records rdb_last_save_time), Lua, pub/sub, sets and sorted sets, databases other than 0, replication and cluster resharding.
//
// # Transactions
//
// MULTI/EXEC/DISCARD and WATCH/UNWATCH behave as in Redis (QUEUED, EXECABORT after a refused
// command, a null reply when a watched key changed, CROSSSLOT when a cluster transaction spans slots). EXEC runs with every keyspace shard locked, so no other command
// interleaves; model and script execution inside a transaction answers RedisAI's error instead of
// running, since it would hold the whole keyspace for the length of a model run.
package orchestrator
