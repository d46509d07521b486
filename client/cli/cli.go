// Package cli is `ssrun client`: the client library as shell commands, for job scripts and debugging.
//
//	ssrun client put-tensor field --dtype FLOAT --shape 2,3 1 2 3 4 5 6
//	ssrun client get-tensor field --format json
//	ssrun client poll field --interval 100ms --tries 50 && ssrun client run-model mlp --inputs field --outputs pred
//
// The database is found like the library finds it (SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT, or their
// _<db-id> forms) unless --addr is given. Exit codes: 0 success, 1 the operation failed (message on
// stderr; for exists and poll: the key is absent), 2 usage error.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/client"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// env is what a verb runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	conn           *connFlags
}

// verb is one `ssrun client` subcommand.
type verb struct {
	name    string
	args    string // positional arguments, for the usage line
	summary string
	// flags declares the verb's own flags; run executes it with the remaining positional arguments.
	flags func(fs *pflag.FlagSet) func(ctx context.Context, e *env, args []string) error
}

// usageError marks an error as the user's (exit 2, usage shown).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// absentError marks a negative answer of exists/poll: exit 1 without being an operation failure.
type absentError struct{ msg string }

func (a absentError) Error() string { return a.msg }

var verbs = map[string]verb{}

func register(v verb) { verbs[v.name] = v }

// Main runs `ssrun client ARGS...` and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return help(args[1:], stdout, stderr)
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ssrun client: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return exitUsage
	}
	// go-redis logs dial retries itself; the command reports the failure once, clearly, instead.
	redis.SetLogger(silentLogger{})
	fs, run := newFlagSet(v)
	conn := addConnFlags(fs)
	verbArgs, negatives := protectNegativeNumbers(args[1:])
	if err := fs.Parse(verbArgs); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printVerbUsage(stdout, v, fs)
			return exitOK
		}
		fmt.Fprintf(stderr, "ssrun client %s: %v\n", v.name, err)
		printVerbUsage(stderr, v, fs)
		return exitUsage
	}
	ctx := context.Background()
	if conn.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, conn.timeout)
		defer cancel()
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, conn: conn}
	defer e.close()
	err := run(ctx, e, restoreNegativeNumbers(fs.Args(), negatives))
	return report(err, v, fs, stderr)
}

// help answers `ssrun client help [COMMAND]`.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stdout)
		return exitOK
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ssrun client help: unknown command %q\n", args[0])
		return exitUsage
	}
	fs, _ := newFlagSet(v)
	printVerbUsage(stdout, v, fs)
	return exitOK
}

// report prints err, if any, and maps it to the exit code.
func report(err error, v verb, fs *pflag.FlagSet, stderr io.Writer) int {
	var ue usageError
	var ae absentError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ssrun client %s: %s\n", v.name, ue.msg)
		printVerbUsage(stderr, v, fs)
		return exitUsage
	case errors.As(err, &ae):
		fmt.Fprintf(stderr, "ssrun client %s: %s\n", v.name, ae.msg)
		return exitFail
	default:
		fmt.Fprintf(stderr, "ssrun client %s: %s\n", v.name, strings.TrimPrefix(err.Error(), "client: "))
		return exitFail
	}
}

func newFlagSet(v verb) (*pflag.FlagSet, func(context.Context, *env, []string) error) {
	fs := pflag.NewFlagSet("ssrun client "+v.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	return fs, v.flags(fs)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: ssrun client COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nA SmartRedis-style client for the experiment's database. Commands:")
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, verbs[n].summary)
	}
	fmt.Fprintln(w, "\nThe database is SSDB (with SR_DB_TYPE, SSKEYIN, SSKEYOUT) as for SmartRedis, or --addr.")
	fmt.Fprintln(w, "Exit status: 0 success, 1 failure (or absent for exists/poll), 2 usage error.")
	fmt.Fprintln(w, "Run 'ssrun client COMMAND --help' for a command's flags.")
}

func printVerbUsage(w io.Writer, v verb, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "usage: ssrun client %s [flags] %s\n\n%s\n\nflags:\n", v.name, v.args, v.summary)
	if fs.Lookup("addr") == nil {
		addConnFlags(fs)
	}
	fmt.Fprint(w, fs.FlagUsages())
}

// open connects with the connection flags (once per run).
func (e *env) open() (*client.Client, error) {
	return e.conn.open()
}

func (e *env) close() { e.conn.close() }

type silentLogger struct{}

func (silentLogger) Printf(context.Context, string, ...any) {}

// protectNegativeNumbers hides arguments such as "-3" or "-1.5e3" from the flag parser, which would
// take them for shorthand flags, so that `put-tensor x -1 2` works without "--". Each is replaced by a
// placeholder that restoreNegativeNumbers turns back.
func protectNegativeNumbers(args []string) ([]string, map[string]string) {
	out := make([]string, len(args))
	saved := map[string]string{}
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		if len(a) > 1 && a[0] == '-' && isNumber(a) {
			ph := fmt.Sprintf("\x00negative%d", i)
			saved[ph] = a
			a = ph
		}
		out[i] = a
	}
	return out, saved
}

func restoreNegativeNumbers(args []string, saved map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if v, ok := saved[a]; ok {
			a = v
		}
		out[i] = a
	}
	return out
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
