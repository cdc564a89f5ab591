// 总览 Dashboard: headline rates of a quarter, coverage, load fairness, overdue whistles,
// rates per quarter, activities by joint type, unit load against capacity, unit ranking.
//
// Data: GET /metrics/quarters, /metrics/summary, /metrics/fairness, /metrics/units (paged,
// RANK_PAGE rows; a unit found with the type-ahead over /units), /activities (one count
// per joint type). Nothing here loads every unit: a district has thousands. `#/dashboard?quarter=2026Q3` opens a quarter; "all" = every quarter.
//
// The page (quarter choice, layout, the unit ranking) is here; cards.js has the headline
// cards, charts.js the charts.
import { api } from "../../api.js";
import { errorText, h, lang, notice, pct, select, t, table, page, JOINTS } from "../../ui.js";
import { RATES, fairnessCard, needsCard, rateCard, whistleCard } from "./cards.js";
import { activitiesOption, chartCard, loadOption, quartersOption, topLoads } from "./charts.js";
import { nameOf, typeahead } from "../../typeahead.js";
import "./strings.js";
import { loadLegend } from "../../loadscale.js";

function rateCell(rate) {
  if (rate.value === null) return h("span", { class: "muted", title: t("dash.nocases") }, "—");
  return h("span", {}, pct(rate.value), " ", h("small", { class: "muted" }, t("dash.of", { n: rate.numerator, d: rate.denominator })));
}

/** rows of the unit ranking per page */
export const RANK_PAGE = 20;
/** bars of the load chart: the units with the highest load ratios when there are more */
export const LOAD_BARS = 30;

async function rankingSection(quarter, state) {
  const wrap = h("div", { class: "card dash-rank", id: "dash-rank" });
  const minInput = h("input", { type: "number", min: 0, max: 1000, value: state.minCases, id: "dash-min-cases", class: "dash-narrow" });
  const bySel = select(
    RATES.map(([k, name]) => [k, t(name)]),
    state.by,
    { id: "dash-rank-by" },
  );
  // any unit of the district, found by typing (no page loads every unit)
  const unitPick = typeahead({
    path: "/units",
    id: "dash-rank-unit",
    placeholder: t("dash.rank.find"),
    onPick: (it) => {
      state.unit = it ? it.id : "";
      state.offset = 0;
      load();
    },
  });
  const body = h("div", { class: "dash-rank-body" });
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    const q = new URLSearchParams({ min_cases: String(state.minCases), by: state.by, offset: String(state.offset), limit: String(RANK_PAGE) });
    if (quarter) q.set("quarter", quarter);
    if (state.unit) q.set("unit_id", state.unit);
    body.replaceChildren(h("p", { class: "muted" }, t("loading")));
    try {
      const data = await api(`/metrics/units?${q}`);
      if (mine !== seq) return; // a newer choice's answer is coming
      const items = data.items; // the server's order: ranked by rank, then the others
      const pager = {
        offset: data.offset,
        limit: RANK_PAGE,
        total: data.total,
        go: (off) => {
          state.offset = off;
          load();
        },
      };
      body.replaceChildren(
        h("p", { class: "muted dash-sub" }, t("dash.rank.note", { n: data.min_cases }), " ", t("dash.rank.count", { ranked: data.ranked })),
        table(
          [
            {
              label: t("dash.rank.col"),
              value: (r) =>
                r.ranked
                  ? h("span", { class: `dash-rank-no ${r.rank <= 3 ? "top" : ""}` }, String(r.rank))
                  : h("span", { class: "tag", title: t("dash.rank.few") }, t("dash.rank.unranked")),
            },
            { label: t("dash.rank.unit"), value: (r) => h("span", {}, r.name || r.id) },
            { label: t("dash.cases"), value: (r) => String(r.cases) },
            ...RATES.map(([k, name]) => ({ label: t(name), value: (r) => rateCell(r[k]) })),
            { label: t("dash.rank.mean"), value: (r) => (r.mean_satisfaction === null ? "—" : r.mean_satisfaction.toFixed(1)) },
          ],
          items,
          pager,
        ),
      );
      body.querySelectorAll("tbody tr").forEach((tr, i) => {
        tr.dataset.unit = items[i] ? items[i].id : "";
        if (items[i] && !items[i].ranked) tr.classList.add("dash-unranked");
      });
      wrap.dataset.total = String(data.total);
      wrap.dataset.offset = String(data.offset);
    } catch (err) {
      if (mine === seq) body.replaceChildren(notice(errorText(err), "error"));
    }
  };
  minInput.addEventListener("change", () => {
    const v = Number.parseInt(minInput.value, 10);
    state.minCases = Number.isFinite(v) && v >= 0 ? Math.min(v, 1000) : 3;
    state.offset = 0;
    load();
  });
  bySel.addEventListener("change", () => {
    state.by = bySel.value;
    state.offset = 0;
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
        h("label", { for: "dash-rank-unit" }, t("dash.rank.unit"), unitPick.el),
        h("label", { for: "dash-min-cases" }, t("dash.rank.min"), minInput),
        h("label", { for: "dash-rank-by" }, t("dash.rank.by"), bySel),
      ),
    ),
    body,
  );
  await load();
  return wrap;
}

