// 总览 Dashboard: headline rates of a quarter, coverage, load fairness, overdue whistles,
// rates per quarter, activities by joint type, unit load against capacity, unit ranking.
//
// Data: GET /metrics/quarters, /metrics/summary, /metrics/fairness, /metrics/units,
// /activities. `#/dashboard?quarter=2026Q3` opens a quarter; "all" = every quarter.
import { api } from "../api.js";
import {
  JOINTS,
  JOINT_COLORS,
  addStrings,
  chart,
  esc,
  h,
  label,
  lang,
  notice,
  pct,
  select,
  t,
  table,
  errorText,
} from "../ui.js";

addStrings({
  zh: {
    "dash.title": "总览",
    "dash.lead": "共建工作的关键指标：交办单的响应与办结、居民满意度、单位负荷是否均衡、吹哨报到是否及时。",
    "dash.quarter": "季度",
    "dash.all": "全部季度",
    "dash.nodata": "还没有任何交办单，指标将在登记交办单后显示。",
    "dash.response": "响应率",
    "dash.response.hint": "已有单位认领的交办单 / 交办单",
    "dash.resolution": "办结率",
    "dash.resolution.hint": "已办结或已回访 / 已认领",
    "dash.ontime": "按期办结率",
    "dash.ontime.hint": "截止日当天内办结 / 有截止日期的已办结",
    "dash.satisfaction": "满意率",
    "dash.satisfaction.hint": "满意度 4–5 分 / 有评分的回访",
    "dash.coverage": "需求覆盖率",
    "dash.coverage.hint": "已有单位承接 / 未撤销的交办单",
    "dash.nocases": "暂无可计算的案件（分母为 0）",
    "dash.fair": "负荷均衡",
    "dash.fair.max": "最高负荷率",
    "dash.fair.gini": "基尼系数",
    "dash.fair.hint": "基尼系数 0 = 完全均衡，越接近 1 越集中",
    "dash.fair.units": "负荷最高：{units}",
    "dash.fair.idle": "闲置 {idle} 家 · 超负荷 {over} 家",
    "dash.fair.needq": "选择单个季度后显示负荷均衡",
    "dash.whistles": "吹哨逾期",
    "dash.whistles.hint": "有单位逾期未报到的吹哨交办单",
    "dash.whistles.link": "查看吹哨清单",
    "dash.needs": "交办单",
    "dash.needs.sub": "待认领 {open} · 办理中 {doing} · 已办结 {done}",
    "dash.needs.link": "查看待认领交办单",
    "dash.of": "{n} / {d}",
    "dash.chart.quarters": "各季度指标",
    "dash.chart.activities": "本季度活动（按“五联”类型）",
    "dash.chart.activities.all": "活动（按“五联”类型，全部季度）",
    "dash.chart.load": "单位负荷与可投入能力",
    "dash.chart.load.sub": "负荷 = 承接交办单工作量 + 参与活动工作量",
    "dash.chart.noact": "本季度暂无活动",
    "dash.cases": "件数",
    "dash.count": "场次",
    "dash.load": "负荷",
    "dash.capacity": "能力",
    "dash.rank.title": "单位排名",
    "dash.rank.min": "最少件数",
    "dash.rank.by": "排名依据",
    "dash.rank.note": "件数少于 {n} 的单位不参与排名（标为“未排名”），避免一两件事决定名次。",
    "dash.rank.col": "名次",
    "dash.rank.unit": "单位",
    "dash.rank.mean": "平均满意度",
    "dash.rank.unranked": "未排名",
    "dash.rank.few": "件数不足",
  },
  en: {
    "dash.title": "Dashboard",
    "dash.lead": "Key figures of joint building: how work orders are taken up and resolved, residents' satisfaction, whether units' load is fair, whether whistles are answered in time.",
    "dash.quarter": "Quarter",
    "dash.all": "All quarters",
    "dash.nodata": "No work orders yet; the figures appear once needs are entered.",
    "dash.response": "Response rate",
    "dash.response.hint": "Needs a unit claimed / needs",
    "dash.resolution": "Resolution rate",
    "dash.resolution.hint": "Resolved or followed up / claimed",
    "dash.ontime": "On-time rate",
    "dash.ontime.hint": "Resolved by the due date / resolved with a due date",
    "dash.satisfaction": "Satisfaction rate",
    "dash.satisfaction.hint": "Satisfaction ≥ 4 / rated follow-ups",
    "dash.coverage": "Need coverage",
    "dash.coverage.hint": "Taken up by a unit / needs not cancelled",
    "dash.nocases": "No cases to rate yet (denominator 0)",
    "dash.fair": "Load fairness",
    "dash.fair.max": "Max load ratio",
    "dash.fair.gini": "Gini",
    "dash.fair.hint": "Gini 0 = perfectly even; nearer 1 = concentrated",
    "dash.fair.units": "Highest: {units}",
    "dash.fair.idle": "{idle} idle · {over} overloaded",
    "dash.fair.needq": "Choose a single quarter to see load fairness",
    "dash.whistles": "Overdue whistles",
    "dash.whistles.hint": "Whistled needs with a unit that has not reported by the deadline",
    "dash.whistles.link": "Open the whistle list",
    "dash.needs": "Work orders",
    "dash.needs.sub": "Open {open} · in progress {doing} · resolved {done}",
    "dash.needs.link": "Open work orders",
    "dash.of": "{n} / {d}",
    "dash.chart.quarters": "Rates per quarter",
    "dash.chart.activities": "This quarter's activities by joint type",
    "dash.chart.activities.all": "Activities by joint type (all quarters)",
    "dash.chart.load": "Unit load against capacity",
    "dash.chart.load.sub": "Load = effort of claimed needs + effort of activity roles",
    "dash.chart.noact": "No activities this quarter",
    "dash.cases": "Cases",
    "dash.count": "Activities",
    "dash.load": "Load",
    "dash.capacity": "Capacity",
    "dash.rank.title": "Unit ranking",
    "dash.rank.min": "Min cases",
    "dash.rank.by": "Rank by",
    "dash.rank.note": "Units with fewer than {n} cases are not ranked (marked “unranked”), so one or two cases do not decide a place.",
    "dash.rank.col": "Rank",
    "dash.rank.unit": "Unit",
    "dash.rank.mean": "Mean satisfaction",
    "dash.rank.unranked": "Unranked",
    "dash.rank.few": "too few cases",
  },
});

