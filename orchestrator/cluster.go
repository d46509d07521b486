package orchestrator

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// slotCount is the number of Redis Cluster hash slots.
const slotCount = 16384

// KeySlot is Redis Cluster's slot of a key: CRC16-XMODEM of the hash tag (the bytes between the first
// '{' and the next '}', when non-empty) or of the whole key, modulo 16384.
func KeySlot(key []byte) int {
	if open := indexByte(key, '{'); open >= 0 {
		if end := indexByte(key[open+1:], '}'); end > 0 {
			key = key[open+1 : open+1+end]
		}
	}
	return int(crc16(key) % slotCount)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

var crc16Table = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for j := 0; j < 8; j++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()

// crc16 is CRC16-XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster uses.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, x := range b {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^x]
	}
	return crc
}

// clusterNode is one node of the static slot map.
type clusterNode struct {
	id    string
	host  string
	port  int
	slots SlotRange
	self  bool
}

func (n *clusterNode) addr() string { return net.JoinHostPort(n.host, strconv.Itoa(n.port)) }

// clusterState is the slot map as this node serves it: every node sorted by its first slot, and the
// owner of each slot for O(1) routing.
type clusterState struct {
	pending bool // only self's slots are known until CLUSTER SETNODES
	self    *clusterNode
	nodes   []*clusterNode
	owner   [slotCount]*clusterNode
}

// validateCluster checks that the node and its peers cover every slot exactly once, so that clients
// (SmartRedis binary-searches the map without bounds checks) always find an owner.
func validateCluster(cc *ClusterConfig) error {
	if cc.NodeID != "" {
		if err := checkNodeID(cc.NodeID); err != nil {
			return err
		}
	}
	if cc.Pending {
		if len(cc.Peers) > 0 {
			return fmt.Errorf("a pending cluster node learns its peers from CLUSTER SETNODES, not --cluster-peer")
		}
		return nil
	}
	ranges := []SlotRange{cc.Slots}
	ids := map[string]bool{cc.NodeID: true}
	for _, p := range cc.Peers {
		if ids[p.NodeID] {
			return fmt.Errorf("cluster node id %s appears twice", p.NodeID)
		}
		ids[p.NodeID] = true
		ranges = append(ranges, p.Slots)
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].Start < ranges[j].Start })
	next := 0
	for _, r := range ranges {
		if r.Start < next {
			return fmt.Errorf("cluster slot ranges overlap at slot %d", r.Start)
		}
		if r.Start > next {
			return fmt.Errorf("cluster slots %d-%d are not assigned to any node", next, r.Start-1)
		}
		next = r.End + 1
	}
	if next != slotCount {
		return fmt.Errorf("cluster slots %d-%d are not assigned to any node", next, slotCount-1)
	}
	return nil
}

// deriveNodeID makes a stable 40-hex id from the shard's name and address when none is given.
func deriveNodeID(name, addr string) string {
	sum := sha1.Sum([]byte(name + "\x00" + addr))
	return hex.EncodeToString(sum[:])
}

func newClusterState(cc *ClusterConfig, selfAddr, name string) *clusterState {
	st := &clusterState{pending: cc.Pending}
	id := cc.NodeID
	if id == "" {
		id = deriveNodeID(name, selfAddr)
	}
	host, port, _ := splitHostPort(selfAddr)
	st.self = &clusterNode{id: id, host: host, port: port, slots: cc.Slots, self: true}
	st.nodes = append(st.nodes, st.self)
	for _, p := range cc.Peers {
		h, pt, _ := splitHostPort(p.Addr)
		st.nodes = append(st.nodes, &clusterNode{id: p.NodeID, host: h, port: pt, slots: p.Slots})
	}
	sort.Slice(st.nodes, func(i, j int) bool { return st.nodes[i].slots.Start < st.nodes[j].slots.Start })
	for _, n := range st.nodes {
		for slot := n.slots.Start; slot <= n.slots.End; slot++ {
			st.owner[slot] = n
		}
	}
	return st
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("invalid port in %q", addr)
	}
	return host, port, nil
}

// redirect returns the error a keyed command gets on this node (CROSSSLOT or MOVED), or "" to run it.
// The slot map is static, so there are no migrating slots and never an ASK redirect.
func (st *clusterState) redirect(spec *command.Spec, args [][]byte) string {
	keys := spec.KeysOf(args)
	if len(keys) == 0 {
		return ""
	}
	slot := KeySlot(keys[0])
	for _, k := range keys[1:] {
		if KeySlot(k) != slot {
			return "CROSSSLOT Keys in request don't hash to the same slot"
		}
	}
	owner := st.owner[slot]
	if owner == nil {
		return "CLUSTERDOWN Hash slot not served"
	}
	if owner != st.self {
		return "MOVED " + strconv.Itoa(slot) + " " + owner.addr()
	}
	return ""
}

