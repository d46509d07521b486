package orchestrator

import (
	"strings"

	"github.com/ssrun/ssrun/orchestrator/command"
)

func (s *Server) cmdDBSize(ctx *command.Ctx, _ [][]byte) { ctx.Reply.Int(s.keys.Len()) }

// cmdFlush is FLUSHDB and FLUSHALL [ASYNC|SYNC] (both run synchronously: values are only dropped).
func (s *Server) cmdFlush(ctx *command.Ctx, args [][]byte) {
	if len(args) > 2 {
		ctx.Reply.Error(errSyntax)
		return
	}
	if len(args) == 2 {
		if mode := upper(string(args[1])); mode != "ASYNC" && mode != "SYNC" {
			ctx.Reply.Error(errSyntax)
			return
		}
	}
	storeOf(ctx).Flush()
	ctx.Reply.SimpleString("OK")
}

// markSaved records a save in rdb_last_save_time, kept strictly increasing because SmartRedis's tests
// compare it across two SAVEs that may fall in the same second.
func (s *Server) markSaved() {
	for {
		prev := s.lastSave.Load()
		next := max(nowUnix(), prev+1)
		if s.lastSave.CompareAndSwap(prev, next) {
			return
		}
	}
}

// cmdSave is SAVE: a snapshot to dir/dbfilename, written before the reply. Unlike Redis, other
// clients are served meanwhile (the snapshot is copy-on-write, see keyspace_persist.go).
func (s *Server) cmdSave(ctx *command.Ctx, _ [][]byte) {
	if err := s.persist.save(); err != nil {
		replyPersistError(ctx.Reply, err)
		return
	}
	ctx.Reply.SimpleString("OK")
}

// cmdBgSave is BGSAVE [SCHEDULE]. SCHEDULE waits for a running log rewrite instead of failing.
func (s *Server) cmdBgSave(ctx *command.Ctx, args [][]byte) {
	schedule := len(args) == 2 && upper(string(args[1])) == "SCHEDULE"
	if len(args) > 2 || (len(args) == 2 && !schedule) {
		ctx.Reply.Error(errSyntax)
		return
	}
	if schedule && s.persist.rewriteRunning.Load() {
		s.persist.wg.Add(1)
		go func() { defer s.persist.wg.Done(); s.persist.save() }()
		ctx.Reply.SimpleString("Background saving scheduled")
		return
	}
	if err := s.persist.bgsave(); err != nil {
		replyPersistError(ctx.Reply, err)
		return
	}
	ctx.Reply.SimpleString("Background saving started")
}

// cmdBgRewriteAOF is BGREWRITEAOF: the log is rewritten as the current keyspace in the background.
func (s *Server) cmdBgRewriteAOF(ctx *command.Ctx, _ [][]byte) {
	p := s.persist
	if p.rewriteRunning.Load() {
		ctx.Reply.Error("ERR Background append only file rewriting already in progress")
		return
	}
	if p.bgsaveRunning.Load() {
		p.rewriteWanted.Store(true)
		ctx.Reply.SimpleString("Background append only file rewriting scheduled")
		return
	}
	p.mu.Lock()
	on := p.log != nil
	p.mu.Unlock()
	if !on {
		// Redis writes a fresh log even with appendonly off; ssrun only keeps one while it is on.
		ctx.Reply.Error("ERR appendonly is off: CONFIG SET appendonly yes creates the log")
		return
	}
	p.wg.Add(1)
	go func() { defer p.wg.Done(); p.rewriteLog() }()
	ctx.Reply.SimpleString("Background append only file rewriting started")
}

// replyPersistError answers a failed save: Redis's own texts pass through, disk errors become
// "ERR ..." as Redis reports a failed SAVE.
func replyPersistError(r command.Reply, err error) {
	msg := err.Error()
	if strings.HasPrefix(msg, "ERR ") {
		r.Error(msg)
		return
	}
	r.Error("ERR " + msg)
}

func (s *Server) cmdLastSave(ctx *command.Ctx, _ [][]byte) { ctx.Reply.Int(s.lastSave.Load()) }

// cmdShutdown is SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]. Like Redis it sends no reply on success: the
// connection closes and the process exits 0. It snapshots first with SAVE, or when save points are
// configured and NOSAVE is not given; a failed snapshot cancels the shutdown unless FORCE is given.
// The append-only log is written and fsynced as the server closes. ABORT has nothing to abort.
func (s *Server) cmdShutdown(ctx *command.Ctx, args [][]byte) {
	save, nosave, force := false, false, false
	for _, a := range args[1:] {
		switch upper(string(a)) {
		case "NOSAVE":
			nosave = true
		case "SAVE":
			save = true
		case "FORCE":
			force = true
		case "NOW":
		case "ABORT":
			ctx.Reply.Error("ERR No shutdown in progress.")
			return
		default:
			ctx.Reply.Error(errSyntax)
			return
		}
	}
	if save && nosave {
		ctx.Reply.Error(errSyntax)
		return
	}
	if err := s.saveBeforeExit(save, nosave); err != nil && !force {
		ctx.Reply.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	if c := clientOf(ctx); c != nil {
		c.quit = true
	}
	s.requestShutdown()
}

// saveBeforeExit snapshots before the process ends when asked (SAVE) or when save points are
// configured and NOSAVE was not given, as Redis does on SHUTDOWN and SIGTERM.
func (s *Server) saveBeforeExit(save, nosave bool) error {
	if nosave || !(save || s.persist.savesOnShutdown()) {
		return nil
	}
	s.persist.job.Lock() // wait for a background snapshot or rewrite to finish
	defer s.persist.job.Unlock()
	s.logf("saving the final snapshot before exit")
	return s.persist.snapshotLocked()
}

// SaveBeforeExit is what `ssrun db` does on SIGTERM or SIGINT: a final snapshot when save points are
// configured (the log, when on, is fsynced by Shutdown).
func (s *Server) SaveBeforeExit() error { return s.saveBeforeExit(false, false) }
