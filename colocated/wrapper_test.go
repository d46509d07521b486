package colocated

// End-to-end tests of `ssrun colocated` as a process, with the real `ssrun db` it starts.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssrun/ssrun/internal/ssruntest"
)

var ssrunBin string

func TestMain(m *testing.M) { ssruntest.Main(m, "ssrun-colocated-", &ssrunBin) }

type outcome struct {
	code           int
	stdout, stderr string
}

// wrapper runs `ssrun colocated args...` in dir with extra environment variables.
func wrapper(t *testing.T, dir string, env []string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ssrunBin, append([]string{"colocated"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatal(err)
	}
	return outcome{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// answers reports whether a database answers PING at addr (host:port or unix://path).
func answers(addr string) bool {
	network, address := "tcp", addr
	if p, ok := strings.CutPrefix(addr, "unix://"); ok {
		network, address = "unix", p
	}
	conn, err := net.DialTimeout(network, address, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 7)
	n, _ := conn.Read(buf)
	return string(buf[:n]) == "+PONG\r\n"
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestWrapperRunsTheProgramAgainstItsDatabase: the program finds SSDB pointing at the node's database,
// the script given as a file is stored before it starts and runs there, the program's exit code is the
// wrapper's, and the database is gone afterwards.
func TestWrapperRunsTheProgramAgainstItsDatabase(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "double.star"), "def double(x):\n    return x + x\n")
	port := ssruntest.FreePort(t)
	onnx, err := filepath.Abs(filepath.Join("..", "testdata", "files", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	app := fmt.Sprintf(`echo "$SSDB $SR_DB_TYPE"; %[1]s client exists --kind model mlp && %[1]s client put-tensor x 1 2 3 && %[1]s client run-script double --fn double --inputs x --outputs y && %[1]s client get-tensor y; exit 7`, ssrunBin)
	r := wrapper(t, dir, nil, "--port", strconv.Itoa(port), "--db-log", filepath.Join(dir, "db-{node}.log"),
		"--ml-model", "name=mlp,backend=ONNX,file="+onnx+",device=CPU,batch_size=4",
		"--script", "name=double,file=double.star", "--", "sh", "-c", app)
	want := fmt.Sprintf("127.0.0.1:%d Standalone\ntrue\n2 4 6\n", port)
	if r.code != 7 || r.stdout != want {
		t.Fatalf("exit %d, stdout %q (want 7, %q); stderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
	if answers("127.0.0.1:" + strconv.Itoa(port)) {
		t.Fatal("the database still answers after the program ended")
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "db-*.log"))
	if len(logs) != 1 {
		t.Fatalf("database logs %v", logs)
	}
	if b, _ := os.ReadFile(logs[0]); !strings.Contains(string(b), "accepting connections on 127.0.0.1:"+strconv.Itoa(port)) {
		t.Fatalf("database log %s:\n%s", logs[0], b)
	}
}

// TestWrapperExitCodes: a signal death is 128+N; a missing program 127; a database that cannot start
// 125 with its own words and no program run.
func TestWrapperExitCodes(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "not", "yet", "db.sock") // the wrapper makes the socket's directory
	if r := wrapper(t, dir, nil, "--unix-socket", sock, "--", "sh", "-c", "kill -TERM $$"); r.code != 128+int(syscall.SIGTERM) {
		t.Errorf("program killed by SIGTERM: exit %d, want 143; %s", r.code, r.stderr)
	}
	if r := wrapper(t, dir, nil, "--unix-socket", sock, "--", "no-such-program-here"); r.code != 127 || !strings.Contains(r.stderr, "no-such-program-here") {
		t.Errorf("missing program: exit %d, want 127; %s", r.code, r.stderr)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	r := wrapper(t, dir, nil, "--port", port, "--", "touch", "ran")
	if r.code != 125 || !strings.Contains(r.stderr, "exited before it was ready") || !strings.Contains(r.stderr, port) {
		t.Errorf("port taken: exit %d, want 125 and the database's error; stderr:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("the program ran without its database")
	}
	if r := wrapper(t, dir, nil, "--port", port); r.code != 2 || !strings.Contains(r.stderr, "no program to run") {
		t.Errorf("no program: exit %d; %s", r.code, r.stderr)
	}
}

// TestTwoRanksShareTheNodeDatabase: two ranks of one step on one node (SLURM_LOCALID 0 and 1). Only
// rank 0 starts the database; rank 1 waits for it and the script rank 0 stores; the database outlives
// rank 0's program until rank 1's has ended.
func TestTwoRanksShareTheNodeDatabase(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "node.sock")
	writeFile(t, filepath.Join(dir, "s.star"), "def f(x):\n    return x\n")
	common := []string{"--unix-socket", sock, "--script", "name=s,file=s.star", "--"}
	// Rank 0's program ends as soon as rank 1's has started; rank 1's then uses the database and, last
	// thing, marks its end. Rank 0's wrapper must not return (nor stop the database) before that.
	rank0 := fmt.Sprintf(`%s client put-tensor x 1 && while [ ! -e started ]; do sleep 0.02; done`, ssrunBin)
	rank1 := fmt.Sprintf(`touch started; while [ ! -e rank0-done ]; do sleep 0.02; done; %[1]s client exists x && %[1]s client exists --kind script s && touch rank1-done`, ssrunBin)
	rank1Done := make(chan outcome, 1)
	go func() {
		rank1Done <- wrapper(t, dir, []string{"SLURM_LOCALID=1"}, append(common, "sh", "-c", rank1)...)
	}()
	// rank0-done marks the end of rank 0's program, before its wrapper waits for rank 1.
	r0 := wrapper(t, dir, []string{"SLURM_LOCALID=0"}, append(common, "sh", "-c", rank0+"; s=$?; touch rank0-done; exit $s")...)
	_, err := os.Stat(filepath.Join(dir, "rank1-done"))
	r1 := <-rank1Done
	if r0.code != 0 || r1.code != 0 {
		t.Fatalf("rank 0: exit %d\n%s%s\nrank 1: exit %d\n%s%s", r0.code, r0.stdout, r0.stderr, r1.code, r1.stdout, r1.stderr)
	}
	if err != nil {
		t.Error("rank 0's wrapper returned before rank 1's program had ended")
	}
	if answers("unix://" + sock) {
		t.Error("the node's database still answers after both ranks ended")
	}
}

// TestMPIRanksShareTheNodeDatabase: three ranks of a real `mpirun -np 3` on this node each write a
// tensor and see the others' in the one database that local rank 0 started.
func TestMPIRanksShareTheNodeDatabase(t *testing.T) {
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mpirun is required under CI (ci/setup-slurm.sh installs openmpi-bin)")
		}
		t.Skip("mpirun is not installed (apt-get install openmpi-bin)")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "node.sock")
	app := fmt.Sprintf(`%[1]s client put-tensor r$OMPI_COMM_WORLD_RANK 1 && for r in 0 1 2; do %[1]s client poll r$r --tries 200 --interval 50 >/dev/null || exit 1; done; echo ok`, ssrunBin)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "3",
		ssrunBin, "colocated", "--unix-socket", sock, "--", "sh", "-c", app)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), "ok\n") != 3 {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	if answers("unix://" + sock) {
		t.Error("the node's database still answers after the ranks ended")
	}
}
