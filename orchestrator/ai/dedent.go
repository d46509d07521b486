package ai

import "bytes"

// dedent removes the indentation every non-blank line of a source shares, as Python's
// textwrap.dedent does. SmartRedis's set_function sends inspect.getsource(fn), which keeps the
// indentation of a function defined inside another function or a class; both script engines would
// refuse it ("got indent"). Lines that are blank or only whitespace are ignored for the common
// prefix, and tabs and spaces must match exactly. A source without common indentation is returned
// as it is (the same slice).
func dedent(src []byte) []byte {
	var prefix []byte
	first := true
	for _, line := range bytes.Split(src, []byte("\n")) {
		body := bytes.TrimLeft(line, " \t")
		if len(bytes.TrimSpace(body)) == 0 {
			continue
		}
		indent := line[:len(line)-len(body)]
		if first {
			prefix, first = indent, false
			continue
		}
		n := 0
		for n < len(prefix) && n < len(indent) && prefix[n] == indent[n] {
			n++
		}
		prefix = prefix[:n]
		if n == 0 {
			return src
		}
	}
	if len(prefix) == 0 {
		return src
	}
	lines := bytes.Split(src, []byte("\n"))
	for i, line := range lines {
		if bytes.HasPrefix(line, prefix) {
			lines[i] = line[len(prefix):]
		} else {
			lines[i] = bytes.TrimLeft(line, " \t") // a blank line shorter than the prefix
		}
	}
	return bytes.Join(lines, []byte("\n"))
}
