package host

import (
	"io"
	"log/slog"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/ssrun/ssrun/runtime"
)

// terminalProgress draws the runtime's progress line on a terminal: carriage return, the line, erase
// to the end. Log lines written meanwhile go through the same writer, which takes the line away,
// writes the log line and draws the line again below it, so neither garbles the other.
type terminalProgress struct {
	mu   sync.Mutex
	w    io.Writer
	line string
}

const eraseLine = "\r\x1b[K"

func (p *terminalProgress) Update(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line = line
	io.WriteString(p.w, eraseLine+line)
}

func (p *terminalProgress) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != "" {
		io.WriteString(p.w, eraseLine)
	}
	p.line = ""
}

// Write is the log's way to the terminal while a progress line may be shown.
func (p *terminalProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line == "" {
		return p.w.Write(b)
	}
	io.WriteString(p.w, eraseLine)
	n, err := p.w.Write(b)
	io.WriteString(p.w, p.line)
	return n, err
}

// progressFor returns the progress line to give the runtime and the writer the log must use: a
// terminal progress when stderr is a terminal and the log shows Info (not -q), else none.
func progressFor(opts Options, stderr io.Writer) (runtime.Progress, io.Writer) {
	isTerminal := opts.IsTerminal
	if isTerminal == nil {
		isTerminal = fileIsTerminal
	}
	if opts.LogLevel > slog.LevelInfo || !isTerminal(stderr) {
		return nil, stderr
	}
	p := &terminalProgress{w: stderr}
	return p, p
}

// fileIsTerminal reports whether w is a file open on a terminal.
func fileIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
