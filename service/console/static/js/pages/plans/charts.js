// 季度计划 · 图表: each unit's load against its capacity, and the objective's terms.
// The tooltip is HTML: every value in it goes through esc() (unit names are user data).

import { chart, esc, t } from "../../ui.js";
import { loadColour } from "../../loadscale.js";

/** The load-vs-capacity bar chart of `plan` (units named by P.unitNames). */
export function loadChart(P, plan) {
  const { unitNames } = P;
  const loadRows = (plan.loads || [])
    .map((l) => ({ ...l, name: unitNames[l.unit] || l.unit, ratio: l.capacity ? l.load / l.capacity : 0 }))
    .sort((a, b) => a.ratio - b.ratio);
  const loadChart = chart(
    {
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (ps) => {
          const r = loadRows[ps[0].dataIndex];
          return `${esc(r.name)}<br>${esc(t("plans.load"))} ${esc(r.load)} / ${esc(t("plans.capacity"))} ${esc(r.capacity)} (${Math.round(r.ratio * 100)}%)`;
        },
      },
      legend: { data: [t("plans.load"), t("plans.capacity")], top: 0 },
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        data: loadRows.map((r) => r.name),
        axisLabel: { width: 110, overflow: "truncate", fontSize: 11 },
      },
      series: [
        {
          name: t("plans.capacity"),
          type: "bar",
          data: loadRows.map((r) => r.capacity),
          barWidth: 12,
          itemStyle: { color: "#e5e8ec", borderRadius: 3 },
          z: 1,
        },
        {
          name: t("plans.load"),
          type: "bar",
          barGap: "-100%",
          itemStyle: { color: "#2e86c1" },
          barWidth: 12,
          data: loadRows.map((r) => ({
            value: r.load,
            itemStyle: { color: loadColour(r.load, r.capacity), borderRadius: 3 },
          })),
          label: { show: true, position: "right", fontSize: 10, formatter: (p) => `${p.value}/${loadRows[p.dataIndex].capacity}` },
          z: 2,
        },
      ],
    },
    "chart plans-load-chart",
  );
  loadChart.el.style.height = `${Math.max(260, loadRows.length * 22 + 60)}px`;
  loadChart.el.setAttribute("aria-label", t("plans.loads"));
  loadChart.el.id = "plans-load-chart";
  return loadChart;
}

/** The objective's terms (fit, coverage, − fairness, joint coverage, − changes). */
export function partsChart(plan) {
  const op = plan.objective_parts || {};
  const terms = [
    ["fit", op.fit || 0],
    ["coverage", op.coverage || 0],
    ["fairness", -(op.fairness || 0)],
    ["joint_coverage", op.joint_coverage || 0],
    ["changes", -(op.changes || 0)],
  ];
  const partsChart = chart(
    {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: terms.map(([k]) => t(`plans.p.${k}`)), axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: "value" },
      series: [
        {
          type: "bar",
          barWidth: "45%",
          data: terms.map(([, v]) => ({ value: v, itemStyle: { color: v < 0 ? "#c0392b" : "#16a085", borderRadius: 3 } })),
          label: { show: true, position: "top", fontSize: 11 },
        },
      ],
    },
    "chart plans-parts-chart",
  );
  partsChart.el.setAttribute("aria-label", t("plans.parts"));
  return partsChart;
}
