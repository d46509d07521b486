// Package member implements `ssrun member --serve`, the member supervisor: one process per driver, in
// its own session, that starts the driver's local members so that how each ended is known without the
// driver. Before it reports a member started it writes <record>.pid ("PID STARTTIME", the kernel's
// start time in clock ticks since boot, so a recycled pid is never taken for the member); when the
// member ends it writes <record>.exitcode (renamed into place, made durable in groups). A driver
// killed with SIGKILL leaves the supervisor following its members to their end; `ssrun --resume` finds
// them again through these two files (Attach).
package member

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
)

// Subcommand is the ssrun subcommand that runs the member supervisor.
const Subcommand = "member"

// PidFile and ExitCodeFile are the supervisor's records for a record prefix (status dir + member name).
func PidFile(record string) string      { return record + ".pid" }
func ExitCodeFile(record string) string { return record + ".exitcode" }

// Main runs `ssrun member --serve [--grace D]`, the member supervisor (Serve) of one driver, which
// starts it and talks to it over its stdin and stdout.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("ssrun member", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	serve := fs.Bool("serve", false, "run as the member supervisor of the driver on stdin/stdout")
	grace := fs.Duration("grace", 5*time.Second, "time between SIGTERM and SIGKILL when a member is stopped")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !*serve || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: ssrun member --serve [--grace DURATION] (started by the ssrun driver, not by hand)")
		return 2
	}
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGPIPE) // it outlives a driver stopped these ways
	return Serve(os.Stdin, stdout, stderr, *grace)
}

// writeAtomic writes a small file through a temp file renamed into place (readers never see half of
// it). Durability is the supervisor's group sync (serve.go), not an fsync per file.
func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(content)
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

// ReadExitCode returns the code the supervisor recorded, and whether it did.
func ReadExitCode(record string) (int, bool) {
	data, err := os.ReadFile(ExitCodeFile(record))
	if err != nil {
		return 0, false
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(data)))
	return code, err == nil
}

// RecordedExitCode is the member's recorded exit code. A member that has just exited has no code yet
// for a moment (its supervisor writes it right after reaping it): while the supervisor named in the
// pid file still runs and the member does not, the code is waited for (up to exitCodeWait), so a
// resume never takes a member that ended a millisecond ago for one that never finished.
func RecordedExitCode(record string) (int, bool) {
	if code, ok := ReadExitCode(record); ok {
		return code, ok
	}
	data, err := os.ReadFile(PidFile(record))
	if err != nil {
		return 0, false
	}
	var pid, sup int
	var start, supStart uint64
	if n, _ := fmt.Sscanf(string(data), "%d %d %d %d", &pid, &start, &sup, &supStart); n != 4 {
		return 0, false
	}
	if running(pid, start) || !running(sup, supStart) {
		return 0, false // still running, or nobody left to record its end
	}
	return awaitExitCode(record)
}

// running reports whether pid still names the process that started at start.
func running(pid int, start uint64) bool {
	now, err := StartTime(pid)
	return err == nil && now == start
}

// ReadPid returns the member's pid and start time, and whether they were recorded.
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
