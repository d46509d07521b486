package main

// End-to-end tests of --dry-run: nothing written, stable plans, agreement with the real run.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tree lists the files under dir (relative paths), or nil when dir does not exist.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestDryRunWritesNothingAndPrintsThePlan(t *testing.T) {
	root := examplesCopy(t)
	before := tree(t, root)
	text := ssrun(t, root, "--dry-run", "examples/ensemble_attach_files.star")
	if text.code != 0 {
		t.Fatalf("exit %d\n%s", text.code, text.stderr)
	}
	for _, want := range []string{"Experiment attach-files", "ensemble_2", "configure_inputs.txt", "argv:"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text plan lacks %q:\n%s", want, text.stdout)
		}
	}
	one := ssrun(t, root, "--dry-run", "--plan-format", "json", "examples/ensemble_attach_files.star")
	two := ssrun(t, root, "--dry-run", "--plan-format=json", "examples/ensemble_attach_files.star")
	elsewhere := ssrun(t, filepath.Join(root, "examples", "apps"), "--dry-run", "--plan-format", "json", "../ensemble_attach_files.star")
	if one.code != 0 || two.code != 0 || elsewhere.code != 0 {
		t.Fatalf("exits %d %d %d", one.code, two.code, elsewhere.code)
	}
	if one.stdout != two.stdout {
		t.Errorf("json plan differs between two runs:\n%s", cmp.Diff(one.stdout, two.stdout))
	}
	if one.stdout != elsewhere.stdout {
		t.Errorf("json plan differs from another working directory:\n%s", cmp.Diff(one.stdout, elsewhere.stdout))
	}
	if !json.Valid([]byte(one.stdout)) {
		t.Errorf("plan is not JSON:\n%s", one.stdout)
	}
	if diff := cmp.Diff(before, tree(t, root)); diff != "" {
		t.Errorf("dry runs wrote files (-before +after):\n%s", diff)
	}
}

// planOf is the part of a JSON plan the dry-run/real-run comparison reads.
type planOf struct {
	Launches []struct {
		Entity string   `json:"entity"`
		Argv   []string `json:"argv"`
		Cwd    string   `json:"cwd"`
	} `json:"launches"`
}

func TestDryRunAgreesWithRealRun(t *testing.T) {
	root := examplesCopy(t)
	dry := ssrun(t, root, "--dry-run", "--plan-format", "json", "examples/ensemble_all_perm.star")
	if dry.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", dry.code, dry.stderr)
	}
	real := ssrun(t, root, "--plan-format", "json", "examples/ensemble_all_perm.star")
	if real.code != 0 {
		t.Fatalf("real run: exit %d\n%s", real.code, real.stderr)
	}
	var dryPlan, realPlan map[string]any
	if err := json.Unmarshal([]byte(dry.stdout), &dryPlan); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(real.stdout), &realPlan); err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"entities", "launches"} {
		if diff := cmp.Diff(dryPlan[section], realPlan[section]); diff != "" {
			t.Errorf("dry run and real run plans disagree on %s (-dry +real):\n%s", section, diff)
		}
	}

	// And the plan matches what the processes saw: directory and arguments of every member.
	var plan planOf
	if err := json.Unmarshal([]byte(dry.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	expDir := filepath.Join(root, "examples", "all-perm")
	var planned, ran []string
	for _, l := range plan.Launches {
		planned = append(planned, fmt.Sprintf("%s %s %s", l.Entity, strings.Replace(l.Cwd, "$EXP", expDir, 1), strings.Join(l.Argv[1:], " ")))
	}
	members, _ := filepath.Glob(filepath.Join(expDir, "ensemble", "ensemble_*"))
	for _, dir := range members {
		ran = append(ran, fmt.Sprintf("%s %s %s", filepath.Base(dir), dir, memberReport(t, dir)["args"]))
	}
	sort.Strings(planned)
	sort.Strings(ran)
	if len(planned) != 4 {
		t.Fatalf("plan launches %d jobs, want 4:\n%s", len(planned), dry.stdout)
	}
	if diff := cmp.Diff(planned, ran); diff != "" {
		t.Errorf("the plan and the processes disagree on members, directories or argv (-planned +ran):\n%s", diff)
	}
}
