package builtins

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.starlark.net/starlark"
)

// StdlibPrefix starts the module name of every embedded stdlib module ("@stdlib//assert.star"); frames
// from those files are skipped when an assertion reports where it failed.
const StdlibPrefix = "@stdlib//"

// AssertSupport holds the Go builtins that stdlib/assert.star is built on. The host predeclares them
// for stdlib modules only: user scripts cannot catch errors themselves, they use assert.fails.
var AssertSupport = starlark.StringDict{
	"_fail":    starlark.NewBuiltin("_fail", assertFail),
	"_catch":   starlark.NewBuiltin("_catch", assertCatch),
	"_matches": starlark.NewBuiltin("_matches", assertMatches),
}

// AssertionError is the error raised by a failed assertion. Pos is the script position that made the
// failing assert call (the first frame outside the stdlib).
type AssertionError struct {
	Pos string
	Msg string
}

func (e *AssertionError) Error() string { return e.Pos + ": " + e.Msg }

func assertFail(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var msg string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &msg); err != nil {
		return nil, err
	}
	return nil, &AssertionError{Pos: scriptPosition(thread), Msg: msg}
}

// scriptPosition returns file:line:col of the innermost frame that belongs to a user script.
func scriptPosition(thread *starlark.Thread) string {
	stack := thread.CallStack()
	for i := len(stack) - 1; i >= 0; i-- {
		file := stack[i].Pos.Filename()
		if file == "<builtin>" || strings.HasPrefix(file, StdlibPrefix) {
			continue
		}
		return stack[i].Pos.String()
	}
	return "<unknown>"
}

// assertCatch calls f and returns its error message, or None when f succeeds. Cancellation (SIGINT, the
// step limit) is never caught: the run must stop whatever the script asserts.
func assertCatch(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var f starlark.Callable
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &f); err != nil {
		return nil, err
	}
	_, err := starlark.Call(thread, f, nil, nil)
	if err == nil {
		return starlark.None, nil
	}
	if cancelled(thread, err) {
		return nil, err
	}
	var evalErr *starlark.EvalError
	if errors.As(err, &evalErr) {
		return starlark.String(evalErr.Msg), nil
	}
	return starlark.String(err.Error()), nil
}

// cancelled reports whether err comes from a cancelled thread or a cancelled run.
func cancelled(thread *starlark.Thread, err error) bool {
	if env, envErr := EnvOf(thread); envErr == nil && env.context().Err() != nil {
		return true
	}
	return strings.Contains(err.Error(), "Starlark computation cancelled")
}

func assertMatches(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, text string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &pattern, &text); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid regular expression %q: %w", b.Name(), pattern, err)
	}
	return starlark.Bool(re.MatchString(text)), nil
}
