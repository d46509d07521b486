package orchestrator

import (
	"reflect"
	"strings"
	"testing"
)

// infoModulesSection parses INFO MODULES as RedisAI's tests do (tests/flow/includes.py,
// get_info_section): split at "#", section i of ai_versions, ai_git, ai_load_time_configs,
// ai_backends_info, ai_cpu is part i+2, its first word is the section name, the others key:value.
func infoModulesSection(t *testing.T, info, section string) ([]string, map[string]string) {
	t.Helper()
	sections := []string{"ai_versions", "ai_git", "ai_load_time_configs", "ai_backends_info", "ai_cpu"}
	index := -1
	for i, s := range sections {
		if s == "ai_"+section {
			index = i
		}
	}
	parts := strings.Split(info, "#")
	if index < 0 || index+2 >= len(parts) {
		t.Fatalf("INFO MODULES has %d parts; no ai_%s:\n%s", len(parts), section, info)
	}
	words := strings.Fields(parts[index+2])
	if words[0] != "ai_"+section {
		t.Fatalf("part %d is %q, want ai_%s", index+2, words[0], section)
	}
	var keys []string
	fields := map[string]string{}
	for _, w := range words[1:] {
		k, v, _ := strings.Cut(w, ":")
		keys = append(keys, k)
		fields[k] = v
	}
	return keys, fields
}

// INFO MODULES has RedisAI's sections and field names, in the order RedisAI's test_info_command
// checks them.
func TestInfoModulesLayout(t *testing.T) {
	srv := startServer(t, Config{Name: "db", Threads: 2})
	c := dial(t, "tcp", srv.Addr())
	info := c.Do("INFO", "MODULES")
	if !strings.Contains(info, "# Modules\r\nmodule:name=ai,ver=10207,") {
		t.Fatalf("no module line:\n%s", info)
	}
	keys, fields := infoModulesSection(t, info, "versions")
	if want := []string{"ai_RedisAI_version", "ai_low_level_API_version", "ai_rdb_version"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("versions %v, want %v", keys, want)
	}
	if fields["ai_RedisAI_version"] != "1.2.7" {
		t.Errorf("RedisAI version %q", fields["ai_RedisAI_version"])
	}
	if keys, _ = infoModulesSection(t, info, "git"); !reflect.DeepEqual(keys, []string{"ai_git_sha"}) {
		t.Errorf("git %v", keys)
	}
	keys, fields = infoModulesSection(t, info, "load_time_configs")
	if want := []string{"ai_threads_per_queue", "ai_inter_op_parallelism", "ai_intra_op_parallelism",
		"ai_model_execution_timeout", "ai_backend_memory_limit"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("load_time_configs %v, want %v", keys, want)
	}
	if fields["ai_threads_per_queue"] != "2" {
		t.Errorf("threads_per_queue %q", fields["ai_threads_per_queue"])
	}
	_, cpu := infoModulesSection(t, info, "cpu")
	for _, k := range []string{"ai_self_used_cpu_sys", "ai_self_used_cpu_user", "ai_children_used_cpu_sys",
		"ai_children_used_cpu_user", "ai_queue_CPU_bthread_n1_used_cpu_total", "ai_queue_CPU_bthread_n2_used_cpu_total"} {
		if _, ok := cpu[k]; !ok {
			t.Errorf("cpu lacks %s: %v", k, cpu)
		}
	}
	if keys, _ = infoModulesSection(t, info, "backends_info"); len(keys) != 0 {
		t.Errorf("backends_info without backends: %v", keys)
	}
	// INFO without arguments keeps Redis's default sections and the ai section.
	if all := c.Do("INFO"); !strings.Contains(all, "# ai_versions\r\n") || !strings.Contains(all, "# Ai\r\n") {
		t.Errorf("INFO lacks ai_versions or Ai")
	}
}
