package ai

import "testing"

func TestScriptStoreAndSetErrors(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(errr("ERR Non numeric entry points number provided to AI.SCRIPTSTORE command"), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "x", "bar", "SOURCE", "src")
	e.must(errr(errMissingEntryPoints), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "5", "bar", "SOURCE", "src")
	e.must(errr(errMissingSource), "AI.SCRIPTSTORE", "s", "CPU", "TAG", "t", "ENTRY_POINTS", "1", "bar", "NOSOURCE", "src")
	e.must(errr(errMissingSource), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "2", "bar", "baz", "SOURCE")
	e.must(arity("AI.SCRIPTSET"), "AI.SCRIPTSET", "s", "CPU", "SOURCE")
	e.must(arity("AI.SCRIPTSET"), "AI.SCRIPTSET", "s", "CPU", "TAG", "t", "SOURCE", "x", "y")
	e.must(errr(errMissingSource), "AI.SCRIPTSET", "s", "CPU", "TAG", "t", "SRC", "x")
	e.must(ok(), "SET", "str", "v")
	e.must(errr(wrongType), "AI.SCRIPTSET", "str", "CPU", "SOURCE", "x")
	e.must(errr(wrongType), "AI.SCRIPTGET", "str")
	e.must(ok(), "AI.SCRIPTSET", "s", "GPU:0", "SOURCE", "src")
	e.must(arr(bulk("device"), bulk("GPU:0"), bulk("tag"), bulk(""), bulk("Entry Points"), arr(), bulk("source"), bulk("src")), "AI.SCRIPTGET", "s", "META", "SOURCE")
	e.must(ok(), "AI.SCRIPTDEL", "s")
	e.must(errr(errScriptKeyEmpty), "AI.SCRIPTGET", "s")
}

func TestScriptExecuteParsing(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "1", "bar", "SOURCE", "src")
	e.must(ok(), "AI.TENSORSET", "a", "FLOAT", "1")
	cases := []struct {
		want string
		args []string
	}{
		{"ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command", []string{"s"}},
		{"ERR script key is empty", []string{"nope", "bar", "INPUTS", "1", "a"}},
		{"ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command", []string{"s", "bar"}},
		{"ERR Invalid or negative value found in number of KEYS", []string{"s", "bar", "KEYS", "0", "k"}},
		{"ERR Number of pre declared KEYS to be used in the command does not match the number of given arguments", []string{"s", "bar", "KEYS", "3", "k"}},
		{"ERR Already Encountered INPUTS scope in AI.SCRIPTEXECUTE command", []string{"s", "bar", "INPUTS", "1", "a", "INPUTS", "1", "a"}},
		{"ERR Invalid argument for outputs count in AI.SCRIPTEXECUTE", []string{"s", "bar", "INPUTS", "1", "a", "OUTPUTS", "x"}},
		{"ERR Invalid argument for keys count in AI.SCRIPTEXECUTE", []string{"s", "bar", "INPUTS", "1", "a", "ARGS", "x"}},
		{"ERR number of args to AI.SCRIPTEXECUTE command does not match the number of given arguments", []string{"s", "bar", "INPUTS", "1", "a", "ARGS", "2", "x"}},
		{"ERR number of inputs to AI.SCRIPTEXECUTE command does not match the number of given arguments", []string{"s", "bar", "INPUTS", "2", "a"}},
		{"ERR Invalid arguments provided to AI.SCRIPTEXECUTE", []string{"s", "bar", "INPUTS", "1", "a", "OUTPUTS"}},
		{"ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: FOO", []string{"s", "bar", "INPUTS", "1", "a", "FOO"}},
		{"ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE", []string{"s", "bar", "INPUTS", "1", "a", "TIMEOUT"}},
		{"ERR Invalid value for TIMEOUT", []string{"s", "bar", "INPUTS", "1", "a", "TIMEOUT", "0"}},
		{"ERR Encountered problem parsing AI.SCRIPTEXECUTE", []string{"s", "bar", "INPUTS", "1", "a", "TIMEOUT", "5", "OUTPUTS", "1", "b"}},
		{"ERR tensor key is empty or in a different shard", []string{"s", "bar", "INPUTS", "1", "zz"}},
		{scriptEngineMissing, []string{"s", "bar", "INPUTS", "1", "a", "OUTPUTS", "1", "b"}},
	}
	for _, c := range cases {
		e.must(errr(c.want), append([]string{"AI.SCRIPTEXECUTE"}, c.args...)...)
	}
}

func TestScriptRunParsing(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(ok(), "AI.SCRIPTSET", "s", "CPU", "SOURCE", "src")
	cases := []struct {
		want string
		args []string
	}{
		{"ERR wrong number of arguments for 'AI.SCRIPTRUN' command", []string{"s"}},
		{"ERR Unrecongnized parameter to SCRIPTRUN", []string{"s", "f", "a"}},
		{"ERR Already encountered an INPUTS section in SCRIPTRUN", []string{"s", "f", "INPUTS", "a", "OUTPUTS", "b", "INPUTS", "c"}},
		{"ERR Already encountered an INPUTS keyword in SCRIPTRUN", []string{"s", "f", "INPUTS", "a", "INPUTS", "c"}},
		{"ERR Already encountered an OUTPUTS keyword in SCRIPTRUN", []string{"s", "f", "INPUTS", "a", "OUTPUTS", "b", "OUTPUTS"}},
		{"ERR Already encountered a variable size list of tensors", []string{"s", "f", "INPUTS", "$", "a", "$", "b"}},
		{"ERR Encountered a variable size list of tensors outside of input section", []string{"s", "f", "OUTPUTS", "$"}},
		{"ERR Already encountered an TIMEOUT section in SCRIPTRUN", []string{"s", "f", "TIMEOUT", "5", "TIMEOUT", "5"}},
		{"ERR Invalid value for TIMEOUT", []string{"s", "f", "TIMEOUT", "x"}},
	}
	for _, c := range cases {
		e.must(errr(c.want), append([]string{"AI.SCRIPTRUN"}, c.args...)...)
	}
}
