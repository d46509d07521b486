package orchestrator

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// traceStep is one command of a recorded SmartRedis session and the start of the reply it must get.
type traceStep struct {
	args []string
	want string
}

func float32Blob(n int) string {
	b := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(i)+0.5))
	}
	return string(b)
}

// replayPipelined sends each group of steps as one pipeline (SmartRedis pipelines its dataset writes)
// and checks every reply's beginning.
func replayPipelined(t *testing.T, c *testConn, groups [][]traceStep) {
	t.Helper()
	for _, group := range groups {
		var batch bytes.Buffer
		for _, st := range group {
			batch.Write(encodeCommand(st.args...))
		}
		c.Send(batch.Bytes())
		for _, st := range group {
			if got := c.Reply(); !strings.HasPrefix(got, st.want) {
				t.Errorf("%.60q = %.100q, want it to start with %q", st.args, got, st.want)
			}
		}
	}
}

// The C++ SmartRedis client's standalone traffic (wire reference §3.6), replayed against ssrun db.
func TestSmartRedisStandaloneTrace(t *testing.T) {
	srv := startServer(t, Config{})
	c := dial(t, "tcp", srv.Addr())
	blob := float32Blob(6)
	meta := "\x04\x07\x00\x00\x00\x00\x00\x00\x00"
	replayPipelined(t, c, [][]traceStep{
		{{[]string{"PING"}, "+PONG\r\n"}},
		{{[]string{"AI.TENSORSET", "t1", "FLOAT", "2", "3", "BLOB", blob}, "+OK\r\n"}},
		{{[]string{"AI.TENSORGET", "t1", "META", "BLOB"}, "*6\r\n$5\r\ndtype\r\n$5\r\nFLOAT\r\n$5\r\nshape\r\n*2\r\n:2\r\n:3\r\n$4\r\nblob\r\n$24\r\n" + blob}},
		{{[]string{"EXISTS", "t1"}, ":1\r\n"}, {[]string{"EXISTS", "nope"}, ":0\r\n"}},
		{{[]string{"AI.TENSORSET", "t2", "FLOAT", "2", "3", "BLOB", blob}, "+OK\r\n"}},
		{{[]string{"RENAME", "t2", "t3"}, "+OK\r\n"}, {[]string{"DEL", "t3"}, ":1\r\n"}},
		{ // put_dataset: one pipeline
			{[]string{"DEL", "{ds1}.meta"}, ":0\r\n"},
			{[]string{"HMSET", "{ds1}.meta", "note", "\x07n", "step", meta, ".tensor_names", "\x07x"}, "+OK\r\n"},
			{[]string{"AI.TENSORSET", "{ds1}.x", "FLOAT", "2", "3", "BLOB", blob}, "+OK\r\n"},
			{[]string{"HSET", "{ds1}.meta", ".COMPLETE", "1"}, ":1\r\n"},
		},
		{{[]string{"HGETALL", "{ds1}.meta"}, "*8\r\n$4\r\nnote\r\n"}},
		{{[]string{"HEXISTS", "{ds1}.meta", ".COMPLETE"}, ":1\r\n"}},
		{{[]string{"RPUSH", "lst", "{ds1}"}, ":1\r\n"}, {[]string{"LLEN", "lst"}, ":1\r\n"}, {[]string{"LRANGE", "lst", "0", "-1"}, "*1\r\n$5\r\n{ds1}\r\n"}},
		{{[]string{"AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"}, ":"}},
		{{[]string{"AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "4", "MINBATCHSIZE", "2", "MINBATCHTIMEOUT", "10", "BLOB", strings.Repeat("m", 100)}, "+OK\r\n"}},
		// Running TORCH models is not available: a clear error, not a hang or a crash.
		{{[]string{"AI.MODELEXECUTE", "m", "INPUTS", "1", "t1", "OUTPUTS", "1", "o1", "TIMEOUT", "60000000"}, "-ERR "}}, // its text belongs to package ai
		{{[]string{"AI.SCRIPTSET", "s", "CPU", "SOURCE", "def f(a):\n    return a\n"}, "+OK\r\n"}},
		{{[]string{"EXISTS", "m"}, ":1\r\n"}, {[]string{"AI.MODELGET", "m", "BLOB"}, "$100\r\n"}},
		{{[]string{"AI.MODELDEL", "m"}, "+OK\r\n"}, {[]string{"AI.SCRIPTDEL", "s"}, "+OK\r\n"}},
		{{[]string{"DEL", "{ds1}.meta", "{ds1}.x"}, ":2\r\n"}},
		{{[]string{"INFO", "EVERYTHING"}, "$"}, {[]string{"SAVE"}, "+OK\r\n"}, {[]string{"FLUSHDB"}, "+OK\r\n"}},
		{{[]string{"CONFIG", "GET", "lua-time-limit"}, "*2\r\n"}, {[]string{"CONFIG", "SET", "nope", "1"}, "-ERR Unknown option"}},
	})
}

// The same client in a one-node cluster prefixes every model, script and temporary key with the
// 2-byte string P whose slot starts the node's range ("\x00\x00" for slot 0), braces included.
func TestSmartRedisClusterTrace(t *testing.T) {
	srv := startServer(t, Config{Cluster: &ClusterConfig{NodeID: testNodeIDs[0], Slots: SlotRange{0, 16383}}})
	c := dial(t, "tcp", srv.Addr())
	blob := float32Blob(6)
	p := "{\x00\x00}"
	replayPipelined(t, c, [][]traceStep{
		{{[]string{"CLUSTER", "SLOTS"}, "*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n"}},
		{{[]string{"CLUSTER", "SLOTS"}, "*1\r\n"}},
		{{[]string{"AI.MODELSTORE", p + ".m", "TORCH", "CPU", "BLOB", "model-bytes"}, "+OK\r\n"}},
		{{[]string{"AI.TENSORSET", "t1", "FLOAT", "2", "3", "BLOB", blob}, "+OK\r\n"}},
		{{[]string{"AI.TENSORSET", p + ".t1.TMP", "FLOAT", "2", "3", "BLOB", blob}, "+OK\r\n"}},
		{{[]string{"AI.MODELEXECUTE", p + ".m", "INPUTS", "1", p + ".t1.TMP", "OUTPUTS", "1", p + ".o1.TMP", "TIMEOUT", "60000000"}, "-ERR "}}, // its text belongs to package ai
		{{[]string{"AI.MODELEXECUTE", p + ".m", "INPUTS", "1", "t1", "OUTPUTS", "1", p + ".o1.TMP"}, "-CROSSSLOT"}},
		{{[]string{"DEL", p + ".o1.TMP", p + ".t1.TMP"}, ":1\r\n"}},
		{{[]string{"UNLINK", "t1"}, ":1\r\n"}},
		{{[]string{"CLUSTER", "INFO"}, "$"}, {[]string{"CLUSTER", "KEYSLOT", p + ".m"}, ":0\r\n"}},
	})
}
