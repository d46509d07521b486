package orchestrator

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/command"
)

// Version is ssrun's version as INFO reports it (ssrun_version); main may set it at start.
var Version = "dev"

var infoSectionOrder = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "ai", "cluster", "keyspace"}

// cmdInfo answers INFO [section ...] with Redis's text layout ("# Section" headers, key:value lines,
// CRLF, a blank line between sections). "all", "everything" and "default" select every section.
func (s *Server) cmdInfo(ctx *command.Ctx, args [][]byte) {
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[strings.ToLower(string(a))] = true
	}
	all := len(want) == 0 || want["all"] || want["everything"] || want["default"]
	var parts []string
	for _, name := range infoSectionOrder {
		if all || want[name] {
			parts = append(parts, s.infoSection(name))
		}
	}
	ctx.Reply.BulkString(strings.Join(parts, "\r\n"))
}

func (s *Server) infoSection(name string) string {
	var lines []string
	add := func(k string, v any) { lines = append(lines, fmt.Sprintf("%s:%v", k, v)) }
	title := strings.ToUpper(name[:1]) + name[1:]
	switch name {
	case "server":
		mode := "standalone"
		if s.cluster.Load() != nil {
			mode = "cluster"
		}
		uptime := int64(time.Since(s.startTime).Seconds())
		add("redis_version", redisVersion)
		add("ssrun_version", Version)
		add("ssrun_name", s.cfg.Name)
		add("redis_mode", mode)
		add("os", runtime.GOOS+" "+runtime.GOARCH)
		add("arch_bits", strconv.IntSize)
		add("go_version", runtime.Version())
		add("process_id", os.Getpid())
		add("tcp_port", portOf(s.Addr()))
		add("server_time_usec", time.Now().UnixMicro())
		add("uptime_in_seconds", uptime)
		add("uptime_in_days", uptime/86400)
		add("executable", executablePath())
		add("event_loops", len(s.loops))
		add("event_loops_yielded", boolInt(s.loopsYielded.Load()))
		add("event_loops_yields", s.loopYields.Load())
	case "clients":
		s.mu.Lock()
		n := len(s.clients)
		s.mu.Unlock()
		add("connected_clients", n)
		add("maxclients", s.maxClients.Load())
	case "memory":
		used := s.keys.UsedMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		add("used_memory", used)
		add("used_memory_human", humanBytes(used))
		peak := max(s.keys.PeakMemory(), used)
		add("used_memory_peak", peak)
		add("used_memory_peak_human", humanBytes(peak))
		if total, ok := totalSystemMemory(); ok {
			add("total_system_memory", total)
			add("total_system_memory_human", humanBytes(total))
		}
		if rss, ok := residentBytes(); ok {
			add("used_memory_rss", rss)
			add("used_memory_rss_human", humanBytes(rss))
		}
		add("go_sys_bytes", ms.Sys)
		add("used_memory_dataset", used)
		add("maxmemory", s.keys.MaxMemory())
		add("maxmemory_human", humanBytes(s.keys.MaxMemory()))
		add("maxmemory_policy", "noeviction")
		add("go_heap_alloc", ms.HeapAlloc)
	case "persistence":
		s.persist.info(add)
	case "stats":
		add("total_connections_received", s.stats.connections.Load())
		add("total_commands_processed", s.commandsProcessed())
		add("rejected_connections", s.stats.rejectedConn.Load())
		s.persist.statsInfo(add)
		add("expired_keys", 0)
		add("evicted_keys", 0)
	case "replication":
		add("role", "master")
		add("connected_slaves", 0)
	case "cpu":
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			add("used_cpu_sys", fmt.Sprintf("%.6f", float64(ru.Stime.Nano())/1e9))
			add("used_cpu_user", fmt.Sprintf("%.6f", float64(ru.Utime.Nano())/1e9))
		}
	case "modules":
		// The AI commands are built in, but clients (RedisAI's own tests, SmartSim's checks) look for
		// RedisAI in INFO MODULES: its module line, then its ai_* sections.
		if s.aiModulesInfo != nil {
			return "# Modules\r\n" + ai.ModuleLine + "\r\n\r\n" + s.aiModulesInfo()
		}
	case "ai":
		// What the AI commands run on: users check here which ONNX Runtime was loaded.
		if s.aiInfo != nil {
			lines = append(lines, strings.Split(strings.TrimRight(s.aiInfo(), "\r\n"), "\r\n")...)
		}
	case "cluster":
		add("cluster_enabled", boolInt(s.cluster.Load() != nil))
	case "keyspace":
		if n := s.keys.Len(); n > 0 {
			add("db0", fmt.Sprintf("keys=%d,expires=0,avg_ttl=0", n))
		}
	}
	return "# " + title + "\r\n" + strings.Join(append(lines, ""), "\r\n")
}

// residentBytes is the process's resident set size, from /proc/self/statm (Linux).
// totalSystemMemory is the machine's memory as Redis reports it (MemTotal of /proc/meminfo).
func totalSystemMemory() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb * 1024, true
				}
			}
		}
	}
	return 0, false
}

func residentBytes() (int64, bool) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

func portOf(addr string) string {
	if _, port, err := splitHostPort(addr); err == nil {
		return strconv.Itoa(port)
	}
	return "0"
}

func executablePath() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

// humanBytes formats like Redis's bytesToHuman: "1023B", "1.00K", "12.50M", "1.00G".
func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", f/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", f/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", f/(1024*1024*1024))
	default:
		return fmt.Sprintf("%.2fT", f/(1024*1024*1024*1024))
	}
}

func nowUnix() int64 { return time.Now().Unix() }
