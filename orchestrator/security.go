package orchestrator

import (
	"fmt"
	"net"
	"strings"
)

// deniedProtectedMode is redis-server 7's reply, byte for byte, to a client from another host while
// protected mode is on and no password is set.
const deniedProtectedMode = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
	"In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
	"1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, " +
	"however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
	"2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
	"3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
	"4) Setup a an authentication password for the default user. " +
	"NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

// protectedRefusal is the error a new connection gets instead of service, or "": with protected mode
// on and no password, only loopback and unix-socket clients are served (Redis 7's rule, whatever the
// bind address).
func (s *Server) protectedRefusal(remote net.Addr) string {
	if !s.protectedMode.Load() || *s.requirePass.Load() != "" {
		return ""
	}
	tcp, ok := remote.(*net.TCPAddr)
	if !ok || tcp.IP.IsLoopback() {
		return ""
	}
	return deniedProtectedMode
}

func securitySettings(s *Server) []setting {
	return []setting{
		{name: "protected-mode", get: func() string { return yesNo(s.protectedMode.Load()) },
			set: func(v string) string {
				on, ok := parseYesNo(v)
				if !ok {
					return "argument must be 'yes' or 'no'"
				}
				s.protectedMode.Store(on)
				return ""
			}},
	}
}

// applyRenames applies redis.conf's rename-command lines ("NAME NEWNAME"; "NAME " disables NAME):
// on a shared cluster FLUSHALL or CONFIG can be taken away from clients. A renamed command answers
// only to its new name; a disabled one is an unknown command.
func (s *Server) applyRenames(lines []string) error {
	for _, line := range lines {
		name, newName, _ := strings.Cut(line, " ")
		name, newName = upper(strings.TrimSpace(name)), upper(strings.TrimSpace(newName))
		sp, ok := s.commands[name]
		if !ok {
			return fmt.Errorf("--rename-command: no such command %q", name)
		}
		if _, taken := s.commands[newName]; taken && newName != "" {
			return fmt.Errorf("--rename-command %s %s: %s is already a command", name, newName, newName)
		}
		delete(s.commands, name)
		if newName != "" {
			s.commands[newName] = sp
		}
	}
	return nil
}
