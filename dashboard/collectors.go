package dashboard

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Series is one line of a chart: a name and (time in ms, value) points in file order.
type Series struct {
	Name   string
	Points []Point
}

// Point is one sample.
type Point struct {
	T int64 // milliseconds since the epoch
	V float64
}

// maxChartPoints bounds what one chart reads: a database sampled every 5 s for a week has 120,000
// rows; the newest are what a person looks at.
const maxChartPoints = 2000

// readCSVSeries reads a collector CSV in SmartSim's layout (timestamp first, then numeric columns;
// an optional header row) confined to root, and returns one series per wanted column. Rows that do
// not parse (a header, a line half-written by the collector) are skipped, so a file being appended
// to always reads.
func readCSVSeries(root, path string, columns map[int]string) []Series {
	out := make([]Series, 0, len(columns))
	idx := make([]int, 0, len(columns))
	for i := 1; len(idx) < len(columns) && i < 64; i++ {
		if name, ok := columns[i]; ok {
			idx = append(idx, i)
			out = append(out, Series{Name: name})
		}
	}
	if path == "" {
		return out
	}
	real, err := confined(root, path)
	if err != nil {
		return out
	}
	f, err := os.Open(real)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		fields := strings.Split(strings.TrimSpace(sc.Text()), ",")
		t, ok := parseTimestamp(fields[0])
		if !ok {
			continue
		}
		vals := make([]float64, len(idx))
		good := true
		for k, i := range idx {
			if i >= len(fields) {
				good = false
				break
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(fields[i]), 64)
			if err != nil {
				good = false
				break
			}
			vals[k] = v
		}
		if !good {
			continue
		}
		for k := range idx {
			out[k].Points = append(out[k].Points, Point{T: t, V: vals[k]})
		}
	}
	for k := range out {
		if n := len(out[k].Points); n > maxChartPoints {
			out[k].Points = out[k].Points[n-maxChartPoints:]
		}
	}
	return out
}

// parseTimestamp reads a collector timestamp: integer milliseconds since the epoch (what ssrun and
// SmartSim write), or seconds with a fraction.
func parseTimestamp(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < 1e11 { // seconds
			return ms * 1000, true
		}
		return ms, true
	}
	if sec, err := strconv.ParseFloat(s, 64); err == nil {
		return int64(sec * 1000), true
	}
	return 0, false
}

// memorySeries and clientSeries are a shard's two charts.
func memorySeries(root string, j *JobView) []Series {
	return readCSVSeries(root, j.MemoryFile, map[int]string{1: "used_memory", 2: "used_memory_peak"})
}

func clientSeries(root string, j *JobView) []Series {
	return readCSVSeries(root, j.ClientCountFile, map[int]string{1: "num_clients"})
}
