package orchestrator

import (
	"strings"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// transaction is a client's MULTI state: the commands queued for EXEC, and whether one was refused
// while queueing (EXEC then discards them all, as Redis does).
type transaction struct {
	queue  []queuedCommand
	failed bool
}

// watchedKey is a key under WATCH and the version it had then.
type watchedKey struct {
	key     []byte
	version uint64
}

type queuedCommand struct {
	spec *command.Spec
	args [][]byte
}

// runsInsideMulti reports the commands that act at once instead of being queued.
func runsInsideMulti(spec *command.Spec) bool {
	switch spec.Name {
	case "MULTI", "EXEC", "DISCARD", "QUIT", "WATCH":
		return true
	}
	return false
}

func (s *Server) cmdMulti(ctx *command.Ctx, _ [][]byte) {
	c := clientOf(ctx)
	if c.tx != nil {
		ctx.Reply.Error("ERR MULTI calls can not be nested")
		return
	}
	c.tx = &transaction{}
	ctx.Reply.SimpleString("OK")
}

func (s *Server) cmdDiscard(ctx *command.Ctx, _ [][]byte) {
	c := clientOf(ctx)
	if c.tx == nil {
		ctx.Reply.Error("ERR DISCARD without MULTI")
		return
	}
	c.tx = nil
	c.watched = nil
	ctx.Reply.SimpleString("OK")
}

// cmdWatch records the keys' versions; EXEC answers a null array instead of running if any changed.
func (s *Server) cmdWatch(ctx *command.Ctx, args [][]byte) {
	c := clientOf(ctx)
	if c.tx != nil {
		ctx.Reply.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	for _, k := range args[1:] {
		c.watched = append(c.watched, watchedKey{key: k, version: s.keys.version(k)})
	}
	ctx.Reply.SimpleString("OK")
}

func (s *Server) cmdUnwatch(ctx *command.Ctx, _ [][]byte) {
	clientOf(ctx).watched = nil
	ctx.Reply.SimpleString("OK")
}

// cmdExec runs the queued commands with every keyspace shard locked, so no other client's command
// interleaves, and answers an array of their replies. Blocking commands (model and script execution)
// cannot run while the whole keyspace is locked; like RedisAI inside a transaction they answer an
// error in their slot of the reply.
func (s *Server) cmdExec(ctx *command.Ctx, _ [][]byte) {
	c := clientOf(ctx)
	tx := c.tx
	if tx == nil {
		ctx.Reply.Error("ERR EXEC without MULTI")
		return
	}
	c.tx = nil
	watched := c.watched
	c.watched = nil
	if tx.failed {
		ctx.Reply.Error("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	if s.cluster.Load() != nil && !sameSlot(tx.queue) {
		ctx.Reply.Error("CROSSSLOT Keys in request don't hash to the same slot")
		return
	}
	c.wr.Hold(true)
	defer c.wr.Hold(false) // after the locks are released: deferred calls run last-in first-out
	view := s.keys.lockAll()
	defer s.keys.unlockAll()
	if !view.unchanged(watched) {
		ctx.Reply.NullArray()
		return
	}
	outer := ctx.Keys
	ctx.Keys = view
	defer func() { ctx.Keys = outer }()
	ctx.Reply.Array(len(tx.queue))
	for _, q := range tx.queue {
		if q.spec.Flags&command.Blocking != 0 {
			ctx.Reply.Error(blockingInTransaction(q.spec))
			continue
		}
		c.lastCmd.Store(&q.spec.Name)
		s.run(c, q.spec, q.args)
	}
}

func blockingInTransaction(spec *command.Spec) string {
	if strings.HasPrefix(spec.Name, "AI.") {
		return "ERR Cannot run RedisAI command within a transaction or a LUA script"
	}
	return "ERR " + strings.ToLower(spec.Name) + " cannot run within a transaction"
}

// sameSlot reports whether every key of the queued commands hashes to one slot (each command was
// already checked to be served here when it was queued).
func sameSlot(queue []queuedCommand) bool {
	slot := -1
	for _, q := range queue {
		for _, k := range q.spec.KeysOf(q.args) {
			ks := KeySlot(k)
			if slot >= 0 && ks != slot {
				return false
			}
			slot = ks
		}
	}
	return true
}
