package ai

import (
	"strings"
	"testing"
)

func TestModelGetChunksFollowModelChunkSize(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "abcdefg")
	e.must(errr("ERR MODEL_CHUNK_SIZE: missing chunk size"), "AI.CONFIG", "MODEL_CHUNK_SIZE")
	e.must(errr("ERR MODEL_CHUNK_SIZE: invalid chunk size"), "AI.CONFIG", "MODEL_CHUNK_SIZE", "0")
	e.must(errr("ERR MODEL_CHUNK_SIZE: invalid chunk size"), "AI.CONFIG", "MODEL_CHUNK_SIZE", "x")
	e.must(ok(), "AI.CONFIG", "model_chunk_size", "3")
	e.must(integer(3), "AI.CONFIG", "GET", "MODEL_CHUNK_SIZE")
	e.must(arr(bulk("abc"), bulk("def"), bulk("g")), "AI.MODELGET", "m", "BLOB")
	// An exact multiple ends with an empty chunk, as RedisAI sends it.
	e.must(ok(), "AI.MODELSTORE", "m6", "ONNX", "CPU", "BLOB", "abcdef")
	e.must(arr(bulk("abc"), bulk("def"), bulk("")), "AI.MODELGET", "m6", "BLOB")
	got := e.do("AI.MODELGET", "m6", "META", "BLOB")
	if !strings.HasPrefix(got, "*18\r\n") || !strings.HasSuffix(got, bulk("blob")+arr(bulk("abc"), bulk("def"), bulk(""))) {
		t.Fatalf("MODELGET META BLOB = %q", got)
	}
}

