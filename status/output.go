package status

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// The table and the JSON are written by hand, in the bytes text/tabwriter and json.MarshalIndent
// wrote (tests hold them to it): at 100,000 rows those two spent a tenth of a second each on cells and
// reflection. A table whose cells hold a character tabwriter treats specially is still written by it.

// writeJSON prints the rows as one indented JSON array, as json.MarshalIndent(rows, "", "  ") does.
func writeJSON(w io.Writer, rows []Row) error {
	if rows == nil {
		_, err := io.WriteString(w, "null\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	if len(rows) == 0 {
		bw.WriteString("[]\n")
		return bw.Flush()
	}
	buf := make([]byte, 0, 1024)
	bw.WriteString("[")
	for i, r := range rows {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n  {\n    \"name\": "...)
		buf = appendJSONString(buf, r.Name)
		buf = append(buf, ",\n    \"type\": "...)
		buf = appendJSONString(buf, r.Type)
		buf = append(buf, ",\n    \"job_id\": "...)
		buf = appendJSONString(buf, r.JobID)
		buf = append(buf, ",\n    \"run\": "...)
		buf = appendJSONString(buf, r.Run)
		buf = append(buf, ",\n    \"status\": "...)
		buf = appendJSONString(buf, r.Status)
		buf = append(buf, ",\n    \"return_code\": "...)
		if r.ReturnCode == nil {
			buf = append(buf, "null"...)
		} else {
			buf = strconv.AppendInt(buf, int64(*r.ReturnCode), 10)
		}
		buf = append(buf, ",\n    \"out_file\": "...)
		buf = appendJSONString(buf, r.OutFile)
		buf = append(buf, "\n  }"...)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

// appendJSONString appends s quoted as encoding/json quotes it: printable ASCII other than the
// characters it escapes goes as it is, anything else through json.Marshal.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			data, _ := json.Marshal(s) // a string always marshals
			return append(buf, data...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// tableHeader is the table's first line, cells separated by tabs as tabwriter took them.
var tableHeader = [7]string{"NAME", "TYPE", "JOB ID", "RUN", "STATUS", "RETURN CODE", "OUT FILE"}

// cells is a row as the table prints it; a job still running has no return code ("-").
func (r Row) cells() [7]string {
	rc := "-"
	if r.ReturnCode != nil {
		rc = strconv.Itoa(*r.ReturnCode)
	}
	return [7]string{r.Name, r.Type, dash(r.JobID), dash(r.Run), dash(r.Status), rc, dash(r.OutFile)}
}

// cellWidth is a cell's width as tabwriter counts it (runes); false when it holds a byte tabwriter
// gives a meaning to (a cell or line end, its escape character).
func cellWidth(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\t' || c == '\n' || c == '\v' || c == '\f':
			return 0, false
		case c >= 0x80:
			return utf8.RuneCountInString(s), !strings.Contains(s, "\xff")
		}
	}
	return len(s), true
}

// writeTable prints the rows aligned in columns as tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) did: each
// column but the last as wide as its widest cell (in runes) plus two spaces.
func writeTable(w io.Writer, rows []Row) error {
	var width [6]int
	measure := func(c [7]string) bool {
		for i, cell := range c {
			w, ok := cellWidth(cell)
			if !ok {
				return false
			}
			if i < len(width) {
				width[i] = max(width[i], w)
			}
		}
		return true
	}
	if !measure(tableHeader) {
		return writeTabwriter(w, rows)
	}
	for _, r := range rows {
		if !measure(r.cells()) {
			return writeTabwriter(w, rows)
		}
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	pad := strings.Repeat(" ", max(width[0], width[1], width[2], width[3], width[4], width[5])+2)
	line := func(c [7]string) {
		for i := range width {
			bw.WriteString(c[i])
			w, _ := cellWidth(c[i])
			bw.WriteString(pad[:width[i]+2-w])
		}
		bw.WriteString(c[6])
		bw.WriteByte('\n')
	}
	line(tableHeader)
	for _, r := range rows {
		line(r.cells())
	}
	return bw.Flush()
}

// writeTabwriter is writeTable through text/tabwriter, for cells holding what it treats specially.
func writeTabwriter(w io.Writer, rows []Row) error {
	// tabwriter writes cell by cell: buffered, 100,000 rows are a few hundred writes, not a million.
	bw := bufio.NewWriterSize(w, 256<<10)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(tableHeader[:], "\t"))
	for _, r := range rows {
		c := r.cells()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c[0], c[1], c[2], c[3], c[4], c[5], c[6])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
