package ai

import (
	"strings"
	"testing"
)

// step is one command and the exact RESP reply RedisAI gives to it.
type step struct {
	args []string
	want string
}

func st(want string, args ...string) step { return step{args, want} }

const wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

func arity(name string) string {
	return errr("ERR wrong number of arguments for '" + name + "' command")
}

// redisAICases are the cases of RedisAI's flow tests listed in wire-protocol.md §2, numbered as there.
// The ones that need the server (18: MULTI, 33: CROSSSLOT) or concurrency (35, 38) are tested in
// their own functions below and in the end-to-end test.
var redisAICases = []struct {
	name  string
	steps []step
}{
	{"01 TENSORSET on a string key is WRONGTYPE first", []step{
		st(ok(), "SET", "k", "v"),
		st(errr(wrongType), "AI.TENSORSET", "k", "INT32", "2", "unsupported", "2", "3"),
	}},
	{"02 invalid data type", []step{
		st(errr("ERR invalid data type"), "AI.TENSORSET", "z", "INT128", "2", "VALUES", "2", "3"),
	}},
	{"03 invalid shape", []step{
		st(errr("ERR invalid or negative value found in tensor shape"), "AI.TENSORSET", "z", "INT32", "-1", "VALUES", "2", "3"),
		st(errr("ERR invalid or negative value found in tensor shape"), "AI.TENSORSET", "z", "INT32", "2", "not_a_number", "VALUES", "2", "3"),
	}},
	{"04 invalid values", []step{
		st(errr("ERR invalid value"), "AI.TENSORSET", "z", "FLOAT", "2", "VALUES", "2", "A"),
		st(errr("ERR invalid value"), "AI.TENSORSET", "z", "INT32", "2", "VALUES", "2", "1.87"),
		st(errr("ERR invalid value"), "AI.TENSORSET", "z", "BOOL", "2", "VALUES", "1", "2"),
		st(errr("ERR invalid value"), "AI.TENSORSET", "z", "INT8", "2", "VALUES", "-1", "-128"),
	}},
	{"05 NUL inside a STRING value", []step{
		st(errr("ERR C-string value contains null character"), "AI.TENSORSET", "z", "STRING", "2", "VALUES", "valid C-string", "invalid\x00C-string"),
	}},
	{"06 TENSORSET arity echoes the name as typed", []step{
		st(arity("AI.TENSORSET"), "AI.TENSORSET"),
		st(arity("AI.TENSORSET"), "AI.TENSORSET", "z"),
		st(arity("AI.TENSORSET"), "AI.TENSORSET", "z", "FLOAT"),
		st(arity("ai.tensorset"), "ai.tensorset", "z", "FLOAT"),
	}},
	{"07 wrong number of values", []step{
		st(errr("ERR wrong number of values was given in 'AI.TENSORSET' command"), "AI.TENSORSET", "z", "FLOAT", "2", "VALUES", "1"),
		st(errr("ERR wrong number of values was given in 'AI.TENSORSET' command"), "AI.TENSORSET", "z", "FLOAT", "2", "VALUES", "1", "2", "3"),
	}},
	{"08 BLOB takes exactly one argument", []step{
		st(errr("ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"), "AI.TENSORSET", "z", "FLOAT", "2", "BLOB", "\x00", "extra-argument"),
		st(errr("ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"), "AI.TENSORSET", "z", "FLOAT", "2", "BLOB"),
	}},
	{"09 blob length must match", []step{
		st(errr("ERR data length does not match tensor shape and type"), "AI.TENSORSET", "z", "FLOAT", "1", "1", "28", "280", "BLOB", strings.Repeat("\x00", 3136)),
	}},
	{"10 STRING blob element count", []step{
		st(errr("ERR Number of string elements in data blob does not match tensor length"), "AI.TENSORSET", "z", "STRING", "2", "BLOB", "single c-string\x00"),
		st(errr("ERR Number of string elements in data blob does not match tensor length"), "AI.TENSORSET", "z", "STRING", "2", "BLOB", "one\x00two\x00three\x00"),
		st(errr("ERR Number of string elements in data blob does not match tensor length"), "AI.TENSORSET", "z", "STRING", "2", "BLOB", "C-string\x00followed by a non C-string"),
	}},
	{"11 BOOL blob bytes", []step{
		st(errr("ERR BOOL tensor elements must be 0 or 1"), "AI.TENSORSET", "z", "BOOL", "2", "BLOB", "\x02\x01"),
	}},
	{"12 TENSORGET arity", []step{
		st(arity("AI.TENSORGET"), "AI.TENSORGET"),
		st(arity("AI.TENSORGET"), "AI.TENSORGET", "k", "META", "VALUES", "extra"),
	}},
	{"13 TENSORGET missing key", []step{
		st(errr("ERR tensor key is empty or in a different shard"), "AI.TENSORGET", "empty"),
	}},
	{"14 TENSORGET checks the key before the format", []step{
		st(ok(), "SET", "k", "v"),
		st(errr(wrongType), "AI.TENSORGET", "k", "unsupported"),
	}},
	{"15 unsupported format", []step{
		st(ok(), "AI.TENSORSET", "T", "FLOAT", "2", "VALUES", "2", "3"),
		st(errr("ERR unsupported data format"), "AI.TENSORGET", "T", "unsupported_format"),
	}},
	{"16 BLOB with VALUES", []step{
		st(ok(), "AI.TENSORSET", "T", "FLOAT", "2", "VALUES", "2", "3"),
		st(errr("ERR both BLOB and VALUES specified"), "AI.TENSORGET", "T", "BLOB", "VALUES"),
	}},
	{"17 TENSORGET layouts", []step{
		st(ok(), "AI.TENSORSET", "x", "FLOAT", "2", "VALUES", "2", "3"),
		st(arr(bulk("2"), bulk("3")), "AI.TENSORGET", "x", "VALUES"),
		st(arr(bulk("dtype"), bulk("FLOAT"), bulk("shape"), arr(integer(2))), "AI.TENSORGET", "x", "META"),
		st(arr(bulk("dtype"), bulk("FLOAT"), bulk("shape"), arr(integer(2)), bulk("blob"), bulk("\x00\x00\x00\x40\x00\x00\x40\x40")), "AI.TENSORGET", "x"),
		st(arr(bulk("dtype"), bulk("FLOAT"), bulk("shape"), arr(integer(2)), bulk("blob"), bulk("\x00\x00\x00\x40\x00\x00\x40\x40")), "AI.TENSORGET", "x", "META", "BLOB"),
		st(ok(), "AI.TENSORSET", "i", "INT16", "2", "VALUES", "1", "1"),
		st(arr(integer(1), integer(1)), "AI.TENSORGET", "i", "VALUES"),
		st(ok(), "AI.TENSORSET", "b", "BOOL", "2", "VALUES", "1", "1"),
		st(arr(integer(1), integer(1)), "AI.TENSORGET", "b", "VALUES"),
		st(arr(bulk("dtype"), bulk("BOOL"), bulk("shape"), arr(integer(2))), "AI.TENSORGET", "b", "META"),
	}},
	{"19 MODELSTORE arity", []step{
		st(arity("AI.MODELSTORE"), "AI.MODELSTORE", "m", "TORCH", "BLOB", "pb"),
	}},
	{"20 unsupported backend", []step{
		st(errr("ERR unsupported backend"), "AI.MODELSTORE", "m", "PORCH", "CPU", "BLOB", "pb"),
	}},
	{"21 invalid devices", []step{
		st(errr("ERR Invalid DEVICE"), "AI.MODELSTORE", "m", "TORCH", "bad_device", "BLOB", "pb"),
		st(errr("ERR Invalid DEVICE"), "AI.MODELSTORE", "m", "TORCH", "CPU::", "BLOB", "pb"),
		st(errr("ERR Invalid DEVICE"), "AI.MODELSTORE", "m", "TORCH", "CPU:1.8", "BLOB", "pb"),
		st(errr("ERR Invalid DEVICE"), "AI.MODELSTORE", "m", "TORCH", "CPU:123456", "BLOB", "pb"),
	}},
	{"22 bad BATCHSIZE", []step{
		st(errr("ERR Invalid argument for BATCHSIZE"), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "bad_size", "BLOB", "pb"),
	}},
	{"23 MINBATCHSIZE without BATCHSIZE", []step{
		st(errr("ERR MINBATCHSIZE specified without BATCHSIZE"), "AI.MODELSTORE", "m", "TORCH", "CPU", "MINBATCHSIZE", "2", "BLOB", "pb"),
	}},
	{"24 MINBATCHTIMEOUT without MINBATCHSIZE", []step{
		st(errr("ERR MINBATCHTIMEOUT specified without MINBATCHSIZE"), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "2", "MINBATCHTIMEOUT", "1000", "BLOB", "pb"),
	}},
	{"25 INPUTS refused for TORCH", []step{
		st(errr("ERR INPUTS argument should not be specified for this backend"), "AI.MODELSTORE", "m", "TORCH", "CPU", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "BLOB", "pb"),
	}},
	{"26 missing or misplaced BLOB", []step{
		st(errr("ERR Insufficient arguments, missing model BLOB"), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "2"),
		st(errr("ERR Invalid argument, expected BLOB"), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "2", "NOT_BLOB"),
		st(errr("ERR Insufficient arguments, missing model BLOB"), "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "2", "BLOB"),
	}},
	{"27 TF needs INPUTS and OUTPUTS", []step{
		st(errr("ERR INPUTS not specified for TF"), "AI.MODELSTORE", "m", "TF", "CPU", "BLOB", "pb"),
		st(errr("ERR number of model inputs does not match the number of given arguments"), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "2", "a"),
		st(errr("ERR OUTPUTS not specified for TF"), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "2", "a", "b"),
		st(errr("ERR Invalid argument, expected BLOB"), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "mul"),
	}},
	{"28 MODELGET on a string and on a missing key", []step{
		st(ok(), "SET", "s", "v"),
		st(errr(wrongType), "AI.MODELGET", "s"),
		st(errr("ERR model key is empty"), "AI.MODELGET", "nope"),
	}},
	{"29 MODELGET of a TF model", []step{
		st(ok(), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "mul", "BLOB", "pb"),
		st(arr(bulk("backend"), bulk("TF"), bulk("device"), bulk("CPU"), bulk("tag"), bulk(""),
			bulk("batchsize"), integer(0), bulk("minbatchsize"), integer(0),
			bulk("inputs"), arr(bulk("a"), bulk("b")), bulk("outputs"), arr(bulk("mul")),
			bulk("minbatchtimeout"), integer(0), bulk("blob"), bulk("pb")), "AI.MODELGET", "m"),
	}},
	{"30 MODELEXECUTE arity and missing model", []step{
		st(arity("AI.MODELEXECUTE"), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS"),
		st(errr("ERR model key is empty"), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c"),
	}},
	{"31 MODELEXECUTE input errors", []step{
		st(ok(), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "mul", "BLOB", "pb"),
		st(errr("ERR INPUTS not specified"), "AI.MODELEXECUTE", "m", "timeout", "1000", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c"),
		st(errr("ERR Invalid argument for input_count"), "AI.MODELEXECUTE", "m", "INPUTS", "not_a_number", "a", "b", "OUTPUTS", "1", "c"),
		st(errr("ERR Input count must be a positive integer"), "AI.MODELEXECUTE", "m", "INPUTS", "0", "a", "b", "OUTPUTS", "1", "c"),
		st(errr("Number of keys given as INPUTS here does not match model definition"), "AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "c"),
	}},
	{"32 MODELEXECUTE output and trailing errors", []step{
		st(ok(), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "mul", "BLOB", "pb"),
		st(errr("ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments"), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1"),
		st(errr("Invalid argument: bad_arg"), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "bad_arg"),
		st(errr("ERR No value provided for TIMEOUT"), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "TIMEOUT"),
		st(errr("ERR Invalid value for TIMEOUT"), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "TIMEOUT", "-43"),
	}},
	{"34 TORCH model without a backend is stored, and its run names the backend", []step{
		st(ok(), "AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "pt"),
		st(arr(bulk("backend"), bulk("TORCH"), bulk("device"), bulk("CPU"), bulk("tag"), bulk(""),
			bulk("batchsize"), integer(0), bulk("minbatchsize"), integer(0),
			bulk("inputs"), arr(), bulk("outputs"), arr(), bulk("minbatchtimeout"), integer(0)), "AI.MODELGET", "m", "META"),
		st(ok(), "AI.TENSORSET", "a", "FLOAT", "2", "2", "VALUES", "2", "3", "2", "3"),
		st(ok(), "AI.TENSORSET", "b", "FLOAT", "2", "2", "VALUES", "2", "3", "2", "3"),
		st(errr(backendNotLoaded("TORCH")), "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c"),
		st(errr("ERR tensor key is empty or in a different shard"), "AI.TENSORGET", "c", "VALUES"),
	}},
	{"37 SCRIPTGET layouts and missing scripts", []step{
		st(ok(), "AI.SCRIPTSTORE", "s", "CPU", "TAG", "my_tag", "ENTRY_POINTS", "2", "bar", "bar_variadic", "SOURCE", "def bar(a, b):\n    return a + b\n"),
		st(arr(bulk("device"), bulk("CPU"), bulk("tag"), bulk("my_tag"), bulk("Entry Points"), arr(bulk("bar"), bulk("bar_variadic")),
			bulk("source"), bulk("def bar(a, b):\n    return a + b\n")), "AI.SCRIPTGET", "s"),
		st(arr(bulk("device"), bulk("CPU"), bulk("tag"), bulk("my_tag"), bulk("Entry Points"), arr(bulk("bar"), bulk("bar_variadic"))), "AI.SCRIPTGET", "s", "META"),
		st(bulk("def bar(a, b):\n    return a + b\n"), "AI.SCRIPTGET", "s", "SOURCE"),
		st(errr("ERR script key is empty"), "AI.SCRIPTGET", "nope"),
		st(errr("ERR script key is empty"), "AI.SCRIPTDEL", "nope"),
	}},
	{"39 SCRIPTEXECUTE scope errors", []step{
		st(ok(), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "1", "bar", "SOURCE", "src"),
		st(errr("ERR Missing arguments after KEYS keyword"), "AI.SCRIPTEXECUTE", "s", "bar", "KEYS", "1"),
		st(errr("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command"), "AI.SCRIPTEXECUTE", "s", "bar", "OUTPUTS", "2", "a", "a"),
		st(errr("ERR Invalid argument for inputs count in AI.SCRIPTEXECUTE"), "AI.SCRIPTEXECUTE", "s", "bar", "INPUTS", "OUTPUTS"),
	}},
	{"40 SCRIPTSTORE arity and entry points", []step{
		st(arity("AI.SCRIPTSTORE"), "AI.SCRIPTSTORE", "k", "CPU", "SOURCE", "return 1"),
		st(errr("ERR Insufficient arguments, missing script entry points"), "AI.SCRIPTSTORE", "k", "CPU", "NO_ENTRY_POINTS", "2", "bar", "bar_variadic", "SOURCE", "return 1"),
	}},
	{"41 deprecated runs", []step{
		st(ok(), "AI.SCRIPTSTORE", "ket", "CPU", "ENTRY_POINTS", "1", "bar", "SOURCE", "src"),
		st(ok(), "AI.TENSORSET", "b", "FLOAT", "1", "VALUES", "1"),
		st(errr("ERR script key is empty"), "AI.SCRIPTRUN", "EMPTY", "bar", "INPUTS", "b", "OUTPUTS", "c"),
		st(errr("ERR tensor key is empty or in a different shard"), "AI.SCRIPTRUN", "ket", "bar", "INPUTS", "EMPTY", "b", "OUTPUTS", "c"),
		st(ok(), "AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "mul", "BLOB", "pb"),
		st(errr("Number of keys given as INPUTS here does not match model definition"), "AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "c"),
	}},
	{"42 AI.CONFIG", []step{
		st(arity("AI.CONFIG"), "AI.CONFIG"),
		st(errr("ERR unsupported subcommand"), "AI.CONFIG", "bad"),
		// 511 MiB, RedisAI's REDISAI_DEFAULT_MODEL_CHUNK_SIZE and what its tests assert; the
		// reference's 536346624 contradicts its own "(511 MiB default)".
		st(integer(511*1024*1024), "AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"),
		st("$-1\r\n", "AI.CONFIG", "GET", "bad_config"),
		st(ok(), "AI.MODELSTORE", "one", "TORCH", "CPU", "BLOB", "c1c2c3"),
		st(ok(), "AI.MODELSTORE", "chunked", "TORCH", "CPU", "BLOB", "c1", "c2", "c3"),
		st(bulk("c1c2c3"), "AI.MODELGET", "chunked", "BLOB"),
		st(bulk("c1c2c3"), "AI.MODELGET", "one", "BLOB"),
	}},
	{"43 DAG", []step{
		st(errr("ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, PERSIST keywords"),
			"AI.DAGEXECUTE", "|>", "AI.TENSORSET", "a", "FLOAT", "1", "2", "VALUES", "5", "10"),
		st(arr(ok(), arr(bulk("5"), bulk("10"))),
			"AI.DAGEXECUTE", "PERSIST", "1", "t", "|>", "AI.TENSORSET", "t", "FLOAT", "1", "2", "VALUES", "5", "10", "|>", "AI.TENSORGET", "t", "VALUES"),
		st(arr(bulk("5"), bulk("10")), "AI.TENSORGET", "t", "VALUES"),
	}},
}

func TestRedisAIFlowCases(t *testing.T) {
	for _, c := range redisAICases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			for _, s := range c.steps {
				if got := e.do(s.args...); got != s.want {
					t.Fatalf("%q\n got %q\nwant %q", s.args, got, s.want)
				}
			}
		})
	}
}
