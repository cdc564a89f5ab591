// 全市计划 City plans (city role): start one plan per sub-district of a quarter
// (POST /plans/city → 202) and follow them (GET /plans/city/{id}, polled while any
// runs): a table of the sub-districts (name, status, gap, coverage = met needs /
// needs, seconds, error) and a chart of their gaps and coverage — a scatter at each
// sub-district's centre when every one has coordinates, else bars per sub-district.
// The run's id is in the hash (#/city/<run id>). Names are user data: they go into
// the DOM as text and through esc() in the tooltips.

import { api } from "../../api.js";
import { confirmDialog } from "../plans/common.js";
import { addStrings, chart, currentQuarter, errorText, esc, fill, h, notice, page, pct, quarterLabel, quarterOptions, select, t, toast, when } from "../../ui.js";

addStrings({
  zh: {
    "city.title": "全市计划",
    "city.intro": "为所选季度的每个街道各制定一份计划，并行求解；一个街道失败不影响其他街道。",
    "city.quarter": "季度",
    "city.subdistricts": "街道代码",
    "city.subdistricts.hint": "逗号分隔，如 SD01,SD02；留空为全部街道",
    "city.time_limit": "每个街道的求解时限（秒）",
    "city.run": "开始全市计划",
    "city.started": "已开始：{n} 个街道",
    "city.runs": "最近的全市计划",
    "city.none": "还没有全市计划。",
    "city.run.title": "全市计划 · {quarter}",
    "city.run.summary": "共 {n} 个街道：已完成 {done}，失败 {failed}，已停止 {stopped}，进行中 {open}",
    "city.engine.local": "本机逐个求解",
    "city.engine.ray": "集群并行求解",
    "city.col.name": "街道",
    "city.col.status": "状态",
    "city.col.gap": "差距",
    "city.col.coverage": "需求覆盖",
    "city.col.seconds": "用时（秒）",
    "city.col.error": "说明",
    "city.col.count": "街道数",
    "city.chart": "各街道的差距与需求覆盖率",
    "city.chart.gap": "差距",
    "city.chart.coverage": "需求覆盖率",
    "city.chart.lon": "经度",
    "city.chart.lat": "纬度",
    "city.notfound": "没有这个全市计划。",
    "city.cancel": "停止全市计划",
    "city.cancel.confirm": "停止这次全市计划？已完成的街道保留计划，其余街道停止求解。",
    "city.cancel.ok": "停止",
    "city.cancelled": "已停止：{done} 个街道已完成，其余 {stopped} 个已停止",
  },
  en: {
    "city.title": "City plans",
    "city.intro": "One plan per sub-district of the quarter, solved in parallel; one failing does not stop the others.",
    "city.quarter": "Quarter",
    "city.subdistricts": "Sub-district codes",
    "city.subdistricts.hint": "comma-separated, e.g. SD01,SD02; empty for all",
    "city.time_limit": "Time limit per sub-district (s)",
    "city.run": "Plan the city",
    "city.started": "Started: {n} sub-districts",
    "city.runs": "Recent city plans",
    "city.none": "No city plan yet.",
    "city.run.title": "City plan · {quarter}",
    "city.run.summary": "{n} sub-districts: {done} done, {failed} failed, {stopped} stopped, {open} in progress",
    "city.engine.local": "one at a time on this machine",
    "city.engine.ray": "in parallel on Ray",
    "city.col.name": "Sub-district",
    "city.col.status": "Status",
    "city.col.gap": "Gap",
    "city.col.coverage": "Needs met",
    "city.col.seconds": "Seconds",
    "city.col.error": "Note",
    "city.col.count": "Sub-districts",
    "city.chart": "Gap and coverage by sub-district",
    "city.chart.gap": "Gap",
    "city.chart.coverage": "Coverage",
    "city.chart.lon": "Longitude",
    "city.chart.lat": "Latitude",
    "city.notfound": "No such city plan.",
    "city.cancel": "Stop the city plan",
    "city.cancel.confirm": "Stop this city plan? Finished sub-districts keep their plans; the others stop.",
    "city.cancel.ok": "Stop",
    "city.cancelled": "Stopped: {done} sub-districts finished, the other {stopped} stopped",
  },
});

export default page("city", { zh: "全市计划", en: "City plans" }, render, ["city"]);

const FINISHED = new Set(["done", "failed", "cancelled", "interrupted"]);

