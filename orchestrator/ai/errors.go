package ai

import "github.com/ssrun/ssrun/orchestrator/command"

// RedisAI's reply texts, byte for byte. Most carry "ERR "; the ones RedisAI sends without a prefix
// (the model-definition count mismatches, "Invalid argument: <w>", DAG op errors) are kept that way,
// because clients match on the exact text.
const (
	errTensorKeyEmpty = "ERR tensor key is empty or in a different shard"
	errModelKeyEmpty  = "ERR model key is empty"
	errScriptKeyEmpty = "ERR script key is empty"

	errUnsupportedFormat = "ERR unsupported data format"
	errBlobAndValues     = "ERR both BLOB and VALUES specified"
	errSingleBlob        = "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"

	errUnsupportedBackend = "ERR unsupported backend"
	errInvalidDevice      = "ERR Invalid DEVICE"
	errMissingModelBlob   = "ERR Insufficient arguments, missing model BLOB"
	errExpectedBlob       = "ERR Invalid argument, expected BLOB"

	errInputsMismatch  = "Number of keys given as INPUTS here does not match model definition"
	errOutputsMismatch = "Number of keys given as OUTPUTS here does not match model definition"
	errInvalidTimeout  = "ERR Invalid value for TIMEOUT"

	errMissingEntryPoints = "ERR Insufficient arguments, missing script entry points"
	errMissingSource      = "ERR Insufficient arguments, missing script SOURCE"

	errNoRunInfo = "ERR cannot find run info for key"

	errBatchSize = "Model did not generate the expected batch size"
)

// replyError is an error reply of the AI.* commands, its text exactly what the client reads. The
// parsers return it as an error and the command answers with its text (replyErr), so what a parser
// refuses and how the client is told stay in one place.
type replyError string

func (e replyError) Error() string { return string(e) }

// replyErr answers err as an error reply, its text as it is.
func replyErr(r command.Reply, err error) { r.Error(err.Error()) }

// wrongArity is the module-style arity error. RedisAI echoes argv[0] as the client typed it (name is
// then args[0]); the execute commands name themselves in upper case whatever was typed.
func wrongArity[N ~string | ~[]byte](name N) error {
	return replyError("ERR " + arityText(string(name)))
}

// wrongArityInDAG is the arity error of a TENSORSET or TENSORGET op inside a DAG, which RedisAI sends
// without "ERR ".
func wrongArityInDAG(name string) error { return replyError(arityText(name)) }

func arityText(name string) string {
	return "wrong number of arguments for '" + name + "' command"
}

// oneLine is RedisAI's RAI_Chomp: backend errors are sent on one line, newlines become spaces.
func oneLine(msg string) string {
	b := []byte(msg)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