const RATES = [
  ["response_rate", "dash.response", "#2980b9"],
  ["resolution_rate", "dash.resolution", "#16a085"],
  ["on_time_rate", "dash.ontime", "#d35400"],
  ["satisfaction_rate", "dash.satisfaction", "#8e44ad"],
];

/** A rate {numerator, denominator, value} as a KPI card. */
function rateCard(key, rate, hintKey, extraClass = "") {
  const none = rate.value === null || rate.value === undefined;
  return h(
    "div",
    { class: `card dash-kpi ${extraClass}`, dataset: { kpi: key } },
    h("div", { class: "dash-kpi-label" }, t(key)),
    h(
      "div",
      { class: "kpi" },
      h("span", { class: "dash-value", dataset: { value: none ? "" : String(rate.value) } }, pct(rate.value)),
      " ",
      h("small", { class: "dash-frac" }, t("dash.of", { n: rate.numerator, d: rate.denominator })),
    ),
    none ? h("div", { class: "dash-hint warn" }, t("dash.nocases")) : progress(rate.value),
    h("div", { class: "dash-hint" }, t(hintKey)),
  );
}

function progress(value) {
  const w = Math.max(0, Math.min(1, value)) * 100;
  return h("div", { class: "progress", "aria-hidden": "true" }, h("span", { style: `width:${w.toFixed(1)}%` }));
}

function fairnessCard(f, unitName) {
  if (!f) {
    return h(
      "div",
      { class: "card dash-kpi", dataset: { kpi: "dash.fair" } },
      h("div", { class: "dash-kpi-label" }, t("dash.fair")),
      h("div", { class: "kpi" }, "—"),
      h("div", { class: "dash-hint warn" }, t("dash.fair.needq")),
    );
  }
  const fmt = (x) => (x === null || x === undefined ? "—" : x.toFixed(2));
  const top = (f.max_load_units || []).map(unitName).join("、") || "—";
  return h(
    "div",
    { class: "card dash-kpi", dataset: { kpi: "dash.fair" } },
    h("div", { class: "dash-kpi-label" }, t("dash.fair")),
    h(
      "div",
      { class: "dash-pair" },
      h(
        "div",
        {},
        h(
          "div",
          { class: `kpi ${f.max_load_ratio > 1 ? "dash-over" : ""}` },
          h("span", { class: "dash-value", dataset: { value: f.max_load_ratio ?? "" } }, pct(f.max_load_ratio)),
        ),
        h("small", { class: "muted" }, t("dash.fair.max")),
      ),
      h(
        "div",
        {},
        h("div", { class: "kpi" }, h("span", { class: "dash-gini", dataset: { value: f.gini ?? "" } }, fmt(f.gini))),
        h("small", { class: "muted" }, t("dash.fair.gini")),
      ),
    ),
    h("div", { class: "dash-hint" }, t("dash.fair.units", { units: top })),
    h(
      "div",
      { class: "dash-hint" },
      h("span", { class: `tag ${f.overloaded_units ? "bad" : "ok"}` }, t("dash.fair.idle", { idle: f.idle_units, over: f.overloaded_units })),
    ),
    h("div", { class: "dash-hint" }, t("dash.fair.hint")),
  );
}

