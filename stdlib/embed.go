// Package stdlib holds the Starlark modules that driver scripts load with
// load("@stdlib//NAME.star", ...). They are embedded in the ssrun binary so a script behaves the same on
// every machine, whatever is installed next to it.
package stdlib

import (
	"embed"
	"io/fs"
)

//go:embed *.star
var files embed.FS

// FS is the read-only tree of stdlib modules, keyed by file name ("assert.star").
var FS fs.FS = files

// Read returns the source of the stdlib module name ("assert.star").
func Read(name string) ([]byte, error) {
	return fs.ReadFile(files, name)
}
