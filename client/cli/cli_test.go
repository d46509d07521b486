package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssrun/ssrun/client"
	"github.com/ssrun/ssrun/orchestrator"
	"github.com/ssrun/ssrun/tensor"
)

// startServer runs an in-process ssrun db shard with the AI commands for the test.
func startServer(t *testing.T, cluster *orchestrator.ClusterConfig, port int) string {
	t.Helper()
	srv, err := orchestrator.New(orchestrator.Config{Name: "cli-test", Port: port, Threads: 1, Cluster: cluster})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

// result is what one `ssrun client` run produced.
type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// ok runs and requires exit 0, returning stdout.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := run(t, "", args...)
	if r.code != 0 {
		t.Fatalf("ssrun client %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// fails runs and requires exit code with wantErr in stderr.
func fails(t *testing.T, code int, wantErr string, args ...string) result {
	t.Helper()
	r := run(t, "", args...)
	if r.code != code || !strings.Contains(r.stderr, wantErr) {
		t.Errorf("ssrun client %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(args, " "), r.code, r.stderr, code, wantErr)
	}
	return r
}

func TestPutAndGetTensorInEveryFormat(t *testing.T) {
	addr := startServer(t, nil, 0)
	ok(t, "put-tensor", "--addr", addr, "field", "--dtype", "FLOAT", "--shape", "2,3", "1", "2.5", "-3", "4", "5", "6")
	if got := ok(t, "get-tensor", "--addr", addr, "field"); got != "1 2.5 -3\n4 5 6\n" {
		t.Errorf("values = %q", got)
	}
	if got := ok(t, "get-tensor", "--addr", addr, "field", "--format", "json"); got != `{"dtype":"FLOAT","shape":[2,3],"values":[1,2.5,-3,4,5,6]}`+"\n" {
		t.Errorf("json = %q", got)
	}
	raw := ok(t, "get-tensor", "--addr", addr, "field", "--format=raw")
	if len(raw) != 24 || math.Float32frombits(binary.LittleEndian.Uint32([]byte(raw[4:8]))) != 2.5 {
		t.Errorf("raw = %q", raw)
	}
	// Negative integers are accepted (RedisAI's VALUES would refuse them) and range-checked.
	ok(t, "put-tensor", "--addr", addr, "ints", "--dtype", "int16", "-32768", "7")
	if got := ok(t, "get-tensor", "--addr", addr, "ints", "--format", "json"); got != `{"dtype":"INT16","shape":[2],"values":[-32768,7]}`+"\n" {
		t.Errorf("ints json = %q", got)
	}
	fails(t, 2, `value 1 "300" is not a valid UINT8`, "put-tensor", "--addr", addr, "u", "--dtype", "UINT8", "300")
	ok(t, "put-tensor", "--addr", addr, "flags", "--dtype", "BOOL", "true", "0")
	if got := ok(t, "get-tensor", "--addr", addr, "flags"); got != "1 0\n" {
		t.Errorf("bool values = %q", got)
	}
	ok(t, "put-tensor", "--addr", addr, "words", "--dtype", "STRING", "a b", "c")
	if got := ok(t, "get-tensor", "--addr", addr, "words", "--format", "json"); got != `{"dtype":"STRING","shape":[2],"values":["a b","c"]}`+"\n" {
		t.Errorf("string json = %q", got)
	}
}

func TestPutTensorFromRawFileAndStdin(t *testing.T) {
	addr := startServer(t, nil, 0)
	data := make([]byte, 0, 32)
	for _, v := range []float64{1, -2, 3.25, 4} {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	path := filepath.Join(t.TempDir(), "x.raw")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ok(t, "put-tensor", "--addr", addr, "x", "--dtype", "DOUBLE", "--shape", "2,2", "--file", path)
	if got := ok(t, "get-tensor", "--addr", addr, "x"); got != "1 -2\n3.25 4\n" {
		t.Errorf("from file = %q", got)
	}
	r := run(t, string(data), "put-tensor", "--addr", addr, "y", "--dtype", "DOUBLE", "--file", "-")
	if r.code != 0 {
		t.Fatalf("stdin: %d %s", r.code, r.stderr)
	}
	if got := ok(t, "get-tensor", "--addr", addr, "y", "--format", "json"); got != `{"dtype":"DOUBLE","shape":[4],"values":[1,-2,3.25,4]}`+"\n" {
		t.Errorf("from stdin = %q", got)
	}
	fails(t, 1, "does not hold a DOUBLE tensor of shape [3]", "put-tensor", "--addr", addr, "z", "--dtype", "DOUBLE", "--shape", "3", "--file", path)
	if r := run(t, "12345", "put-tensor", "--addr", addr, "z", "--dtype", "DOUBLE", "--file", "-"); r.code != 1 || !strings.Contains(r.stderr, "- holds 5 bytes, not a whole number of 8-byte DOUBLE elements") {
		t.Errorf("5 bytes of DOUBLE: %d %q", r.code, r.stderr)
	}
	fails(t, 1, "- is empty: no tensor data", "put-tensor", "--addr", addr, "z", "--dtype", "DOUBLE", "--file", "-")
	fails(t, 2, "give values as arguments or --file, not both", "put-tensor", "--addr", addr, "z", "--file", path, "1")
}

func TestExistsPollAndDelExitCodes(t *testing.T) {
	addr := startServer(t, nil, 0)
	ok(t, "put-tensor", "--addr", addr, "a", "1")
	if got := ok(t, "exists", "--addr", addr, "a"); got != "true\n" {
		t.Errorf("exists a = %q", got)
	}
	r := fails(t, 1, `tensor "b" does not exist`, "exists", "--addr", addr, "b")
	if r.stdout != "false\n" {
		t.Errorf("exists b printed %q", r.stdout)
	}
	ok(t, "poll", "--addr", addr, "a", "--interval", "5", "--tries", "2")
	fails(t, 1, `tensor "b" did not appear after 3 checks 1ms apart`, "poll", "--addr", addr, "b", "--interval", "1ms", "--tries", "3")
	ok(t, "del", "--addr", addr, "a")
	fails(t, 1, "does not exist", "del", "--addr", addr, "a")
	fails(t, 2, `--kind must be one of`, "exists", "--addr", addr, "--kind", "blob", "a")
}

func TestModelsAndScriptsFromTheCommandLine(t *testing.T) {
	addr := startServer(t, nil, 0)
	dir := t.TempDir()
	model := filepath.Join(dir, "mlp.onnx")
	blob := []byte("\x08\x07onnx\x00model")
	if err := os.WriteFile(model, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	ok(t, "set-model", "--addr", addr, "mlp", model, "--backend", "onnx", "--tag", "v2")
	if got := ok(t, "get-model", "--addr", addr, "mlp"); got != string(blob) {
		t.Errorf("get-model = %q", got)
	}
	out := filepath.Join(dir, "back.onnx")
	ok(t, "get-model", "--addr", addr, "mlp", "-o", out)
	if b, _ := os.ReadFile(out); !bytes.Equal(b, blob) {
		t.Errorf("get-model --out wrote %q", b)
	}
	ok(t, "exists", "--addr", addr, "--kind", "model", "mlp")
	ok(t, "put-tensor", "--addr", addr, "x", "--shape", "1,2", "1", "2")
	fails(t, 1, `run-model: run model "mlp": ERR Backend not loaded: ONNX`, "run-model", "--addr", addr, "mlp", "--inputs", "x", "--outputs", "y")
	fails(t, 2, "--inputs and --outputs are required", "run-model", "--addr", addr, "mlp", "--inputs", "x")
	fails(t, 1, `backend "PYTORCH" is not one of`, "set-model", "--addr", addr, "m2", model, "--backend", "pytorch")
	fails(t, 2, "--backend is required", "set-model", "--addr", addr, "m2", model)

	script := filepath.Join(dir, "s.py")
	src := "def twice(a):\n    return a + a\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ok(t, "set-script", "--addr", addr, "s", script)
	if got := ok(t, "get-script", "--addr", addr, "s"); got != src {
		t.Errorf("get-script = %q", got)
	}
	r := run(t, "", "run-script", "--addr", addr, "s", "--fn", "twice", "--inputs", "x", "--outputs", "y")
	if r.code == 0 {
		if got := ok(t, "get-tensor", "--addr", addr, "y"); got != "2 4\n" {
			t.Errorf("script output = %q", got)
		}
	} else if r.code != 1 || !strings.Contains(r.stderr, `run script "s"`) {
		t.Errorf("run-script: exit %d, %q", r.code, r.stderr)
	}
	fails(t, 2, "--fn is required", "run-script", "--addr", addr, "s", "--inputs", "x", "--outputs", "y")
	ok(t, "del", "--addr", addr, "--kind", "model", "mlp")
	ok(t, "del", "--addr", addr, "--kind", "script", "s")
	fails(t, 1, "model key is empty", "get-model", "--addr", addr, "mlp")
}

func TestInfoDescribesTheDatabaseAndModelStats(t *testing.T) {
	addr := startServer(t, nil, 0)
	ok(t, "put-tensor", "--addr", addr, "--keyout", "p0", "a", "1")
	got := ok(t, "info", "--addr", addr, "--keyout", "p0", "--keyin", "p0,p1", "--source", "p1")
	want := fmt.Sprintf("mode: standalone\nnode %s slots 0-16383 keys 1\nkeyout: p0\nkeyin: p0,p1\nsource: p1\n", addr)
	if got != want {
		t.Errorf("info =\n%s\nwant\n%s", got, want)
	}
	path := filepath.Join(t.TempDir(), "m.pt")
	os.WriteFile(path, []byte("torch"), 0o644)
	ok(t, "set-model", "--addr", addr, "m", path, "--backend", "TORCH", "--tag", "t1")
	stats := ok(t, "info", "--addr", addr, "m")
	for _, line := range []string{"node " + addr, "  key: m", "  type: MODEL", "  backend: TORCH", "  tag: t1", "  calls: 0"} {
		if !strings.Contains(stats, line+"\n") {
			t.Errorf("info m lacks %q:\n%s", line, stats)
		}
	}
	ok(t, "info", "--addr", addr, "m", "--reset")
	fails(t, 1, "cannot find run info", "info", "--addr", addr, "nope")
	fails(t, 1, `data source "p9" is not in SSKEYIN`, "info", "--addr", addr, "--keyin", "p0", "--source", "p9")
}

func TestEnvironmentPrefixesAsSmartRedis(t *testing.T) {
	addr := startServer(t, nil, 0)
	t.Setenv("SSDB", addr)
	t.Setenv("SR_DB_TYPE", "Standalone")
	t.Setenv("SSKEYOUT", "producer_0")
	ok(t, "put-tensor", "tensor", "--dtype", "INT32", "5")
	t.Setenv("SSKEYOUT", "consumer")
	t.Setenv("SSKEYIN", "producer_0")
	if got := ok(t, "get-tensor", "tensor"); got != "5\n" {
		t.Errorf("consumer read %q", got)
	}
	if got := ok(t, "exists", "--kind", "key", "producer_0.tensor"); got != "true\n" {
		t.Errorf("raw key exists = %q", got)
	}
	t.Setenv("SSDB_other", addr)
	t.Setenv("SR_DB_TYPE_other", "Standalone")
	if got := ok(t, "get-tensor", "--db-id", "other", "producer_0.tensor"); got != "5\n" {
		t.Errorf("--db-id read %q", got)
	}
	t.Setenv("SSDB", "")
	fails(t, 1, "SSDB is not set", "get-tensor", "tensor")
}

func TestClusterFromTheCommandLine(t *testing.T) {
	ranges := []orchestrator.SlotRange{{Start: 0, End: 5460}, {Start: 5461, End: 10922}, {Start: 10923, End: 16383}}
	var lns []net.Listener
	for range ranges {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
	}
	addrs := make([]string, len(ranges))
	for i, ln := range lns {
		addrs[i] = ln.Addr().String()
		ln.Close()
	}
	for i := range ranges {
		var peers []orchestrator.ClusterPeer
		for j := range ranges {
			if j != i {
				peers = append(peers, orchestrator.ClusterPeer{NodeID: fmt.Sprintf("%040x", j+1), Addr: addrs[j], Slots: ranges[j]})
			}
		}
		port, _ := strconv.Atoi(addrs[i][strings.LastIndexByte(addrs[i], ':')+1:])
		startServer(t, &orchestrator.ClusterConfig{NodeID: fmt.Sprintf("%040x", i+1), Slots: ranges[i], Peers: peers}, port)
	}
	all := strings.Join(addrs, ",")
	for _, name := range []string{"a", "b", "c", "foo", "bar"} {
		ok(t, "put-tensor", "--addr", all, name, "1", "2")
		if got := ok(t, "get-tensor", "--addr", addrs[1], "--db-type", "clustered", name); got != "1 2\n" {
			t.Errorf("%s = %q", name, got)
		}
	}
	info := ok(t, "info", "--addr", all)
	if !strings.HasPrefix(info, "mode: cluster\n") || strings.Count(info, "\nnode ") != 3 || !strings.Contains(info, "slots 5461-10922") {
		t.Errorf("cluster info:\n%s", info)
	}
}

func TestUsageErrorsAndHelp(t *testing.T) {
	if r := run(t, ""); r.code != 2 || !strings.Contains(r.stderr, "usage: ssrun client COMMAND") {
		t.Errorf("no args: %d %q", r.code, r.stderr)
	}
	fails(t, 2, `unknown command "nope"`, "help", "nope")
	help := ok(t, "help")
	for _, v := range []string{"put-tensor", "get-tensor", "exists", "poll", "del", "set-model", "run-model", "set-script", "run-script", "info"} {
		if !strings.Contains(help, "  "+v+" ") {
			t.Errorf("help lacks %s:\n%s", v, help)
		}
	}
	verbHelp := ok(t, "put-tensor", "--help")
	for _, want := range []string{"usage: ssrun client put-tensor [flags] NAME [VALUE...]", "--dtype", "--shape", "--file", "--addr"} {
		if !strings.Contains(verbHelp, want) {
			t.Errorf("put-tensor --help lacks %q:\n%s", want, verbHelp)
		}
	}
	if got := ok(t, "help", "poll"); !strings.Contains(got, "--interval") {
		t.Errorf("help poll:\n%s", got)
	}
	fails(t, 2, `unknown command "frobnicate"`, "frobnicate")
	fails(t, 2, "unknown flag: --nope", "get-tensor", "--nope")
	fails(t, 2, "missing the tensor NAME", "put-tensor", "--addr", "127.0.0.1:1")
	fails(t, 2, `--dtype "FLOAT32" is not one of`, "put-tensor", "--addr", "127.0.0.1:1", "x", "--dtype", "FLOAT32", "1")
	fails(t, 2, "shape [2 2] holds 4 values but 3 were given", "put-tensor", "--addr", "127.0.0.1:1", "x", "--shape", "2,2", "1", "2", "3")
	fails(t, 2, `dimension "0" is not a positive integer`, "put-tensor", "--addr", "127.0.0.1:1", "x", "--shape", "0", "1")
	fails(t, 2, "--format must be values, json or raw", "get-tensor", "--addr", "127.0.0.1:1", "x", "--format", "xml")
	fails(t, 2, `--addr: invalid character ';'`, "get-tensor", "--addr", "h:1;", "x")
	fails(t, 2, "--db-type must be Clustered or Standalone", "get-tensor", "--addr", "h:1", "--db-type", "ring", "x")
	fails(t, 2, "--interval", "poll", "--addr", "h:1", "x", "--interval", "soon")
	fails(t, 1, "cannot reach the database at 127.0.0.1:1", "get-tensor", "--addr", "127.0.0.1:1", "x")
}

func TestGetDatasetPrintsDecodedJSON(t *testing.T) {
	addr := startServer(t, nil, 0)
	c, err := client.New(client.Options{Addrs: []string{addr}, KeyOut: "sim_0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ds := client.NewDataset("state")
	x, _ := tensor.FromInt32([]int64{2}, []int32{-1, 5})
	ds.AddTensor("x", x)
	ds.AddMetaScalar("step", int64(12))
	ds.AddMetaScalar("dt", 0.5)
	ds.AddMetaString("units", "K")
	if err := c.PutDataset(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	got := ok(t, "get-dataset", "--addr", addr, "--keyin", "sim_0", "state")
	want := `{"name":"state","tensors":{"x":{"dtype":"INT32","shape":[2],"values":[-1,5]}},"metadata":{"dt":{"type":"double","values":[0.5]},"step":{"type":"int64","values":[12]},"units":{"type":"string","values":["K"]}}}` + "\n"
	if got != want {
		t.Errorf("get-dataset =\n%s\nwant\n%s", got, want)
	}
	fails(t, 1, "dataset does not exist", "get-dataset", "--addr", addr, "state")
}

func TestWaitForADatabaseThatStartsLater(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := Main([]string{"put-tensor", "--addr", addr, "--wait", "20s", "x", "1"}, strings.NewReader(""), &out, &errb)
		done <- result{code, out.String(), errb.String()}
	}()
	time.Sleep(300 * time.Millisecond)
	startServer(t, nil, port)
	r := <-done
	if r.code != 0 {
		t.Fatalf("put-tensor --wait: exit %d, %q", r.code, r.stderr)
	}
	if got := ok(t, "get-tensor", "--addr", addr, "x"); got != "1\n" {
		t.Errorf("x = %q", got)
	}
}
