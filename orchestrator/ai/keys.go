package ai

// Key extraction for cluster routing and CROSSSLOT checks. These never fail: on malformed input they
// return the keys they could find, and the handler reports the error.

// modelExecuteKeys: the model, the INPUTS keys and the OUTPUTS keys.
func modelExecuteKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	keys := [][]byte{args[1]}
	pos := 2
	for _, scope := range []string{"INPUTS", "OUTPUTS"} {
		if pos >= len(args) || !isWord(args[pos], scope) {
			return keys
		}
		list, next := countedKeys(args, pos+1)
		keys = append(keys, list...)
		pos = next
	}
	return keys
}

// countedKeys reads "n k1..kn" at pos, clipped to the arguments present.
func countedKeys(args [][]byte, pos int) ([][]byte, int) {
	if pos >= len(args) {
		return nil, pos
	}
	n, ok := parseLongLong(args[pos])
	if !ok || n < 0 {
		return nil, pos + 1
	}
	end := pos + 1 + int(min(n, int64(len(args)-pos-1)))
	return args[pos+1 : end], end
}

// modelRunKeys: the model and every name after INPUTS except the OUTPUTS keyword.
func modelRunKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	keys := [][]byte{args[1]}
	pos := 2
	if pos < len(args) && isWord(args[pos], "TIMEOUT") {
		pos += 2
	}
	if pos >= len(args) || !isWord(args[pos], "INPUTS") {
		return keys
	}
	outputs := false
	for _, a := range args[pos+1:] {
		if !outputs && isWord(a, "OUTPUTS") {
			outputs = true
			continue
		}
		keys = append(keys, a)
	}
	return keys
}

// scriptExecuteKeys: the script, then the KEYS, INPUTS and OUTPUTS lists (not ARGS).
func scriptExecuteKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	keys := [][]byte{args[1]}
	pos := 3
	for pos < len(args) {
		word := args[pos]
		switch {
		case isWord(word, "KEYS"), isWord(word, "INPUTS"), isWord(word, "OUTPUTS"):
			list, next := countedKeys(args, pos+1)
			keys = append(keys, list...)
			pos = next
		case isWord(word, "ARGS"):
			_, next := countedKeys(args, pos+1)
			pos = next
		default:
			return keys
		}
	}
	return keys
}

// scriptRunKeys: the script and every input and output name.
func scriptRunKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	keys := [][]byte{args[1]}
	for pos := 3; pos < len(args); pos++ {
		a := args[pos]
		switch {
		case isWord(a, "TIMEOUT"):
			pos++
		case isWord(a, "INPUTS"), isWord(a, "OUTPUTS"), string(a) == "$":
		default:
			keys = append(keys, a)
		}
	}
	return keys
}

// dagKeys: the LOAD and PERSIST keys and the ROUTING key, before the first "|>".
func dagKeys(args [][]byte) [][]byte {
	var keys [][]byte
	for pos := 1; pos < len(args); {
		word := args[pos]
		switch {
		case string(word) == "|>":
			return keys
		case isWord(word, "LOAD"), isWord(word, "PERSIST"), isWord(word, "KEYS"):
			list, next := countedKeys(args, pos+1)
			keys = append(keys, list...)
			pos = next
		case isWord(word, "ROUTING"):
			if pos+1 < len(args) {
				keys = append(keys, args[pos+1])
			}
			pos += 2
		default:
			pos++
		}
	}
	return keys
}
