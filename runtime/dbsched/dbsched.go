// Package dbsched places a database's shards on the nodes of a workload manager's allocation and
// writes the commands that start them there: srun steps for Slurm (one MPMD step for all shards, or
// one step per shard), mpirun or aprun for PBS, jsrun for LSF, and the script of a batch database.
// Every shard runs on its own node and binds the same port there; its address is resolved on that node
// (`ssrun db --interface`) and written to its ready file, which the driver reads from the shared file
// system. The package is pure: it builds argv and text, and never starts anything.
package dbsched

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Shard is one shard to start.
type Shard struct {
	Name string // "orchestrator_0"
	// Node is the node the shard must run on; "" inside a batch script whose nodes are known only
	// once the job runs (the script then takes the index-th node of its allocation).
	Node string
	// Argv is the shard's own command: `ssrun db ...`.
	Argv []string
	// Stdout and Stderr are the shard's output files.
	Stdout, Stderr string
}

// Step is one launch: a run command that starts one shard, or (MPMD) all of them.
type Step struct {
	Name           string
	Argv           []string
	Stdout, Stderr string
	Shards         []int // indexes of the shards this step runs
	// WritesOutputs says the run command writes Stdout and Stderr itself (srun --output, jsrun
	// --stdio_stdout): the run command's own messages must then go to other files, or the two writers
	// would overwrite each other. mpirun and aprun forward the shard's output through their own.
	WritesOutputs bool
}

// Placement says how shards are started on one workload manager.
type Placement struct {
	// Scheduler is "slurm", "pbs" or "lsf".
	Scheduler string
	// RunCommand is the run command ("srun", "mpirun", "mpiexec", "aprun", "jsrun"; "" or "auto" picks
	// the scheduler's: srun, mpirun, jsrun).
	RunCommand string
	// Alloc is the allocation a Slurm step joins (srun --jobid); "" inside a batch script.
	Alloc string
	// RunArgs are the user's run arguments (set_run_arg), already formatted for the run command.
	RunArgs []string
	// CPUs is the number of CPUs each shard asks for (set_cpus); 0 leaves it to the scheduler.
	CPUs int
	// Export is srun's --export value ("" for none).
	Export string
}

// Command is the effective run command.
func (p Placement) Command() string {
	if p.RunCommand != "" && p.RunCommand != "auto" {
		return p.RunCommand
	}
	switch p.Scheduler {
	case "pbs":
		return "mpirun"
	case "lsf":
		return "jsrun"
	}
	return "srun"
}

func (p Placement) style() string {
	switch filepath.Base(p.Command()) {
	case "srun":
		return "srun"
	case "aprun":
		return "aprun"
	case "jsrun":
		return "jsrun"
	}
	return "mpi"
}

// Steps are the launches that start the shards: with singleCmd one MPMD launch for all of them (as
// SmartSim's single_cmd=True), otherwise one per shard. stepName names a step after its first shard.
func (p Placement) Steps(shards []Shard, singleCmd bool, stepName func(shard string) string) []Step {
	if singleCmd && len(shards) > 1 {
		st := Step{Name: stepName(shards[0].Name), Stdout: shards[0].Stdout, Stderr: shards[0].Stderr, WritesOutputs: p.writesOutputs()}
		for i, sh := range shards {
			if i > 0 {
				st.Argv = append(st.Argv, ":")
			}
			st.Argv = append(st.Argv, p.component(sh, i == 0, st.Name)...)
			st.Shards = append(st.Shards, i)
		}
		return []Step{st}
	}
	out := make([]Step, len(shards))
	for i, sh := range shards {
		name := stepName(sh.Name)
		out[i] = Step{Name: name, Argv: p.component(sh, true, name), Stdout: sh.Stdout, Stderr: sh.Stderr, Shards: []int{i},
			WritesOutputs: p.writesOutputs()}
	}
	return out
}

func (p Placement) writesOutputs() bool { return p.style() == "srun" || p.style() == "jsrun" }

