// Package dashboard implements `ssrun dashboard` (a live web page of experiments, served from the
// binary) and `ssrun report` (the same views as one static HTML file). Both read what the runtime
// writes: the manifest (through package status), the jobs' .out/.err files and the database
// collectors' CSV files; neither talks to the driver.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spf13/pflag"
)

// Exit codes, as in docs/design.md §2.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// Main runs `ssrun dashboard [EXP_DIR ...] [--port 8000] [--bind 127.0.0.1]` until SIGINT/SIGTERM.
func Main(args []string, stdout, stderr io.Writer) int {
	fset := pflag.NewFlagSet("ssrun dashboard", pflag.ContinueOnError)
	fset.SetOutput(stderr)
	port := fset.IntP("port", "p", 8000, "TCP port to serve on (0 picks a free one)")
	bind := fset.String("bind", "127.0.0.1", "address to listen on; anything but loopback exposes the experiments' files to the network")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: ssrun dashboard [EXP_DIR ...] [--port 8000] [--bind 127.0.0.1]")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "ssrun dashboard: %v\nRun 'ssrun dashboard --help' for usage.\n", err)
		return exitUsage
	}
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(stderr, "ssrun dashboard: --port %d is not a TCP port (0-65535)\n", *port)
		return exitUsage
	}
	dirs := fset.Args()
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	log := stderrLogger(stderr)
	srv, err := NewServer(dirs, log)
	if err != nil {
		fmt.Fprintf(stderr, "ssrun dashboard: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr := net.JoinHostPort(*bind, strconv.Itoa(*port))
	err = srv.ListenAndServe(ctx, addr, func(a net.Addr) {
		fmt.Fprintf(stdout, "ssrun dashboard: %d experiment(s) at http://%s/\n", len(dirs), a)
		if tcp, ok := a.(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
			fmt.Fprintf(stderr, "ssrun dashboard: warning: listening on %s, not loopback: anyone who can reach it can read these experiments' logs\n", a)
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "ssrun dashboard: %v\n", err)
		return exitError
	}
	return exitOK
}

// ReportMain runs `ssrun report EXP_DIR [-o report.html]`: the dashboard's views as one static file.
func ReportMain(args []string, stdout, stderr io.Writer) int {
	fset := pflag.NewFlagSet("ssrun report", pflag.ContinueOnError)
	fset.SetOutput(stderr)
	out := fset.StringP("output", "o", "report.html", "file to write (- for standard output)")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: ssrun report EXP_DIR [-o report.html]")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "ssrun report: %v\nRun 'ssrun report --help' for usage.\n", err)
		return exitUsage
	}
	if fset.NArg() < 1 {
		fmt.Fprintln(stderr, "ssrun report: expected EXP_DIR\nRun 'ssrun report --help' for usage.")
		return exitUsage
	}
	srv, err := NewServer(fset.Args(), stderrLogger(stderr))
	if err != nil {
		fmt.Fprintf(stderr, "ssrun report: %v\n", err)
		return exitUsage
	}
	for _, x := range srv.exps {
		if x.Err != nil {
			fmt.Fprintf(stderr, "ssrun report: %v\n", x.Err)
			return exitError
		}
	}
	if *out == "-" {
		err = srv.WriteReport(stdout)
	} else {
		err = writeFileAtomic(*out, srv.WriteReport)
		if err == nil {
			abs, _ := filepath.Abs(*out)
			fmt.Fprintf(stderr, "ssrun report: wrote %s\n", abs)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssrun report: %v\n", err)
		return exitError
	}
	return exitOK
}
