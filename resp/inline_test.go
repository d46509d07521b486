package resp

import (
	"reflect"
	"testing"
)

// TestSplitInline checks inline commands against what Redis's sdssplitargs makes of them.
func TestSplitInline(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want []string // nil with ok false: refused
		ok   bool
	}{
		{"empty line", "", nil, true},
		{"blanks only", " \t\r\n", nil, true},
		{"words", "SET a b", []string{"SET", "a", "b"}, true},
		{"runs of blanks", "  SET\t a \v\f b  ", []string{"SET", "a", "b"}, true},
		{"NUL separates", "a\x00b", []string{"a", "b"}, true},
		{"double and single quotes", `SET "a b" 'c d'`, []string{"SET", "a b", "c d"}, true},
		{"empty quoted argument", `SET k ""`, []string{"SET", "k", ""}, true},
		{"empty single-quoted argument", `SET k ''`, []string{"SET", "k", ""}, true},
		{"hex escape", `"\x41\x6a"`, []string{"Aj"}, true},
		{"upper-case hex", `"\x4A"`, []string{"J"}, true},
		{"bad hex is a plain escape", `"\xzz"`, []string{"xzz"}, true},
		{"short hex is a plain escape", `"\x4"`, []string{"x4"}, true},
		{"control escapes", `"\n\r\t\b\a"`, []string{"\n\r\t\b\a"}, true},
		{"escaped quote and backslash", `"a\"b\\c"`, []string{`a"b\c`}, true},
		{"other escapes keep the character", `"\q"`, []string{"q"}, true},
		{"single quotes: only \\' is an escape", `'it\'s \n'`, []string{`it's \n`}, true},
		{"quote opening inside a word", `a"b c"`, []string{"ab c"}, true},
		{"closing quote then blank", `"a" b`, []string{"a", "b"}, true},
		{"closing double quote then a character", `"a"b`, nil, false},
		{"closing single quote then a character", `'a'b`, nil, false},
		{"unclosed double quote", `SET "abc`, nil, false},
		{"unclosed single quote", `SET 'abc`, nil, false},
		{"backslash ends an unclosed quote", `"a\`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, ok := SplitInline([]byte(tc.line))
			if ok != tc.ok {
				t.Fatalf("SplitInline(%q) ok = %v, want %v (args %q)", tc.line, ok, tc.ok, args)
			}
			var got []string
			for _, a := range args {
				if a == nil {
					t.Fatalf("SplitInline(%q) returned a nil argument", tc.line)
				}
				got = append(got, string(a))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SplitInline(%q) = %q, want %q", tc.line, got, tc.want)
			}
		})
	}
}