async function render(el, ctx) {
  const runBox = h("div", { id: "city-run" });
  fill(el, h("h1", { id: "h-city" }, t("city.title")), h("p", { class: "muted" }, t("city.intro")), startForm(ctx), runBox, await runsCard(ctx));
  if (ctx.rest) await follow(runBox, ctx.rest);
}

function startForm(ctx) {
  const quarter = select(quarterOptions(currentQuarter()), currentQuarter(), { id: "city-quarter", name: "quarter" });
  const codes = h("input", { id: "city-subdistricts", name: "subdistricts", maxlength: 2000, placeholder: "SD01,SD02" });
  const limit = h("input", { id: "city-time-limit", name: "time_limit", type: "number", min: 1, max: 600, step: 1, value: 10, required: true });
  const msg = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "primary", id: "city-start" }, t("city.run"));
  const form = h(
    "form",
    { class: "card", id: "city-form" },
    h("div", { class: "row" }, h("label", { for: "city-quarter" }, t("city.quarter"), quarter), h("label", { for: "city-time-limit" }, t("city.time_limit"), limit)),
    h("label", { for: "city-subdistricts" }, t("city.subdistricts"), codes, h("small", {}, t("city.subdistricts.hint"))),
    msg,
    h("p", {}, button),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const list = codes.value.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean);
    const body = { quarter: quarter.value, time_limit: Number(limit.value) };
    if (list.length) body.subdistricts = list;
    button.disabled = true;
    try {
      const run = await api("/plans/city", { method: "POST", body });
      toast(t("city.started", { n: run.subdistricts.length }), "ok");
      ctx.go(`#/city/${encodeURIComponent(run.id)}`);
    } catch (err) {
      msg.replaceChildren(notice(errorText(err), "error"));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

async function runsCard(ctx) {
  const runs = await api("/plans/city");
  const body = runs.length
    ? h(
        "ul",
        { id: "city-runs" },
        runs.map((r) =>
          h(
            "li",
            {},
            h("a", { href: `#/city/${encodeURIComponent(r.id)}`, "aria-current": r.id === ctx.rest ? "true" : null }, `${quarterLabel(r.quarter)} · ${when(r.created_at)}`),
            ` · ${t("city.col.count")} ${r.subdistricts}`,
          ),
        ),
      )
    : h("p", { class: "muted" }, t("city.none"));
  return h("div", { class: "card" }, h("h2", {}, t("city.runs")), body);
}

/** Show run `id` in `box`, and poll it while a sub-district is still waiting or solving. */
async function follow(box, id) {
  const headBox = h("div");
  const chartBox = h("div");
  const card = h("div", { class: "card", id: "city-run-card", dataset: { finished: "0" } }, headBox, h("h2", {}, t("city.chart")), chartBox);
  let shown = "";
  const tick = async () => {
    if (!box.isConnected) return;
    let run;
    try {
      run = await api(`/plans/city/${encodeURIComponent(id)}`);
    } catch (err) {
      box.replaceChildren(notice(err.status === 404 ? t("city.notfound") : errorText(err), "error"));
      return;
    }
    if (!box.isConnected) return;
    if (!card.isConnected) {
      box.replaceChildren(card);
      // the form starts from the quarter of the run shown
      const quarter = document.getElementById("city-quarter");
      if (quarter && [...quarter.options].some((o) => o.value === run.quarter)) quarter.value = run.quarter;
    }
    fill(headBox, runHead(run, () => cancelRun(box, id)), runTable(run));
    // the chart is drawn again only when what it shows has changed
    const key = JSON.stringify(run.subdistricts.map((s) => [s.status, s.gap, s.coverage]));
    if (key !== shown) chartBox.replaceChildren(runChart(run.subdistricts).el);
    shown = key;
    card.dataset.finished = run.finished ? "1" : "0";
    if (!run.finished) setTimeout(tick, 1000);
  };
  await tick();
}

function runHead(run, onCancel) {
  const c = run.counts;
  const open = (c.queued || 0) + (c.running || 0);
  return [
    h("h2", {}, t("city.run.title", { quarter: quarterLabel(run.quarter) })),
    h("p", { id: "city-summary" }, t("city.run.summary", { n: run.subdistricts.length, done: c.done || 0, failed: c.failed || 0, stopped: (c.interrupted || 0) + (c.cancelled || 0), open }), " · ", t(`city.engine.${run.engine}`)),
    run.finished ? null : h("p", {}, h("button", { type: "button", class: "danger", id: "city-cancel", onclick: onCancel }, t("city.cancel"))),
  ];
}

/** Ask, then stop run `id` (POST /plans/city/{id}/cancel); the poll, still going while
 * the run had not finished, shows the result within a second. */
async function cancelRun(box, id) {
  if (!(await confirmDialog(box, t("city.cancel.confirm"), t("city.cancel.ok")))) return;
  const button = document.getElementById("city-cancel");
  if (button) button.disabled = true;
  try {
    const run = await api(`/plans/city/${encodeURIComponent(id)}/cancel`, { method: "POST" });
    const done = run.counts.done || 0;
    toast(t("city.cancelled", { done, stopped: run.subdistricts.length - done }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function coverageText(s) {
  return s.needs ? `${s.met_needs} / ${s.needs}（${pct(s.coverage)}）` : "—";
}

function runTable(run) {
  const head = ["name", "status", "gap", "coverage", "seconds", "error"].map((k) => h("th", { scope: "col" }, t(`city.col.${k}`)));
  const rows = run.subdistricts.map((s) =>
    h(
      "tr",
      { dataset: { subdistrict: s.id, status: s.status } },
      h("td", {}, s.name),
      h("td", {}, s.status_zh),
      h("td", {}, s.gap === null ? "—" : pct(s.gap)),
      h("td", {}, coverageText(s)),
      h("td", {}, s.seconds === null ? "—" : s.seconds.toFixed(1)),
      h("td", {}, s.error || ""),
    ),
  );
  return h("div", { class: "table-wrap" }, h("table", { id: "city-table" }, h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows)));
}

function tooltip(s) {
  return `${esc(s.name)}<br>${esc(t("city.col.status"))} ${esc(s.status_zh)}<br>${esc(t("city.chart.gap"))} ${esc(s.gap === null ? "—" : pct(s.gap))}<br>${esc(t("city.col.coverage"))} ${esc(coverageText(s))}`;
}

/** Axis bounds a little beyond `values` (degrees), so that one point is not alone on a wide axis. */
function around(values) {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max(0.01, (hi - lo) * 0.15);
  const r = (x) => Math.round(x * 1000) / 1000;
  return { min: r(lo - pad), max: r(hi + pad), axisLabel: { formatter: (v) => v.toFixed(3), showMinLabel: false, showMaxLabel: false } };
}

/**
 * A scatter at each sub-district's centre (size: coverage, colour: gap) when every
 * sub-district but failed ones has coordinates (an unknown code has none), else bars.
 */
function runChart(all) {
  const has = (s) => s.lat !== null && s.lon !== null;
  const placed = all.some(has) && all.every((s) => has(s) || s.status === "failed");
  const subs = placed ? all.filter(has) : all;
  const gapMax = Math.max(0.01, ...subs.map((s) => s.gap || 0));
  const option = placed
    ? {
        tooltip: { trigger: "item", formatter: (p) => tooltip(subs[p.dataIndex]) },
        grid: { left: 24, right: 24, top: 16, bottom: 32, containLabel: true },
        xAxis: { type: "value", name: t("city.chart.lon"), nameLocation: "middle", nameGap: 24, ...around(subs.map((s) => s.lon)) },
        yAxis: { type: "value", name: t("city.chart.lat"), nameLocation: "middle", nameGap: 48, ...around(subs.map((s) => s.lat)) },
        visualMap: { show: false, dimension: 2, min: 0, max: gapMax, inRange: { color: ["#2e7d32", "#f9a825", "#c62828"] } },
        series: [
          {
            type: "scatter",
            data: subs.map((s) => [s.lon, s.lat, s.gap || 0, s.coverage || 0]),
            symbolSize: (v) => 12 + 28 * v[3],
            label: { show: true, position: "right", formatter: (p) => subs[p.dataIndex].name, fontSize: 11 },
          },
        ],
      }
    : {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (ps) => tooltip(subs[ps[0].dataIndex]) },
        legend: { data: [t("city.chart.gap"), t("city.chart.coverage")], top: 0 },
        grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: subs.map((s) => s.name), axisLabel: { interval: 0, fontSize: 11 } },
        yAxis: { type: "value", max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
        series: [
          { name: t("city.chart.gap"), type: "bar", data: subs.map((s) => s.gap ?? 0) },
          { name: t("city.chart.coverage"), type: "bar", data: subs.map((s) => s.coverage ?? 0) },
        ],
      };
  const c = chart(option, "chart city-chart");
  c.el.id = "city-chart";
  c.el.style.height = "320px";
  c.el.setAttribute("aria-label", t("city.chart"));
  c.el.dataset.kind = placed ? "scatter" : "bar";
  return c;
}
