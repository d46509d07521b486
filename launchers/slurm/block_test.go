package slurm_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/host"
	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/runtime"
)

// TestBlockingStartReturnsWithinOneCycleOfTheJobsEnd checks that start(block=True) notices a batch
// job's end at once: it returns when the member's exit code is recorded (usually before Slurm has
// ended the job: a negative lag) or at the latest at the next poll after the job's end, so the gap
// between Slurm's EndTime (whole seconds) and start's return is at most one poll interval (200 ms)
// plus the second EndTime rounds away, plus slack for a loaded CI machine (scontrol itself can take a
// few hundred ms there); a launcher that noticed ends only at SmartSim's fixed 5 s blocking poll would
// fail.
func TestBlockingStartReturnsWithinOneCycleOfTheJobsEnd(t *testing.T) {
	requireSlurm(t)
	t.Parallel() // Slurm runs them side by side; together they take as long as the slowest
	// newSlurmExp polls every 200 ms.
	exp, _ := newSlurmExp(t, nil)
	bs, err := exp.CreateBatchSettings(runtime.BatchSettingsArgs{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := exp.CreateModel(runtime.ModelArgs{Name: "short", BatchSettings: bs, RunSettings: runSettings(t, exp, "sleep 1")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), []runtime.Entity{m}, runtime.StartOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	returned := time.Now()
	if st, _ := exp.GetStatus(m); st[0] != launchers.StatusCompleted {
		t.Fatalf("status %s, want Completed", st[0])
	}
	var end time.Time
	for deadline := time.Now().Add(30 * time.Second); end.IsZero(); time.Sleep(100 * time.Millisecond) {
		out, err := exec.Command("scontrol", "-o", "show", "job", jobID(t, exp)).Output()
		if err != nil {
			t.Fatal(err)
		}
		match := regexp.MustCompile(`EndTime=(\S+)`).FindSubmatch(out)
		if match == nil {
			t.Fatalf("no EndTime in %s", out)
		}
		if string(match[1]) != "Unknown" { // the job may still be ending: start returned on the member's code
			if end, err = time.ParseInLocation("2006-01-02T15:04:05", string(match[1]), time.Local); err != nil {
				t.Fatal(err)
			}
		}
		if end.IsZero() && time.Now().After(deadline) {
			t.Fatalf("job has no EndTime 30 s after its member ended: %s", out)
		}
	}
	lag := returned.Sub(end)
	t.Logf("start(block=True) returned %v after Slurm's EndTime", lag)
	if lag > 200*time.Millisecond+time.Second+1500*time.Millisecond {
		t.Errorf("start returned %v after the job ended, more than one poll cycle", lag)
	}
}

// TestDryRunPlansASlurmBatchWithoutSlurm plans the manual-append example with --launcher slurm and no
// Slurm command on PATH: the plan shows the sbatch argv and the script's full text.
func TestDryRunPlansASlurmBatchWithoutSlurm(t *testing.T) {
	root := t.TempDir()
	if out, err := exec.Command("cp", "-a", "../../examples", root).CombinedOutput(); err != nil {
		t.Fatalf("copy examples: %v: %s", err, out)
	}
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	err := host.Run(context.Background(), host.Options{Script: filepath.Join(root, "examples", "ensemble_append_batch.star"),
		DryRun: true, Launcher: "slurm", Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, stderr.String())
	}
	plan := stdout.String()
	for _, want := range []string{
		"argv: sbatch --parsable $EXP/ensemble-append/ensemble-append.sh",
		"#SBATCH --job-name=ensemble-append-run-000",
		"#SBATCH --nodes=10",
		"cd $EXP/ensemble-append/model_1 ; { trap 'ssrun_term=1' TERM ; srun --output $EXP/.smartsim/telemetry/append-batch/run-000/ensemble/ensemble-append/model_1/model_1.out",
		"--job-name model_1-run-000 $CWD/apps/report.sh path/to/script_1 ; ssrun_exit model_1 $? ; } &",
		"ssrun_exit() { [ -z \"${ssrun_term:-}\" ] && echo \"$1 $2\" >> $EXP/.smartsim/telemetry/append-batch/run-000/ensemble/ensemble-append/ensemble-append.exitcodes ;",
		"      exit $ssrun_failed\n",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "examples", "append-batch")); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote the experiment directory (%v)", err)
	}
}