/** Activities per joint type: one count per type (the totals of filtered pages of one). */
async function activityCounts(quarter) {
  const keys = Object.keys(JOINTS);
  const totals = await Promise.all(
    keys.map((k) => {
      const q = new URLSearchParams({ joint_type: k, limit: "1" });
      if (quarter) q.set("quarter", quarter);
      return api(`/activities?${q}`).then((p) => p.total);
    }),
  );
  return Object.fromEntries(keys.map((k, i) => [k, totals[i]]));
}

export default page("dashboard", { zh: "总览", en: "Dashboard" }, render);

async function render(el, ctx) {
  el.append(h("h1", { id: "h-dashboard" }, t("dash.title")), h("p", { class: "muted dash-lead" }, t("dash.lead")));
  const quarters = await api("/metrics/quarters");
  const ids = quarters.items.map((i) => i.id);
  const asked = ctx.params.get("quarter");
  const quarter = asked === "all" ? null : asked && ids.includes(asked) ? asked : ids[ids.length - 1] || null;

  const qSel = select([...ids.map((q) => [q, q]).reverse(), ["all", t("dash.all")]], quarter || "all", { id: "dash-quarter" });
  qSel.addEventListener("change", () => ctx.go(`#/dashboard?quarter=${qSel.value}`));
  el.append(h("div", { class: "toolbar" }, h("label", { for: "dash-quarter" }, t("dash.quarter"), qSel)));
  if (!ids.length) el.append(notice(t("dash.nodata")));

  const qs = quarter ? `?quarter=${quarter}` : "";
  const [summary, actCounts, fair] = await Promise.all([
    api(`/metrics/summary${qs}`),
    activityCounts(quarter),
    quarter ? api(`/metrics/fairness?quarter=${quarter}`) : Promise.resolve(null),
  ]);
  // the names of the units tied for the highest load come with the loads
  const names = new Map((fair ? fair.loads : []).map((l) => [l.unit_id, l.name]));
  const unitName = (id) => names.get(id) || nameOf("/units", id);
  const actTotal = Object.values(actCounts).reduce((a, b) => a + b, 0);
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
  const actCard = chartCard(quarter ? "dash.chart.activities" : "dash.chart.activities.all", activitiesOption(actCounts), {
    id: "activities",
    sub: `${quarter || t("dash.all")} · ${t("dash.count")} ${actTotal}`,
  });
  charts.append(actCard);
  if (fair) {
    // a district has thousands of units: the chart shows those with the highest load ratios
    const shown = topLoads(fair.loads, LOAD_BARS);
    const sub = `${quarter} · ${t("dash.chart.load.sub")}`;
    charts.append(
      chartCard("dash.chart.load", loadOption(shown), {
        id: "load",
        tall: true,
        wide: true,
        sub: shown.length < fair.loads.length ? `${sub} · ${t("dash.chart.load.top", { n: shown.length, total: fair.loads.length })}` : sub,
        legend: loadLegend("dash-load-legend"),
      }),
    );
  }
  const state = { minCases: 3, by: "resolution_rate", offset: 0, unit: "" };
  el.append(await rankingSection(quarter, state));
  el.dataset.quarter = quarter || "all";
  el.dataset.lang = lang();
}
