// The sqlengine dashboard: one EventSource, one snapshot per tick, four panels drawn by hand
// (no library, nothing fetched from elsewhere).
"use strict";
(function () {
  const WINDOW = 20; // seconds of Task Stream shown
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
                   "#bab0ac", "#86bcb6", "#8cd17d", "#499894", "#d4a6c8", "#a0cbe8", "#ffbe7d", "#f1ce63"];
  const colours = new Map();
  let bars = [];          // [seq, worker, group, start, end, ok]
  let tasksRun = 0, tasksFailed = 0;
  let now = 0;
  const $ = (id) => document.getElementById(id);

  function colour(group) {
    if (!colours.has(group)) {
      let h = 0;
      for (const c of group) h = (h * 31 + c.charCodeAt(0)) >>> 0;
      let i = h % PALETTE.length;
      const used = new Set(colours.values());
      for (let k = 0; k < PALETTE.length && used.has(PALETTE[i]); k++) i = (i + 1) % PALETTE.length;
      colours.set(group, PALETTE[i]);
    }
    return colours.get(group);
  }

  function bytes(n) {
    if (n === null || n === undefined) return "–";
    const units = ["B", "kB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i ? n.toFixed(n < 10 ? 1 : 0) : n) + " " + units[i];
  }

  function secs(s) {
    if (s === null || s === undefined) return "–";
    return s < 1 ? (s * 1000).toFixed(s < 0.01 ? 2 : 0) + " ms" : s.toFixed(2) + " s";
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k === "style") e.style.cssText = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  // -- Task Stream --------------------------------------------------------------------------
  function drawStream() {
    const canvas = $("stream");
    const dpr = window.devicePixelRatio || 1;
    const lanes = [...new Set(bars.map((b) => b[1]))].sort();
    const want = Math.max(90, Math.min(420, 26 + 30 * lanes.length)); // lanes of 30 px, at most 13 before they shrink
    if (canvas.clientHeight !== want) canvas.style.height = want + "px";
    const width = canvas.clientWidth || 1200, height = want;
    if (canvas.width !== width * dpr || canvas.height !== height * dpr) { canvas.width = width * dpr; canvas.height = height * dpr; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const left = 150, plot = width - left - 8;
    const laneH = Math.max(8, Math.min(40, (height - 20) / Math.max(1, lanes.length)));
    const t0 = now - WINDOW;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    lanes.forEach((lane, i) => {
      const y = 4 + i * laneH;
      ctx.fillStyle = i % 2 ? "#f3f5f8" : "#fbfcfd";
      ctx.fillRect(left, y, plot, laneH);
      ctx.fillStyle = "#444";
      ctx.fillText(lane.length > 24 ? lane.slice(0, 23) + "…" : lane, 4, y + laneH / 2);
    });
    const index = new Map(lanes.map((l, i) => [l, i]));
    const failed = [];
    for (const b of bars) {
      const x0 = left + ((b[3] - t0) / WINDOW) * plot;
      const x1 = left + ((b[4] - t0) / WINDOW) * plot;
      if (x1 < left) continue;
      const y = 4 + index.get(b[1]) * laneH + 1;
      ctx.fillStyle = b[5] ? colour(b[2]) : "#c62828";
      ctx.fillRect(Math.max(left, x0), y, Math.max(1, x1 - Math.max(left, x0)), laneH - 2);
      if (!b[5]) failed.push([x0, y]);
    }
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
    for (const [x, y] of failed) { // a failed task: a red bar under a black cross
      ctx.beginPath(); ctx.moveTo(x - 4, y); ctx.lineTo(x + 4, y + laneH - 2);
      ctx.moveTo(x + 4, y); ctx.lineTo(x - 4, y + laneH - 2); ctx.stroke();
    }
    ctx.fillStyle = "#777";
    for (let s = 0; s <= WINDOW; s += 5) {
      const x = left + (s / WINDOW) * plot;
      ctx.fillRect(x, height - 14, 1, 4);
      ctx.fillText((s - WINDOW) + " s", Math.min(x - 8, width - 30), height - 5);
    }
    const legend = $("legend");
    legend.replaceChildren(...[...new Set(bars.filter((b) => b[4] > t0).map((b) => b[2]))].sort().map((g) =>
      el("span", {}, el("i", {style: "background:" + colour(g)}), g)));
  }

  // -- Progress -----------------------------------------------------------------------------
  function drawProgress(groups) {
    const totals = {done: 0, running: 0, waiting: 0, error: 0};
    const rows = groups.map((g) => {
      for (const k in totals) totals[k] += g[k];
      const all = Math.max(1, g.done + g.running + g.waiting + g.error);
      const part = (n, c) => el("b", {style: `width:${(100 * n) / all}%;background:${c}`});
      return el("div", {class: "group", "data-group": g.group},
        el("span", {class: "name", title: g.group}, el("i", {style: "background:" + colour(g.group)}), " " + g.group),
        el("span", {class: "track"}, part(g.done, colour(g.group)), part(g.error, "#c62828"),
           part(g.running, "#9aa9b8"), part(g.waiting, "transparent")),
        el("span", {class: "nums"}, `${g.done} / ${g.running} / ${g.waiting}` + (g.error ? ` · ${g.error} failed` : "")));
    });
    for (const k in totals) $("progress-" + k).textContent = totals[k];
    $("progress").replaceChildren(...(rows.length ? [el("div", {class: "group"}, el("span", {class: "name"}, "group"),
      el("span", {}, ""), el("span", {class: "nums"}, "done / running / waiting")), ...rows]
      : [el("div", {class: "empty"}, "no tasks yet")]));
  }

  // -- Workers ------------------------------------------------------------------------------
  function drawWorkers(workers) {
    let held = 0;
    const rows = workers.map((w) => {
      held += w.held || 0;
      const cpu = w.cpu === null || w.cpu === undefined ? "–" : w.cpu.toFixed(0) + " %";
      const meter = el("span", {class: "meter"}, el("b", {style: `width:${Math.min(100, w.cpu || 0)}%`}));
      return el("tr", {"data-kind": w.kind}, el("td", {}, w.name), el("td", {class: "num"}, meter, cpu),
        el("td", {class: "num"}, w.kind === "thread" ? "(shared)" : bytes(w.memory)), el("td", {class: "num"}, bytes(w.held)));
    });
    $("workers-count").textContent = workers.filter((w) => !w.name.startsWith("client")).length;
    $("workers-held").textContent = bytes(held);
    document.querySelector("#workers tbody").replaceChildren(...rows);
  }

  // -- Queries ------------------------------------------------------------------------------
  function planNode(node) {
    const stats = [];
    const fused = node.fused_into !== null && node.fused_into !== undefined;
    if (fused) stats.push(`fused into #${node.fused_into}`);  // its tasks ran inside that operator's
    if (!fused && node.rows !== null && node.rows !== undefined) stats.push(node.rows.toLocaleString() + " rows");
    if (node.seconds !== null && node.seconds !== undefined && (!fused || node.seconds)) stats.push(secs(node.seconds));
    if (node.peak_bytes) stats.push(bytes(node.peak_bytes) + " peak");
    if (node.spilled_bytes) stats.push(bytes(node.spilled_bytes) + " spilled");
    if (node.tasks_total) stats.push(`${node.tasks_done || 0}/${node.tasks_total} tasks`);
    const li = el("li", {}, el("span", {class: "op", "data-rows": fused ? "" : node.rows ?? "", "data-fused-into": fused ? node.fused_into : ""},
      el("span", {class: "opnum"}, node.number ? `#${node.number} ` : ""), el("b", {}, node.name),
      el("span", {class: "detail"}, node.detail || ""), el("span", {class: "stats"}, stats.join(" · "))));
    if (node.children && node.children.length) li.append(el("ul", {}, ...node.children.map(planNode)));
    return li;
  }

  function drawQueries(view) {
    const qs = view.queries || [];
    $("queries-count").textContent = qs.length;
    $("queries-running").textContent = qs.filter((q) => q.status === "running").length;
    if (!qs.length) { $("queries").replaceChildren(el("div", {class: "empty"}, "no SQL query yet")); return; }
    $("queries").replaceChildren(...qs.map((q) => el("div", {class: "query", "data-status": q.status},
      el("div", {class: "head"}, el("b", {class: q.status}, q.status), " · " + secs(q.seconds) + (q.error ? " · " + q.error : "")),
      el("pre", {}, q.text),
      q.plan ? el("ul", {class: "plan"}, planNode(q.plan)) : el("div", {class: "empty"}, "no plan"))));
  }

  function update(data) {
    now = data.now;
    document.title = data.title + " dashboard";
    $("title").textContent = data.title;
    const links = Object.entries(data.links || {});
    $("links").replaceChildren(...links.map(([name, href]) => el("a", {href, target: "_blank"}, name)));
    for (const p of document.querySelectorAll(".panel")) p.classList.toggle("hidden", !data.panels.includes(p.dataset.panel));
    for (const b of data.bars || []) { tasksRun++; if (!b[5]) tasksFailed++; bars.push(b); }
    bars = bars.filter((b) => b[4] > now - WINDOW);
    if (bars.length > 20000) bars = bars.slice(-20000);
    $("tasks-count").textContent = tasksRun;
    $("tasks-errors").textContent = tasksFailed;
    if (data.panels.includes("tasks")) drawStream();
    if (data.progress) drawProgress(data.progress);
    if (data.workers) drawWorkers(data.workers);
    if (data.queries) drawQueries(data.queries);
  }

  const status = $("status");
  const source = new EventSource("/events");
  source.onopen = () => { status.textContent = "live"; status.className = "status live"; };
  source.onerror = () => { status.textContent = "disconnected (retrying)"; status.className = "status gone"; };
  source.onmessage = (e) => update(JSON.parse(e.data));
})();
