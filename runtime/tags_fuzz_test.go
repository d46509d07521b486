package runtime

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzConfigureContent runs the ;tag; writer on arbitrary content, tags and values: it must never
// panic or loop; content without the tag comes back unchanged; the line count is kept when neither
// the values nor the tag hold a newline; and with no params every marker is stripped, so the output
// is the input minus the tags around each reported name.
func FuzzConfigureContent(f *testing.F) {
	f.Add([]byte("a ;x; b ;y; c\n;x;;x;\n"), ";", "x", "1")
	f.Add([]byte("{{name}} and {{ name }}"), "{{", "name", "v\nw")
	f.Add([]byte(";;;;;\n;"), ";", "", ";")
	f.Add([]byte("@@a@@b@@"), "@@", "a", "@@")
	f.Add([]byte("naïve ;é; ok"), ";", "é", "ü")
	f.Fuzz(func(t *testing.T, content []byte, tag, key, value string) {
		if strings.Contains(tag, "\n") {
			return // a tag spans one line by definition; builtins refuse others
		}
		res := configureContent(content, Params{{Key: key, Value: value}}, tag)
		effective := tag
		if effective == "" {
			effective = DefaultTag
		}
		if !bytes.Contains(content, []byte(effective)) && !bytes.Equal(res.content, content) {
			t.Fatalf("content without the tag %q changed: %q -> %q", effective, content, res.content)
		}
		if !strings.Contains(value, "\n") && bytes.Count(res.content, []byte("\n")) != bytes.Count(content, []byte("\n")) {
			t.Fatalf("line count changed: %q -> %q", content, res.content)
		}
		if len(res.used) > 1 || (len(res.used) == 1 && res.used[0] != (Param{Key: key, Value: value})) {
			t.Fatalf("used = %v", res.used)
		}
		for name, lines := range res.unused {
			if name == key || name == "" || strings.Contains(name, effective) || len(lines) == 0 {
				t.Fatalf("unused %q at %v", name, lines)
			}
		}
		empty := configureContent(content, nil, tag)
		if len(empty.content) > len(content) {
			t.Fatalf("stripping markers grew the content: %q -> %q", content, empty.content)
		}
	})
}
