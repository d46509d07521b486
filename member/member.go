// Package member implements `ssrun member`, the tiny wrapper a local member runs under so that how it
// ended is known without the driver: it writes <record>.pid ("PID STARTTIME", the kernel's start time
// of the wrapper in clock ticks since boot, so a recycled pid is never taken for it) before it starts
// the program, passes signals on, and writes <record>.exitcode (fsync'ed, renamed into place) when the
// program ends, then exits as the program did (re-raising a fatal signal). A driver killed with
// SIGKILL leaves its members running; `ssrun --resume` finds them again through these two files.
package member

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
)

// Subcommand is the ssrun subcommand that runs this wrapper.
const Subcommand = "member"

// PidFile and ExitCodeFile are the wrapper's records for a record prefix (status dir + member name).
func PidFile(record string) string      { return record + ".pid" }
func ExitCodeFile(record string) string { return record + ".exitcode" }

// Main runs `ssrun member --record PREFIX --exec PATH -- ARGV...`.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("ssrun member", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	record := fs.String("record", "", "prefix of the .pid and .exitcode files")
	path := fs.String("exec", "", "resolved path of the program (ARGV[0] is what it sees as its name)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	argv := fs.Args()
	if *record == "" || *path == "" || len(argv) == 0 {
		fmt.Fprintln(stderr, "usage: ssrun member --record PREFIX --exec PATH -- ARGV...")
		return 2
	}
	start, err := StartTime(os.Getpid())
	if err == nil {
		err = writeAtomic(PidFile(*record), fmt.Sprintf("%d %d\n", os.Getpid(), start), false)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssrun member: cannot record pid: %v\n", err)
		return 127
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	cmd := &exec.Cmd{Path: *path, Args: argv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "ssrun member: %v\n", err)
		_ = writeAtomic(ExitCodeFile(*record), "127\n", syncExitCode)
		return 127
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	code, sig := exitOf(cmd.Wait())
	if err := writeAtomic(ExitCodeFile(*record), strconv.Itoa(code)+"\n", syncExitCode); err != nil {
		fmt.Fprintf(stderr, "ssrun member: cannot record exit code: %v\n", err)
	}
	if sig != 0 { // die of the same signal, so whoever waits for us sees what the program saw
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		time.Sleep(time.Second)
	}
	return code & 0xff
}

// exitOf is SmartSim's return code of a finished program: its exit status, or -N for signal N.
func exitOf(err error) (int, syscall.Signal) {
	if err == nil {
		return 0, 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal()), ws.Signal()
		}
		return ee.ExitCode(), 0
	}
	return 127, 0
}

// syncExitCode makes the exit code durable before the wrapper exits. The pid file is not synced: after
// a machine crash the process it names is gone whatever the file says.
var syncExitCode = true

// writeAtomic writes a small file through a temp file renamed into place (readers never see half of
// it), with fsync when durable.
func writeAtomic(path, content string, durable bool) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(content)
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// StartTime is a process's start time in clock ticks since boot (field 22 of /proc/PID/stat): with
// the pid it names one process for the life of the machine.
func StartTime(pid int) (uint64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces and parentheses
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64) // field 22 overall; fields[0] is field 3 (state)
}

// ReadExitCode returns the code the wrapper recorded, and whether it did.
func ReadExitCode(record string) (int, bool) {
	data, err := os.ReadFile(ExitCodeFile(record))
	if err != nil {
		return 0, false
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(data)))
	return code, err == nil
}

// ReadPid returns the wrapper's pid and start time, and whether they were recorded.
func ReadPid(record string) (pid int, start uint64, ok bool) {
	data, err := os.ReadFile(PidFile(record))
	if err != nil {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(string(data), "%d %d", &pid, &start); err != nil {
		return 0, 0, false
	}
	return pid, start, true
}
