package orchestrator

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func listString(l *listValue) string {
	var parts []string
	for i := 0; i < l.Len(); i++ {
		parts = append(parts, string(l.At(i)))
	}
	return strings.Join(parts, ",")
}

func elems(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, e := range s {
		out[i] = []byte(e)
	}
	return out
}

// Lists share append-only segments between versions; an older version must never see, nor overwrite,
// what a newer version appended.
func TestListVersionsStayImmutable(t *testing.T) {
	v1 := fromElements(elems("a", "b"))
	v2 := v1.RPush(elems("c"))
	v3 := v1.RPush(elems("X")) // pushes onto an older version: must copy, not clobber v2's "c"
	v4 := v2.LPush(elems("y", "z"))
	v5, popped := v4.Pop(2, true)
	v6 := v5.RPush(elems("d"))
	v7, poppedRight := v6.Pop(3, false)
	want := map[*listValue]string{v1: "a,b", v2: "a,b,c", v3: "a,b,X", v4: "z,y,a,b,c", v5: "a,b,c", v6: "a,b,c,d", v7: "a"}
	for l, w := range want {
		if got := listString(l); got != w {
			t.Errorf("list = %s, want %s", got, w)
		}
	}
	if fmt.Sprint(popped) != "[[122] [121]]" {
		t.Errorf("popped left %q", popped)
	}
	if got := string(poppedRight[0]) + string(poppedRight[1]) + string(poppedRight[2]); got != "dcb" {
		t.Errorf("popped right %q, want d c b", got)
	}
	// Popping everything from the left crosses from the head stack into the tail stack.
	v8, all := v4.Pop(5, true)
	if v8.Len() != 0 || len(all) != 5 || string(all[4]) != "c" {
		t.Errorf("pop all: len %d, popped %q", v8.Len(), all)
	}
	if v8.MemSize() != valueOverhead {
		t.Errorf("empty list accounts %d bytes", v8.MemSize())
	}
}

// Concurrent pushes onto the same version (each builds its own successor) race for the shared
// segment; exactly one may extend it in place, the others copy.
func TestListConcurrentPushOnSameVersion(t *testing.T) {
	base := fromElements(elems("a"))
	results := make([]*listValue, 16)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = base.RPush(elems(fmt.Sprint(i)))
		}(i)
	}
	wg.Wait()
	for i, l := range results {
		if got, want := listString(l), fmt.Sprintf("a,%d", i); got != want {
			t.Errorf("version %d = %s, want %s", i, got, want)
		}
	}
	if listString(base) != "a" {
		t.Errorf("base changed to %s", listString(base))
	}
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*c", "abbbc", true}, {"a*c", "abcd", false},
		{"h?llo", "hello", true}, {"h?llo", "hllo", false}, {"h[ae]llo", "hallo", true}, {"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true}, {"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true}, {"h[a-b]llo", "hcllo", false},
		{"h\\*llo", "h*llo", true}, {"h\\*llo", "hello", false}, {"{ds}.*", "{ds}.meta", true}, {"**a", "ba", true},
	}
	for _, tc := range cases {
		if got := globMatch([]byte(tc.pattern), []byte(tc.s)); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

func TestParseMemory(t *testing.T) {
	cases := map[string]int64{"0": 0, "1048576": 1 << 20, "100mb": 100 << 20, "1gb": 1 << 30, "1GB": 1 << 30,
		"10k": 10000, "10kb": 10240, "2m": 2000000, "5b": 5}
	for in, want := range cases {
		if got, err := ParseMemory(in); err != nil || got != want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "lots", "1tb", "1.5gb"} {
		if _, err := ParseMemory(bad); err == nil {
			t.Errorf("ParseMemory(%q) accepted", bad)
		}
	}
}
