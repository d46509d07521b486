package orchestrator

import (
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// redisVersion is the Redis release whose protocol and replies this server follows. Clients read it
// from HELLO and INFO to pick features, so it names the compatibility level, not ssrun's version.
const redisVersion = "7.0.15"

func cmdPing(ctx *command.Ctx, args [][]byte) {
	switch len(args) {
	case 1:
		ctx.Reply.SimpleString("PONG")
	case 2:
		ctx.Reply.Bulk(args[1])
	default:
		ctx.Reply.Error(command.WrongArity("ping"))
	}
}

func cmdEcho(ctx *command.Ctx, args [][]byte) { ctx.Reply.Bulk(args[1]) }

func cmdQuit(ctx *command.Ctx, _ [][]byte) {
	ctx.Reply.SimpleString("OK")
	if c := clientOf(ctx); c != nil {
		c.quit = true
	}
}

func cmdTime(ctx *command.Ctx, _ [][]byte) {
	now := time.Now()
	ctx.Reply.Array(2)
	ctx.Reply.BulkString(strconv.FormatInt(now.Unix(), 10))
	ctx.Reply.BulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

// checkPassword compares in constant time.
// Without requirepass the default user has no password, and Redis accepts any.
func (s *Server) checkPassword(pass []byte) bool {
	want := *s.requirePass.Load()
	if want == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(want), pass) == 1
}

func (s *Server) authenticate(c *client) {
	c.authenticated = true
	c.rd.SetAuthenticated(true)
}

// cmdAuth is AUTH password or AUTH default password (the only user is "default").
func (s *Server) cmdAuth(ctx *command.Ctx, args [][]byte) {
	r := ctx.Reply
	if len(args) > 3 {
		r.Error(errSyntax)
		return
	}
	if *s.requirePass.Load() == "" && len(args) == 2 {
		r.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	pass := args[len(args)-1]
	if (len(args) == 3 && string(args[1]) != "default") || !s.checkPassword(pass) {
		r.Error("WRONGPASS invalid username-password pair or user is disabled.")
		return
	}
	s.authenticate(clientOf(ctx))
	r.SimpleString("OK")
}

// cmdHello answers HELLO [2 [AUTH user pass] [SETNAME name]]. Only RESP2 is spoken: HELLO 3 gets
// Redis's NOPROTO error, on which go-redis v9 falls back to RESP2.
func (s *Server) cmdHello(ctx *command.Ctx, args [][]byte) {
	r := ctx.Reply
	c := clientOf(ctx)
	if len(args) >= 2 {
		ver, ok := parseStrictInt(args[1])
		if !ok {
			r.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if ver != 2 {
			r.Error("NOPROTO unsupported protocol version")
			return
		}
	}
	var setName []byte
	var hasName bool
	for i := 2; i < len(args); i++ {
		opt := upper(string(args[i]))
		switch {
		case opt == "AUTH" && i+2 < len(args):
			if string(args[i+1]) != "default" || !s.checkPassword(args[i+2]) {
				r.Error("WRONGPASS invalid username-password pair or user is disabled.")
				return
			}
			s.authenticate(c)
			i += 2
		case opt == "SETNAME" && i+1 < len(args):
			setName, hasName = args[i+1], true
			i++
		default:
			r.Error("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
			return
		}
	}
	if !c.authenticated {
		r.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if hasName {
		if msg := validClientName(setName); msg != "" {
			r.Error(msg)
			return
		}
		c.mu.Lock()
		c.name = string(setName)
		c.mu.Unlock()
	}
	mode := "standalone"
	if s.cluster.Load() != nil {
		mode = "cluster"
	}
	r.Array(14)
	r.BulkString("server")
	r.BulkString("redis")
	r.BulkString("version")
	r.BulkString(redisVersion)
	r.BulkString("proto")
	r.Int(2)
	r.BulkString("id")
	r.Int(c.id)
	r.BulkString("mode")
	r.BulkString(mode)
	r.BulkString("role")
	r.BulkString("master")
	r.BulkString("modules")
	r.Array(0)
}

// validClientName returns Redis's error for a name with spaces or control characters, or "".
func validClientName(name []byte) string {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return "ERR Client names cannot contain spaces, newlines or special characters."
		}
	}
	return ""
}

func (s *Server) cmdSelect(ctx *command.Ctx, args [][]byte) {
	n, ok := parseStrictInt(args[1])
	switch {
	case !ok:
		ctx.Reply.Error(errNotInteger)
	case s.cluster.Load() != nil && n != 0:
		ctx.Reply.Error("ERR SELECT is not allowed in cluster mode")
	case n != 0:
		ctx.Reply.Error("ERR DB index is out of range")
	default:
		ctx.Reply.SimpleString("OK")
	}
}

// cmdClusterOK is READONLY, READWRITE and ASKING: accepted in cluster mode (every node is a master of
// a static map with no migrating slots, so they change nothing), refused as Redis does when cluster
// support is off.
func (s *Server) cmdClusterOK(ctx *command.Ctx, _ [][]byte) {
	if s.cluster.Load() == nil {
		ctx.Reply.Error("ERR This instance has cluster support disabled")
		return
	}
	ctx.Reply.SimpleString("OK")
}

// cmdClient is CLIENT ID|SETNAME|GETNAME|SETINFO|INFO|LIST|NO-EVICT|NO-TOUCH|REPLY ON.
func (s *Server) cmdClient(ctx *command.Ctx, args [][]byte) {
	r := ctx.Reply
	c := clientOf(ctx)
	sub := upper(string(args[1]))
	arity := map[string]int{"ID": 2, "SETNAME": 3, "GETNAME": 2, "SETINFO": 4, "INFO": 2}
	if n, ok := arity[sub]; ok && len(args) != n {
		r.Error(command.WrongArity("client|" + strings.ToLower(sub)))
		return
	}
	switch sub {
	case "ID":
		r.Int(c.id)
	case "SETNAME":
		if msg := validClientName(args[2]); msg != "" {
			r.Error(msg)
			return
		}
		c.mu.Lock()
		c.name = string(args[2])
		c.mu.Unlock()
		r.SimpleString("OK")
	case "GETNAME":
		c.mu.Lock()
		name := c.name
		c.mu.Unlock()
		if name == "" {
			r.Null()
			return
		}
		r.BulkString(name)
	case "SETINFO":
		attr := upper(string(args[2]))
		if attr != "LIB-NAME" && attr != "LIB-VER" {
			r.Error("ERR Unrecognized option '" + string(args[2]) + "'")
			return
		}
		if msg := validClientName(args[3]); msg != "" {
			r.Error("ERR " + strings.ToLower(attr) + " cannot contain spaces, newlines or special characters.")
			return
		}
		c.mu.Lock()
		if attr == "LIB-NAME" {
			c.libName = string(args[3])
		} else {
			c.libVer = string(args[3])
		}
		c.mu.Unlock()
		r.SimpleString("OK")
	case "INFO":
		r.BulkString(s.clientLine(c))
	case "LIST":
		var b strings.Builder
		for _, other := range s.clientsByID() {
			b.WriteString(s.clientLine(other))
		}
		r.BulkString(b.String())
	default:
		if !replyHelp(r, args) {
			r.Error(unknownSubcommand(args))
		}
	}
}

// clientLine is one CLIENT LIST line: Redis's fields, in Redis's order, limited to those this server
// tracks (no fd, buffer or idle figures).
func (s *Server) clientLine(c *client) string {
	c.mu.Lock()
	name, lib, ver := c.name, c.libName, c.libVer
	c.mu.Unlock()
	cmd := "NULL"
	if p := c.lastCmd.Load(); p != nil {
		cmd = *p
	}
	age := int64(time.Since(c.created).Seconds())
	return fmt.Sprintf("id=%d addr=%s laddr=%s name=%s age=%d db=0 cmd=%s user=default resp=2 lib-name=%s lib-ver=%s\n",
		c.id, c.netConn.RemoteAddr(), c.netConn.LocalAddr(), name, age, cmd, lib, ver)
}

func (s *Server) clientsByID() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].id < out[j-1].id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
