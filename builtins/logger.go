package builtins

import (
	"context"
	"log/slog"

	"go.starlark.net/starlark"
)

// LoggerNameKey is the slog attribute that carries a get_logger(name) logger's name; the host's log
// handler prints it before the message.
const LoggerNameKey = "logger"

// Logger is the value returned by get_logger(name): SmartSim's smartsim.log.get_logger, writing to the
// ssrun log (stderr, filtered by -v/-q) instead of Python logging.
type Logger struct {
	name string
}

var (
	_ starlark.Value    = (*Logger)(nil)
	_ starlark.HasAttrs = (*Logger)(nil)
)

var loggerMethods = map[string]*starlark.Builtin{
	"debug":   starlark.NewBuiltin("debug", loggerLogAt(slog.LevelDebug)),
	"info":    starlark.NewBuiltin("info", loggerLogAt(slog.LevelInfo)),
	"warning": starlark.NewBuiltin("warning", loggerLogAt(slog.LevelWarn)),
	"error":   starlark.NewBuiltin("error", loggerLogAt(slog.LevelError)),
}

// GetLogger is the predeclared get_logger(name).
var GetLogger = starlark.NewBuiltin("get_logger", getLogger)

func getLogger(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	return &Logger{name: name}, nil
}

// loggerLogAt builds the method that logs its argument at level. Like Python's logging, a non-string
// message is converted with str().
func loggerLogAt(level slog.Level) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var msg starlark.Value
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &msg); err != nil {
			return nil, err
		}
		env, err := EnvOf(thread)
		if err != nil {
			return nil, err
		}
		l := b.Receiver().(*Logger)
		env.logger().Log(context.Background(), level, text(msg), LoggerNameKey, l.name)
		return starlark.None, nil
	}
}

// text is Python's str(): strings unquoted, everything else as Starlark prints it.
func text(v starlark.Value) string {
	if s, ok := starlark.AsString(v); ok {
		return s
	}
	return v.String()
}

func (l *Logger) String() string        { return "<logger " + l.name + ">" }
func (l *Logger) Type() string          { return "logger" }
func (l *Logger) Freeze()               {} // immutable: the name is fixed at creation
func (l *Logger) Truth() starlark.Bool  { return starlark.True }
func (l *Logger) Hash() (uint32, error) { return starlark.String(l.name).Hash() }

// Attr returns a bound logging method, or (nil, nil) so Starlark reports unknown names with a hint.
func (l *Logger) Attr(name string) (starlark.Value, error) {
	if name == "name" {
		return starlark.String(l.name), nil
	}
	return bindMethod(l, name, loggerMethods)
}

// AttrNames lists the logger's attribute and methods for dir().
func (l *Logger) AttrNames() []string { return attrNames(loggerMethods, "name") }
