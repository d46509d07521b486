package runtime

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// DefaultTag delimits parameter names in configured files: ";NAME;".
const DefaultTag = ";"

// configured is the result of configuring one file's content.
type configured struct {
	content []byte
	used    Params           // params substituted, in order of first use
	unused  map[string][]int // unknown tag names → 1-based line numbers
}

// configureContent replaces every TAG name TAG in content by the value of param name, line by line.
// Matching is literal (the tag is not a regex) and non-greedy: a name is the shortest non-empty text
// between two tags and cannot contain the tag or a newline. Values are inserted literally. An unknown
// name has its markers stripped (SmartSim's behaviour) and is reported in unused.
func configureContent(content []byte, params Params, tag string) configured {
	if tag == "" {
		tag = DefaultTag
	}
	res := configured{unused: map[string][]int{}}
	seen := map[string]bool{}
	lines := bytes.Split(content, []byte("\n"))
	var out bytes.Buffer
	for n, line := range lines {
		if n > 0 {
			out.WriteByte('\n')
		}
		s := string(line)
		for {
			name, start, end, ok := nextTag(s, tag)
			if !ok {
				out.WriteString(s)
				break
			}
			out.WriteString(s[:start])
			if v, known := params.Get(name); known {
				out.WriteString(v)
				if !seen[name] {
					seen[name] = true
					res.used = append(res.used, Param{Key: name, Value: v})
				}
			} else {
				out.WriteString(name)
				if ls := res.unused[name]; len(ls) == 0 || ls[len(ls)-1] != n+1 {
					res.unused[name] = append(ls, n+1)
				}
			}
			s = s[end:]
		}
	}
	res.content = out.Bytes()
	return res
}

// nextTag finds the first "TAG name TAG" in s with a non-empty name free of the tag.
func nextTag(s, tag string) (name string, start, end int, ok bool) {
	from := 0
	for {
		i := strings.Index(s[from:], tag)
		if i < 0 {
			return "", 0, 0, false
		}
		i += from
		rest := s[i+len(tag):]
		j := strings.Index(rest, tag)
		if j < 0 {
			return "", 0, 0, false
		}
		if j == 0 { // empty name: the closing marker may open the next tag
			from = i + len(tag)
			continue
		}
		return rest[:j], i, i + len(tag) + j + len(tag), true
	}
}

// unusedMessage renders SmartSim's warning text for the unknown tags of a file, in name order.
func unusedMessages(unused map[string][]int) []string {
	names := make([]string, 0, len(unused))
	for n := range unused {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		lines := make([]string, len(unused[n]))
		for k, l := range unused[n] {
			lines[k] = fmt.Sprint(l)
		}
		out[i] = fmt.Sprintf("Unused tag %s on line(s): [%s]", n, strings.Join(lines, ", "))
	}
	return out
}
