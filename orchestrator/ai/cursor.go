package ai

// cursor walks arguments the way RedisAI's ArgsCursor does.
type cursor struct {
	args [][]byte
	pos  int
}

func (c *cursor) atEnd() bool { return c.pos >= len(c.args) }

// next returns the current argument and advances, or nil at the end.
func (c *cursor) next() []byte {
	if c.atEnd() {
		return nil
	}
	c.pos++
	return c.args[c.pos-1]
}

// advanceIf skips the current argument if it is word.
func (c *cursor) advanceIf(word string) bool {
	if !c.atEnd() && isWord(c.args[c.pos], word) {
		c.pos++
		return true
	}
	return false
}

// countedNames reads "<n> name..." after TF's INPUTS or OUTPUTS with RedisAI's messages.
func (c *cursor) countedNames(what string) ([]string, error) {
	n, ok := parseUnsigned(c.next())
	if !ok || n == 0 {
		return nil, replyError("ERR Invalid argument for " + what + "_count")
	}
	if uint64(len(c.args)-c.pos) < n {
		return nil, replyError("ERR number of model " + what + "s does not match the number of given arguments")
	}
	names := toStrings(c.args[c.pos : c.pos+int(n)])
	c.pos += int(n)
	return names, nil
}
