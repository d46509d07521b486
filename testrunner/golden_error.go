package testrunner

import (
	"bytes"
	"path/filepath"
	"strings"
)

// errorGoldenPrefix starts the golden file of a script that must fail: the rest of the file is the
// error it must fail with, as `ssrun` reports it (the backtrace, then the message). A script can so pin
// down an error path end to end, and an example that cannot run where the tests run (a batch ensemble
// on the local launcher) still has its exact outcome checked.
const errorGoldenPrefix = "error:\n"

// wantsError reports whether script's golden file says the script must fail.
func wantsError(script string) bool {
	want, ok, err := readGolden(script)
	return err == nil && ok && bytes.HasPrefix(want, []byte(errorGoldenPrefix))
}

// errorOutcome renders a script's failure as its golden file holds it: the backtrace with the script's
// directory removed from file names (so it reads the same whatever directory ssrun test runs from).
// A script that succeeded when it should have failed renders as "error:\n(none)\n", which no error
// golden matches.
func errorOutcome(script string, err error) []byte {
	if err == nil {
		return []byte(errorGoldenPrefix + "(none: the script succeeded)\n")
	}
	text := backtrace(err)
	if dir := filepath.Dir(script); dir != "." {
		text = strings.ReplaceAll(text, dir+string(filepath.Separator), "")
	}
	return []byte(errorGoldenPrefix + text)
}
