package orchestrator

import (
	"strconv"
	"strings"
	"sync"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/resp"
)

// setting is one CONFIG parameter: how to read it and, if it can change at run time, how to set it.
// set returns a reason on bad input, which CONFIG SET wraps in Redis's message.
type setting struct {
	name string
	get  func() string
	set  func(v string) string
}

// settings is the CONFIG GET/SET table. Parameters that describe Redis features ssrun db does not have
// (databases) report the fixed values that are true of this server; lua-time-limit and
// busy-reply-threshold are kept and echoed because clients (redis-benchmark, SmartRedis's tests) read
// or set them, though there is no Lua for them to act on. Persistence settings are in
// persistence_settings.go, security settings in security.go.
type settings struct {
	mu    sync.Mutex
	table []setting
	saved map[string]string // accepted values of parameters with no effect (lua-time-limit)
}

func newSettings(s *Server) *settings {
	st := &settings{saved: map[string]string{"lua-time-limit": "5000",
		"busy-reply-threshold": "5000"}}
	fixed := func(name, value string) setting {
		return setting{name: name, get: func() string { return value }}
	}
	stored := func(name string, check func(string) string) setting {
		return setting{name: name,
			get: func() string { st.mu.Lock(); defer st.mu.Unlock(); return st.saved[name] },
			set: func(v string) string {
				if check != nil {
					if msg := check(v); msg != "" {
						return msg
					}
				}
				st.mu.Lock()
				st.saved[name] = v
				st.mu.Unlock()
				return ""
			}}
	}
	isInt := func(v string) string {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "argument couldn't be parsed into an integer"
		}
		return ""
	}
	st.table = []setting{
		{name: "maxmemory", get: func() string { return strconv.FormatInt(s.keys.MaxMemory(), 10) },
			set: func(v string) string {
				n, err := ParseMemory(v)
				if err != nil {
					return "argument must be a memory value"
				}
				s.keys.SetMaxMemory(n)
				return ""
			}},
		fixed("maxmemory-policy", "noeviction"),
		{name: "proto-max-bulk-len", get: func() string { return strconv.FormatInt(s.maxBulkLen.Load(), 10) },
			set: func(v string) string {
				n, err := ParseMemory(v)
				if err != nil || n < 1024*1024 || n > resp.DefaultMaxBulkLen {
					return "argument must be a memory value between 1mb and 512mb"
				}
				s.maxBulkLen.Store(n)
				return ""
			}},
		{name: "requirepass", get: func() string { return *s.requirePass.Load() },
			set: func(v string) string { s.requirePass.Store(&v); return "" }},
		stored("lua-time-limit", isInt),
		stored("busy-reply-threshold", isInt),
		{name: "timeout", get: func() string { return strconv.FormatInt(s.idleTimeout.Load(), 10) },
			set: func(v string) string {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return "argument couldn't be parsed into an integer"
				}
				s.idleTimeout.Store(n)
				return ""
			}},
		fixed("databases", "1"),
		fixed("port", portOf(s.Addr())),
		fixed("bind", strings.Join(s.cfg.Binds, " ")),
		fixed("unixsocket", s.cfg.UnixSocket),
		{name: "maxclients", get: func() string { return strconv.FormatInt(s.maxClients.Load(), 10) },
			set: func(v string) string {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 1 {
					return "argument must be between 1 and 9223372036854775807 inclusive"
				}
				s.maxClients.Store(n)
				return ""
			}},
		fixed("io-threads", strconv.Itoa(s.cfg.Threads)),
		fixed("cluster-enabled", map[bool]string{false: "no", true: "yes"}[s.cfg.Cluster != nil]),
	}
	st.table = append(st.table, persistSettings(s)...)
	st.table = append(st.table, securitySettings(s)...)
	return st
}

// cmdConfig is CONFIG GET pattern... | SET name value [name value ...] | RESETSTAT | REWRITE.
func (s *Server) cmdConfig(ctx *command.Ctx, args [][]byte) {
	r := ctx.Reply
	sub := upper(string(args[1]))
	switch sub {
	case "GET":
		if len(args) < 3 {
			r.Error(command.WrongArity("config|get"))
			return
		}
		var out []string
		seen := map[string]bool{}
		for _, pat := range args[2:] {
			lowered := strings.ToLower(string(pat))
			// A plain name is answered under the spelling it was asked with, as Redis does.
			exact := !strings.ContainsAny(lowered, "*?[")
			for _, st := range s.settings.table {
				if seen[st.name] || !globMatch([]byte(lowered), []byte(st.name)) {
					continue
				}
				seen[st.name] = true
				name, value := st.name, st.get()
				if exact {
					name = string(pat)
				}
				if st.name == "port" {
					value = portOf(s.Addr())
				}
				out = append(out, name, value)
			}
		}
		r.Array(len(out))
		for _, v := range out {
			r.BulkString(v)
		}
	case "SET":
		if len(args) < 4 || len(args)%2 != 0 {
			r.Error(command.WrongArity("config|set"))
			return
		}
		s.configSet(r, args[2:])
	case "RESETSTAT":
		s.resetStats()
		r.SimpleString("OK")
	case "REWRITE":
		r.Error("ERR The server is running without a config file")
	default:
		if !replyHelp(r, args) {
			r.Error(unknownSubcommand(args))
		}
	}
}

// configSet checks every name before applying any value, so an unknown name changes nothing.
func (s *Server) configSet(r command.Reply, pairs [][]byte) {
	var targets []setting
	for i := 0; i < len(pairs); i += 2 {
		name := strings.ToLower(string(pairs[i]))
		var found *setting
		for j := range s.settings.table {
			if s.settings.table[j].name == name {
				found = &s.settings.table[j]
			}
		}
		if found == nil {
			r.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + string(pairs[i]) + "'")
			return
		}
		if found.set == nil {
			r.Error("ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set immutable config")
			return
		}
		targets = append(targets, *found)
	}
	for i, st := range targets {
		if msg := st.set(string(pairs[2*i+1])); msg != "" {
			r.Error("ERR CONFIG SET failed (possibly related to argument '" + st.name + "') - " + msg)
			return
		}
	}
	r.SimpleString("OK")
}
