package orchestrator

import (
	"io"
	"strings"
	"testing"
)

func TestONNXFlags(t *testing.T) {
	cfg, _, code, err := parseFlags([]string{"--onnxruntime", "/opt/ort/lib", "--threads-per-queue", "4",
		"--intra-op-threads", "2", "--inter-op-threads", "3"}, io.Discard)
	if err != nil || code != 0 {
		t.Fatalf("parseFlags: %d %v", code, err)
	}
	if cfg.ONNXRuntime != "/opt/ort/lib" || cfg.Threads != 4 || cfg.IntraOpThreads != 2 || cfg.InterOpThreads != 3 {
		t.Fatalf("config %+v", cfg)
	}
	_, _, code, err = parseFlags([]string{"--intra-op-threads", "-1"}, io.Discard)
	if code != 2 || err == nil || !strings.Contains(err.Error(), "--intra-op-threads") {
		t.Fatalf("negative thread count: %d %v", code, err)
	}
}