func TestModelStoreOptionsAreReported(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.MODELSTORE", "m", "tflite", "gpu:1", "TAG", "t1", "BATCHSIZE", "8", "MINBATCHSIZE", "2", "MINBATCHTIMEOUT", "100", "BLOB", "x")
	e.must(arr(bulk("backend"), bulk("TFLITE"), bulk("device"), bulk("gpu:1"), bulk("tag"), bulk("t1"),
		bulk("batchsize"), integer(8), bulk("minbatchsize"), integer(2),
		bulk("inputs"), arr(), bulk("outputs"), arr(), bulk("minbatchtimeout"), integer(100)), "AI.MODELGET", "m", "META", "unknown-word")
	// ArgsCursor integers accept an integral double, as RedisAI's do.
	e.must(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU:", "BATCHSIZE", "4.0", "BLOB", "x")
	e.must(errr("ERR Invalid argument for BATCHSIZE"), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "-1", "BLOB", "x")
	e.must(errr("ERR Invalid argument for MINBATCHSIZE"), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "2", "MINBATCHSIZE", "x", "BLOB", "x")
	e.must(errr("ERR Invalid argument for input_count"), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "0", "BLOB", "x")
	e.must(errr("ERR Invalid argument for output_count"), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "1", "a", "OUTPUTS", "zero", "BLOB")
	e.must(errr("ERR number of model outputs does not match the number of given arguments"), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "1", "a", "OUTPUTS", "3", "x", "y")
	e.must(ok(), "SET", "str", "v")
	e.must(errr(wrongType), "AI.MODELSTORE", "str", "TORCH", "CPU", "BLOB", "x")
	e.must(errr(wrongType), "AI.MODELDEL", "str")
	e.must(arity("AI.MODELDEL"), "AI.MODELDEL", "m", "x")
}

func TestDeprecatedModelSet(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(arity("AI.MODELSET"), "AI.MODELSET", "m", "TF")
	e.must(errr("ERR Invalid DEVICE"), "AI.MODELSET", "m", "TF", "BLOB", "x")
	e.must(errr("ERR Invalid DEVICE"), "AI.MODELSET", "m", "TF", "CPU:0123456789", "BLOB", "x")
	e.must(errr("ERR Insufficient arguments, INPUTS and OUTPUTS not specified"), "AI.MODELSET", "m", "TF", "CPU", "BLOB", "x")
	e.must(errr("ERR INPUTS not specified"), "AI.MODELSET", "m", "TF", "CPU", "OUTPUTS", "c", "BLOB", "x")
	e.must(errr("ERR OUTPUTS not specified"), "AI.MODELSET", "m", "TF", "CPU", "INPUTS", "a", "BLOB", "x")
	e.must(errr("ERR Auto-batching not supported by the TFLITE backend"), "AI.MODELSET", "m", "TFLITE", "CPU", "BATCHSIZE", "2", "BLOB", "x")
	e.must(errr("ERR MINBATCHSIZE specified without BATCHSIZE"), "AI.MODELSET", "m", "TORCH", "CPU", "MINBATCHSIZE", "2", "BLOB", "x")
	e.must(errr("ERR MINBATCHTIMEOUT specified without BATCHSIZE"), "AI.MODELSET", "m", "TORCH", "CPU", "MINBATCHTIMEOUT", "2", "BLOB", "x")
	e.must(errr("ERR Insufficient arguments, missing model BLOB"), "AI.MODELSET", "m", "TORCH", "CPU", "BLOB")
	e.must(ok(), "AI.MODELSET", "m", "TF", "CPU", "TAG", "t", "INPUTS", "a", "b", "OUTPUTS", "c", "BLOB", "x", "y")
	e.must(arr(bulk("backend"), bulk("TF"), bulk("device"), bulk("CPU"), bulk("tag"), bulk("t"),
		bulk("batchsize"), integer(0), bulk("minbatchsize"), integer(0),
		bulk("inputs"), arr(bulk("a"), bulk("b")), bulk("outputs"), arr(bulk("c")),
		bulk("minbatchtimeout"), integer(0), bulk("blob"), bulk("xy")), "AI.MODELGET", "m")
}

func TestValidDevice(t *testing.T) {
	for d, want := range map[string]bool{
		"CPU": true, "gpu": true, "CPU:0": true, "GPU:12345": true, "CPU:": true,
		"GPU:123456": false, "CPU::": false, "CPU:1.8": false, "TPU": false, "": false, "CPU0": false,
	} {
		if got := validDevice([]byte(d)); got != want {
			t.Errorf("validDevice(%q) = %v", d, got)
		}
	}
}

// onnxModel encodes a minimal ModelProto: inputs a, b and an initializer w also listed as an input
// (as ONNX IR < 4 does), output c, with an opset field before the graph to be skipped.
func onnxModel() []byte {
	field := func(n int, body []byte) []byte {
		return append(append([]byte{byte(n<<3 | 2)}, byte(len(body))), body...)
	}
	name := func(n int, s string) []byte { return field(n, field(1, []byte(s))) }
	var graph []byte
	graph = append(graph, field(1, []byte("node"))...)
	graph = append(graph, field(5, field(8, []byte("w")))...)
	graph = append(graph, name(11, "a")...)
	graph = append(graph, name(11, "w")...)
	graph = append(graph, name(11, "b")...)
	graph = append(graph, name(12, "c")...)
	model := []byte{1 << 3, 7} // ir_version = 7 (varint)
	model = append(model, field(7, graph)...)
	return model
}

func TestONNXModelsReportTheirIONamesWithoutARuntime(t *testing.T) {
	in, out, err := onnxIONames(onnxModel())
	if err != nil || strings.Join(in, ",") != "a,b" || strings.Join(out, ",") != "c" {
		t.Fatalf("names %v %v, %v", in, out, err)
	}
	if _, _, err := onnxIONames([]byte("\x3a\x10short")); err == nil {
		t.Fatal("a truncated protobuf must be refused")
	}
	e := newEnv(t, Options{})
	e.must(ok(), "AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", string(onnxModel()))
	got := e.do("AI.MODELGET", "m", "META")
	if !strings.Contains(got, bulk("inputs")+arr(bulk("a"), bulk("b"))+bulk("outputs")+arr(bulk("c"))) {
		t.Fatalf("MODELGET META = %q", got)
	}
	e.must(ok(), "AI.TENSORSET", "x", "FLOAT", "1")
	e.must(errr(errInputsMismatch), "AI.MODELEXECUTE", "m", "INPUTS", "1", "x", "OUTPUTS", "1", "y")
	e.must(errr(backendNotLoaded("ONNX")), "AI.MODELEXECUTE", "m", "INPUTS", "2", "x", "x", "OUTPUTS", "1", "y")
	// A blob that is not ONNX is still stored (as RedisAI without a backend cannot check it either).
	e.must(ok(), "AI.MODELSTORE", "junk", "ONNX", "CPU", "BLOB", "\xff\xff\xff")
}
