package ai

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

// wrongArity is the module-style arity error: RedisAI echoes argv[0] as the client typed it.
func wrongArity(name []byte) string {
	return "ERR wrong number of arguments for '" + string(name) + "' command"
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
