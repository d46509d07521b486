// ssrun dashboard: the server renders every view; this script only listens to its Server-Sent Events
// and swaps in what changed. No polling: nothing is fetched unless the server said it changed.
"use strict";
(function () {
  const live = document.getElementById("live");
  const detail = document.getElementById("detail");
  let focus = null;          // {exp, key} of the job shown in the detail pane
  let focusEvents = null;    // EventSource of that job's files
  let detailBusy = false, detailAgain = false;
  const ganttDue = new Map(); // "exp/run" -> true, fetched together shortly after a patch
  let ganttTimer = null;

  async function fetchText(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error(r.status + " " + (await r.text()));
    return r.text();
  }

  function setLive(on, text) {
    live.textContent = text;
    live.className = "live " + (on ? "on" : "off");
  }

  function markSelected() {
    document.querySelectorAll("tr.selected").forEach((tr) => tr.classList.remove("selected"));
    if (!focus) return;
    const a = findLink(focus.exp, focus.key);
    if (a) a.closest("tr").classList.add("selected");
  }

  function findLink(exp, key) {
    for (const a of document.querySelectorAll('a.open[data-exp="' + exp + '"]')) {
      if (a.dataset.key === key) return a;
    }
    return null;
  }

  async function loadDetail() {
    if (!focus) return;
    if (detailBusy) { detailAgain = true; return; }
    detailBusy = true;
    try {
      const q = "exp=" + focus.exp + "&key=" + encodeURIComponent(focus.key);
      const html = await fetchText("/fragment/job?" + q);
      const keepScroll = detail.scrollTop;
      detail.innerHTML = html;
      detail.scrollTop = keepScroll;
      detail.querySelectorAll("pre.log").forEach((pre) => { pre.scrollTop = pre.scrollHeight; });
    } catch (e) {
      detail.innerHTML = "";
      const p = document.createElement("p");
      p.className = "warn";
      p.textContent = "Could not load " + focus.key + ": " + e.message;
      detail.appendChild(p);
    } finally {
      detailBusy = false;
      if (detailAgain) { detailAgain = false; loadDetail(); }
    }
  }

  function select(exp, key) {
    focus = { exp: String(exp), key };
    markSelected();
    if (focusEvents) focusEvents.close();
    focusEvents = new EventSource("/events/job?exp=" + focus.exp + "&key=" + encodeURIComponent(key));
    focusEvents.addEventListener("changed", loadDetail);
    loadDetail();
  }

  function scheduleGantt(exp, run) {
    ganttDue.set(exp + "/" + run, { exp, run });
    if (ganttTimer) return;
    ganttTimer = setTimeout(async () => {
      ganttTimer = null;
      const due = [...ganttDue.values()];
      ganttDue.clear();
      for (const { exp, run } of due) {
        const box = [...document.querySelectorAll('.gantt-box[data-exp="' + exp + '"]')].find((b) => b.dataset.run === run);
        if (!box) continue;
        try { box.innerHTML = await fetchText("/fragment/gantt?exp=" + exp + "&run=" + encodeURIComponent(run)); } catch (e) { /* next change retries */ }
      }
    }, 250);
  }

  // The member table shows one page of a run (server-rendered, 200 rows); its state lives on its box
  // (data-status, data-q, data-page) and is what the pager, the filter and a large patch fetch again.
  function tableQuery(box, over) {
    const q = new URLSearchParams({ exp: box.dataset.exp, run: box.dataset.run });
    const st = Object.assign({ status: box.dataset.status, q: box.dataset.q, page: box.dataset.page }, over || {});
    if (st.status) q.set("status", st.status);
    if (st.q) q.set("q", st.q);
    if (st.page && st.page !== "0") q.set("page", st.page);
    return q;
  }

  const tableBusy = new Map(); // box id -> {again: query or null}
  async function loadTable(box, q) {
    const id = box.id;
    // The box says what the reader asked for last, before the rows come: a patch arriving meanwhile
    // fetches that, not the page being replaced.
    box.dataset.status = q.get("status") || "";
    box.dataset.q = q.get("q") || "";
    box.dataset.page = q.get("page") || "0";
    const busy = tableBusy.get(id);
    if (busy) { busy.again = q; return; }
    tableBusy.set(id, { again: null });
    try {
      const html = await fetchText("/fragment/table?" + q.toString());
      const cur = document.getElementById(id);
      if (cur) {
        const tpl = document.createElement("template");
        tpl.innerHTML = html;
        const active = document.activeElement && cur.contains(document.activeElement) ? document.activeElement.name : null;
        const typed = active === "q" ? document.activeElement.value : null;
        const caret = active === "q" ? document.activeElement.selectionStart : null;
        cur.replaceWith(tpl.content.firstElementChild);
        markSelected();
        if (active) { // keep typing in the search box while the rows come in
          const el = document.getElementById(id).querySelector('[name="' + active + '"]');
          if (el) {
            if (typed !== null) el.value = typed; // what was typed since the request stays
            el.focus();
            if (caret !== null) el.setSelectionRange(caret, caret);
          }
        }
      }
    } catch (e) { setLive(false, "table: " + e.message); }
    const again = tableBusy.get(id).again;
    tableBusy.delete(id);
    if (again) { const b = document.getElementById(id); if (b) loadTable(b, again); }
  }

  function applyPatch(p) {
    let focused = false;
    for (const row of p.rows || []) {
      const tr = document.getElementById(row.id);
      if (!tr) continue;
      const badge = tr.querySelector(".st .badge");
      badge.textContent = row.status;
      badge.className = "badge status-" + row.status.replace(/[^A-Za-z0-9-]/g, "-");
      tr.querySelector(".rc").textContent = row.rc;
      tr.querySelector(".jid").textContent = row.job_id;
      tr.querySelector(".start").textContent = row.start;
      tr.querySelector(".dur").textContent = row.duration;
      tr.classList.remove("flash"); void tr.offsetWidth; tr.classList.add("flash");
      if (focus && focus.exp === String(p.exp) && focus.key === row.key) focused = true;
    }
    for (const run of p.runs) {
      const sec = document.getElementById(run.id);
      if (sec) sec.querySelector(".summary").innerHTML = run.summary;
      scheduleGantt(p.exp, run.run);
      const box = document.getElementById("t-" + run.id);
      // Rows the patch does not carry, or a filter whose set of rows may have changed: fetch the page.
      if (box && (run.more || box.dataset.status || box.dataset.q)) loadTable(box, tableQuery(box));
    }
    if (focused) loadDetail();
  }

  async function reloadExperiment(exp) {
    try {
      const html = await fetchText("/fragment/experiment?exp=" + exp);
      const old = document.getElementById("exp-" + exp);
      const kept = [...old.querySelectorAll(".jobs-box")].map((b) => [b.id, tableQuery(b)]);
      const tpl = document.createElement("template");
      tpl.innerHTML = html;
      old.replaceWith(tpl.content.firstElementChild);
      for (const [id, q] of kept) { // keep each table on the page, filter and search the reader chose
        const b = document.getElementById(id);
        if (b && q.toString() !== tableQuery(b).toString()) loadTable(b, q);
      }
      markSelected();
      if (focus && focus.exp === String(exp)) loadDetail();
    } catch (e) { setLive(false, "reload failed: " + e.message); }
  }

  document.addEventListener("click", (ev) => {
    const pg = ev.target.closest(".jobs-box a.page");
    if (pg) {
      ev.preventDefault();
      const box = pg.closest(".jobs-box");
      const url = new URL(pg.href);
      history.replaceState(null, "", url.pathname + url.search + url.hash);
      loadTable(box, url.searchParams);
      return;
    }
    const a = ev.target.closest("a.open");
    if (!a) return;
    ev.preventDefault();
    history.replaceState(null, "", a.getAttribute("href"));
    select(a.dataset.exp, a.dataset.key);
  });

  function filterFrom(form) {
    const box = form.closest(".jobs-box");
    const q = tableQuery(box, { status: form.elements.status.value, q: form.elements.q.value.trim(), page: "0" });
    history.replaceState(null, "", "/?" + q.toString() + "#" + box.id);
    loadTable(box, q);
  }
  document.addEventListener("submit", (ev) => {
    if (!ev.target.matches(".jobs-box form.filter")) return;
    ev.preventDefault();
    filterFrom(ev.target);
  });
  document.addEventListener("change", (ev) => {
    if (ev.target.matches('.jobs-box form.filter select[name="status"]')) filterFrom(ev.target.form);
  });
  let searchTimer = null;
  document.addEventListener("input", (ev) => {
    if (!ev.target.matches('.jobs-box form.filter input[name="q"]')) return;
    clearTimeout(searchTimer);
    const box = ev.target.closest(".jobs-box").id;
    searchTimer = setTimeout(() => { // the form may have been replaced since: use the current one
      const b = document.getElementById(box);
      if (b) filterFrom(b.querySelector("form.filter"));
    }, 200);
  });

  const events = new EventSource("/events?since=" + document.body.dataset.version);
  events.addEventListener("hello", () => setLive(true, "live"));
  events.addEventListener("error", () => setLive(false, "reconnecting…"));
  events.addEventListener("patch", (e) => applyPatch(JSON.parse(e.data)));
  events.addEventListener("reload", (e) => reloadExperiment(JSON.parse(e.data).exp));

  if (location.hash.startsWith("#d-")) {
    const a = [...document.querySelectorAll("a.open")].find((x) => x.getAttribute("href") === location.hash);
    if (a) select(a.dataset.exp, a.dataset.key);
  }
})();
