package runtime

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file renders tables the way Python's tabulate does for the formats SmartSim uses (simple for
// smartsim_params.txt, grid for attached files, github/plain/pipe for summaries), so that files and
// summaries read byte for byte like SmartSim's. Only what those call sites need is implemented.

// tabulateMinPadding is tabulate's MIN_PADDING: header width + 2 is the minimum column width.
const tabulateMinPadding = 2

type colKind int

const (
	colString colKind = iota
	colInt
	colFloat
)

type tableFormat struct {
	padding                     int
	begin, sep, end             string // data rows
	above, belowHeader, between *tableLine
	below                       *tableLine
	pipeColons                  bool // belowHeader uses pipe alignment colons
	hideAboveWithHeader         bool
}

type tableLine struct{ begin, fill, sep, end string }

var tableFormats = map[string]tableFormat{
	"simple": {sep: "  ", belowHeader: &tableLine{"", "-", "  ", ""}},
	"plain":  {sep: "  "},
	"github": {padding: 1, begin: "|", sep: "|", end: "|", belowHeader: &tableLine{"|", "-", "|", "|"}},
	"pipe": {padding: 1, begin: "|", sep: "|", end: "|", belowHeader: &tableLine{"|", "-", "|", "|"},
		pipeColons: true},
	"grid": {padding: 1, begin: "|", sep: "|", end: "|", above: &tableLine{"+", "-", "+", "+"},
		belowHeader: &tableLine{"+", "=", "+", "+"}, between: &tableLine{"+", "-", "+", "+"},
		below: &tableLine{"+", "-", "+", "+"}},
}

// tabulate renders rows under headers in format fmtName. With numparse, columns whose values all look
// like numbers are right-aligned (floats on the decimal point and reformatted with %g), as tabulate does.
func tabulate(headers []string, rows [][]string, fmtName string, numparse bool) string {
	tf := tableFormats[fmtName]
	ncol := len(headers)
	kinds := make([]colKind, ncol)
	cells := make([][]string, len(rows))
	for i := range rows {
		cells[i] = append([]string(nil), rows[i]...)
	}
	for c := 0; c < ncol; c++ {
		if numparse {
			kinds[c] = columnKind(rows, c)
		}
		for r := range cells {
			if kinds[c] == colFloat {
				cells[r][c] = formatG(cells[r][c])
			}
		}
		alignColumn(cells, c, kinds[c], textWidth(headers[c])+tabulateMinPadding)
	}
	widths := make([]int, ncol)
	for c := range widths {
		widths[c] = textWidth(headers[c]) + tabulateMinPadding
		for r := range cells {
			widths[c] = max(widths[c], cellWidth(cells[r][c]))
		}
	}
	hdr := make([]string, ncol)
	for c := range hdr {
		hdr[c] = pad(headers[c], widths[c], kinds[c] != colString)
	}
	var lines []string
	if tf.above != nil && !tf.hideAboveWithHeader {
		lines = append(lines, buildLine(tf, *tf.above, widths, kinds, false))
	}
	lines = append(lines, buildRow(tf, hdr, widths, kinds)...)
	if tf.belowHeader != nil {
		lines = append(lines, buildLine(tf, *tf.belowHeader, widths, kinds, tf.pipeColons))
	}
	for r, row := range cells {
		if r > 0 && tf.between != nil {
			lines = append(lines, buildLine(tf, *tf.between, widths, kinds, false))
		}
		lines = append(lines, buildRow(tf, row, widths, kinds)...)
	}
	if tf.below != nil {
		lines = append(lines, buildLine(tf, *tf.below, widths, kinds, false))
	}
	return strings.Join(lines, "\n")
}

// gridTable is tabulate's "grid" format with string columns.
func gridTable(headers []string, rows [][]string) string {
	return tabulate(headers, rows, "grid", false)
}

func buildLine(tf tableFormat, l tableLine, widths []int, kinds []colKind, colons bool) string {
	segs := make([]string, len(widths))
	for c, w := range widths {
		w += 2 * tf.padding
		switch {
		case colons && kinds[c] != colString:
			segs[c] = strings.Repeat("-", w-1) + ":"
		case colons:
			segs[c] = ":" + strings.Repeat("-", w-1)
		default:
			segs[c] = strings.Repeat(l.fill, w)
		}
	}
	return strings.TrimRight(l.begin+strings.Join(segs, l.sep)+l.end, " ")
}

// buildRow renders one (possibly multi-line) row; every physical line is right-trimmed as tabulate does.
func buildRow(tf tableFormat, row []string, widths []int, kinds []colKind) []string {
	height := 1
	split := make([][]string, len(row))
	for c, cell := range row {
		split[c] = strings.Split(cell, "\n")
		height = max(height, len(split[c]))
	}
	out := make([]string, height)
	p := strings.Repeat(" ", tf.padding)
	for h := range out {
		parts := make([]string, len(row))
		for c := range row {
			text := ""
			if h < len(split[c]) {
				text = split[c][h]
			}
			parts[c] = p + pad(text, widths[c], kinds[c] != colString && len(split[c]) == 1) + p
		}
		out[h] = strings.TrimRight(tf.begin+strings.Join(parts, tf.sep)+tf.end, " ")
	}
	return out
}

// alignColumn pads float cells on the decimal point (tabulate's "decimal" alignment).
func alignColumn(cells [][]string, c int, kind colKind, _ int) {
	if kind != colFloat {
		return
	}
	maxAfter := -1
	for r := range cells {
		maxAfter = max(maxAfter, afterPoint(cells[r][c]))
	}
	for r := range cells {
		a := afterPoint(cells[r][c])
		cells[r][c] += strings.Repeat(" ", maxAfter-a)
	}
}

func afterPoint(s string) int {
	if isInt(s) {
		return -1
	}
	pos := strings.LastIndex(s, ".")
	if pos < 0 {
		pos = strings.LastIndex(strings.ToLower(s), "e")
	}
	if pos < 0 {
		return -1
	}
	return len(s) - pos - 1
}

func columnKind(rows [][]string, c int) colKind {
	kind := colInt
	if len(rows) == 0 {
		return colString
	}
	for _, r := range rows {
		v := r[c]
		switch {
		case isInt(v):
		case isFloat(v):
			kind = colFloat
		default:
			return colString
		}
	}
	return kind
}

// isInt accepts what Python's int() accepts for plain decimal strings.
func isInt(s string) bool {
	t := strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	if t == "" || strings.Contains(s, "\n") {
		return false
	}
	_, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return true
		}
	}
	return err == nil
}

// isFloat accepts what Python's float() accepts (decimal and exponent forms, inf, nan; no hex).
func isFloat(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" || strings.ContainsAny(t, "xXpP\n") {
		return false
	}
	_, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	return err == nil
}

// formatG is Python's format(float(s), "g").
func formatG(s string) string {
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), "_", ""), 64)
	if err != nil {
		return s
	}
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func textWidth(s string) int { return utf8.RuneCountInString(s) }

func cellWidth(s string) int {
	w := 0
	for _, line := range strings.Split(s, "\n") {
		w = max(w, textWidth(line))
	}
	return w
}

func pad(s string, w int, right bool) string {
	n := w - textWidth(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}
