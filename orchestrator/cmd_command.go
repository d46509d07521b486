package orchestrator

import (
	"sort"
	"strings"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// cmdCommand is COMMAND, COMMAND COUNT, COMMAND INFO name... and COMMAND DOCS [name...], in Redis 7's
// RESP2 layouts; go-redis reads key positions from it and redis-cli its help hints.
func (s *Server) cmdCommand(ctx *command.Ctx, args [][]byte) {
	r := ctx.Reply
	if len(args) == 1 {
		specs := s.sortedSpecs()
		r.Array(len(specs))
		for _, sp := range specs {
			commandInfo(r, sp)
		}
		return
	}
	switch upper(string(args[1])) {
	case "COUNT":
		r.Int(int64(len(s.commands)))
	case "INFO":
		if len(args) == 2 {
			specs := s.sortedSpecs()
			r.Array(len(specs))
			for _, sp := range specs {
				commandInfo(r, sp)
			}
			return
		}
		r.Array(len(args) - 2)
		for _, name := range args[2:] {
			if sp := s.lookup(name); sp != nil {
				commandInfo(r, sp)
			} else {
				r.NullArray()
			}
		}
	case "DOCS":
		var specs []*command.Spec
		if len(args) == 2 {
			specs = s.sortedSpecs()
		} else {
			for _, name := range args[2:] {
				if sp := s.lookup(name); sp != nil {
					specs = append(specs, sp)
				}
			}
		}
		r.Array(2 * len(specs))
		for _, sp := range specs {
			r.BulkString(strings.ToLower(sp.Name))
			r.Array(6)
			r.BulkString("summary")
			r.BulkString(commandSummary(sp))
			r.BulkString("since")
			r.BulkString("1.0.0")
			r.BulkString("group")
			r.BulkString(commandGroup(sp))
		}
	default:
		if !replyHelp(r, args) {
			r.Error(unknownSubcommand(args))
		}
	}
}

func (s *Server) sortedSpecs() []*command.Spec {
	specs := make([]*command.Spec, 0, len(s.commands))
	for _, sp := range s.commands {
		specs = append(specs, sp)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs
}

// commandInfo writes one 10-element COMMAND entry: name, arity, flags, first key, last key, step, ACL
// categories, tips, key specs, subcommands.
func commandInfo(r command.Reply, sp *command.Spec) {
	var flags []string
	for _, f := range []struct {
		bit  command.Flags
		name string
	}{{command.Write, "write"}, {command.ReadOnly, "readonly"}, {command.DenyOOM, "denyoom"},
		{command.Admin, "admin"}, {command.NoAuth, "no_auth"}, {command.Blocking, "blocking"}} {
		if sp.Flags&f.bit != 0 {
			flags = append(flags, f.name)
		}
	}
	first, last, step := sp.FirstKey, sp.LastKey, sp.Step
	if sp.Keys != nil && first == 0 {
		// Keys follow keywords (AI.MODELEXECUTE m INPUTS n ...). Clients such as go-redis's
		// ClusterClient route by the reported first key, and argv[1] is the model or script key of
		// every such command but AI.DAGEXECUTE, so report it; a misrouted DAG is redirected by MOVED.
		flags = append(flags, "movablekeys")
		first, last, step = 1, 1, 1
	}
	r.Array(10)
	r.BulkString(strings.ToLower(sp.Name))
	r.Int(int64(sp.Arity))
	r.Array(len(flags))
	for _, f := range flags {
		r.SimpleString(f)
	}
	r.Int(int64(first))
	r.Int(int64(last))
	r.Int(int64(step))
	r.Array(0)
	r.Array(0)
	r.Array(0)
	r.Array(0)
}

func commandGroup(sp *command.Spec) string {
	name := sp.Name
	switch {
	case strings.HasPrefix(name, "AI."):
		return "module"
	case strings.HasPrefix(name, "H") && name != "HELLO":
		return "hash"
	case name == "LPUSH" || name == "RPUSH" || name == "LRANGE" || name == "LLEN" || name == "LREM" ||
		name == "LINDEX" || name == "LPOP" || name == "RPOP":
		return "list"
	case sp.FirstKey > 0 && sp.Flags&(command.Write|command.ReadOnly) != 0:
		return "string"
	case sp.Flags&command.Admin != 0:
		return "server"
	default:
		return "connection"
	}
}

func commandSummary(sp *command.Spec) string {
	return "ssrun db implementation of " + sp.Name
}
