package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// errOutside is returned for any path that does not resolve to a file inside one of the experiment
// directories the dashboard was given: the manifest is data written by others, and a log URL is
// typed by anyone who can reach the port, so neither may name /etc/passwd.
var errOutside = errors.New("path is outside the experiment directory")

// confined resolves path (absolute, or relative to root) with every symlink followed, and returns it
// only when the result lies inside root, itself fully resolved. A path that does not exist is an
// fs.ErrNotExist error, so a log not written yet reads as "not yet" rather than as an attack.
func confined(root, path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	if strings.ContainsRune(path, 0) {
		return "", errOutside
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		// Say outside for a path outside even when it is missing, so probing learns nothing.
		if !within(root, filepath.Clean(path)) {
			return "", errOutside
		}
		return "", err
	}
	if !within(root, real) {
		return "", errOutside
	}
	return real, nil
}

// within reports whether path is root or below it; both must be clean and absolute.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// realRoot is an experiment directory with its symlinks resolved, the form confined compares with.
func realRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s is not a directory", dir)
	}
	return real, nil
}

// Tail is the end of a text file as the page shows it.
type Tail struct {
	Text      string
	Truncated bool   // the file is longer than what is shown
	Missing   string // why there is nothing to show ("not written yet", "outside ..."), "" otherwise
	Size      int64
}

// readTail returns at most limit bytes from the end of the file at path (confined to root), starting
// at a line boundary when it had to cut. A file being written is read as far as it goes.
func readTail(root, path string, limit int64) Tail {
	if path == "" {
		return Tail{Missing: "none recorded"}
	}
	real, err := confined(root, path)
	if err != nil {
		return Tail{Missing: missingReason(err)}
	}
	f, err := os.Open(real)
	if err != nil {
		return Tail{Missing: missingReason(err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return Tail{Missing: "not a regular file"}
	}
	size := st.Size()
	start := max(size-limit, 0)
	buf := make([]byte, size-start)
	n, err := f.ReadAt(buf, start)
	if err != nil && err != io.EOF {
		return Tail{Missing: err.Error()}
	}
	buf = buf[:n]
	if start > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	if size == 0 {
		return Tail{Missing: "empty"}
	}
	return Tail{Text: strings.ToValidUTF8(string(buf), "\uFFFD"), Truncated: start > 0, Size: size}
}

func missingReason(err error) string {
	switch {
	case errors.Is(err, errOutside):
		return "refused: " + errOutside.Error()
	case errors.Is(err, os.ErrNotExist):
		return "not written yet"
	default:
		return err.Error()
	}
}
