package orchestrator

import (
	"sort"
	"strconv"
	"strings"

	"github.com/ssrun/ssrun/orchestrator/command"
)

func cmdExists(ctx *command.Ctx, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if _, ok := ctx.Keys.TypeName(k); ok { // no read: the value stays its entry's own
			n++
		}
	}
	ctx.Reply.Int(n)
}

func cmdDel(ctx *command.Ctx, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if ctx.Keys.Delete(k) {
			n++
		}
	}
	ctx.Reply.Int(n)
}

func cmdType(ctx *command.Ctx, args [][]byte) {
	name, ok := ctx.Keys.TypeName(args[1])
	if !ok {
		name = "none"
	}
	ctx.Reply.SimpleString(name)
}

// cmdRename is RENAME and RENAMENX; any value type moves, AI tensors, models and scripts included.
func (s *Server) cmdRename(ctx *command.Ctx, args [][]byte) {
	src, dst := args[1], args[2]
	if upper(string(args[0])) == "RENAMENX" {
		if _, ok := ctx.Keys.Get(src); !ok {
			ctx.Reply.Error(errNoSuchKey)
			return
		}
		if _, ok := ctx.Keys.Get(dst); ok {
			ctx.Reply.Int(0)
			return
		}
		if ok, _ := storeOf(ctx).Rename(src, dst); !ok {
			ctx.Reply.Error(errNoSuchKey)
			return
		}
		ctx.Reply.Int(1)
		return
	}
	if ok, _ := storeOf(ctx).Rename(src, dst); !ok {
		ctx.Reply.Error(errNoSuchKey)
		return
	}
	ctx.Reply.SimpleString("OK")
}

// cmdKeys answers KEYS pattern, sorted so that the answer is deterministic.
func (s *Server) cmdKeys(ctx *command.Ctx, args [][]byte) {
	pattern := args[1]
	var keys []string
	ctx.Keys.Range(func(k []byte, _ command.Value) bool {
		if globMatch(pattern, k) {
			keys = append(keys, string(k))
		}
		return true
	})
	sort.Strings(keys)
	ctx.Reply.Array(len(keys))
	for _, k := range keys {
		ctx.Reply.BulkString(k)
	}
}

// cmdScan answers SCAN cursor [MATCH p] [COUNT n] [TYPE t]. The cursor is the index of the next keyspace
// shard to visit: each call returns whole shards until COUNT keys are collected, so every key present
// for the whole iteration is returned exactly once, as Redis guarantees.
func (s *Server) cmdScan(ctx *command.Ctx, args [][]byte) {
	r := ctx.Reply
	cursor, err := strconv.ParseUint(string(args[1]), 10, 64)
	if err != nil {
		r.Error("ERR invalid cursor")
		return
	}
	var pattern []byte
	var typeName string
	count := 10
	for i := 2; i < len(args); i += 2 {
		if i+1 >= len(args) {
			r.Error(errSyntax)
			return
		}
		switch upper(string(args[i])) {
		case "MATCH":
			pattern = args[i+1]
		case "COUNT":
			n, ok := parseStrictInt(args[i+1])
			if !ok {
				r.Error(errNotInteger)
				return
			}
			if n < 1 {
				r.Error(errSyntax)
				return
			}
			count = int(min(n, 1<<30))
		case "TYPE":
			typeName = strings.ToLower(string(args[i+1]))
		default:
			r.Error(errSyntax)
			return
		}
	}
	var keys []string
	shard := int(min(cursor, keyspaceShards))
	for ; shard < keyspaceShards && len(keys) < count; shard++ {
		entries := storeOf(ctx).snapshotShard(shard)
		sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
		for _, kv := range entries {
			if pattern != nil && !globMatch(pattern, []byte(kv.key)) {
				continue
			}
			if typeName != "" && strings.ToLower(kv.val.TypeName()) != typeName {
				continue
			}
			keys = append(keys, kv.key)
		}
	}
	next := shard
	if next >= keyspaceShards {
		next = 0
	}
	r.Array(2)
	r.BulkString(strconv.Itoa(next))
	r.Array(len(keys))
	for _, k := range keys {
		r.BulkString(k)
	}
}
