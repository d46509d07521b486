package main

// End-to-end tests of the examples/ directory: each example runs on a copy and its outputs are checked.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memberReport is what examples/apps/report.sh wrote in one member directory.
func memberReport(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(read(t, filepath.Join(dir, "report.txt"))), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		out[k] = strings.TrimSuffix(v, ":")
	}
	return out
}

// checkOutputLink checks <dir>/<name>.out is a symlink into the telemetry tree holding report.txt's text.
func checkOutputLink(t *testing.T, dir, name string) {
	t.Helper()
	link := filepath.Join(dir, name+".out")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatalf("%s is not a symlink: %v", link, err)
	}
	if !strings.Contains(target, "/.smartsim/telemetry/") {
		t.Errorf("%s -> %s, want a file under .smartsim/telemetry", link, target)
	}
	if got, want := read(t, link), read(t, filepath.Join(dir, "report.txt")); got != want {
		t.Errorf("%s holds %q, want the app's output %q", link, got, want)
	}
}

// manifest reads an experiment's manifest.json.
func manifest(t *testing.T, expDir string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(read(t, filepath.Join(expDir, ".smartsim", "telemetry", "manifest.json"))), &doc); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return doc
}

func TestExampleAllPerm(t *testing.T) {
	root := examplesCopy(t)
	r := ssrun(t, root, "examples/ensemble_all_perm.star")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := []string{
		"output_my_parameter --name=Ellie --parameter=2",
		"output_my_parameter --name=Ellie --parameter=11",
		"output_my_parameter --name=John --parameter=2",
		"output_my_parameter --name=John --parameter=11",
	}
	for i, args := range want {
		name := fmt.Sprintf("ensemble_%d", i)
		dir := filepath.Join(root, "examples", "all-perm", "ensemble", name)
		rep := memberReport(t, dir)
		if rep["args"] != args || rep["cwd"] != name || rep["SSKEYOUT"] != name {
			t.Errorf("%s reported %v, want args %q, cwd and SSKEYOUT %s", name, rep, args, name)
		}
		checkOutputLink(t, dir, name)
		if !strings.Contains(r.stderr, name+" {") || !strings.Contains(r.stderr, "Completed") {
			t.Errorf("log lacks %s's params and status:\n%s", name, r.stderr)
		}
	}
	doc := manifest(t, filepath.Join(root, "examples", "all-perm"))
	if runs, _ := doc["runs"].([]any); len(runs) != 1 {
		t.Errorf("manifest has %d runs, want 1", len(runs))
	}
	if n := strings.Count(r.stderr, "Completed  0"); n != 4 {
		t.Errorf("summary shows %d completed jobs with return code 0, want 4:\n%s", n, r.stderr)
	}
}

func TestExampleStepReplicasAppend(t *testing.T) {
	root := examplesCopy(t)
	for _, c := range []struct {
		script string
		dirs   map[string]string // member directory (relative to examples/) -> expected args
		env    string
	}{
		{"ensemble_step.star", map[string]string{
			"step/ensemble/ensemble_0": "output_my_parameter --name=Ellie --parameter=2",
			"step/ensemble/ensemble_1": "output_my_parameter --name=John --parameter=11",
		}, ""},
		{"ensemble_replicas.star", map[string]string{
			"replicas/ensemble-replica/ensemble-replica_0": "output_my_parameter",
			"replicas/ensemble-replica/ensemble-replica_1": "output_my_parameter",
			"replicas/ensemble-replica/ensemble-replica_2": "output_my_parameter",
			"replicas/ensemble-replica/ensemble-replica_3": "output_my_parameter",
		}, "hello from a replica"},
		{"ensemble_append.star", map[string]string{
			"append/ensemble-append/ensemble-append_0": "baseline",
			"append/ensemble-append/model_1":           "path/to/script_1",
			"append/ensemble-append/model_2":           "path/to/script_2",
		}, ""},
	} {
		r := ssrun(t, root, "examples/"+c.script)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", c.script, r.code, r.stderr)
		}
		if n := strings.Count(r.stderr, "Completed  0"); n != len(c.dirs) {
			t.Errorf("%s: summary shows %d completed jobs, want %d:\n%s", c.script, n, len(c.dirs), r.stderr)
		}
		var expName string
		for dir := range c.dirs {
			expName = strings.Split(dir, "/")[0]
		}
		if runs, _ := manifest(t, filepath.Join(root, "examples", expName))["runs"].([]any); len(runs) != 1 {
			t.Errorf("%s: manifest has %d runs, want 1", c.script, len(runs))
		}
		for dir, args := range c.dirs {
			rep := memberReport(t, filepath.Join(root, "examples", dir))
			if rep["args"] != args || rep["EXAMPLE_GREETING"] != c.env {
				t.Errorf("%s: %s reported %v, want args %q greeting %q", c.script, dir, rep, args, c.env)
			}
			checkOutputLink(t, filepath.Join(root, "examples", dir), filepath.Base(dir))
		}
	}
}

func TestExampleAttachFiles(t *testing.T) {
	root := examplesCopy(t)
	r := ssrun(t, root, "examples/ensemble_attach_files.star")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	exp := filepath.Join(root, "examples", "attach-files")
	for i, thermo := range []string{"10", "11", "12"} {
		dir := filepath.Join(exp, "ensemble", fmt.Sprintf("ensemble_%d", i))
		if got := read(t, filepath.Join(dir, "configure_inputs.txt")); got != "THERMO = "+thermo+"\n" {
			t.Errorf("ensemble_%d configured %q, want THERMO = %s", i, got, thermo)
		}
		if rep := memberReport(t, dir); rep["configure_inputs.txt"] != "THERMO = "+thermo {
			t.Errorf("ensemble_%d app saw %v", i, rep)
		}
		if p := read(t, filepath.Join(dir, "smartsim_params.txt")); !strings.Contains(p, "THERMO       "+thermo) {
			t.Errorf("ensemble_%d smartsim_params.txt:\n%s", i, p)
		}
	}
	global := read(t, filepath.Join(exp, "smartsim_params.txt"))
	if !strings.HasPrefix(global, "Generation start date and time:") || strings.Count(global, "Model name: ") != 3 {
		t.Errorf("global smartsim_params.txt:\n%s", global)
	}
	if read(t, filepath.Join(root, "examples", "inputs", "configure_inputs.txt")) != "THERMO = ;THERMO;\n" {
		t.Error("the template was modified")
	}
}

func TestExampleBatchAppendNeedsAWorkloadManager(t *testing.T) {
	root := examplesCopy(t)
	r := ssrun(t, root, "--launcher", "local", "examples/ensemble_append_batch.star")
	if r.code != 1 || !strings.Contains(r.stderr, "TypeError: Local Launcher only supports entities with RunSettings") {
		t.Fatalf("exit %d, want 1 with SmartSim's TypeError:\n%s", r.code, r.stderr)
	}
	if _, err := os.Lstat(filepath.Join(root, "examples", "append-batch", "ensemble-append", "model_1", "model_1.out")); !os.IsNotExist(err) {
		t.Errorf("a refused batch start made output links (err %v)", err)
	}
}
