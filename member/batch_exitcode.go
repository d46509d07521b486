package member

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A batch job's members have no wrapper of their own: the batch script appends "<member> <code>" to
// <owner status dir>/<owner>.exitcodes as each member ends (runtime/batch_script.go), so their ends
// are known without the driver too. A member's status directory is <owner status dir>/<member>.

// BatchExitFile is the exit-code file of the batch job whose member has status directory dir.
func BatchExitFile(dir string) string {
	owner := filepath.Dir(dir)
	return filepath.Join(owner, filepath.Base(owner)+".exitcodes")
}

// ReadBatchExitCode returns the code the batch script recorded for member name (status directory
// dir); ok is false when it recorded none (still running, or the job ended before it could).
func ReadBatchExitCode(dir, name string) (code int, ok bool) {
	f, err := os.Open(BatchExitFile(dir))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n, c, found := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if found && n == name {
			if v, err := strconv.Atoi(c); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}
