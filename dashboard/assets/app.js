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

  function applyPatch(p) {
    let focused = false;
    for (const row of p.rows) {
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
      if (sec) sec.querySelector(".counts").innerHTML = run.counts;
      scheduleGantt(p.exp, run.run);
    }
    if (focused) loadDetail();
  }

  async function reloadExperiment(exp) {
    try {
      const html = await fetchText("/fragment/experiment?exp=" + exp);
      const old = document.getElementById("exp-" + exp);
      const tpl = document.createElement("template");
      tpl.innerHTML = html;
      old.replaceWith(tpl.content.firstElementChild);
      markSelected();
      if (focus && focus.exp === String(exp)) loadDetail();
    } catch (e) { setLive(false, "reload failed: " + e.message); }
  }

  document.addEventListener("click", (ev) => {
    const a = ev.target.closest("a.open");
    if (!a) return;
    ev.preventDefault();
    history.replaceState(null, "", a.getAttribute("href"));
    select(a.dataset.exp, a.dataset.key);
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
