package runtime

import (
	"strings"

	"github.com/ssrun/ssrun/runtime/dbsched"
)

// scriptMember is one command of a batch script: Name is what its line in the exit-code file is
// called (the member's name), Dir where it runs, Command the shell text that runs it.
type scriptMember struct {
	Name, Dir, Command string
}

// batchScript is the text of the batch script for a batch model or ensemble, laid out as SmartSim
// writes it: the shebang, the scheduler's directives and the preamble (batchHeader), then one
// `cd <dir> ; <command>` paragraph per member sent to the background (recordedMembers).
func batchScript(bs *BatchSettings, step, stdout, stderr, exitFile string, members []scriptMember) string {
	return batchHeader(bs, step, stdout, stderr) + recordedMembers(exitFile, members)
}

// recordedMembers is the part of a batch script that runs its members. Where SmartSim ends with a
// plain `wait` (so a member that fails looks completed), each member's command runs in a `{ ... ; }`
// group that appends "<member> <exit code>" to exitFile the moment the member ends (unless the
// scheduler's TERM ended it: a member killed by a cancellation it did not ask for is not a failure of
// its own, so it takes the batch job's status, with no race against the job's end), and the script
// waits for every member by pid and exits 1 if any failed. The exit-code file is the driver's
// per-member record (batchExits reads it); the job's own status says whether everything succeeded.
func recordedMembers(exitFile string, members []scriptMember) string {
	var b strings.Builder
	b.WriteString(`
# Each member runs in the background; when it ends, its name and exit code are appended to the file
# below, where ssrun reads them. The job waits for every member and exits 1 if any of them failed.
# A member ended by the scheduler's TERM (the job cancelled or out of time) records nothing and takes
# the job's own status. (set +e: a member that fails must still be recorded, whatever the preamble set.)
set +e
ssrun_exit() { [ -z "${ssrun_term:-}" ] && echo "$1 $2" >> ` + shellQuote(exitFile) + ` ; return "$2" ; }
ssrun_pids=""
`)
	for _, m := range members {
		b.WriteString("\ncd " + shellQuote(m.Dir) + " ; { trap 'ssrun_term=1' TERM ; " + m.Command + " ; ssrun_exit " + shellQuote(m.Name) + " $? ; } &\n")
		b.WriteString("ssrun_pids=\"$ssrun_pids $!\"\n")
	}
	b.WriteString(`
ssrun_failed=0
for ssrun_pid in $ssrun_pids ; do wait "$ssrun_pid" || ssrun_failed=1 ; done
exit $ssrun_failed
`)
	return b.String()
}

// directives writes one scheduler directive line per option.
func directives(b *strings.Builder, prefix string, opts ...string) {
	for _, o := range opts {
		b.WriteString(prefix + " " + o + "\n")
	}
}

// batchSubmitArgv is the submission command the plan shows and a recording launcher runs.
func batchSubmitArgv(kind, script string) []string {
	switch kind {
	case "qsub":
		return []string{"qsub", script}
	case "bsub":
		return []string{"bsub", "<", script}
	}
	return []string{"sbatch", "--parsable", script}
}

// memberCommand is a member's command in a batch script: tokens joined by single spaces as SmartSim
// joins them, except that a token the shell would split or expand is single-quoted (SmartSim writes it
// bare, so `sh -c "echo a b"` loses its argument; plain tokens are unchanged). Run commands other than
// srun do not write output files themselves, so their command redirects to the member's files;
// variables the experiment adds are set in front of it. srun carries them in --export instead, except
// those whose value holds a comma (SSDB of a sharded database), which --export cannot hold: they are
// set in front of srun, whose --export=ALL hands them on to the step.
func memberCommand(argv []string, srun bool, envDelta []string, stdout, stderr string) string {
	var words []string
	for _, kv := range envDelta {
		k, v, _ := strings.Cut(kv, "=")
		if !srun || strings.Contains(v, ",") {
			words = append(words, k+"="+shellQuote(v))
		}
	}
	for _, arg := range argv {
		words = append(words, shellQuote(arg))
	}
	if !srun {
		words = append(words, ">", shellQuote(stdout), "2>", shellQuote(stderr))
	}
	return strings.Join(words, " ")
}

// shellQuote is the quoting every batch script uses (members' lines here, databases' in dbsched).
var shellQuote = dbsched.Quote