function whistleCard(count) {
  return h(
    "div",
    { class: `card dash-kpi ${count ? "dash-alert" : ""}`, dataset: { kpi: "dash.whistles" } },
    h("div", { class: "dash-kpi-label" }, t("dash.whistles")),
    h("div", { class: "kpi" }, h("span", { class: "dash-value", dataset: { value: count } }, String(count)), " ", h("small", {}, t("dash.cases"))),
    h("div", { class: "dash-hint" }, t("dash.whistles.hint")),
    h("a", { href: "#/needs?view=whistles&overdue=true", class: "dash-link", id: "dash-whistles-link" }, `${t("dash.whistles.link")} →`),
  );
}

function needsCard(s) {
  const b = s.by_status || {};
  return h(
    "div",
    { class: "card dash-kpi", dataset: { kpi: "dash.needs" } },
    h("div", { class: "dash-kpi-label" }, t("dash.needs")),
    h("div", { class: "kpi" }, h("span", { class: "dash-value", dataset: { value: s.needs } }, String(s.needs)), " ", h("small", {}, t("dash.cases"))),
    h(
      "div",
      { class: "dash-hint" },
      t("dash.needs.sub", {
        open: b.open || 0,
        doing: (b.claimed || 0) + (b.in_progress || 0),
        done: (b.resolved || 0) + (b.followed_up || 0),
      }),
    ),
    h("a", { href: "#/needs?status=open", class: "dash-link" }, `${t("dash.needs.link")} →`),
  );
}

