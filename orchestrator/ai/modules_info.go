package ai

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// RedisAIVersion is the RedisAI release whose commands, replies and errors this module implements
// (shared/reference/wire-protocol.md): what INFO MODULES reports as ai_RedisAI_version, so clients
// that check for RedisAI features see the ones they get.
const RedisAIVersion = "1.2.7"

// ModuleLine is the "module:" line of INFO MODULES: the name RedisAI registers ("ai") and its version
// as Redis encodes it (major*10000 + minor*100 + patch).
const ModuleLine = "module:name=ai,ver=10207,api=1,filters=0,usedby=[],using=[],options=[]"

// ModulesInfo is the module's part of INFO MODULES, in RedisAI's layout: the sections ai_versions,
// ai_git, ai_load_time_configs, ai_backends_info and ai_cpu, each "# name" then "ai_field:value"
// lines, CRLF, a blank line between sections. Values ssrun cannot measure are RedisAI's own "N/A"
// (the per-thread CPU time of queue workers: they are goroutines, not threads), and fields about
// machinery ssrun does not have are left out (ONNX Runtime's allocator statistics).
func (m *Module) ModulesInfo() string {
	var b strings.Builder
	section := func(name string, fields ...string) {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# ai_" + name + "\r\n")
		for i := 0; i+1 < len(fields); i += 2 {
			b.WriteString("ai_" + fields[i] + ":" + fields[i+1] + "\r\n")
		}
	}
	section("versions", "RedisAI_version", RedisAIVersion, "low_level_API_version", "1",
		// ssrun keeps AI values in its own snapshot format, not RedisAI's RDB encoding.
		"rdb_version", "0")
	section("git", "git_sha", gitSHA(m.opts.Version))
	section("load_time_configs",
		"threads_per_queue", strconv.Itoa(m.opts.ThreadsPerQueue),
		"inter_op_parallelism", strconv.Itoa(m.opts.InterOpThreads),
		"intra_op_parallelism", strconv.Itoa(m.opts.IntraOpThreads),
		// ssrun does not stop long ONNX runs (RedisAI's MODEL_EXECUTION_TIMEOUT); 0 = no timeout.
		"model_execution_timeout", "0",
		"backend_memory_limit", "0")
	section("backends_info", m.backendVersions()...)
	section("cpu", m.cpuFields()...)
	return b.String()
}

// gitSHA is the commit of a `git describe` version (v1.0-3-gabc1234 → abc1234), else the version.
func gitSHA(version string) string {
	if i := strings.LastIndex(version, "-g"); i >= 0 {
		return strings.TrimSuffix(version[i+2:], "-dirty")
	}
	if version == "" {
		return "unknown"
	}
	return version
}

// backendVersions are RedisAI's per-backend version fields, for the backends loaded.
func (m *Module) backendVersions() []string {
	names := map[string]string{"TF": "TensorFlow_version", "TFLITE": "TensorFlowLite_version", "TORCH": "Torch_version", "ONNX": "onnxruntime_version"}
	var fields []string
	for _, name := range backendNames {
		if d, ok := m.backend(name).(describedBackend); ok {
			fields = append(fields, names[name], d.Version())
		}
	}
	return fields
}

// cpuFields are the process's and its children's CPU times (getrusage), RedisAI's main-thread times
// (N/A: Go has no main thread serving commands) and one field per queue worker.
func (m *Module) cpuFields() []string {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
	fields := []string{
		"self_used_cpu_sys", tv(self.Stime), "self_used_cpu_user", tv(self.Utime),
		"children_used_cpu_sys", tv(children.Stime), "children_used_cpu_user", tv(children.Utime),
		"main_thread_used_cpu_sys", "N/A", "main_thread_used_cpu_user", "N/A",
	}
	queues := m.queues.names()
	if len(queues) == 0 || queues[0] != "CPU" {
		queues = append([]string{"CPU"}, queues...) // RedisAI starts the CPU queue at load
	}
	for _, q := range dedupe(queues) {
		for i := 1; i <= m.opts.ThreadsPerQueue; i++ {
			fields = append(fields, fmt.Sprintf("queue_%s_bthread_n%d_used_cpu_total", q, i), "N/A")
		}
	}
	return fields
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
