package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

// validCases are texts json.Valid accepts or refuses, at the edges of the grammar the scanner checks.
var validCases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+3`, `-12.0E-7`, `true`, `false`, `null`, ` {"a" : [1, 2, {"b": null}]} `,
	`"\u00e9\n\t\"\\\/"`, "\"\xff\xfe\"", `"` + strings.Repeat("abcdefgh", 9) + `"`, `{"a":1,"b":[true,false]}`,
	`01`, `1.`, `.5`, `1e`, `-`, `+1`, `[1,]`, `{"a":1,}`, `{,}`, `[,1]`, `{"a"}`, `{"a":}`, `{1:2}`, `tru`, `nul`,
	`"abc`, "\"a\x01b\"", `"\x"`, `"\u12g4"`, `[1 2]`, `{"a":1 "b":2}`, `}`, `]`, ``, ` `, `{} {}`, `[`, `{"a":[}`,
	"\"" + strings.Repeat("x", 15) + "\"" + "x", `"\`, `"abcdefg\"`, "[" + strings.Repeat("[", 50) + strings.Repeat("]", 51),
}

// TestSkipAgreesWithValid: a whole text passes Skip and Done exactly when encoding/json calls it valid.
func TestSkipAgreesWithValid(t *testing.T) {
	for _, text := range validCases {
		checkSkip(t, []byte(text))
	}
}

func checkSkip(t *testing.T, data []byte) {
	t.Helper()
	s := New(data)
	s.Skip()
	if got, want := s.Done(), json.Valid(data); got != want {
		t.Errorf("Skip+Done(%q) = %v, json.Valid = %v", data, got, want)
	}
}

func FuzzSkip(f *testing.F) {
	for _, text := range validCases {
		f.Add([]byte(text))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkSkip(t, data) })
}

// TestStrings: plain strings are their own value; others decode as encoding/json decodes them.
func TestStrings(t *testing.T) {
	for _, text := range []string{`"abc"`, `"a\"b"`, `"\u00e9t\u00e9"`, "\"caf\xc3\xa9\"", "\"bad \xff utf8\"", `"\ud800 lone"`, `"<&>"`, `""`} {
		s := New([]byte(text))
		raw, plain := s.String()
		if s.Failed() || !s.Done() {
			t.Fatalf("%s: not read whole", text)
		}
		var want string
		if err := json.Unmarshal([]byte(text), &want); err != nil {
			t.Fatal(err)
		}
		if got := Text(raw, plain); got != want {
			t.Errorf("Text(%s) = %q, want %q", text, got, want)
		}
		if plain != isPlain(text[1:len(text)-1]) {
			t.Errorf("%s: plain = %v", text, plain)
		}
	}
}

// TestObjectWalk reads keys and values the way the readers do.
func TestObjectWalk(t *testing.T) {
	s := New([]byte(` {"a": "x", "n": null, "list": [1, "two", {}], "num": -3.5e2} `))
	if !s.Object() {
		t.Fatal("not an object")
	}
	var keys []string
	more := false
	for {
		key, plain, ok := s.Key(&more)
		if !ok {
			break
		}
		keys = append(keys, Text(key, plain))
		switch string(key) {
		case "a":
			if raw, _, null := s.StringValue(); null || string(raw) != "x" {
				t.Errorf("a = %q", raw)
			}
		case "n":
			if _, _, null := s.StringValue(); !null {
				t.Errorf("n is not null")
			}
		case "num":
			if n := s.Number(); string(n) != "-3.5e2" {
				t.Errorf("num = %q", n)
			}
		default:
			if raw := s.Raw(); string(raw) != `[1, "two", {}]` {
				t.Errorf("list = %q", raw)
			}
		}
	}
	if !s.Done() || strings.Join(keys, ",") != "a,n,list,num" {
		t.Errorf("keys %v, done %v", keys, s.Done())
	}
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x80 || s[i] == '\\' {
			return false
		}
	}
	return true
}

// TestStringsKeepTheirBytes: strings made from a buffer that is then overwritten, across blocks,
// keep the bytes they were made of.
func TestStringsKeepTheirBytes(t *testing.T) {
	var a Strings
	buf := make([]byte, 100)
	var made, want []string
	for i := 0; i < 5000; i++ {
		n := i % 100
		for j := range buf[:n] {
			buf[j] = byte('a' + (i+j)%26)
		}
		made = append(made, a.Make(buf[:n]))
		want = append(want, string(buf[:n]))
		for j := range buf {
			buf[j] = 0
		}
	}
	big := strings.Repeat("z", stringsBlock)
	made, want = append(made, a.Make([]byte(big))), append(want, big)
	for i := range made {
		if made[i] != want[i] {
			t.Fatalf("string %d = %q, want %q", i, made[i], want[i])
		}
	}
}

// Fields reads what encoding/json would read into a struct of those fields, and declines (false) each
// case where encoding/json's own rules decide.
func TestFieldsDeclinesWhatTheDecoderDecides(t *testing.T) {
	names := []string{"a", "b"}
	index := func(key []byte) int {
		for i, n := range names {
			if string(key) == n {
				return i
			}
		}
		return -1
	}
	for _, c := range []struct {
		in   string
		ok   bool
		read string
	}{
		{`{"a":"x","z":[1,{"b":2}],"b":"y"}`, true, "a=x b=y "},
		{`{}`, true, ""},
		{`{"A":"x"}`, false, ""},             // another case of a field
		{`{"a":"x","a":"y"}`, false, "a=x "}, // repeated
		{`{"\u0061":"x"}`, false, ""},        // an escaped key
		{`{"a":"x"`, false, "a=x "},          // cut short
		{`["a"]`, false, ""},
	} {
		s := New([]byte(c.in))
		read := ""
		ok := s.Fields(names, index, func(i int) bool {
			raw, _ := s.String()
			read += names[i] + "=" + string(raw) + " "
			return true
		})
		if ok != c.ok || read != c.read {
			t.Errorf("%s: %v, read %q; want %v, %q", c.in, ok, read, c.ok, c.read)
		}
	}
}
