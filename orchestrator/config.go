package orchestrator

import (
	"fmt"
	"strconv"
	"strings"
)

// Config is one shard's configuration (the `ssrun db` flags).
type Config struct {
	// Name identifies the shard in logs, INFO and the ready line (e.g. "db_0").
	Name string
	// Port is the TCP port; 0 picks a free one (see Server.Addr). Negative disables TCP.
	Port int
	// Binds are the interfaces to listen on (default 127.0.0.1).
	Binds []string
	// UnixSocket, when set, is also listened on.
	UnixSocket string
	// RequirePass makes clients AUTH first.
	RequirePass string
	// MaxMemory in bytes; 0 means unlimited. Writes past it get Redis's OOM error.
	MaxMemory int64
	// MaxBulkLen is the largest argument accepted (proto-max-bulk-len); 0 means 512 MiB.
	MaxBulkLen int64
	// EventLoops is how many event loops serve TCP connections: 0 picks one per two Go processors (at
	// least one); a negative number serves each connection on a goroutine of its own.
	EventLoops int
	// Threads is the number of execution workers per device queue for AI commands (0: number of CPUs).
	Threads int
	// ONNXRuntime is the ONNX Runtime shared library (a file or a directory holding it); empty uses
	// $SSRUN_ONNXRUNTIME_LIB, and without either ONNX models are stored but not run until AI.CONFIG
	// LOADBACKEND. IntraOpThreads and InterOpThreads size its thread pools (0: CPUs / Threads, at least
	// 1, for IntraOpThreads; ONNX Runtime's default for InterOpThreads).
	ONNXRuntime                    string
	IntraOpThreads, InterOpThreads int
	// TorchBackend is the TORCH backend's shim (libssrun_torch.so, `make torch-backend`, or a
	// directory holding it); empty uses $SSRUN_TORCH_BACKEND, and without either TORCH models are
	// stored but not run until AI.CONFIG LOADBACKEND TORCH.
	TorchBackend string
	// ScriptEngine chooses how scripts compile: "auto" (or empty: TorchScript when the TORCH backend
	// is loaded, else Starlark), "torch" or "starlark".
	ScriptEngine string
	// Cluster, when non-nil, runs the shard as one node of a Redis Cluster with a static slot map.
	Cluster *ClusterConfig
	// NodeName is the workload manager's name of the node the shard runs on (ready line, INFO).
	NodeName string
	// BindNote explains how the bind address was chosen when an interface was resolved (ready line).
	BindNote string

	// Persistence, with redis.conf's names and meanings (persistence.go): Dir holds the files (""
	// is the working directory); DBFilename is the snapshot (default dump.ssdb) and AppendFilename the
	// append-only log (default appendonly.ssaof); Save is the save points ("3600 1 300 100"; "" none);
	// AppendOnly turns the log on with AppendFsync always, everysec (default) or no;
	// StopWritesOnBgsaveError is "yes" (default) or "no".
	Dir, DBFilename, AppendFilename string
	Save                            string
	AppendOnly                      bool
	AppendFsync                     string
	StopWritesOnBgsaveError         string

	// ProtectedMode is "yes" (default) or "no": when yes and no password is set, clients from
	// non-loopback addresses are refused with Redis's message (security.go).
	ProtectedMode string
	// RenameCommands are redis.conf's rename-command lines, "NAME NEWNAME"; an empty NEWNAME ("NAME ")
	// disables the command.
	RenameCommands []string

	// Logf receives the shard's log lines (loading, saving, errors); nil writes them to stderr.
	Logf func(format string, args ...any)
}

// ClusterConfig is this node's place in a static cluster: the slot range it owns, its id and the other
// nodes. The map never changes while the shard runs; the host starts all shards with the same map.
type ClusterConfig struct {
	// NodeID is a 40-character hex id; empty derives one from the shard name and address.
	NodeID string
	// Slots is the contiguous range this node owns.
	Slots SlotRange
	// Announce is the host:port written in CLUSTER SLOTS/NODES and MOVED for this node; empty uses the
	// first bind address and the listening port.
	Announce string
	// Peers are the other nodes.
	Peers []ClusterPeer
	// Pending starts the node knowing only its own slots: its peers' addresses are learnt at run time
	// (shards on a workload manager bind addresses resolved on their nodes), and the driver sends the
	// whole map with CLUSTER SETNODES once every shard has answered. Until then keys of other slots
	// answer CLUSTERDOWN, as a Redis node does before `redis-cli --cluster create`.
	Pending bool
}

// ClusterPeer is another node of the cluster.
type ClusterPeer struct {
	NodeID string
	Addr   string // host:port
	Slots  SlotRange
}

// SlotRange is an inclusive range of hash slots.
type SlotRange struct{ Start, End int }

func (r SlotRange) String() string { return fmt.Sprintf("%d-%d", r.Start, r.End) }

// ParseSlotRange parses "START-END" (or a single slot "N").
func ParseSlotRange(s string) (SlotRange, error) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	start, err1 := strconv.Atoi(strings.TrimSpace(a))
	end, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || start < 0 || end >= slotCount || start > end {
		return SlotRange{}, fmt.Errorf("invalid slot range %q: want START-END with 0 <= START <= END <= %d", s, slotCount-1)
	}
	return SlotRange{start, end}, nil
}

// ParseClusterPeer parses "NODE_ID,HOST:PORT,START-END".
func ParseClusterPeer(s string) (ClusterPeer, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return ClusterPeer{}, fmt.Errorf("invalid cluster peer %q: want NODE_ID,HOST:PORT,START-END", s)
	}
	if err := checkNodeID(parts[0]); err != nil {
		return ClusterPeer{}, err
	}
	if _, _, err := splitHostPort(parts[1]); err != nil {
		return ClusterPeer{}, fmt.Errorf("invalid cluster peer %q: %v", s, err)
	}
	r, err := ParseSlotRange(parts[2])
	if err != nil {
		return ClusterPeer{}, fmt.Errorf("invalid cluster peer %q: %v", s, err)
	}
	return ClusterPeer{NodeID: parts[0], Addr: parts[1], Slots: r}, nil
}

func checkNodeID(id string) error {
	if len(id) != 40 {
		return fmt.Errorf("invalid node id %q: want 40 hex characters", id)
	}
	for _, c := range id {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return fmt.Errorf("invalid node id %q: want 40 lower-case hex characters", id)
		}
	}
	return nil
}

// ParseMemory parses a byte count the way redis.conf does: a plain number, or with a unit k, kb, m, mb,
// g, gb (case-insensitive; "k" is 1000 and "kb" 1024, as in Redis).
func ParseMemory(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mul    int64
	}{{"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024 * 1024 * 1024}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}}
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSuffix(t, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || (mul > 1 && n > (1<<62)/mul) {
		return 0, fmt.Errorf("invalid memory size %q: want a byte count such as 1048576, 100mb or 1gb", s)
	}
	return n * mul, nil
}
