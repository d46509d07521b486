package runtime

import (
	"strings"
)

// batchScript is the text of the batch script SmartSim writes for a batch model or ensemble: the
// shebang, the scheduler's directives (output, error and job name first, then one directive per
// formatted batch argument: for sbatch one per token, so "-C P100" gives two lines as in SmartSim), the
// preamble verbatim, then each member command on its own paragraph sent to the background, and a final
// `wait` so the job lasts as long as its longest member.
func batchScript(bs *BatchSettings, step, stdout, stderr string, members []string) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n\n")
	switch bs.Kind {
	case "qsub":
		directives(&b, "#PBS", "-o "+stdout, "-e "+stderr, "-N "+step, "-V")
		directives(&b, "#PBS", bs.FormatBatchArgs()...)
	case "bsub":
		directives(&b, "#BSUB", "-J "+step, "-o "+stdout, "-e "+stderr)
		directives(&b, "#BSUB", bs.FormatBatchArgs()...)
	default:
		directives(&b, "#SBATCH", "--output="+stdout, "--error="+stderr, "--job-name="+step)
		directives(&b, "#SBATCH", bs.FormatBatchArgs()...)
	}
	for _, line := range bs.Preamble {
		b.WriteString(line + "\n")
	}
	for _, cmd := range members {
		b.WriteString("\n" + cmd + " &\n")
	}
	b.WriteString("\nwait\n")
	return b.String()
}

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

// memberLine is one member's line in a batch script: `cd <dir> ; <command>`, tokens joined by single
// spaces as SmartSim joins them, except that a token the shell would split or expand is single-quoted
// (SmartSim writes it bare, so `sh -c "echo a b"` loses its argument; plain tokens are unchanged). Run commands other than srun do not write output files themselves, so
// their line redirects to the member's files; variables the experiment adds are set in front of it
// (srun carries them in --export instead).
func memberLine(dir string, argv []string, srun bool, envDelta []string, stdout, stderr string) string {
	var b strings.Builder
	b.WriteString("cd " + shellQuote(dir) + " ;")
	if !srun {
		for _, kv := range envDelta {
			k, v, _ := strings.Cut(kv, "=")
			b.WriteString(" " + k + "=" + shellQuote(v))
		}
	}
	for _, arg := range argv {
		b.WriteString(" " + shellQuote(arg))
	}
	if !srun {
		b.WriteString(" > " + shellQuote(stdout) + " 2> " + shellQuote(stderr))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell unless it is made only of characters that need no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,:/@%+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
