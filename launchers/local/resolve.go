package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// resolveExecutable finds the program a job runs, as the child's own execvp would if it ran with the
// job's environment: a name containing a slash is a path (relative to the job's directory), a bare name
// is searched on the job's PATH. Resolving before anything is opened lets a bad command fail the launch
// without truncating the job's output files. Relative PATH entries (".", "") are skipped, as Go's
// os/exec refuses them (exec.ErrDot): which program runs must not depend on the working directory.
func resolveExecutable(name, dir string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		// Absolute, because os/exec would take a relative path as relative to the job's directory
		// once more.
		path, err := filepath.Abs(filepath.Join(dir, name))
		if filepath.IsAbs(name) {
			path, err = name, nil
		}
		if err != nil {
			return "", err
		}
		if err := checkExecutable(path); err != nil {
			return "", err
		}
		return path, nil
	}
	for _, entry := range filepath.SplitList(pathOf(env)) {
		if !filepath.IsAbs(entry) {
			continue
		}
		candidate := filepath.Join(entry, name)
		// access(2) first: one cheap syscall rules out the directories that do not hold the program.
		if syscall.Access(candidate, xOK) == nil && checkExecutable(candidate) == nil {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("executable %q not found on PATH", name)
}

// pathOf returns the PATH a job's process will see: the last PATH entry of env (the one the kernel's
// consumers honour after os/exec's de-duplication), or ssrun's own PATH when env is nil (inherited).
func pathOf(env []string) string {
	if env == nil {
		return os.Getenv("PATH")
	}
	for i := len(env) - 1; i >= 0; i-- {
		if value, ok := strings.CutPrefix(env[i], "PATH="); ok {
			return value
		}
	}
	return os.Getenv("PATH")
}

// xOK is access(2)'s X_OK: execute permission for this process's real user.
const xOK = 0x1

// checkExecutable reports why path cannot be executed: missing, not a regular file, or without
// execute permission for this user.
func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("executable %q does not exist", path)
		}
		return fmt.Errorf("executable %q: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("executable %q is not a regular file", path)
	}
	if err := syscall.Access(path, xOK); err != nil {
		return fmt.Errorf("executable %q is not executable: %w", path, err)
	}
	return nil
}

// checkDir reports why dir cannot be a job's working directory. An empty dir means ssrun's own.
func checkDir(dir string) error {
	if dir == "" {
		return nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("working directory %q does not exist", dir)
		}
		return fmt.Errorf("working directory %q: %w", dir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("working directory %q is not a directory", dir)
	}
	return nil
}
