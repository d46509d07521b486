package local

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// outputs are a job's stdout and stderr files, opened once in ssrun and inherited by the child, so the
// child writes to them directly with no copying goroutine. An empty path means the null device.
// The parent directory must exist: the runtime owns the experiment layout and creates it; a launcher
// that created directories would leave them behind when a launch fails.
type outputs struct {
	stdout, stderr *os.File
	// created are the files this launch created (rather than truncated), removed if the launch fails.
	created []string
}

// openOutputs creates or truncates the two files. When both paths are the same file they share one
// descriptor (and so one offset), so the streams interleave instead of overwriting each other.
func openOutputs(stdoutPath, stderrPath string) (*outputs, error) {
	o := &outputs{}
	var err error
	if o.stdout, err = o.open(stdoutPath, "stdout"); err != nil {
		o.discard()
		return nil, err
	}
	if stderrPath == stdoutPath {
		o.stderr = o.stdout
		return o, nil
	}
	if o.stderr, err = o.open(stderrPath, "stderr"); err != nil {
		o.discard()
		return nil, err
	}
	return o, nil
}

// open creates path (remembering that it did) or truncates it if it exists.
func (o *outputs) open(path, stream string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err == nil {
		o.created = append(o.created, path)
		return f, nil
	}
	if errors.Is(err, os.ErrExist) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	}
	if err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return nil, fmt.Errorf("%s file %q: its directory does not exist", stream, path)
		}
		return nil, fmt.Errorf("%s file: %w", stream, err)
	}
	return f, nil
}

// close releases ssrun's copies of the descriptors once the child holds its own.
func (o *outputs) close() {
	if o.stdout != nil {
		o.stdout.Close()
	}
	if o.stderr != nil && o.stderr != o.stdout {
		o.stderr.Close()
	}
}

// discard closes the files and removes those this launch created: a failed launch leaves nothing.
func (o *outputs) discard() {
	o.close()
	for _, path := range o.created {
		os.Remove(path)
	}
}
