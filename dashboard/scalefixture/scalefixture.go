// Package scalefixture writes the manifest of a large experiment without running it: one ensemble of n
// members in the runtime's layout, with what the runtime records per member (about 1 KB each). The
// dashboard's scale tests and bench/dashboard read it; `go run ./bench/dashboard/manifest N DIR`
// writes one for timing other readers (`ssrun status`, jq).
package scalefixture

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// T0 is when the fixture's first member started; member i started i ms later, and a completed
// member ran one minute.
var T0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Write writes the manifest of experiment "big" in dir (.smartsim/telemetry/manifest.json): an
// ensemble "ens" of n members in run-000, even members Completed, odd ones Running; with failed,
// member 0 Failed (return code 1) instead, the one status change a test or bench makes. The file is
// replaced atomically (a temporary file renamed over it), as the runtime does.
func Write(dir string, n int, failed bool) error {
	data, err := Encode(dir, n, failed)
	if err != nil {
		return err
	}
	return Replace(dir, data)
}

// Path is the manifest's path in dir.
func Path(dir string) string { return filepath.Join(dir, ".smartsim", "telemetry", "manifest.json") }

// Replace puts data in place as the manifest of dir, atomically. A bench encodes first and times
// from here, so the change on disk is one instant, not the seconds 100,000 members take to encode.
func Replace(dir string, data []byte) error {
	path := Path(dir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Encode is the manifest Write writes.
func Encode(dir string, n int, failed bool) ([]byte, error) {
	members := make([]map[string]any, n)
	for i := range members {
		name := fmt.Sprintf("ens_%d", i)
		sdir := filepath.Join(dir, ".smartsim/telemetry/big/run-000/ensemble/ens", name)
		meta := map[string]any{"status_dir": sdir, "job_id": fmt.Sprint(10000 + i), "step_name": name + "-run-000",
			"status": "Running", "return_code": nil, "argv": []string{"/usr/bin/sim", "--steps=10", "--x=" + fmt.Sprint(i)},
			"env": []string{"SSKEYOUT=" + name}, "start_time": T0.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano), "end_time": nil}
		if i%2 == 0 || (failed && i == 0) {
			st, rc := "Completed", 0
			if failed && i == 0 {
				st, rc = "Failed", 1
			}
			meta["status"], meta["return_code"] = st, rc
			meta["end_time"] = T0.Add(time.Duration(i)*time.Millisecond + time.Minute).Format(time.RFC3339Nano)
		}
		members[i] = map[string]any{"name": name, "path": filepath.Join(dir, "ens", name), "exe_args": []string{"--steps=10"},
			"run_settings":   map[string]any{"exe": []string{"/usr/bin/sim"}, "run_command": "", "run_args": map[string]any{}},
			"batch_settings": map[string]any{}, "params": map[string]string{"x": fmt.Sprint(i)},
			"files":              map[string][]string{"Copy": {"in.txt"}, "Symlink": {}, "Configure": {}},
			"telemetry_metadata": meta, "out_file": filepath.Join(sdir, name+".out"), "err_file": filepath.Join(sdir, name+".err")}
	}
	doc := map[string]any{"schema info": map[string]string{"version": "0.0.4"},
		"experiment": map[string]any{"name": "big", "path": dir, "launcher": "Local"},
		"runs": []any{map[string]any{"run_id": "run-000", "timestamp": 1, "model": []any{}, "orchestrator": []any{},
			"ensemble": []any{map[string]any{"name": "ens", "path": filepath.Join(dir, "ens"), "models": members}}}}}
	return json.MarshalIndent(doc, "", "  ")
}