// clusterCommand answers CLUSTER subcommands.
func (s *Server) clusterCommand(ctx *command.Ctx, args [][]byte) {
	r := ctx.Reply
	st := s.cluster.Load()
	if st == nil {
		r.Error("ERR This instance has cluster support disabled")
		return
	}
	hostOf := st.hostFor(ctx)
	sub := upper(string(args[1]))
	wantArgs := map[string]int{"SLOTS": 2, "SHARDS": 2, "NODES": 2, "INFO": 2, "MYID": 2, "KEYSLOT": 3,
		"COUNTKEYSINSLOT": 3, "GETKEYSINSLOT": 4, "MYSHARDID": 2}
	if n, ok := wantArgs[sub]; ok && len(args) != n {
		r.Error(command.WrongArity("cluster|" + strings.ToLower(sub)))
		return
	}
	switch sub {
	case "SLOTS":
		r.Array(len(st.nodes))
		for _, n := range st.nodes {
			r.Array(3)
			r.Int(int64(n.slots.Start))
			r.Int(int64(n.slots.End))
			r.Array(4)
			r.BulkString(hostOf(n))
			r.Int(int64(n.port))
			r.BulkString(n.id)
			r.Array(0)
		}
	case "SHARDS":
		s.clusterShards(r, hostOf)
	case "NODES":
		r.BulkString(st.nodesText(hostOf))
	case "INFO":
		r.BulkString(st.infoText())
	case "SETNODES":
		s.clusterSetNodes(ctx, args[2:])
	case "MYID", "MYSHARDID":
		r.BulkString(st.self.id)
	case "KEYSLOT":
		r.Int(int64(KeySlot(args[2])))
	case "COUNTKEYSINSLOT":
		slot, ok := parseSlot(args[2])
		if !ok {
			r.Error("ERR Invalid slot")
			return
		}
		r.Int(int64(len(keysInSlot(ctx.Keys, slot, -1))))
	case "GETKEYSINSLOT":
		slot, ok1 := parseSlot(args[2])
		count, err := strconv.ParseInt(string(args[3]), 10, 64)
		if !ok1 || err != nil || count < 0 {
			r.Error("ERR Invalid slot or number of keys")
			return
		}
		keys := keysInSlot(ctx.Keys, slot, int(count))
		r.Array(len(keys))
		for _, k := range keys {
			r.BulkString(k)
		}
	default:
		if !replyHelp(r, args) {
			r.Error(unknownSubcommand(args))
		}
	}
}

// hostFor returns how nodes' hosts are shown to this client. A node bound to a wildcard address
// (0.0.0.0, ::) without --cluster-announce shows itself under the address the client reached it on,
// as Redis does with the address it learns from its peers.
func (st *clusterState) hostFor(ctx *command.Ctx) func(*clusterNode) string {
	return func(n *clusterNode) string {
		if ip := net.ParseIP(n.host); n.self && ip != nil && ip.IsUnspecified() {
			if c := clientOf(ctx); c != nil {
				if la, ok := c.netConn.LocalAddr().(*net.TCPAddr); ok {
					return la.IP.String()
				}
			}
		}
		return n.host
	}
}

func parseSlot(b []byte) (int, bool) {
	n, err := strconv.Atoi(string(b))
	return n, err == nil && n >= 0 && n < slotCount
}

// keysInSlot lists (up to limit, -1 for all) the keys of one slot in sorted order. It scans the whole
// keyspace: the shard keeps no per-slot index, which is fine for the debugging use these commands have.
func keysInSlot(ks command.Keyspace, slot, limit int) []string {
	var keys []string
	ks.Range(func(k []byte, _ command.Value) bool {
		if KeySlot(k) == slot {
			keys = append(keys, string(k))
		}
		return true
	})
	sort.Strings(keys)
	if limit >= 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	return keys
}

// nodesText is CLUSTER NODES: one line per node,
// "<id> <ip>:<port>@<cport> <flags> - 0 0 <epoch> connected <start>-<end>".
func (st *clusterState) nodesText(hostOf func(*clusterNode) string) string {
	var b strings.Builder
	for i, n := range st.nodes {
		flags := "master"
		if n.self {
			flags = "myself,master"
		}
		// There is no cluster bus; the conventional port+10000 is shown so that parsers find a number.
		busPort := n.port + 10000
		if busPort > 65535 {
			busPort = 0
		}
		fmt.Fprintf(&b, "%s %s:%d@%d %s - 0 0 %d connected %s\n", n.id, hostOf(n), n.port, busPort, flags, i+1, n.slots)
	}
	return b.String()
}

