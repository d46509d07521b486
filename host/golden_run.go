package host

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/builtins"
)

// TestFuncPrefix starts the name of every test function of a test script (`def test_expansion(): ...`).
const TestFuncPrefix = "test_"

// ScriptRun is what one dry-run execution of a test script produced, for `ssrun test`.
type ScriptRun struct {
	// Plan is the plan of the script's experiments after the run, rendered as opts.PlanFormat.
	Plan []byte
	// Tests are the names of the script's top-level test_* functions, sorted.
	Tests []string
	// Loaded are the absolute paths of every script file executed: the script and the files it loaded
	// (stdlib modules excluded, they are embedded in the binary).
	Loaded []string
	// Attached are the absolute paths of the files the script's entities attach for generation, sorted.
	Attached []string
}

// RunTest executes a test script in dry run with a fresh host, as `ssrun --dry-run` would, then, when
// call is not "", calls its global function of that name with no arguments. Each call of RunTest is
// independent (its own loader, thread, experiments and launchers), which is what gives every test
// function a fresh host: the script's top level runs again before each one. The returned ScriptRun is
// filled as far as the run got, even on error (so a failed test still reports its dependencies).
func RunTest(ctx context.Context, opts Options, call string) (ScriptRun, error) {
	opts.DryRun = true
	if opts.PlanFormat == "" {
		opts.PlanFormat = PlanText
	}
	if err := opts.check(); err != nil {
		return ScriptRun{}, err
	}
	root, realRoot, err := scriptRoot(opts.Script)
	if err != nil {
		return ScriptRun{}, err
	}
	l := newLoader(root, realRoot, fileOptions, predeclared(opts.Vars))
	env := &builtins.Env{
		Ctx:         ctx,
		Log:         NewLogger(writerOr(opts.Stderr, &bytes.Buffer{}), opts.LogLevel),
		Launcher:    opts.Launcher,
		Seed:        opts.Seed,
		DryRun:      true,
		Hermetic:    true,
		NewLauncher: launcherFactory(opts),
		Dir:         root,
		Source:      l.source,
		FileOptions: fileOptions,
	}
	thread := newThread(env, opts)
	thread.Load = l.load

	stopWatch := cancelOnDone(ctx, thread)
	scriptErr := l.execMain(thread, opts.Script)
	var run ScriptRun
	globals := l.mainGlobals(opts.Script)
	run.Tests = testFuncs(globals)
	if scriptErr == nil && call != "" {
		scriptErr = callTest(thread, globals, call)
	}
	stopWatch()
	run.Loaded = l.loadedFiles()

	closeErr := env.Close()
	run.Attached = attachedFiles(env, root)
	switch {
	case ctx.Err() != nil:
		return run, fmt.Errorf("%w (%w)", ErrInterrupted, context.Cause(ctx))
	case scriptErr != nil:
		return run, scriptErr
	case closeErr != nil:
		return run, closeErr
	}
	var plan bytes.Buffer
	if err := env.WritePlan(&plan, opts.PlanFormat); err != nil {
		return run, err
	}
	run.Plan = plan.Bytes()
	return run, nil
}

// mainGlobals returns the globals of the main script once it has executed (nil if it never started).
func (l *loader) mainGlobals(script string) starlark.StringDict {
	key, err := filepath.Abs(script)
	if err != nil {
		return nil
	}
	if r, ok := l.cache[key]; ok {
		return r.globals
	}
	return nil
}

// loadedFiles lists the script files executed in this run, sorted; embedded stdlib modules excluded.
func (l *loader) loadedFiles() []string {
	var out []string
	for key := range l.cache {
		if !strings.HasPrefix(key, stdlibRepo) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// testFuncs returns the sorted names of the Starlark functions named test_* among globals.
func testFuncs(globals starlark.StringDict) []string {
	var names []string
	for name, v := range globals {
		if _, ok := v.(*starlark.Function); ok && strings.HasPrefix(name, TestFuncPrefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// callTest calls the test function name with no arguments.
func callTest(thread *starlark.Thread, globals starlark.StringDict, name string) error {
	fn, ok := globals[name].(*starlark.Function)
	if !ok {
		return fmt.Errorf("no test function %s", name)
	}
	if fn.NumParams() > 0 {
		return fmt.Errorf("test function %s must take no parameters, it takes %d", name, fn.NumParams())
	}
	_, err := starlark.Call(thread, fn, nil, nil)
	return err
}

// attachedFiles returns the files attached to the run's entities, read back from the canonical plan
// (whose paths are portable: "$CWD" is the script's directory), absolute and sorted.
func attachedFiles(env *builtins.Env, root string) []string {
	var buf bytes.Buffer
	if err := env.WritePlan(&buf, PlanJSON); err != nil {
		return nil
	}
	var doc any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		return nil
	}
	set := map[string]bool{}
	collectAttached(doc, false, set)
	out := make([]string, 0, len(set))
	for p := range set {
		if rest, ok := strings.CutPrefix(p, "$CWD/"); ok {
			p = filepath.Join(root, rest)
		}
		if filepath.IsAbs(p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// collectAttached gathers every string found under an "attached" key of the plan document.
func collectAttached(v any, inAttached bool, set map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			collectAttached(child, inAttached || k == "attached", set)
		}
	case []any:
		for _, child := range x {
			collectAttached(child, inAttached, set)
		}
	case string:
		if inAttached {
			set[x] = true
		}
	}
}
