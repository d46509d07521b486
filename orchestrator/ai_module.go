package orchestrator

import (
	"github.com/ssrun/ssrun/orchestrator/ai"
)

// registerModules adds the command families that live in their own packages: RedisAI's AI.* commands
// (package ai), whose execution queues get cfg.Threads workers per device.
func registerModules(s *Server) error {
	m := ai.New(ai.Options{ThreadsPerQueue: s.cfg.Threads})
	s.Register(m.Commands()...)
	s.closers = append(s.closers, m.Close)
	return nil
}