// infoText is CLUSTER INFO. A complete map (validated at start or by SETNODES) is ok; a pending node
// serves only its own slots and reports fail, as a Redis node does before its cluster is created.
func (st *clusterState) infoText() string {
	state, assigned := "ok", slotCount
	if st.pending {
		state, assigned = "fail", st.self.slots.End-st.self.slots.Start+1
	}
	lines := []string{
		"cluster_state:" + state,
		"cluster_slots_assigned:" + strconv.Itoa(assigned),
		"cluster_slots_ok:" + strconv.Itoa(assigned),
		"cluster_slots_pfail:0",
		"cluster_slots_fail:0",
		"cluster_known_nodes:" + strconv.Itoa(len(st.nodes)),
		"cluster_size:" + strconv.Itoa(len(st.nodes)),
		"cluster_current_epoch:" + strconv.Itoa(len(st.nodes)),
		"cluster_my_epoch:" + strconv.Itoa(st.epochOf(st.self)),
		"cluster_stats_messages_sent:0",
		"cluster_stats_messages_received:0",
		"total_cluster_links_buffer_limit_exceeded:0",
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

func (st *clusterState) epochOf(n *clusterNode) int {
	for i, m := range st.nodes {
		if m == n {
			return i + 1
		}
	}
	return 0
}

// clusterShards is CLUSTER SHARDS in Redis 7's layout: per shard, "slots" as a flat start/end list and
// "nodes" as maps.
func (s *Server) clusterShards(r command.Reply, hostOf func(*clusterNode) string) {
	st := s.cluster.Load()
	r.Array(len(st.nodes))
	for _, n := range st.nodes {
		r.Array(4)
		r.BulkString("slots")
		r.Array(2)
		r.Int(int64(n.slots.Start))
		r.Int(int64(n.slots.End))
		r.BulkString("nodes")
		r.Array(1)
		r.Array(14)
		r.BulkString("id")
		r.BulkString(n.id)
		r.BulkString("port")
		r.Int(int64(n.port))
		r.BulkString("ip")
		r.BulkString(hostOf(n))
		r.BulkString("endpoint")
		r.BulkString(hostOf(n))
		r.BulkString("role")
		r.BulkString("master")
		r.BulkString("replication-offset")
		r.Int(0)
		r.BulkString("health")
		r.BulkString("online")
	}
}

// clusterSetNodes is CLUSTER SETNODES id host:port start-end [id host:port start-end ...]: ssrun's way
// of forming a cluster whose shards learnt their addresses on their own nodes. The driver sends every
// node the complete map once all have answered; this node finds itself by id, keeps its own announced
// address, and swaps in the new map whole (readers see the old or the new one, never a mixture). The
// map must cover every slot exactly once, and this node's entry must keep the slots it started with,
// since it may already hold keys of them.
func (s *Server) clusterSetNodes(ctx *command.Ctx, args [][]byte) {
	old := s.cluster.Load()
	if len(args) == 0 || len(args)%3 != 0 {
		ctx.Reply.Error(command.WrongArity("cluster|setnodes") + ": want ID HOST:PORT START-END triples")
		return
	}
	cc := &ClusterConfig{NodeID: old.self.id, Announce: old.self.addr()}
	found := false
	for i := 0; i < len(args); i += 3 {
		p, err := ParseClusterPeer(string(args[i]) + "," + string(args[i+1]) + "," + string(args[i+2]))
		if err != nil {
			ctx.Reply.Error("ERR " + err.Error())
			return
		}
		if p.NodeID == old.self.id {
			if p.Slots != old.self.slots {
				ctx.Reply.Error(fmt.Sprintf("ERR this node owns slots %s, not %s", old.self.slots, p.Slots))
				return
			}
			cc.Slots, found = p.Slots, true
			continue
		}
		cc.Peers = append(cc.Peers, p)
	}
	if !found {
		ctx.Reply.Error("ERR the map does not contain this node (" + old.self.id + ")")
		return
	}
	if err := validateCluster(cc); err != nil {
		ctx.Reply.Error("ERR " + err.Error())
		return
	}
	s.cluster.Store(newClusterState(cc, cc.Announce, s.cfg.Name))
	ctx.Reply.SimpleString("OK")
}
