package orchestrator

import (
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

// markSaved records a save. ssrun db keeps no files (DESIGN §6), so SAVE only moves
// rdb_last_save_time; it is kept strictly increasing because SmartRedis's tests compare it across two
// SAVEs that may fall in the same second.
func (s *Server) markSaved() {
	for {
		prev := s.lastSave.Load()
		next := max(nowUnix(), prev+1)
		if s.lastSave.CompareAndSwap(prev, next) {
			return
		}
	}
}

func (s *Server) cmdSave(ctx *command.Ctx, _ [][]byte) {
	s.markSaved()
	ctx.Reply.SimpleString("OK")
}

func (s *Server) cmdBgSave(ctx *command.Ctx, args [][]byte) {
	if len(args) > 2 || (len(args) == 2 && upper(string(args[1])) != "SCHEDULE") {
		ctx.Reply.Error(errSyntax)
		return
	}
	s.markSaved()
	ctx.Reply.SimpleString("Background saving started")
}

func (s *Server) cmdLastSave(ctx *command.Ctx, _ [][]byte) { ctx.Reply.Int(s.lastSave.Load()) }

// cmdShutdown is SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]. Like Redis it sends no reply on success: the
// connection closes and the process exits 0. ABORT has nothing to abort.
func (s *Server) cmdShutdown(ctx *command.Ctx, args [][]byte) {
	for _, a := range args[1:] {
		switch upper(string(a)) {
		case "NOSAVE", "SAVE", "NOW", "FORCE":
		case "ABORT":
			ctx.Reply.Error("ERR No shutdown in progress.")
			return
		default:
			ctx.Reply.Error(errSyntax)
			return
		}
	}
	if c := clientOf(ctx); c != nil {
		c.quit = true
	}
	s.requestShutdown()
}
