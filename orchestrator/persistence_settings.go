package orchestrator

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/persist"
)

// initPersistence builds the server's persistence from the configuration and makes every write
// command answer MISCONF while persistence is failing (Redis's writeCommandsDeniedByDiskError). The
// check wraps the handlers, so it stays in the command layer whatever the connection code becomes.
func (s *Server) initPersistence(cfg Config) error {
	p, err := newPersistence(s, cfg)
	if err != nil {
		return err
	}
	s.persist = p
	for _, sp := range s.commands {
		// Redis refuses PING too, so that monitoring notices the disk problem.
		if sp.Flags&command.Write == 0 && sp.Name != "PING" {
			continue
		}
		h := sp.Handler
		sp.Handler = func(ctx *command.Ctx, args [][]byte) {
			if msg := p.writeRefusal(); msg != "" {
				ctx.Reply.Error(msg)
				return
			}
			h(ctx, args)
		}
	}
	s.closers = append(s.closers, p.close)
	return nil
}

// persistSettings are the CONFIG GET/SET parameters of persistence, with Redis's names and errors.
func persistSettings(s *Server) []setting {
	p := func() *persistence { return s.persist }
	locked := func(f func(p *persistence) string) func() string {
		return func() string { q := p(); q.mu.Lock(); defer q.mu.Unlock(); return f(q) }
	}
	return []setting{
		{name: "save", get: locked(func(q *persistence) string { return persist.FormatSavePoints(q.savePoints) }),
			set: func(v string) string {
				pts, err := persist.ParseSavePoints(v)
				if err != nil {
					return "Invalid save parameters"
				}
				q := p()
				q.mu.Lock()
				q.savePoints = pts
				q.mu.Unlock()
				return ""
			}},
		{name: "appendonly", get: locked(func(q *persistence) string { return yesNo(q.appendonly) }),
			set: func(v string) string {
				on, ok := parseYesNo(v)
				if !ok {
					return "argument must be 'yes' or 'no'"
				}
				return p().setAppendOnly(on)
			}},
		{name: "appendfsync", get: locked(func(q *persistence) string { return q.fsync.String() }),
			set: func(v string) string {
				f, ok := persist.ParseFsync(v)
				if !ok {
					return "argument(s) must be one of the following: everysec, always, no"
				}
				q := p()
				q.mu.Lock()
				q.fsync = f
				if q.log != nil {
					q.log.SetPolicy(f)
				}
				q.mu.Unlock()
				return ""
			}},
		{name: "dir", get: locked(func(q *persistence) string { return q.dir }),
			set: func(v string) string {
				abs, err := filepath.Abs(v)
				if err == nil {
					var fi os.FileInfo
					if fi, err = os.Stat(abs); err == nil && !fi.IsDir() {
						return "Not a directory"
					}
				}
				if err != nil {
					return "No such file or directory"
				}
				q := p()
				q.mu.Lock()
				defer q.mu.Unlock()
				if q.log != nil && abs != q.dir {
					return "cannot change dir while appendonly is on (the log stays where it is): set appendonly no first"
				}
				q.dir = abs
				return ""
			}},
		{name: "dbfilename", get: locked(func(q *persistence) string { return q.dbfilename }),
			set: func(v string) string {
				if strings.ContainsRune(v, '/') || v == "" {
					return "dbfilename can't be a path, just a filename"
				}
				q := p()
				q.mu.Lock()
				q.dbfilename = v
				q.mu.Unlock()
				return ""
			}},
		{name: "appendfilename", get: locked(func(q *persistence) string { return q.appendfilename })},
		{name: "stop-writes-on-bgsave-error", get: locked(func(q *persistence) string { return yesNo(q.stopWritesErr) }),
			set: func(v string) string {
				on, ok := parseYesNo(v)
				if !ok {
					return "argument must be 'yes' or 'no'"
				}
				q := p()
				q.mu.Lock()
				q.stopWritesErr = on
				q.mu.Unlock()
				return ""
			}},
	}
}

// setAppendOnly turns the log on (writing the current keyspace as its start, before the reply) or off.
func (p *persistence) setAppendOnly(on bool) string {
	p.mu.Lock()
	was := p.appendonly
	p.mu.Unlock()
	if on == was {
		return ""
	}
	if on {
		if err := p.startLog(); err != nil {
			p.logf("%v", err)
			return err.Error()
		}
	} else if err := p.stopLog(); err != nil {
		p.logf("closing the append-only log: %v", err)
	}
	p.mu.Lock()
	p.appendonly = on
	p.mu.Unlock()
	return ""
}

// info is INFO's persistence section, with Redis's field names.
func (p *persistence) info(add func(string, any)) {
	p.mu.Lock()
	l, aof := p.log, p.appendonly
	p.mu.Unlock()
	status := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "err"
	}
	add("loading", boolInt(p.loading.Load()))
	add("rdb_changes_since_last_save", p.s.keys.Changes()-p.changesAtSave.Load())
	add("rdb_bgsave_in_progress", boolInt(p.bgsaveRunning.Load()))
	add("rdb_last_save_time", p.s.lastSave.Load())
	add("rdb_last_bgsave_status", status(p.lastBgsaveOK.Load()))
	add("rdb_last_bgsave_time_sec", p.lastSaveSeconds.Load())
	add("aof_enabled", boolInt(aof))
	add("aof_rewrite_in_progress", boolInt(p.rewriteRunning.Load()))
	add("aof_last_bgrewrite_status", status(p.lastRewriteOK.Load()))
	if l != nil {
		add("aof_last_write_status", status(l.Err() == nil))
		add("aof_current_size", l.Size())
		p.mu.Lock()
		add("aof_base_size", p.logBaseSize)
		p.mu.Unlock()
	} else {
		add("aof_last_write_status", "ok")
	}
}

// statsInfo is persistence's part of INFO stats: latest_fork_usec (where Redis reports it) is how long
// writers were held up when the last snapshot started, since ssrun takes snapshots without fork.
func (p *persistence) statsInfo(add func(string, any)) {
	add("latest_fork_usec", p.lastPauseMicros.Load())
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseYesNo(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}
