// guild view: a single-page app over the view's JSON API. Routes (the URL hash):
//   #/                runs table (sorted, filtered and paged by the server)
//   #/run/ID          a run: flags, scalars, attributes, output (live), files, source code
//   #/charts/ID,ID    scalars against step, one chart per scalar, runs overlaid
//   #/compare/ID,ID   flags and scalars as columns, and a parallel-coordinates plot
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token");
const COLORS = ["#2f5bd8", "#d8572f", "#1f8a4c", "#8a3fd1", "#c2a100", "#0f8f9e", "#c23a7a", "#5a6b2f",
                "#d17f3f", "#3f7fd1"];
const state = { sort: "started", desc: true, filter: "", offset: 0, limit: 100, selected: new Set() };
let timer = null;

async function api(path) {
  const resp = await fetch(path, { headers: TOKEN ? { "X-Guild-Token": TOKEN } : {} });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(body.error || `${resp.status} ${resp.statusText}`);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

function fmt(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(+v.toPrecision(7));
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function poll(fn, ms) {
  clearInterval(timer);
  timer = setInterval(() => { if (!document.hidden) fn().catch(showError); }, ms);
}

function showError(e) {
  const main = document.getElementById("main");
  let box = main.querySelector(".error");
  if (!box) { box = el("div", { class: "error" }); main.prepend(box); }
  box.textContent = String(e.message || e);
}

function updateNav() {
  const nav = document.getElementById("nav-selection");
  nav.replaceChildren();
  if (state.selected.size) {
    const ids = [...state.selected].join(",");
    nav.append(el("a", { href: `#/charts/${ids}` }, `Charts (${state.selected.size})`), " ",
               el("a", { href: `#/compare/${ids}` }, "Compare"));
  }
}

// ---- runs table

async function showRuns() {
  const main = document.getElementById("main");
  const filter = el("input", { type: "text", id: "filter", value: state.filter,
                               placeholder: "filter, as guild runs --filter: loss < 0.5 and operation = train" });
  filter.addEventListener("keydown", (e) => { if (e.key === "Enter") apply(); });
  const apply = () => { state.filter = filter.value.trim(); state.offset = 0; refresh().catch(showError); };
  const table = el("table", { class: "grid", id: "runs" });
  const count = el("span", { class: "count", id: "count" });
  const pager = el("div", { class: "pager" });
  main.replaceChildren(
    el("div", { class: "toolbar" }, filter, el("button", { onclick: apply }, "Filter"),
       el("button", { id: "chart-selected", onclick: () => go("charts") }, "Chart selected"),
       el("button", { id: "compare-selected", onclick: () => go("compare") }, "Compare selected"), count),
    table, pager);
  const go = (view) => { if (state.selected.size) location.hash = `#/${view}/${[...state.selected].join(",")}`; };

  async function refresh() {
    const q = new URLSearchParams({ sort: state.sort, desc: state.desc ? "1" : "0", offset: state.offset,
                                    limit: state.limit, filter: state.filter });
    const page = await api(`/api/runs?${q}`);
    main.querySelector(".error")?.remove();
    renderTable(table, page);
    count.textContent = `${page.total} run${page.total === 1 ? "" : "s"}`;
    pager.replaceChildren(
      el("button", { disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - state.limit); refresh(); } }, "Newer"),
      el("span", { class: "count" }, page.total ? `${state.offset + 1}–${Math.min(state.offset + state.limit, page.total)} of ${page.total}` : ""),
      el("button", { disabled: state.offset + state.limit >= page.total, onclick: () => { state.offset += state.limit; refresh(); } }, "Older"));
    for (const b of [document.getElementById("chart-selected"), document.getElementById("compare-selected")]) b.disabled = !state.selected.size;
  }

  function header(label, sortKey, cls) {
    const arrow = state.sort === sortKey ? el("span", { class: "arrow" }, state.desc ? " ▼" : " ▲") : "";
    return el("th", { class: cls, "data-sort": sortKey, onclick: () => {
      if (state.sort === sortKey) state.desc = !state.desc; else { state.sort = sortKey; state.desc = sortKey === "started"; }
      state.offset = 0; refresh().catch(showError);
    } }, label, arrow);
  }

  function renderTable(table, page) {
    const { flags, scalars } = page.columns;
    const head = el("tr", {}, el("th", {}, ""), header("Run", "id"), header("Operation", "operation"),
      header("Started", "started"), header("Time", "time"), header("Status", "status"), header("Label", "label"),
      el("th", {}, "Tags"), flags.map((f) => header(f, `flag:${f}`, "flag")),
      scalars.map((s) => header(s, `scalar:${s}`, "scalar")));
    const rows = page.runs.map((r) => {
      const box = el("input", { type: "checkbox", checked: state.selected.has(r.id), onchange: (e) => {
        if (e.target.checked) state.selected.add(r.id); else state.selected.delete(r.id);
        tr.classList.toggle("selected", e.target.checked); updateNav();
        for (const b of [document.getElementById("chart-selected"), document.getElementById("compare-selected")]) b.disabled = !state.selected.size;
      } });
      const tr = el("tr", { class: state.selected.has(r.id) ? "selected" : "", "data-id": r.id },
        el("td", {}, box), el("td", {}, el("a", { class: "run-link", href: `#/run/${r.id}` }, r.short_id)),
        el("td", {}, r.operation + (r.marked ? " ★" : "")), el("td", {}, r.started || ""), el("td", {}, r.time || ""),
        el("td", {}, el("span", { class: `status status-${r.status}` }, r.status)), el("td", {}, r.label),
        el("td", {}, r.tags.map((t) => el("span", { class: "tag" }, t))),
        flags.map((f) => el("td", { class: "flag" + (typeof r.flags[f] === "number" ? " num" : "") }, fmt(r.flags[f]))),
        scalars.map((s) => el("td", { class: "scalar num" }, fmt(r.scalars[s]))));
      return tr;
    });
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
  }

  await refresh();
  poll(refresh, 3000);
}

