package dashboard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCollectorCSVBeingWritten: a header, good rows, a row the collector is half-way through writing
// and a row from another layout: only the good rows are read.
func TestCollectorCSVBeingWritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "memory.csv")
	os.WriteFile(path, []byte("timestamp,used_memory,used_memory_peak,total_system_memory\n1700000000000,100,150,999\n1700000005000,200,250,999\n1700000010000,3"), 0o644)
	s := readCSVSeries(dir, path, map[int]string{1: "used", 2: "peak"})
	if len(s) != 2 || len(s[0].Points) != 2 || s[0].Points[1] != (Point{1700000005000, 200}) || s[1].Points[0].V != 150 {
		t.Fatalf("series %+v", s)
	}
	if s := readCSVSeries(dir, filepath.Join(dir, "../outside.csv"), map[int]string{1: "x"}); len(s[0].Points) != 0 {
		t.Errorf("read a file outside the root")
	}
	if ts, ok := parseTimestamp("1700000000.5"); !ok || ts != 1700000000500 {
		t.Errorf("seconds with a fraction: %d %v", ts, ok)
	}
}

func TestLineChart(t *testing.T) {
	svg := string(lineChart("memory", "bytes", []Series{{Name: "used", Points: []Point{{1000, 0}, {2000, 3 << 20}, {3000, 1 << 20}}}}))
	for _, want := range []string{`data-points="3"`, `<polyline class="series series-0" data-name="used" points="`, "MiB"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if empty := string(lineChart("c", "count", []Series{{Name: "n"}})); !strings.Contains(empty, "no samples yet") || !strings.Contains(empty, `data-points="0"`) {
		t.Errorf("empty chart:\n%s", empty)
	}
	if got := axisMax(3, "count"); got != 4 {
		t.Errorf("count axis for 3: %v, want 4", got)
	}
	if got := axisMax(700<<10, "bytes"); got != 1000<<10 {
		t.Errorf("bytes axis for 700 KiB: %v, want 1000 KiB", got)
	}
}

// TestGantt: one bar per job with a start, coloured by status, a running job reaching now; the title
// escapes names.
func TestGantt(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	jobs := []*JobView{
		{Start: t0, End: t0.Add(time.Minute)},
		{Start: t0.Add(10 * time.Second)},
		{},
	}
	jobs[0].Name, jobs[0].Telemetry.Status = "a<b", "Completed"
	jobs[1].Name, jobs[1].Telemetry.Status = "run", "Running"
	jobs[2].Name = "never"
	svg := string(gantt(jobs, t0.Add(2*time.Minute)))
	if !strings.Contains(svg, `data-bars="2"`) || !strings.Contains(svg, `class="bar status-Completed"`) || !strings.Contains(svg, `class="bar status-Running"`) ||
		!strings.Contains(svg, "a&lt;b") || strings.Contains(svg, "a<b") || !strings.Contains(svg, "2m00s") {
		t.Errorf("gantt:\n%s", svg)
	}
	if none := string(gantt(jobs[2:], t0)); !strings.Contains(none, "No start times") {
		t.Errorf("gantt without times: %s", none)
	}
}
