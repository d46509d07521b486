package host

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/ssrun/ssrun/builtins"
)

// logHandler writes one plain line per record to stderr: `LEVEL [logger] message key=value ...`. No
// timestamps, so the log of a run is reproducible and diffable; the manifest records when things ran.
type logHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	level slog.Leveler
	attrs []slog.Attr
}

// NewLogger returns the logger a run writes to: w (stderr) filtered at level (-v: Debug, -q: Warn).
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(&logHandler{mu: new(sync.Mutex), w: w, level: level})
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var buf bytes.Buffer
	buf.WriteString(levelName(r.Level))
	var rest []slog.Attr
	name := ""
	collect := func(a slog.Attr) bool {
		if a.Key == builtins.LoggerNameKey {
			name = a.Value.String()
		} else {
			rest = append(rest, a)
		}
		return true
	}
	for _, a := range h.attrs {
		collect(a)
	}
	r.Attrs(collect)
	if name != "" {
		fmt.Fprintf(&buf, " [%s]", name)
	}
	if strings.Contains(r.Message, "\n") {
		// A table or a block (summary, preview) starts on its own line so its columns stay aligned.
		buf.WriteByte('\n')
	} else {
		buf.WriteByte(' ')
	}
	buf.WriteString(strings.TrimRight(r.Message, "\n"))
	for _, a := range rest {
		fmt.Fprintf(&buf, " %s=%q", a.Key, a.Value.String())
	}
	buf.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(buf.Bytes())
	return err
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

// WithGroup is not used by ssrun; groups are flattened into plain keys.
func (h *logHandler) WithGroup(string) slog.Handler { return h }

// levelName spells levels as Python's logging does, which SmartSim users read every day.
func levelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	default:
		return "DEBUG"
	}
}
