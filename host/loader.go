package host

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ssrun/ssrun/builtins"
	"github.com/ssrun/ssrun/stdlib"
)

// loader resolves load() statements. Two kinds of module exist:
//
//   - "@stdlib//NAME.star": a module embedded in the binary (package stdlib);
//   - a relative path ("lib/sweep.star"): a file resolved against the directory of the loading file and
//     confined to the main script's directory tree (the root), so a driver cannot read arbitrary files.
//
// Each module executes once per run; later loads get the cached globals (or the cached error). A module
// requested while it is still executing is a cycle, reported with the chain of loads that led to it.
type loader struct {
	root        string // absolute directory of the main script, as spelled (symlinks kept)
	realRoot    string // the same with symlinks resolved
	options     *syntax.FileOptions
	predeclared starlark.StringDict
	stdlibNames starlark.StringDict // predeclared + the assert support builtins, for stdlib modules only
	cache       map[string]*loadResult
	chain       []string          // modules being executed, outermost first
	sources     map[string][]byte // source of every module executed, by the file name positions show
}

type loadResult struct {
	globals starlark.StringDict
	err     error
	done    bool
}

// stdlibRepo is the repository prefix of embedded modules.
const stdlibRepo = builtins.StdlibPrefix

func newLoader(root, realRoot string, options *syntax.FileOptions, predeclared starlark.StringDict) *loader {
	stdlibNames := make(starlark.StringDict, len(predeclared)+len(builtins.AssertSupport))
	for k, v := range predeclared {
		stdlibNames[k] = v
	}
	for k, v := range builtins.AssertSupport {
		stdlibNames[k] = v
	}
	for k, v := range stdlibSupport {
		stdlibNames[k] = v
	}
	return &loader{
		root:        root,
		realRoot:    realRoot,
		options:     options,
		predeclared: predeclared,
		stdlibNames: stdlibNames,
		cache:       make(map[string]*loadResult),
		sources:     make(map[string][]byte),
	}
}

// execMain runs the main script (filename as the user wrote it, so backtraces show that path).
func (l *loader) execMain(thread *starlark.Thread, filename string) error {
	src, err := os.ReadFile(filename)
	if err != nil {
		return err
	}
	key, err := filepath.Abs(filename)
	if err != nil {
		return err
	}
	_, err = l.exec(thread, key, filepath.Clean(filename), src, l.predeclared)
	return err
}

// load implements starlark.Thread.Load.
func (l *loader) load(thread *starlark.Thread, module string) (starlark.StringDict, error) {
	from := thread.CallFrame(0).Pos.Filename()
	key, filename, src, predeclared, err := l.resolve(from, module)
	if err != nil {
		return nil, err
	}
	if r, ok := l.cache[key]; ok {
		if !r.done {
			return nil, fmt.Errorf("load cycle: %s -> %s", strings.Join(l.chain, " -> "), filename)
		}
		return r.globals, r.err
	}
	data, err := src()
	if err != nil {
		return nil, err
	}
	return l.exec(thread, key, filename, data, predeclared)
}

// exec executes one module (cached under key, shown as filename), caching its result and tracking the chain for cycle reports.
func (l *loader) exec(thread *starlark.Thread, key, filename string, src []byte, predeclared starlark.StringDict) (starlark.StringDict, error) {
	r := &loadResult{}
	l.cache[key] = r
	l.sources[filename] = src
	l.chain = append(l.chain, filename)
	globals, err := starlark.ExecFileOptions(l.options, thread, filename, src, predeclared)
	l.chain = l.chain[:len(l.chain)-1]
	if err != nil && len(l.chain) > 0 {
		// load() keeps only the message of a nested failure; keep its backtrace in the message so the
		// user sees the line inside the loaded module.
		var evalErr *starlark.EvalError
		if errors.As(err, &evalErr) {
			err = fmt.Errorf("%s", evalErr.Backtrace())
		}
	}
	r.globals, r.err, r.done = globals, err, true
	return globals, err
}

// resolve maps a load() argument, seen from file from, to a cache key, the file name positions show, a
// source reader and the predeclared names the module executes with.
func (l *loader) resolve(from, module string) (key, filename string, src func() ([]byte, error), predeclared starlark.StringDict, err error) {
	if !strings.HasSuffix(module, ".star") {
		return "", "", nil, nil, fmt.Errorf("only .star files can be loaded")
	}
	if strings.HasPrefix(module, stdlibRepo) {
		return l.resolveStdlib(strings.TrimPrefix(module, stdlibRepo))
	}
	if strings.HasPrefix(module, "@") || strings.HasPrefix(module, "//") {
		return "", "", nil, nil, fmt.Errorf("unknown repository in %q: the only one is %s (the embedded standard library)", module, stdlibRepo)
	}
	if strings.HasPrefix(from, stdlibRepo) {
		rel := path.Join(path.Dir(strings.TrimPrefix(from, stdlibRepo)), module)
		return l.resolveStdlib(rel)
	}
	return l.resolveFile(from, module)
}

func (l *loader) resolveStdlib(name string) (string, string, func() ([]byte, error), starlark.StringDict, error) {
	clean := path.Clean(name)
	if clean != name || strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
		return "", "", nil, nil, fmt.Errorf("invalid stdlib module name %q", name)
	}
	read := func() ([]byte, error) {
		data, err := stdlib.Read(clean)
		if err != nil {
			return nil, fmt.Errorf("no stdlib module %s%s", stdlibRepo, clean)
		}
		return data, nil
	}
	return stdlibRepo + clean, stdlibRepo + clean, read, l.stdlibNames, nil
}

// resolveFile resolves a relative load against the loading file and confines it to the root, both
// lexically and after following symlinks.
func (l *loader) resolveFile(from, module string) (string, string, func() ([]byte, error), starlark.StringDict, error) {
	if filepath.IsAbs(module) {
		return "", "", nil, nil, fmt.Errorf("load paths are relative to the loading file; absolute path %s not allowed", module)
	}
	name := filepath.Join(filepath.Dir(from), filepath.FromSlash(module))
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", "", nil, nil, err
	}
	if err := confine(module, abs, l.root); err != nil {
		return "", "", nil, nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		if err := confine(module, real, l.realRoot); err != nil {
			return "", "", nil, nil, err
		}
	}
	return abs, name, func() ([]byte, error) { return os.ReadFile(name) }, l.predeclared, nil
}

// confine refuses abs unless it lies under root.
func confine(module, abs, root string) error {
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s resolves to %s, outside %s: load() may only read files under the main script's directory", module, abs, root)
	}
	return nil
}

// source returns the text of an executed module by the file name its positions carry.
func (l *loader) source(filename string) ([]byte, error) {
	src, ok := l.sources[filename]
	if !ok {
		return nil, fmt.Errorf("no loaded script named %s", filename)
	}
	return src, nil
}
