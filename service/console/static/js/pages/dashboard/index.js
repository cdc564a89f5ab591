// 总览 Dashboard: headline rates of a quarter, coverage, load fairness, overdue whistles,
// rates per quarter, activities by joint type, unit load against capacity, unit ranking.
//
// Data: GET /metrics/quarters, /metrics/summary, /metrics/fairness, /metrics/units,
// /activities. `#/dashboard?quarter=2026Q3` opens a quarter; "all" = every quarter.
//
// The page (quarter choice, layout, the unit ranking) is here; cards.js has the headline
// cards, charts.js the charts.
import { api } from "../../api.js";
import { errorText, h, lang, notice, pct, select, t, table, page } from "../../ui.js";
import { RATES, fairnessCard, needsCard, rateCard, whistleCard } from "./cards.js";
import { activitiesOption, chartCard, loadOption, quartersOption } from "./charts.js";
import "./strings.js";
import { loadLegend } from "../../loadscale.js";

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
            { label: t("dash.rank.unit"), value: (r) => h("span", {}, r.name || r.id) },
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

export default page("dashboard", { zh: "总览", en: "Dashboard" }, render);

async function render(el, ctx) {
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
        legend: loadLegend("dash-load-legend"),
      }),
    );
  }
  const state = { minCases: 3, by: "resolution_rate" };
  el.append(await rankingSection(quarter, state));
  el.dataset.quarter = quarter || "all";
  el.dataset.lang = lang();
}