function chartCard(titleKey, option, opts = {}) {
  const c = chart(option, opts.tall ? "chart tall" : "chart");
  c.el.setAttribute("aria-label", t(titleKey));
  c.el.dataset.chart = opts.id || titleKey;
  return h(
    "div",
    { class: `card dash-chart ${opts.wide ? "dash-wide" : ""}` },
    h("h2", {}, t(titleKey)),
    opts.sub ? h("p", { class: "muted dash-sub" }, opts.sub) : null,
    c.el,
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

function quartersOption(items, selected) {
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

function activitiesOption(activities) {
  const count = Object.fromEntries(Object.keys(JOINTS).map((k) => [k, 0]));
  for (const a of activities) count[a.joint_type] = (count[a.joint_type] || 0) + 1;
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

function loadOption(loads) {
  const rows = [...loads].sort((a, b) => (b.ratio ?? -1) - (a.ratio ?? -1) || b.load - a.load).reverse();
  const colour = (r) => (r.ratio === null ? "#9aa5b1" : r.load > r.capacity ? "#c0392b" : r.ratio >= 0.8 ? "#b9770e" : "#1e8449");
  return {
    animationDuration: 400,
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (ps) => {
        const r = rows[ps[0].dataIndex];
        // tooltip HTML: unit names are user data
        return `${esc(r.name)} (${esc(r.unit_id)})<br>${esc(t("dash.load"))} ${esc(r.load)} / ${esc(t("dash.capacity"))} ${esc(r.capacity)} · ${esc(pct(r.ratio))}`;
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

function rateCell(rate) {
  if (rate.value === null) return h("span", { class: "muted", title: t("dash.nocases") }, "—");
  return h("span", {}, pct(rate.value), " ", h("small", { class: "muted" }, t("dash.of", { n: rate.numerator, d: rate.denominator })));
}

async function rankingSection(quarter, state) {
  const wrap = h("div", { class: "card dash-rank" });
  const minInput = h("input", { type: "number", min: 0, max: 1000, value: state.minCases, id: "dash-min-cases", class: "dash-narrow" });
  const bySel = select(
    RATES.map(([k, name]) => [k, t(name)]),
    state.by,
    { id: "dash-rank-by" },
  );
  const body = h("div", { class: "dash-rank-body" });
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    const q = new URLSearchParams({ min_cases: String(state.minCases), by: state.by });
    if (quarter) q.set("quarter", quarter);
    body.replaceChildren(h("p", { class: "muted" }, t("loading")));
    try {
      const data = await api(`/metrics/units?${q}`);
      if (mine !== seq) return; // a newer choice's answer is coming
      const items = [...data.items].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || b.cases - a.cases);
      body.replaceChildren(
        h("p", { class: "muted dash-sub" }, t("dash.rank.note", { n: data.min_cases })),
        table(
          [
            {
              label: t("dash.rank.col"),
              value: (r) =>
                r.ranked
                  ? h("span", { class: `dash-rank-no ${r.rank <= 3 ? "top" : ""}` }, String(r.rank))
                  : h("span", { class: "tag", title: t("dash.rank.few") }, t("dash.rank.unranked")),
            },
            { label: t("dash.rank.unit"), value: (r) => h("span", {}, r.name, " ", h("small", { class: "muted" }, r.id)) },
            { label: t("dash.cases"), value: (r) => String(r.cases) },
            ...RATES.map(([k, name]) => ({ label: t(name), value: (r) => rateCell(r[k]) })),
            { label: t("dash.rank.mean"), value: (r) => (r.mean_satisfaction === null ? "—" : r.mean_satisfaction.toFixed(1)) },
          ],
          items,
        ),
      );
      body.querySelectorAll("tbody tr").forEach((tr, i) => {
        tr.dataset.unit = items[i] ? items[i].id : "";
        if (items[i] && !items[i].ranked) tr.classList.add("dash-unranked");
      });
    } catch (err) {
      if (mine === seq) body.replaceChildren(notice(errorText(err), "error"));
    }
  };
  minInput.addEventListener("change", () => {
    const v = Number.parseInt(minInput.value, 10);
    state.minCases = Number.isFinite(v) && v >= 0 ? Math.min(v, 1000) : 3;
    load();
  });
  bySel.addEventListener("change", () => {
    state.by = bySel.value;
    load();
  });
  wrap.append(
    h(
      "div",
      { class: "dash-rank-head" },
      h("h2", {}, t("dash.rank.title")),
      h(
        "div",
        { class: "toolbar" },
        h("label", { for: "dash-min-cases" }, t("dash.rank.min"), minInput),
        h("label", { for: "dash-rank-by" }, t("dash.rank.by"), bySel),
      ),
    ),
    body,
  );
  await load();
  return wrap;
}

export default {
  id: "dashboard",
  hash: "#/dashboard",
  title: { zh: "总览", en: "Dashboard" },
  roles: ["committee", "unit", "community", "viewer"],
  async render(el, ctx) {
    el.append(h("h1", { id: "h-dashboard" }, t("dash.title")), h("p", { class: "muted dash-lead" }, t("dash.lead")));
    const [quarters, units] = await Promise.all([api("/metrics/quarters"), api("/units?limit=1000")]);
    const names = Object.fromEntries(units.items.map((u) => [u.id, u.name]));
    const unitName = (id) => names[id] || id;
    const ids = quarters.items.map((i) => i.id);
    const asked = ctx.params.get("quarter");
    const quarter = asked === "all" ? null : asked && ids.includes(asked) ? asked : ids[ids.length - 1] || null;

    const qSel = select([...ids.map((q) => [q, q]).reverse(), ["all", t("dash.all")]], quarter || "all", { id: "dash-quarter" });
    qSel.addEventListener("change", () => ctx.go(`#/dashboard?quarter=${qSel.value}`));
    el.append(h("div", { class: "toolbar" }, h("label", { for: "dash-quarter" }, t("dash.quarter"), qSel)));
    if (!ids.length) el.append(notice(t("dash.nodata")));

    const qs = quarter ? `?quarter=${quarter}` : "";
    const actQ = quarter ? `?quarter=${quarter}&limit=1000` : "?limit=1000";
    const [summary, activities, fair] = await Promise.all([
      api(`/metrics/summary${qs}`),
      api(`/activities${actQ}`),
      quarter ? api(`/metrics/fairness?quarter=${quarter}`) : Promise.resolve(null),
    ]);
    const r = summary.rates;
    el.append(
      h(
        "div",
        { class: "dash-cards", id: "dash-cards" },
        rateCard("dash.response", r.response_rate, "dash.response.hint"),
        rateCard("dash.resolution", r.resolution_rate, "dash.resolution.hint"),
        rateCard("dash.ontime", r.on_time_rate, "dash.ontime.hint"),
        rateCard("dash.satisfaction", r.satisfaction_rate, "dash.satisfaction.hint"),
        rateCard("dash.coverage", summary.need_coverage, "dash.coverage.hint"),
        fairnessCard(summary.fairness, unitName),
        whistleCard(summary.overdue_whistles),
        needsCard(summary),
      ),
    );

    const charts = h("div", { class: "dash-charts" });
    el.append(charts);
    charts.append(chartCard("dash.chart.quarters", quartersOption(quarters.items, quarter), { id: "quarters" }));
    const actCard = chartCard(quarter ? "dash.chart.activities" : "dash.chart.activities.all", activitiesOption(activities.items), {
      id: "activities",
      sub: `${quarter || t("dash.all")} · ${t("dash.count")} ${activities.total}`,
    });
    charts.append(actCard);
    if (fair) {
      charts.append(
        chartCard("dash.chart.load", loadOption(fair.loads), {
          id: "load",
          tall: true,
          wide: true,
          sub: `${quarter} · ${t("dash.chart.load.sub")}`,
        }),
      );
    }
    const state = { minCases: 3, by: "resolution_rate" };
    el.append(await rankingSection(quarter, state));
    el.dataset.quarter = quarter || "all";
    el.dataset.lang = lang();
  },
};
