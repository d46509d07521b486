package dashboard

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The charts are inline SVG drawn on the server, so the live page and the static report show the
// same pictures and neither needs a charting script. Colours come from the stylesheet through
// classes (status-Completed, series-0, ...), so one palette serves both.

const (
	chartW, chartH = 560, 170
	padL, padR     = 64, 12
	padT, padB     = 12, 26
)

// lineChart draws series against time with labelled axes. unit formats values ("bytes" scales to
// KiB/MiB/GiB). The svg carries data-points (how many samples it draws) for tests and scripts.
func lineChart(title, unit string, series []Series) template.HTML {
	var b strings.Builder
	n := 0
	tMin, tMax := int64(math.MaxInt64), int64(math.MinInt64)
	vMax := 0.0
	for _, s := range series {
		for _, p := range s.Points {
			n++
			tMin, tMax = min(tMin, p.T), max(tMax, p.T)
			vMax = max(vMax, p.V)
		}
	}
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" data-points="%d">`,
		chartW, chartH, chartW, chartH, html.EscapeString(title), n)
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	x0, x1, y0, y1 := float64(padL), float64(chartW-padR), float64(chartH-padB), float64(padT)
	fmt.Fprintf(&b, `<rect class="plot" x="%g" y="%g" width="%g" height="%g"/>`, x0, y1, x1-x0, y0-y1)
	if n == 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%g" y="%g" text-anchor="middle">no samples yet</text></svg>`, (x0+x1)/2, (y0+y1)/2)
		return template.HTML(b.String())
	}
	vMax = axisMax(vMax, unit)
	span := float64(tMax - tMin)
	if span <= 0 {
		span = 1
	}
	x := func(t int64) float64 { return x0 + (x1-x0)*float64(t-tMin)/span }
	y := func(v float64) float64 { return y0 - (y0-y1)*v/vMax }
	for i := 0; i <= 4; i++ { // horizontal grid with value labels
		v := vMax * float64(i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, x0, y(v), x1, y(v))
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`, x0-4, y(v)+4, formatValue(v, unit))
	}
	fmt.Fprintf(&b, `<text class="axis" x="%g" y="%d">%s</text>`, x0, chartH-8, clock(tMin))
	fmt.Fprintf(&b, `<text class="axis" x="%g" y="%d" text-anchor="end">%s</text>`, x1, chartH-8, clock(tMax))
	for i, s := range series {
		if len(s.Points) == 0 {
			continue
		}
		var pts strings.Builder
		for _, p := range s.Points {
			fmt.Fprintf(&pts, "%.1f,%.1f ", x(p.T), y(p.V))
		}
		fmt.Fprintf(&b, `<polyline class="series series-%d" data-name="%s" points="%s"/>`, i, html.EscapeString(s.Name), strings.TrimSpace(pts.String()))
		last := s.Points[len(s.Points)-1]
		fmt.Fprintf(&b, `<circle class="series-dot series-%d" cx="%.1f" cy="%.1f" r="2.5"><title>%s %s</title></circle>`,
			i, x(last.T), y(last.V), html.EscapeString(s.Name), formatValue(last.V, unit))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// axisMax is the top of a chart's value axis: a round number of the unit (KiB, MiB, ... for bytes)
// whose quarters, the grid lines, are round too; counts get whole-number steps.
func axisMax(v float64, unit string) float64 {
	switch unit {
	case "bytes":
		scale := 1.0
		for v > 1024 && scale < 1<<40 {
			v /= 1024
			scale *= 1024
		}
		return niceCeil(max(v, 1)) * scale
	case "count":
		return 4 * niceCeil(math.Ceil(max(v, 4)/4))
	}
	if v <= 0 {
		return 1
	}
	return niceCeil(v)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so axis labels are round numbers.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func formatValue(v float64, unit string) string {
	if unit != "bytes" {
		if v == math.Trunc(v) {
			return fmt.Sprintf("%.0f", v)
		}
		return fmt.Sprintf("%.1f", v)
	}
	for _, u := range []string{"B", "KiB", "MiB", "GiB", "TiB"} {
		if v < 1024 || u == "TiB" {
			if u == "B" || v == math.Trunc(v) {
				return fmt.Sprintf("%.0f %s", v, u)
			}
			return fmt.Sprintf("%.1f %s", v, u)
		}
		v /= 1024
	}
	return ""
}

func clock(ms int64) string { return time.UnixMilli(ms).UTC().Format("15:04:05") }

// gantt draws one bar per job of a run from its start to its end (to now while it runs), coloured by
// status, with the job's name, status and duration in a tooltip. Rows shrink as the run grows; past
// ganttMaxBars jobs the run is drawn by buckets of members (ganttBuckets), so a 100,000-member run
// costs the browser a few hundred shapes, not 100,000.
func gantt(jobs []*JobView, now time.Time) template.HTML {
	const w, labelW, axisH, maxH = 900, 150, 22, 520
	var timed []*JobView
	tMin, tMax := now, time.Time{}
	for _, j := range jobs {
		if j.Start.IsZero() {
			continue
		}
		timed = append(timed, j)
		if j.Start.Before(tMin) {
			tMin = j.Start
		}
		end := j.barEnd(now)
		if end.After(tMax) {
			tMax = end
		}
	}
	var b strings.Builder
	if len(timed) == 0 {
		return template.HTML(`<p class="muted">No start times recorded for this run (a manifest written before ssrun recorded them).</p>`)
	}
	if len(timed) > ganttMaxBars {
		return ganttBuckets(timed, tMin, tMax, now)
	}
	rowH := math.Min(16, float64(maxH)/float64(len(timed)))
	h := int(math.Ceil(rowH*float64(len(timed)))) + axisH
	labels := rowH >= 10
	lw := 0
	if labels {
		lw = labelW
	}
	span := tMax.Sub(tMin).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 { return float64(lw) + float64(w-lw-8)*t.Sub(tMin).Seconds()/span }
	fmt.Fprintf(&b, `<svg class="gantt" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="timeline of %d jobs" data-bars="%d">`,
		w, h, w, h, len(timed), len(timed))
	for i, j := range timed {
		y := float64(i) * rowH
		x1, x2 := x(j.Start), x(j.barEnd(now))
		bw := math.Max(x2-x1, 1)
		fmt.Fprintf(&b, `<rect class="bar status-%s" x="%.1f" y="%.2f" width="%.1f" height="%.2f"><title>%s: %s, %s</title></rect>`,
			cssToken(j.Status()), x1, y+rowH*0.1, bw, math.Max(rowH*0.8, 0.5), html.EscapeString(j.Name), html.EscapeString(j.Status()), j.Duration(now))
		if labels {
			fmt.Fprintf(&b, `<text class="label" x="%d" y="%.1f">%s</text>`, lw-6, y+rowH*0.75, html.EscapeString(j.Name))
		}
	}
	axisY := h - axisH + 15
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">%s</text>`, lw, axisY, tMin.UTC().Format("15:04:05"))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="middle">%s</text>`, (lw+w)/2, axisY, formatDuration(tMax.Sub(tMin)))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, w-8, axisY, tMax.UTC().Format("15:04:05"))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barEnd is where the job's bar ends: its end, else now while it runs, else its start.
func (j *JobView) barEnd(now time.Time) time.Time {
	switch {
	case !j.End.IsZero():
		return j.End
	case terminal(j.Status()):
		return j.Start
	default:
		return now
	}
}

// cssToken makes a status usable in a class name ("Never Started" → "Never-Started").
func cssToken(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, s)
}

// ganttMaxBars is the most jobs the timeline draws one bar each; beyond, it draws buckets.
const ganttMaxBars = 300

// ganttBuckets draws a large run as at most ganttRows rows, each a bucket of consecutive members (in
// manifest order, so a row is ens_0…ens_199). Within a row, each status present gets a bar from the
// earliest start to the latest end of the bucket's jobs in that status, its thickness the status's
// share of the bucket: where the run spent its time and how it ended, at a glance, in a few hundred
// shapes whatever the size. The tooltip gives the names, counts and times.
func ganttBuckets(timed []*JobView, tMin, tMax, now time.Time) template.HTML {
	const w, labelW, axisH, rowH = 900, 190, 22, 10
	per := (len(timed) + ganttRows - 1) / ganttRows
	rows := (len(timed) + per - 1) / per
	h := rows*rowH + axisH
	span := tMax.Sub(tMin).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 { return float64(labelW) + float64(w-labelW-8)*t.Sub(tMin).Seconds()/span }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="gantt buckets" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="timeline of %d jobs in %d rows of %d" data-bars="%d" data-buckets="%d">`,
		w, h, w, h, len(timed), rows, per, len(timed), rows)
	type group struct {
		n          int
		start, end time.Time
	}
	for r := 0; r < rows; r++ {
		bucket := timed[r*per : min((r+1)*per, len(timed))]
		groups := map[string]*group{}
		for _, j := range bucket {
			g := groups[j.Status()]
			if g == nil {
				g = &group{start: j.Start, end: j.barEnd(now)}
				groups[j.Status()] = g
			}
			g.n++
			if j.Start.Before(g.start) {
				g.start = j.Start
			}
			if e := j.barEnd(now); e.After(g.end) {
				g.end = e
			}
		}
		names := bucket[0].Name + " … " + bucket[len(bucket)-1].Name
		y := float64(r*rowH) + 1
		for _, st := range orderedStatuses(groups) {
			g := groups[st]
			th := float64(rowH-2) * float64(g.n) / float64(len(bucket))
			x1, x2 := x(g.start), x(g.end)
			fmt.Fprintf(&b, `<rect class="bar status-%s" x="%.1f" y="%.2f" width="%.1f" height="%.2f"><title>%s: %d %s, %s–%s</title></rect>`,
				cssToken(st), x1, y, math.Max(x2-x1, 1), math.Max(th, 0.5), html.EscapeString(names), g.n, html.EscapeString(st),
				g.start.UTC().Format("15:04:05"), g.end.UTC().Format("15:04:05"))
			y += th
		}
		if r%max(rows/10, 1) == 0 {
			fmt.Fprintf(&b, `<text class="label" x="%d" y="%d">%s</text>`, labelW-6, r*rowH+rowH-1, html.EscapeString(names))
		}
	}
	axisY := h - axisH + 15
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">%s</text>`, labelW, axisY, tMin.UTC().Format("15:04:05"))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="middle">%s · %d members a row</text>`, (labelW+w)/2, axisY, formatDuration(tMax.Sub(tMin)), per)
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, w-8, axisY, tMax.UTC().Format("15:04:05"))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ganttRows is the most rows ganttBuckets draws.
const ganttRows = 50

// orderedStatuses lists the keys of m in display order (statusOrder, then the rest sorted).
func orderedStatuses[V any](m map[string]V) []string {
	var out []string
	for _, s := range statusOrder {
		if _, ok := m[s]; ok {
			out = append(out, s)
		}
	}
	var rest []string
	for s := range m {
		if !slices.Contains(statusOrder, s) {
			rest = append(rest, s)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// progressBar draws a run's counts as one horizontal bar split by status (an SVG: the page's policy
// allows no inline style, and the report needs no script).
func progressBar(counts [][2]string, total int) template.HTML {
	if total == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="progress" viewBox="0 0 1000 10" preserveAspectRatio="none" width="100%%" height="10" role="img" aria-label="%d jobs by status">`, total)
	x := 0.0
	for _, c := range counts {
		n, _ := strconv.Atoi(c[1])
		w := 1000 * float64(n) / float64(total)
		fmt.Fprintf(&b, `<rect class="bar status-%s" x="%.2f" y="0" width="%.2f" height="10"><title>%s %s</title></rect>`, cssToken(c[0]), x, w, html.EscapeString(c[0]), c[1])
		x += w
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
