package testrunner

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// contextLines is how many unchanged lines a diff hunk shows around a change, as `diff -u` does.
const contextLines = 3

// unifiedDiff returns a unified diff (`diff -u` layout: ---/+++ headers, @@ hunks, 3 lines of context)
// from want to got, "" when they are equal. go-cmp computes the line edit script; this renders it.
func unifiedDiff(wantName, gotName, want, got string) string {
	a, b := splitLines(want), splitLines(got)
	var rec editRecorder
	if cmp.Equal(a, b, cmp.Reporter(&rec)) {
		return ""
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", wantName, gotName)
	for _, h := range hunks(rec.script(a, b)) {
		out.WriteString(h)
	}
	return out.String()
}

// splitLines splits text into lines without their newlines; a last line without a newline is marked so
// that a diff shows a missing final newline.
func splitLines(text string) []string {
	if text == "" {
		return []string{} // not nil: go-cmp reports an empty slice's edits element by element
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = strings.TrimSuffix(l, "\n")
		} else {
			lines[i] = l + "\n\\ No newline at end of file"
		}
	}
	return lines
}

// edit is one line of the edit script: ' ' kept, '-' only in want, '+' only in got; ia/ib are the
// line's index in want/got (-1 when absent).
type edit struct {
	kind   byte
	ia, ib int
}

// editRecorder is a go-cmp Reporter that records the slice edit script of the top-level comparison.
type editRecorder struct {
	path  cmp.Path
	edits []edit
}

func (r *editRecorder) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *editRecorder) PopStep()                 { r.path = r.path[:len(r.path)-1] }

func (r *editRecorder) Report(res cmp.Result) {
	if len(r.path) != 2 {
		return // the root and its elements only
	}
	si, ok := r.path[1].(cmp.SliceIndex)
	if !ok {
		return
	}
	ia, ib := si.SplitKeys()
	switch {
	case res.Equal():
		r.edits = append(r.edits, edit{' ', ia, ib})
	case ia >= 0 && ib >= 0: // a changed line: removed from want, inserted in got
		r.edits = append(r.edits, edit{'-', ia, -1}, edit{'+', -1, ib})
	case ia >= 0:
		r.edits = append(r.edits, edit{'-', ia, -1})
	default:
		r.edits = append(r.edits, edit{'+', -1, ib})
	}
}

// line is one rendered diff line with the positions it occupies in want and got (1-based, after it).
type line struct {
	text   string
	kind   byte
	na, nb int // lines of want and got consumed up to and including this one
}

// script renders the edits as diff lines, each run of changes with its removals before its insertions.
func (r *editRecorder) script(a, b []string) []line {
	var out, minus, plus []line
	na, nb := 0, 0
	flush := func() {
		out = append(append(out, minus...), plus...)
		minus, plus = nil, nil
	}
	for _, e := range r.edits {
		switch e.kind {
		case ' ':
			flush()
			na, nb = na+1, nb+1
			out = append(out, line{" " + a[e.ia], ' ', na, nb})
		case '-':
			na++
			minus = append(minus, line{"-" + a[e.ia], '-', na, nb})
		case '+':
			nb++
			plus = append(plus, line{"+" + b[e.ib], '+', na, nb})
		}
	}
	flush()
	return out
}

// hunks groups diff lines into @@ hunks with contextLines of unchanged lines around each change.
func hunks(lines []line) []string {
	var out []string
	for i := 0; i < len(lines); {
		if lines[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-contextLines, 0)
		end := i
		for end < len(lines) { // extend while changes are within 2*context of each other
			if lines[end].kind != ' ' {
				end++
				continue
			}
			next := end
			for next < len(lines) && lines[next].kind == ' ' {
				next++
			}
			if next == len(lines) || next-end > 2*contextLines {
				end = min(end+contextLines, len(lines))
				break
			}
			end = next
		}
		out = append(out, renderHunk(lines[start:end]))
		i = end
	}
	return out
}

// renderHunk writes one hunk with its "@@ -a,n +b,m @@" header.
func renderHunk(h []line) string {
	var countA, countB int
	for _, l := range h {
		if l.kind != '+' {
			countA++
		}
		if l.kind != '-' {
			countB++
		}
	}
	first := h[0]
	startA, startB := first.na, first.nb
	if first.kind == '+' {
		startA++
	}
	if first.kind == '-' {
		startB++
	}
	if countA == 0 {
		startA--
	}
	if countB == 0 {
		startB--
	}
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", startA, countA, startB, countB)
	for _, l := range h {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}
