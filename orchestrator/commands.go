package orchestrator

import (
	"strconv"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// Flag shorthands for the core command table.
const (
	write    = command.Write | command.DenyOOM
	del      = command.Write
	read     = command.ReadOnly
	admin    = command.Admin
	noAuth   = command.NoAuth
	keysless = 0
)

// coreCommands is the Redis command set docs/design.md §6 lists, with Redis 7's arities and key positions (so
// COMMAND, cluster routing and CROSSSLOT checks agree with a real Redis).
func coreCommands(s *Server) []command.Spec {
	k := func(name string, arity int, flags command.Flags, first, last, step int, h func(*command.Ctx, [][]byte)) command.Spec {
		return command.Spec{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: step, Handler: h}
	}
	n := func(name string, arity int, flags command.Flags, h func(*command.Ctx, [][]byte)) command.Spec {
		return command.Spec{Name: name, Arity: arity, Flags: flags, Handler: h}
	}
	return []command.Spec{
		// connection
		n("PING", -1, keysless, cmdPing),
		n("ECHO", 2, keysless, cmdEcho),
		n("HELLO", -1, noAuth, s.cmdHello),
		n("AUTH", -2, noAuth, s.cmdAuth),
		n("CLIENT", -2, keysless, s.cmdClient),
		n("SELECT", 2, keysless, s.cmdSelect),
		n("QUIT", -1, noAuth, cmdQuit),
		n("READONLY", 1, keysless, s.cmdClusterOK),
		n("READWRITE", 1, keysless, s.cmdClusterOK),
		n("ASKING", 1, keysless, s.cmdClusterOK),
		n("MULTI", 1, keysless, s.cmdMulti),
		n("EXEC", 1, keysless, s.cmdExec),
		n("DISCARD", 1, keysless, s.cmdDiscard),
		k("WATCH", -2, keysless, 1, -1, 1, s.cmdWatch),
		n("UNWATCH", 1, keysless, s.cmdUnwatch),
		// server
		n("INFO", -1, keysless, s.cmdInfo),
		n("COMMAND", -1, keysless, s.cmdCommand),
		n("CONFIG", -2, admin, s.cmdConfig),
		n("DBSIZE", 1, read, s.cmdDBSize),
		n("FLUSHDB", -1, del|command.Slow, s.cmdFlush),
		n("FLUSHALL", -1, del|command.Slow, s.cmdFlush),
		n("SAVE", 1, admin|command.Slow, s.cmdSave),
		n("BGSAVE", -1, admin, s.cmdBgSave),
		n("LASTSAVE", 1, keysless, s.cmdLastSave),
		n("BGREWRITEAOF", 1, admin, s.cmdBgRewriteAOF),
		n("TIME", 1, keysless, cmdTime),
		n("SHUTDOWN", -1, admin|command.Slow, s.cmdShutdown),
		n("CLUSTER", -2, keysless, s.clusterCommand),
		// keys
		n("KEYS", 2, read|command.Slow, s.cmdKeys),
		n("SCAN", -2, read, s.cmdScan),
		k("EXISTS", -2, read, 1, -1, 1, cmdExists),
		k("DEL", -2, del, 1, -1, 1, cmdDel),
		k("UNLINK", -2, del, 1, -1, 1, cmdDel),
		k("TYPE", 2, read, 1, 1, 1, cmdType),
		k("RENAME", 3, del, 1, 2, 1, s.cmdRename),
		k("RENAMENX", 3, del, 1, 2, 1, s.cmdRename),
		// strings
		k("GET", 2, read, 1, 1, 1, cmdGet),
		k("SET", -3, write, 1, 1, 1, cmdSet),
		k("SETNX", 3, write, 1, 1, 1, cmdSetNX),
		k("MGET", -2, read, 1, -1, 1, cmdMGet),
		k("MSET", -3, write, 1, -1, 2, cmdMSet),
		k("INCR", 2, write, 1, 1, 1, cmdIncr),
		k("DECR", 2, write, 1, 1, 1, cmdIncr),
		k("INCRBY", 3, write, 1, 1, 1, cmdIncr),
		k("DECRBY", 3, write, 1, 1, 1, cmdIncr),
		k("APPEND", 3, write, 1, 1, 1, cmdAppend),
		k("STRLEN", 2, read, 1, 1, 1, cmdStrlen),
		// hashes
		k("HSET", -4, write, 1, 1, 1, cmdHSet),
		k("HMSET", -4, write, 1, 1, 1, cmdHSet),
		k("HGET", 3, read, 1, 1, 1, cmdHGet),
		k("HMGET", -3, read, 1, 1, 1, cmdHMGet),
		k("HGETALL", 2, read, 1, 1, 1, cmdHGetAll),
		k("HKEYS", 2, read, 1, 1, 1, cmdHKeys),
		k("HVALS", 2, read, 1, 1, 1, cmdHVals),
		k("HEXISTS", 3, read, 1, 1, 1, cmdHExists),
		k("HDEL", -3, del, 1, 1, 1, cmdHDel),
		k("HLEN", 2, read, 1, 1, 1, cmdHLen),
		// lists
		k("RPUSH", -3, write, 1, 1, 1, cmdPush),
		k("LPUSH", -3, write, 1, 1, 1, cmdPush),
		k("LRANGE", 4, read, 1, 1, 1, cmdLRange),
		k("LLEN", 2, read, 1, 1, 1, cmdLLen),
		k("LREM", 4, del, 1, 1, 1, cmdLRem),
		k("LINDEX", 3, read, 1, 1, 1, cmdLIndex),
		k("LPOP", -2, del, 1, 1, 1, cmdPop),
		k("RPOP", -2, del, 1, 1, 1, cmdPop),
	}
}

// Error texts shared by several commands, as Redis words them.
const (
	errNotInteger = "ERR value is not an integer or out of range"
	errSyntax     = "ERR syntax error"
	errNoSuchKey  = "ERR no such key"
)

// parseStrictInt parses an integer as Redis's string2ll does: optional '-', no '+', no leading zeros,
// no spaces.
func parseStrictInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	digits := b
	if b[0] == '-' {
		digits = b[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(b) > 1) {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// replyWriteError answers a keyspace write error (OOM) or a handler error.
func replyWriteError(r command.Reply, err error) {
	if err == command.ErrOOM {
		r.Error(command.OOMReply)
		return
	}
	r.Error(err.Error())
}

// replyError is an error that carries Redis's reply text through Keyspace.Update.
type replyError string

func (e replyError) Error() string { return string(e) }
