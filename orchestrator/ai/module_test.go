package ai

import (
	"fmt"
	"strings"
	"testing"
)

func TestInfoSectionAndGPULog(t *testing.T) {
	var logs []string
	e := newEnv(t, Options{ThreadsPerQueue: 2, Backends: []Backend{&addBackend{name: "ONNX"}}, Logf: func(f string, a ...any) {
		logs = append(logs, fmt.Sprintf(f, a...))
	}})
	e.must(ok(), "AI.MODELSTORE", "m", "ONNX", "GPU:1", "BLOB", "x")
	e.must(ok(), "AI.MODELSTORE", "m2", "ONNX", "GPU:1", "BLOB", "x")
	e.must(ok(), "AI.SCRIPTSET", "s", "CPU", "SOURCE", "x")
	if len(logs) != 1 || !strings.Contains(logs[0], "GPU:1") || !strings.Contains(logs[0], "run on the CPU") {
		t.Fatalf("logs %q", logs)
	}
	info := e.m.InfoSection()
	for _, want := range []string{"ai_threads_per_queue:2\r\n", "ai_backends_loaded:ONNX\r\n", "ai_queues:CPU,GPU:1\r\n",
		"ai_model_chunk_size:535822336\r\n", "ai_script_engine:none\r\n", "ai_execution_device:CPU\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("InfoSection lacks %q:\n%s", want, info)
		}
	}
}
