package runtime

import "strings"

// batchHeader is the start of every batch script: the shebang and the scheduler's directives, output,
// error and job name first, then one directive per formatted batch argument, then the preamble.
func batchHeader(bs *BatchSettings, step, stdout, stderr string) string {
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
	return b.String()
}