// component is one shard's part of a launch: the run command with its options (first part of a
// launch only) or an MPMD component's options, then the shard's command.
func (p Placement) component(sh Shard, first bool, step string) []string {
	var argv []string
	if first {
		argv = append(argv, p.Command())
	}
	switch p.style() {
	case "srun":
		argv = append(argv, "--output", sh.Stdout, "--error", sh.Stderr)
		if first {
			argv = append(argv, "--job-name", step)
			if p.Alloc != "" {
				argv = append(argv, "--jobid", p.Alloc)
			}
		}
		// --overlap: the shard serves the whole run, so its CPUs must stay usable by the steps of the
		// simulation that share its node (Slurm 20.11+ would otherwise block them until it ends).
		argv = append(argv, "--nodes=1", "--ntasks=1", "--overlap")
		if p.CPUs > 0 {
			argv = append(argv, "--cpus-per-task="+strconv.Itoa(p.CPUs))
		}
		if sh.Node != "" {
			argv = append(argv, "--nodelist="+sh.Node)
		}
		if first && p.Export != "" {
			argv = append(argv, "--export", p.Export)
		}
	case "aprun":
		argv = append(argv, "-n", "1", "-N", "1")
		if p.CPUs > 0 {
			argv = append(argv, "-d", strconv.Itoa(p.CPUs))
		}
		if sh.Node != "" {
			argv = append(argv, "-L", sh.Node)
		}
	case "jsrun":
		cpus := p.CPUs
		if cpus <= 0 {
			cpus = 1
		}
		argv = append(argv, "--nrs=1", "--rs_per_host=1", "--tasks_per_rs=1", "--cpu_per_rs="+strconv.Itoa(cpus),
			"--stdio_stdout="+sh.Stdout, "--stdio_stderr="+sh.Stderr)
	default: // mpirun, mpiexec
		argv = append(argv, "-np", "1")
		if sh.Node != "" {
			argv = append(argv, "--host", sh.Node)
		}
	}
	if first {
		argv = append(argv, p.RunArgs...)
	}
	return append(argv, sh.Argv...)
}

// NodeVar is how a batch script names the index-th node of its allocation.
func NodeVar(i int) string { return "${ssrun_nodes[" + strconv.Itoa(i) + "]}" }

// nodeListing is the batch-script line that lists the allocation's nodes into the ssrun_nodes array.
func nodeListing(scheduler string) string {
	switch scheduler {
	case "pbs":
		return `ssrun_nodes=($(sort -u "$PBS_NODEFILE"))`
	case "lsf": // LSB_MCPU_HOSTS is "host1 n1 host2 n2 ...": the hosts are every other word
		return `ssrun_nodes=($(echo $LSB_MCPU_HOSTS | awk '{for (i = 1; i <= NF; i += 2) print $i}' | sort -u))`
	}
	return `ssrun_nodes=($(scontrol show hostnames "$SLURM_JOB_NODELIST"))`
}

// BatchScript is the script of a batch database: directives (written by header), the allocation's
// nodes listed when the shards were not pinned to hosts, one line per launch in the background, then a
// wait for each launch whose failure makes the job fail. Shards stop by SHUTDOWN (exit 0), so the job
// ends Completed when the database is stopped and Failed when a shard died.
func (p Placement) BatchScript(header string, dir string, shards []Shard, singleCmd bool, stepName func(string) string) string {
	var b strings.Builder
	b.WriteString(header)
	pinned := true
	for _, sh := range shards {
		if sh.Node == "" {
			pinned = false
		}
	}
	if !pinned && p.style() != "jsrun" {
		b.WriteString("\n# the nodes of this allocation, one shard on each\n" + nodeListing(p.Scheduler) + "\n")
		fmt.Fprintf(&b, "if [ ${#ssrun_nodes[@]} -lt %d ]; then\n  echo \"ssrun: the database needs %d nodes, one per shard; this allocation has ${#ssrun_nodes[@]}: ${ssrun_nodes[*]}\" >&2\n  exit 1\nfi\n", len(shards), len(shards))
		for i := range shards {
			shards[i].Node = NodeVar(i)
		}
	}
	b.WriteString("\ncd " + Quote(dir) + "\n")
	steps := p.Steps(shards, singleCmd, stepName)
	for i, st := range steps {
		b.WriteString(scriptLine(st.Argv))
		if p.style() == "mpi" || p.style() == "aprun" {
			b.WriteString(" > " + Quote(st.Stdout) + " 2> " + Quote(st.Stderr))
		}
		fmt.Fprintf(&b, " &\nssrun_pid[%d]=$!\n", i)
	}
	b.WriteString("\nssrun_rc=0\n")
	fmt.Fprintf(&b, "for pid in \"${ssrun_pid[@]}\"; do wait \"$pid\" || ssrun_rc=$?; done\nexit $ssrun_rc\n")
	return b.String()
}

// scriptLine joins argv for the script: node variables stay expandable, other tokens are quoted
// where the shell would split or expand them.
func scriptLine(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = quoteExceptNodeVars(a)
		if a == "" {
			parts[i] = "''"
		}
	}
	return strings.Join(parts, " ")
}

func quoteExceptNodeVars(a string) string {
	if i := strings.Index(a, "${ssrun_nodes["); i >= 0 {
		j := strings.Index(a[i:], "]}")
		if j > 0 {
			return quoteExceptNodeVars(a[:i]) + `"` + a[i:i+j+2] + `"` + quoteExceptNodeVars(a[i+j+2:])
		}
	}
	if a == "" {
		return ""
	}
	return Quote(a)
}

// Quote quotes s for a POSIX shell unless it is made only of characters that need no quoting (batch
// scripts keep SmartSim's bare tokens wherever the shell would not split or expand them).
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,:/@%+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
