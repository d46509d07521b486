package ai

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ssrun/ssrun/tensor"
)

// TestParseDAG drives parseDAG on its own: what it makes of accepted DAGs (loaded tensors, PERSIST
// keys, TIMEOUT, ROUTING, each op's kind and keys) and the reply text of refused ones, including the
// rules TestDAGParsingErrors does not reach through the command.
func TestParseDAG(t *testing.T) {
	ks := newMemKeyspace()
	a, err := tensor.ParseValues(tensor.Float, []int64{2}, [][]byte{[]byte("1"), []byte("2")})
	if err != nil {
		t.Fatal(err)
	}
	ks.Put([]byte("a"), TensorValue{a})
	ks.Put([]byte("m"), &ModelValue{Backend: "ONNX", Device: "CPU"})
	ks.Put([]byte("s"), &ScriptValue{Device: "CPU"})

	type op struct {
		kind        string
		in, out     []string
		format      int
		scriptInput bool
	}
	type parsed struct {
		loaded, persist []string
		timeout         int64
		routing         bool
		ops             []op
	}
	for _, tc := range []struct {
		name     string
		args     string // split on spaces
		readOnly bool
		want     *parsed
		err      string
	}{
		{name: "load, get", args: "AI.DAGEXECUTE LOAD 1 a |> AI.TENSORGET a",
			want: &parsed{loaded: []string{"a"}, ops: []op{{kind: "AI.TENSORGET", in: []string{"a"}, format: fmtMeta | fmtBlob}}}},
		{name: "keywords in any case, every option", args: "ai.dagexecute load 1 a persist 1 c routing a timeout 50 |> ai.modelexecute m inputs 1 a outputs 1 b |> ai.scriptexecute s f inputs 1 b outputs 1 c",
			want: &parsed{loaded: []string{"a"}, persist: []string{"c"}, timeout: 50, routing: true, ops: []op{
				{kind: "AI.MODELEXECUTE", in: []string{"a"}, out: []string{"b"}},
				{kind: "AI.SCRIPTEXECUTE", in: []string{"b"}, out: []string{"c"}, scriptInput: true}}}},
		{name: "set then get in the DAG", args: "AI.DAGEXECUTE_RO ROUTING x |> AI.TENSORSET t INT32 1 VALUES 7 |> AI.TENSORGET t VALUES", readOnly: true,
			want: &parsed{routing: true, ops: []op{{kind: "AI.TENSORSET", out: []string{"t"}}, {kind: "AI.TENSORGET", in: []string{"t"}, format: fmtValues}}}},
		{name: "too few arguments", args: "AI.DAGEXECUTE_RO LOAD 1 a |>", readOnly: true, err: "ERR missing arguments for 'AI.DAGEXECUTE_RO' command"},
		{name: "a keyword after an op is the op's argument", args: "AI.DAGEXECUTE LOAD 1 a |> AI.TENSORGET a ROUTING", err: errUnsupportedFormat},
		{name: "ROUTING at the end", args: "AI.DAGEXECUTE LOAD 1 a TIMEOUT 5 ROUTING", err: "ERR Missing ROUTING value"},
		{name: "TIMEOUT without value", args: "AI.DAGEXECUTE LOAD 1 a ROUTING x TIMEOUT", err: "ERR No value provided for TIMEOUT"},
		{name: "TIMEOUT not positive", args: "AI.DAGEXECUTE LOAD 1 a TIMEOUT 0 |> AI.TENSORGET a", err: errInvalidTimeout},
		{name: "LOAD twice", args: "AI.DAGEXECUTE LOAD 1 a LOAD 1 a |> AI.TENSORGET a", err: "ERR Invalid DAG command. Unexpected argument:  LOAD"},
		{name: "keyword after the ops", args: "AI.DAGEXECUTE ROUTING x |> AI.TENSORSET t INT32 1 |> LOAD 1 a", err: "Unsupported command within DAG"},
		{name: "no LOAD, PERSIST or ROUTING", args: "AI.DAGEXECUTE TIMEOUT 5 |> AI.TENSORSET t INT32 1", err: "ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, PERSIST keywords"},
		{name: "no op", args: "AI.DAGEXECUTE LOAD 1 a TIMEOUT 5 |>", err: "ERR Invalid DAG command. Unexpected argument:  |>"},
		{name: "PERSIST count takes the op words as keys", args: "AI.DAGEXECUTE PERSIST 3 a |> AI.TENSORGET a", err: "ERR Invalid DAG command. Unexpected argument:  a"},
		{name: "LOAD count short", args: "AI.DAGEXECUTE LOAD 3 a |> AI.TENSORGET a", err: "ERR tensor key is empty or in a different shard"},
		{name: "PERSIST count beyond the arguments", args: "AI.DAGEXECUTE ROUTING x PERSIST 3 a b", err: "ERR number of keys to PERSIST after DAG execution does not match the number of given arguments"},
		{name: "model op on a missing model", args: "AI.DAGEXECUTE LOAD 1 a |> AI.MODELEXECUTE nope INPUTS 1 a OUTPUTS 1 b", err: errModelKeyEmpty},
		{name: "script op short", args: "AI.DAGEXECUTE LOAD 1 a |> AI.SCRIPTEXECUTE s", err: "ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command"},
		{name: "TENSORGET op too long", args: "AI.DAGEXECUTE LOAD 1 a |> AI.TENSORGET a META BLOB VALUES", err: "wrong number of arguments for 'AI.TENSORGET' command"},
		{name: "deprecated SCRIPTRUN", args: "AI.DAGEXECUTE LOAD 1 a |> AI.SCRIPTRUN s f INPUTS a", err: "Deprecated AI.SCRIPTRUN cannot be used in AI.DAGEXECUTE command"},
		{name: "model op with TIMEOUT", args: "AI.DAGEXECUTE LOAD 1 a |> AI.MODELEXECUTE m INPUTS 1 a OUTPUTS 1 b TIMEOUT 5", err: "ERR TIMEOUT not allowed within a DAG command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args [][]byte
			for _, w := range strings.Fields(tc.args) {
				args = append(args, []byte(w))
			}
			d, err := parseDAG(ks, args, tc.readOnly)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("parseDAG error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDAG: %v", err)
			}
			got := &parsed{persist: toStrings(d.persist), timeout: d.timeout, routing: d.routing}
			for k := range d.loaded {
				got.loaded = append(got.loaded, k)
			}
			sort.Strings(got.loaded)
			for _, o := range d.ops {
				got.ops = append(got.ops, op{kind: o.kind, in: toStrings(o.inKeys), out: toStrings(o.outKeys), format: o.format, scriptInput: o.script != nil})
			}
			normalize := func(p *parsed) {
				for i := range p.ops {
					if len(p.ops[i].in) == 0 {
						p.ops[i].in = nil
					}
					if len(p.ops[i].out) == 0 {
						p.ops[i].out = nil
					}
				}
				if len(p.persist) == 0 {
					p.persist = nil
				}
			}
			normalize(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseDAG(%s)\n got %+v\nwant %+v", tc.args, got, tc.want)
			}
		})
	}
}
