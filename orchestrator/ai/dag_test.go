package ai

import "testing"

func TestDAGParsingErrors(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "2", "VALUES", "1", "2")
	e.must(ok(), "AI.SCRIPTSET", "s", "CPU", "SOURCE", "src")
	cases := []struct {
		want string
		args []string
	}{
		{"ERR missing arguments for 'AI.DAGEXECUTE' command", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "|>"}},
		{"ERR missing arguments after LOAD keyword in DAG command", []string{"AI.DAGEXECUTE", "ROUTING", "a", "TIMEOUT", "5", "LOAD", "1"}},
		{"ERR invalid or negative value found in number of keys to LOAD", []string{"AI.DAGEXECUTE", "LOAD", "0", "a", "|>", "AI.TENSORGET", "a"}},
		{"ERR tensor key is empty or in a different shard", []string{"AI.DAGEXECUTE", "LOAD", "1", "zz", "|>", "AI.TENSORGET", "zz"}},
		{"ERR PERSIST keys must be unique", []string{"AI.DAGEXECUTE", "PERSIST", "2", "b", "b", "|>", "AI.TENSORGET", "a"}},
		{"ERR PERSIST cannot be specified in a read-only DAG", []string{"AI.DAGEXECUTE_RO", "PERSIST", "1", "b", "|>", "AI.TENSORGET", "a"}},
		{"ERR Invalid DAG command. Unexpected argument:  BOGUS", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "BOGUS", "|>", "AI.TENSORGET", "a"}},
		{"ERR INPUT key cannot be found in DAG", []string{"AI.DAGEXECUTE", "ROUTING", "a", "|>", "AI.TENSORGET", "a"}},
		{"ERR PERSIST key cannot be found in DAG", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "PERSIST", "1", "q", "|>", "AI.TENSORGET", "a"}},
		{"Unsupported command within DAG", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "|>", "GET", "a"}},
		{"Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "|>", "AI.MODELRUN", "m"}},
		{"ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG", []string{"AI.DAGEXECUTE_RO", "LOAD", "1", "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", "1", "a"}},
		{"ERR TIMEOUT not allowed within a DAG command", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", "1", "a", "TIMEOUT", "5"}},
		{"ERR unsupported data format", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "|>", "AI.TENSORGET", "a", "RAW"}},
		{"wrong number of arguments for 'AI.TENSORSET' command", []string{"AI.DAGEXECUTE", "LOAD", "1", "a", "|>", "AI.TENSORSET", "b"}},
	}
	for _, c := range cases {
		e.must(errr(c.want), c.args...)
	}
	e.must(errr("ERR tensor key is empty or in a different shard"), "AI.TENSORGET", "b")
}

func TestDAGRunsModelsAndPersistsOnlyOnSuccess(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&addBackend{name: "ONNX"}}})
	e.must(ok(), "AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "2", "VALUES", "1", "2")
	e.must(arr(ok(), ok(), arr(bulk("2"), bulk("4")), ok(), arr(bulk("3"), bulk("6"))),
		"AI.DAGEXECUTE", "LOAD", "1", "a", "PERSIST", "1", "d", "TIMEOUT", "1000",
		"|>", "AI.TENSORSET", "b", "FLOAT", "2", "VALUES", "1", "2",
		"|>", "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c",
		"|>", "AI.TENSORGET", "c", "VALUES",
		"|>", "AI.MODELEXECUTE", "m", "INPUTS", "2", "c", "a", "OUTPUTS", "1", "d",
		"|>", "AI.TENSORGET", "d", "VALUES")
	e.must(arr(bulk("3"), bulk("6")), "AI.TENSORGET", "d", "VALUES")
	e.must(errr("ERR tensor key is empty or in a different shard"), "AI.TENSORGET", "c") // not persisted
	// A failing op reports its error, later runs are NA, and nothing is persisted.
	e.must(ok(), "AI.TENSORSET", "three", "FLOAT", "3", "VALUES", "1", "2", "3")
	e.must(arr(errr("inputs differ in size: 2 and 3"), ok(), "+NA\r\n", "+NA\r\n"),
		"AI.DAGEXECUTE", "LOAD", "2", "a", "three", "PERSIST", "1", "q",
		"|>", "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "three", "OUTPUTS", "1", "q",
		"|>", "AI.TENSORSET", "z", "FLOAT", "1",
		"|>", "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "y",
		"|>", "AI.TENSORGET", "y", "VALUES")
	e.must(errr("ERR tensor key is empty or in a different shard"), "AI.TENSORGET", "q")
	// The read-only form runs models but writes nothing.
	e.must(arr(ok(), arr(bulk("2"), bulk("4"))),
		"AI.DAGEXECUTE_RO", "LOAD", "1", "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "r", "|>", "AI.TENSORGET", "r", "VALUES")
	e.must(errr("ERR tensor key is empty or in a different shard"), "AI.TENSORGET", "r")
}
