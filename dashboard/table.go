package dashboard

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// pageSize is how many jobs the page's table shows at once. A run of 10,000 members is read a page
// at a time (filtered by status, searched by name), so the first paint costs the same for any size.
const pageSize = 200

// tableQuery is what a reader asked of one run's table: a status, a name search, a page (0-based).
type tableQuery struct {
	Exp    int
	Run    string
	Status string
	Name   string
	Page   int
}

// parseTableQuery reads ?exp=&run=&status=&q=&page= (the page's links and its filter form).
func parseTableQuery(v url.Values) (tableQuery, bool) {
	exp, err := strconv.Atoi(v.Get("exp"))
	if err != nil || v.Get("run") == "" {
		return tableQuery{}, false
	}
	page, _ := strconv.Atoi(v.Get("page"))
	return tableQuery{Exp: exp, Run: v.Get("run"), Status: v.Get("status"), Name: strings.TrimSpace(v.Get("q")), Page: max(page, 0)}, true
}

// tableView is one page of a run's table with what its controls show.
type tableView struct {
	Q        tableQuery
	DOMID    string
	Jobs     []*JobView // this page
	Total    int        // jobs matching the query
	All      int        // jobs of the run
	Statuses [][2]string
	Now      time.Time
}

// table selects the page q asks for (a page past the end shows the last one).
func (r *RunView) table(q tableQuery, now time.Time) *tableView {
	t := &tableView{Q: q, DOMID: "t-" + runDOMID(q.Exp, r.ID), All: len(r.Jobs), Statuses: r.Counts(), Now: now}
	name := strings.ToLower(q.Name)
	var match []*JobView
	for _, j := range r.Jobs {
		if (q.Status == "" || j.Status() == q.Status) && (name == "" || strings.Contains(strings.ToLower(j.Name), name)) {
			match = append(match, j)
		}
	}
	t.Total = len(match)
	last := max((t.Total-1)/pageSize, 0)
	t.Q.Page = min(q.Page, last)
	from := t.Q.Page * pageSize
	t.Jobs = match[from:min(from+pageSize, t.Total)]
	return t
}

// Paged reports whether the run is large enough to need the table's controls.
func (t *tableView) Paged() bool { return t.All > pageSize }

// StatusOptions are the statuses to filter by with their counts, the one asked for included (with
// 0) when no job has it any more.
func (t *tableView) StatusOptions() [][2]string {
	for _, s := range t.Statuses {
		if s[0] == t.Q.Status {
			return t.Statuses
		}
	}
	if t.Q.Status == "" {
		return t.Statuses
	}
	return append(append([][2]string{}, t.Statuses...), [2]string{t.Q.Status, "0"})
}

// Range is "201–400 of 9,950" (or "none of 10,000" for an empty filter).
func (t *tableView) Range() string {
	if t.Total == 0 {
		return "no job matches"
	}
	from := t.Q.Page*pageSize + 1
	return fmt.Sprintf("%s–%s of %s", thousands(from), thousands(from+len(t.Jobs)-1), thousands(t.Total))
}

// PrevHref and NextHref are the pager's links ("" at either end): real URLs, so paging works without
// the script too; the script fetches the same query as a fragment.
func (t *tableView) PrevHref() string {
	if t.Q.Page == 0 {
		return ""
	}
	return t.href(t.Q.Page - 1)
}

func (t *tableView) NextHref() string {
	if (t.Q.Page+1)*pageSize >= t.Total {
		return ""
	}
	return t.href(t.Q.Page + 1)
}

func (t *tableView) href(page int) string {
	v := url.Values{"exp": {strconv.Itoa(t.Q.Exp)}, "run": {t.Q.Run}}
	if t.Q.Status != "" {
		v.Set("status", t.Q.Status)
	}
	if t.Q.Name != "" {
		v.Set("q", t.Q.Name)
	}
	if page > 0 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/?" + v.Encode() + "#" + t.DOMID
}

// thousands writes n with thousands separators (10,000), as people read counts.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
