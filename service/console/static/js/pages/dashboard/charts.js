// 总览 · 图表: rates per quarter, activities by joint type, unit load against capacity.
// The load tooltip is HTML: every value in it goes through esc() (unit names are data).

import { loadColour } from "../../loadscale.js";
import { chart, esc, h, label, pct, t, JOINTS, JOINT_COLORS } from "../../ui.js";
import { RATES } from "./cards.js";

export function chartCard(titleKey, option, opts = {}) {
  const c = chart(option, opts.tall ? "chart tall" : "chart");
  c.el.setAttribute("aria-label", t(titleKey));
  c.el.dataset.chart = opts.id || titleKey;
  return h(
    "div",
    { class: `card dash-chart ${opts.wide ? "dash-wide" : ""}` },
    h("h2", {}, t(titleKey)),
    opts.sub ? h("p", { class: "muted dash-sub" }, opts.sub) : null,
    c.el,
    opts.legend || null,
  );
}

const AXIS_TEXT = { color: "#627083" };
const pctAxis = {
  type: "value",
  min: 0,
  max: 100,
  axisLabel: { formatter: "{value}%", ...AXIS_TEXT },
  splitLine: { lineStyle: { color: "#eef1f4" } },
};

export function quartersOption(items, selected) {
  const ids = items.map((i) => i.id);
  const series = RATES.map(([key, name, color]) => ({
    name: t(name),
    type: "line",
    symbolSize: 7,
    connectNulls: false,
    itemStyle: { color },
    lineStyle: { width: 2.5 },
    data: items.map((i) => (i[key].value === null ? null : +(i[key].value * 100).toFixed(1))),
  }));
  series.push({
    name: t("dash.cases"),
    type: "bar",
    yAxisIndex: 1,
    barMaxWidth: 28,
    itemStyle: { color: "#d9dee5", borderRadius: [4, 4, 0, 0] },
    data: items.map((i, n) => ({
      value: i.cases,
      itemStyle: ids[n] === selected ? { color: "#f3c6c0" } : undefined,
    })),
    z: 1,
  });
  return {
    animationDuration: 400,
    tooltip: {
      trigger: "axis",
      valueFormatter: (v) => (v === null || v === undefined ? "—" : String(v)),
    },
    legend: { top: 0, type: "scroll", textStyle: AXIS_TEXT },
    grid: { left: 8, right: 8, top: 40, bottom: 8 },
    xAxis: { type: "category", data: ids, axisLabel: AXIS_TEXT },
    yAxis: [pctAxis, { type: "value", minInterval: 1, axisLabel: AXIS_TEXT, splitLine: { show: false } }],
    series,
  };
}

/** `counts`: activities per joint type. */
export function activitiesOption(counts) {
  const count = Object.fromEntries(Object.keys(JOINTS).map((k) => [k, counts[k] || 0]));
  const keys = Object.keys(JOINTS);
  return {
    animationDuration: 400,
    tooltip: { trigger: "item" },
    grid: { left: 8, right: 8, top: 16, bottom: 8 },
    xAxis: {
      type: "category",
      data: keys.map((k) => label(JOINTS, k)),
      axisLabel: { interval: 0, ...AXIS_TEXT, overflow: "break", width: 80 },
    },
    yAxis: { type: "value", minInterval: 1, axisLabel: AXIS_TEXT, splitLine: { lineStyle: { color: "#eef1f4" } } },
    series: [
      {
        name: t("dash.count"),
        type: "bar",
        barMaxWidth: 48,
        label: { show: true, position: "top" },
        data: keys.map((k) => ({ value: count[k], itemStyle: { color: JOINT_COLORS[k], borderRadius: [4, 4, 0, 0] } })),
      },
    ],
  };
}

const byLoad = (a, b) => (b.ratio ?? -1) - (a.ratio ?? -1) || b.load - a.load;

/** The `n` units with the highest load ratios (then loads), highest first. */
export function topLoads(loads, n) {
  return [...loads].sort(byLoad).slice(0, n);
}

export function loadOption(loads) {
  const rows = [...loads].sort(byLoad).reverse();
  const colour = (r) => loadColour(r.load, r.capacity);
  return {
    animationDuration: 400,
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (ps) => {
        const r = rows[ps[0].dataIndex];
        // tooltip HTML: unit names are user data
        return `${esc(r.name)}<br>${esc(t("dash.load"))} ${esc(r.load)} / ${esc(t("dash.capacity"))} ${esc(r.capacity)} · ${esc(pct(r.ratio))}`;
      },
    },
    legend: { top: 0, textStyle: AXIS_TEXT },
    grid: { left: 8, right: 16, top: 32, bottom: 8 },
    xAxis: { type: "value", minInterval: 1, axisLabel: AXIS_TEXT, splitLine: { lineStyle: { color: "#eef1f4" } } },
    yAxis: {
      type: "category",
      data: rows.map((r) => r.name),
      axisLabel: { ...AXIS_TEXT, width: 110, overflow: "truncate" },
    },
    series: [
      {
        name: t("dash.capacity"),
        type: "bar",
        barGap: "-100%",
        barMaxWidth: 16,
        itemStyle: { color: "#e6e9ee", borderRadius: [0, 4, 4, 0] },
        data: rows.map((r) => r.capacity),
        z: 1,
      },
      {
        name: t("dash.load"),
        type: "bar",
        barMaxWidth: 16,
        itemStyle: { color: "#1e8449", borderRadius: [0, 4, 4, 0] },
        data: rows.map((r) => ({ value: r.load, itemStyle: { color: colour(r) } })),
        z: 2,
      },
    ],
  };
}
