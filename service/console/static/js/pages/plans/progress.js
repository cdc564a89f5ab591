// 季度计划 · 求解进展: the objective and the proven bound as the solver improves them
// (job.progress.series, {t, objective, bound, gap}), drawn live while the job runs,
// and the progress bar's share of the time limit. The tooltip is HTML: every value
// in it goes through esc().

import { addStrings, chart, esc, t } from "../../ui.js";

addStrings({
  zh: {
    "plans.progress.chart": "求解进展：目标值与上界",
    "plans.progress.gap": "差距 %",
    "plans.progress.t": "秒",
  },
  en: {
    "plans.progress.chart": "Solver progress: objective and bound",
    "plans.progress.gap": "Gap %",
    "plans.progress.t": "s",
  },
});

/** Share of the time limit used (0–1): finished 1, queued 0, else elapsed / limit (< 1). */
export function progressShare(job, elapsed) {
  if (!["queued", "running"].includes(job.status)) return 1;
  if (job.status === "queued") return 0;
  const limit = Number(job.progress?.time_limit ?? job.request?.time_limit) || 10;
  return Math.max(0, Math.min(0.99, (Number(elapsed) || 0) / limit));
}

function option(series) {
  const obj = series.map((p) => [p.t, p.objective]);
  const bound = series.map((p) => [p.t, p.bound]);
  const gap = series.map((p) => [p.t, p.gap === null || p.gap === undefined ? null : p.gap * 100]);
  return {
    animation: false,
    tooltip: {
      trigger: "axis",
      formatter: (ps) => {
        const p = series[ps[0].dataIndex] || {};
        const gapText = p.gap === null || p.gap === undefined ? "—" : `${(p.gap * 100).toFixed(3)}%`;
        return [
          `${esc(p.t)} ${esc(t("plans.progress.t"))}`,
          `${esc(t("plans.objective"))} ${esc(p.objective ?? "—")}`,
          `${esc(t("plans.bound"))} ${esc(p.bound ?? "—")}`,
          `${esc(t("plans.gap"))} ${esc(gapText)}`,
        ].join("<br>");
      },
    },
    legend: { data: [t("plans.objective"), t("plans.bound"), t("plans.progress.gap")], top: 0 },
    grid: { left: 8, right: 8, top: 30, bottom: 8, containLabel: true },
    xAxis: { type: "value", name: t("plans.progress.t"), min: 0 },
    yAxis: [
      { type: "value", scale: true, splitNumber: 3 },
      { type: "value", min: 0, splitLine: { show: false }, axisLabel: { formatter: (v) => `${esc(v)}%` } },
    ],
    series: [
      { name: t("plans.objective"), type: "line", step: "end", showSymbol: true, symbolSize: 4, data: obj, itemStyle: { color: "#16a085" } },
      { name: t("plans.bound"), type: "line", step: "end", showSymbol: true, symbolSize: 4, data: bound, itemStyle: { color: "#2e86c1" } },
      {
        name: t("plans.progress.gap"),
        type: "line",
        step: "end",
        yAxisIndex: 1,
        showSymbol: false,
        data: gap,
        lineStyle: { type: "dashed" },
        itemStyle: { color: "#e67e22" },
      },
    ],
  };
}

/**
 * The live chart of job `job` (null while it has no figures). One chart per job,
 * kept on `s.progressChart` and updated in place on each poll, so it does not
 * flicker while the job runs.
 */
export function progressChart(s, job) {
  const series = job.progress?.series || [];
  if (!series.length) return null;
  let held = s.progressChart;
  if (!held || held.id !== job.id) {
    const opt = option(series);
    const holder = chart(opt, "chart plans-progress-chart");
    holder.el.id = "plans-progress-chart";
    holder.el.style.height = "220px";
    holder.el.setAttribute("aria-label", t("plans.progress.chart"));
    held = s.progressChart = { id: job.id, holder, opt, points: 0 };
  }
  if (held.points !== series.length) {
    const opt = option(series);
    if (held.holder.chart) held.holder.chart.setOption({ series: opt.series, tooltip: opt.tooltip });
    else Object.assign(held.opt, opt); // not drawn yet: it will start from these
    held.points = series.length;
  }
  held.holder.el.dataset.points = String(series.length);
  return held.holder.el;
}
