package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssrun/ssrun/dashboard/scalefixture"
	"github.com/ssrun/ssrun/internal/ssruntest"
)

// TestBrowserLargeExperiment drives the dashboard of a 10,000-member experiment in Chromium as a
// person would: the counts and the first page of rows show, the pager, the status filter and the name
// search bring the rows they say, and changes on disk (one member, then a burst of 5,000) reach the
// page's counts and its visible rows.
func TestBrowserLargeExperiment(t *testing.T) {
	chromium := findChromium(t)
	bin := ssruntest.BuildForTest(t, "ssrun-browser-")
	dir := t.TempDir()
	const n = 10000
	if err := scalefixture.Write(dir, n, false); err != nil {
		t.Fatal(err)
	}
	url, _ := runDashboard(t, bin, dir)

	ctx := browser(t, chromium)
	do(t, ctx, chromedp.Navigate(url))
	waitJS(t, ctx, "the page connects to the event stream", `document.querySelector("#live.on") !== null`, 10*time.Second)
	counts := `document.querySelector(".run .summary .counts").textContent`
	if got := eval[string](t, ctx, counts); got != "Running 5000 Completed 5000 " {
		t.Errorf("counts %q", got)
	}
	rows := `[...document.querySelectorAll(".jobs-box tbody tr a.open")].map(a => a.textContent)`
	rangeText := `document.querySelector(".jobs-box .range").textContent`
	first := eval[[]string](t, ctx, rows)
	if len(first) != pageSize || first[0] != "ens_0" || first[pageSize-1] != "ens_199" {
		t.Errorf("first page: %d rows, %v … ", len(first), first[:min(3, len(first))])
	}
	if got := eval[string](t, ctx, rangeText); got != "1–200 of 10,000" {
		t.Errorf("range %q", got)
	}
	if got := eval[int](t, ctx, `Number(document.querySelector("svg.gantt").dataset.buckets)`); got != 50 {
		t.Errorf("timeline has %d bucket rows, want 50", got)
	}

	// Paging.
	do(t, ctx, chromedp.Click(chromedp.CSS(".jobs-box a.page.next")))
	waitJS(t, ctx, "the second page", rangeText+` === "201–400 of 10,000"`, 10*time.Second)
	if got := eval[[]string](t, ctx, rows); len(got) != pageSize || got[0] != "ens_200" {
		t.Errorf("second page starts with %v", got[:min(1, len(got))])
	}
	if got := eval[string](t, ctx, `location.search`); got != "?exp=0&page=1&run=run-000" {
		t.Errorf("the address does not follow the page: %q", got)
	}

	// The status filter, then the name search on top of it (typed, as a person types).
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`.jobs-box select[name="status"]`), "Running"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](`document.querySelector('.jobs-box select[name="status"]').dispatchEvent(new Event("change", {bubbles: true}))`)(ctx, tg)
			return err
		}))
	waitJS(t, ctx, "the Running filter", rangeText+` === "1–200 of 5,000"`, 10*time.Second)
	if got := eval[int](t, ctx, `[...document.querySelectorAll(".jobs-box tbody .st .badge")].filter(b => b.textContent !== "Running").length`); got != 0 {
		t.Errorf("%d rows are not Running under the Running filter", got)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`.jobs-box input[name="q"]`), "ens_999"))
	waitJS(t, ctx, "the search", rangeText+` === "1–6 of 6"`, 10*time.Second)
	if got := eval[[]string](t, ctx, rows); len(got) != 6 || got[0] != "ens_999" || got[5] != "ens_9999" {
		t.Errorf("Running ens_999*: %v", got)
	}

	// One member fails on disk: the counts say so; the filtered page, which does not show it, stays.
	encoded := func(failed bool) []byte {
		data, err := scalefixture.Encode(dir, n, failed)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if err := scalefixture.Replace(dir, encoded(true)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the counts show the failure", counts+` === "Running 5000 Completed 4999 Failed 1 "`, 10*time.Second)
	waitJS(t, ctx, "the filter offers Failed", `document.querySelector('.jobs-box select[name="status"] option[value="Failed"]') !== null`, 10*time.Second)
	filter(t, ctx, "Failed", "")
	waitJS(t, ctx, "the Failed filter", rangeText+` === "1–1 of 1"`, 10*time.Second)
	if got := eval[[]string](t, ctx, rows); len(got) != 1 || got[0] != "ens_0" {
		t.Errorf("Failed: %v", got)
	}

	// A burst: every running member ends at once. The patch carries the counts, not 5,000 rows; the
	// page fetches its visible rows.
	filter(t, ctx, "", "")
	waitJS(t, ctx, "all statuses", rangeText+` === "1–200 of 10,000"`, 10*time.Second)
	burst := bytes.ReplaceAll(encoded(true), []byte(`"status": "Running"`), []byte(`"status": "Completed"`))
	if err := scalefixture.Replace(dir, burst); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the counts after the burst", counts+` === "Completed 9999 Failed 1 "`, 10*time.Second)
	waitJS(t, ctx, "the visible rows after the burst",
		`[...document.querySelectorAll(".jobs-box tbody .st .badge")].filter(b => b.textContent === "Completed").length === 199`, 10*time.Second)
	screenshot(t, ctx, "dashboard-10k.png")
}

// filter fills the table's filter form and submits it, as pressing Enter in it does.
func filter(t *testing.T, ctx context.Context, status, name string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const f = document.querySelector(".jobs-box form.filter");
  f.elements.status.value = %q; f.elements.q.value = %q; f.requestSubmit(); return true; })()`, status, name))
}