// ---- one run

async function showRun(id) {
  const main = document.getElementById("main");
  const run = await api(`/api/runs/${id}`);
  const output = el("pre", { class: "output", id: "output" });
  const preview = el("div", { class: "preview", id: "preview" });
  const fileLink = (path) => el("a", { onclick: () => previewFile(id, path, preview) }, path);
  main.replaceChildren(
    el("h1", {}, `${run.operation} `, el("span", { class: `status status-${run.status}`, id: "run-status" }, run.status)),
    el("div", { class: "toolbar" },
       el("button", { onclick: () => { location.hash = `#/charts/${id}`; } }, "Chart scalars"),
       el("button", { onclick: () => { state.selected.add(id); updateNav(); } }, "Select")),
    el("div", { class: "cols" },
      el("section", {}, el("h2", {}, "Run"), kv({ id: run.id, operation: run.operation, status: run.status,
          started: run.started, time: run.time, label: run.label, tags: run.tags.join(", ") })),
      el("section", {}, el("h2", {}, "Flags"), kv(run.flags)),
      el("section", {}, el("h2", {}, "Scalars"), kv(Object.fromEntries(run.scalar_summaries.map((s) =>
          [s.key, `${fmt(s.last_val)} (step ${s.last_step}; min ${fmt(s.min_val)}, max ${fmt(s.max_val)})`])))),
      el("section", {}, el("h2", {}, "Attributes"), kv({ ...run.logged_attributes, ...pick(run.attributes,
          ["sourcecode_digest", "vcs_commit", "host", "user", "exit_status", "random_seed", "cmd"]) }))),
    el("h2", {}, "Output"), output,
    el("div", { class: "cols" },
      el("section", {}, el("h2", {}, "Files"), el("ul", { class: "files", id: "files" },
         run.files.map((f) => el("li", {}, fileLink(f.path), ` (${f.size} bytes)`)))),
      el("section", {}, el("h2", {}, "Source code"), el("ul", { class: "files", id: "sourcecode" },
         run.sourcecode.map((p) => el("li", {}, fileLink(p)))))),
    preview);
  let offset = 0;
  async function tail() {
    const out = await api(`/api/runs/${id}/output?offset=${offset}`);
    if (out.text) { output.append(out.text); offset = out.next; output.scrollTop = output.scrollHeight; }
    document.getElementById("run-status").textContent = out.status;
    document.getElementById("run-status").className = `status status-${out.status}`;
    if (!["running", "pending"].includes(out.status)) clearInterval(timer);
  }
  await tail();
  poll(tail, 1500);
}

function pick(obj, names) {
  return Object.fromEntries(names.filter((n) => obj[n] !== undefined && obj[n] !== null).map((n) => [n, obj[n]]));
}

function kv(obj) {
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
  if (!entries.length) return el("p", { class: "count" }, "none");
  return el("dl", { class: "kv" }, entries.map(([k, v]) => [el("dt", {}, k), el("dd", {}, fmt(v))]));
}

async function previewFile(id, path, box) {
  const url = `/api/runs/${id}/files/${path.split("/").map(encodeURIComponent).join("/")}`;
  box.replaceChildren(el("h2", {}, path));
  if (/\.(png|jpe?g|gif|svg|webp)$/i.test(path)) { box.append(el("img", { src: url, alt: path })); return; }
  const resp = await fetch(url, { headers: TOKEN ? { "X-Guild-Token": TOKEN } : {} });
  box.append(el("pre", { class: "file" }, resp.ok ? await resp.text() : `cannot show ${path}`));
}

// ---- charts

