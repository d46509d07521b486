package testrunner

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// GoldenPath returns the golden file of a test script: x.star's is x.golden beside it.
func GoldenPath(script string) string {
	return strings.TrimSuffix(script, filepath.Ext(script)) + ".golden"
}

// readGolden returns the golden plan of script, or ok=false when it has none.
func readGolden(script string) (want []byte, ok bool, err error) {
	want, err = os.ReadFile(GoldenPath(script))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	return want, err == nil, err
}

// goldenDiff compares the golden plan with the plan the script produced and returns "" when they are
// equal, else a unified diff from the golden to this run's plan.
func goldenDiff(script string, want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	return unifiedDiff(GoldenPath(script)+" (golden)", script+" (this run)", string(want), string(got))
}

// writeGolden replaces script's golden file with plan, atomically (temp file, then rename), so an
// interrupted --update never leaves a half-written golden.
func writeGolden(script string, plan []byte) error {
	path := GoldenPath(script)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".golden-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(plan)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