async function showCharts(ids) {
  const main = document.getElementById("main");
  const smooth = el("input", { type: "range", min: 0, max: 0.99, step: 0.01, value: 0, id: "smoothing" });
  const grid = el("div", { class: "charts", id: "charts" });
  main.replaceChildren(el("h1", {}, "Scalars"),
    el("div", { class: "toolbar" }, "Smoothing ", smooth, el("span", { class: "count", id: "smoothing-value" }, "0")), grid);
  let runs = [];
  const charts = new Map();
  async function load() {
    runs = await Promise.all(ids.map((id) => api(`/api/runs/${id}/scalars`)));
    draw();
  }
  function draw() {
    const alpha = +smooth.value;
    document.getElementById("smoothing-value").textContent = alpha.toFixed(2);
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.series)))].sort();
    for (const key of keys) {
      const data = aligned(runs, key, alpha);
      let chart = charts.get(key);
      if (chart) { chart.setData(data); continue; }
      const box = el("div", { class: "chart", "data-scalar": key }, el("h3", {}, key));
      grid.append(box);
      chart = new uPlot({ width: 440, height: 240, scales: { x: { time: false } },
        series: [{ label: "step" }, ...runs.map((r, i) => ({ label: r.short_id, stroke: COLORS[i % COLORS.length],
                 width: 1.5, spanGaps: true, points: { show: false } }))],
        axes: [{ label: "step" }, {}] }, data, box);
      charts.set(key, chart);
    }
  }
  smooth.addEventListener("input", draw);
  await load();
  poll(load, 5000);
}

function aligned(runs, key, alpha) {
  // uPlot wants one x array: the union of the runs' steps, each run's values at those steps
  const steps = [...new Set(runs.flatMap((r) => (r.series[key] || { steps: [] }).steps))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const ys = runs.map((r) => {
    const col = new Array(steps.length).fill(null);
    const s = r.series[key];
    if (!s) return col;
    let ema = null;
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      if (v === null) return;
      ema = ema === null || alpha === 0 ? v : alpha * ema + (1 - alpha) * v;
      col[index.get(step)] = ema;
    });
    return col;
  });
  return [steps, ...ys];
}

// ---- compare

async function showCompare(ids) {
  const main = document.getElementById("main");
  const table = await api(`/api/compare?ids=${ids.join(",")}`);
  const head = el("tr", {}, table.headers.map((h) => el("th", {}, h)));
  const rows = table.rows.map((row) => el("tr", {}, row.map((v, i) => i === 0
    ? el("td", {}, el("a", { class: "run-link", href: `#/run/${v}` }, v.slice(0, 8)))
    : el("td", { class: typeof v === "number" ? "num" : "" }, fmt(v)))));
  main.replaceChildren(el("h1", {}, `Compare ${ids.length} run${ids.length === 1 ? "" : "s"}`),
    el("table", { class: "grid", id: "compare" }, el("thead", {}, head), el("tbody", {}, rows)),
    el("h2", {}, "Parallel coordinates"), parallelCoordinates(table));
}

function parallelCoordinates(table) {
  const skip = new Set(["run", "operation", "started", "time", "status", "label", "step"]);
  const cols = table.headers.map((h, i) => [h, i]).filter(([h, i]) => !skip.has(h) &&
    table.rows.some((r) => typeof r[i] === "number"));
  const NS = "http://www.w3.org/2000/svg";
  const width = Math.max(360, 150 * cols.length), height = 300, top = 30, bottom = 30;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "parcoords");
  svg.setAttribute("width", width); svg.setAttribute("height", height);
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node); return node;
  };
  const x = (j) => 60 + j * ((width - 120) / Math.max(1, cols.length - 1));
  const ranges = cols.map(([, i]) => {
    const vals = table.rows.map((r) => r[i]).filter((v) => typeof v === "number");
    return [Math.min(...vals), Math.max(...vals)];
  });
  const y = (j, v) => {
    const [lo, hi] = ranges[j];
    return hi === lo ? (top + height - bottom) / 2 : height - bottom - (v - lo) / (hi - lo) * (height - top - bottom);
  };
  cols.forEach(([h], j) => {
    add("line", { class: "axis", x1: x(j), x2: x(j), y1: top, y2: height - bottom });
    add("text", { x: x(j), y: top - 10, "text-anchor": "middle" }, h);
    add("text", { x: x(j) + 4, y: height - bottom + 14 }, fmt(ranges[j][0]));
    add("text", { x: x(j) + 4, y: top + 10 }, fmt(ranges[j][1]));
  });
  table.rows.forEach((row, r) => {
    const pts = cols.map(([, i], j) => typeof row[i] === "number" ? `${x(j)},${y(j, row[i])}` : null).filter(Boolean);
    const line = add("polyline", { class: "line", points: pts.join(" "), stroke: COLORS[r % COLORS.length] });
    line.append(Object.assign(document.createElementNS(NS, "title"), { textContent: row[0].slice(0, 8) }));
  });
  return svg;
}

// ---- routing

async function route() {
  clearInterval(timer);
  const [view, arg] = location.hash.replace(/^#\/?/, "").split("/");
  updateNav();
  try {
    if (view === "run" && arg) await showRun(arg);
    else if (view === "charts" && arg) await showCharts(arg.split(","));
    else if (view === "compare" && arg) await showCompare(arg.split(","));
    else await showRuns();
  } catch (e) { showError(e); }
}

document.addEventListener("visibilitychange", () => {
  document.getElementById("live").classList.toggle("paused", document.hidden);
});
window.addEventListener("hashchange", route);
route();
