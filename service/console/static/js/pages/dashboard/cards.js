// 总览 · 指标卡: the headline cards (rates, coverage, load fairness, overdue whistles,
// work orders by state).

import { h, pct, t } from "../../ui.js";

/** units named in 负荷最高 before the rest are counted */
const TIED_SHOWN = 3;

export const RATES = [
  ["response_rate", "dash.response", "#2980b9"],
  ["resolution_rate", "dash.resolution", "#16a085"],
  ["on_time_rate", "dash.ontime", "#d35400"],
  ["satisfaction_rate", "dash.satisfaction", "#8e44ad"],
];

/** A rate {numerator, denominator, value} as a KPI card. */
export function rateCard(key, rate, hintKey, extraClass = "") {
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

export function fairnessCard(f, unitName) {
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
  // many units tie (all of them when no one has load yet): a count, not a list of them all
  const tied = f.max_load_units || [];
  const top = !tied.length
    ? t("dash.fair.units", { units: "—" })
    : !f.max_load_ratio
      ? t("dash.fair.none")
      : tied.length > TIED_SHOWN
        ? t("dash.fair.units.many", { units: tied.slice(0, TIED_SHOWN).map(unitName).join("、"), n: tied.length })
        : t("dash.fair.units", { units: tied.map(unitName).join("、") });
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
    h("div", { class: "dash-hint", id: "dash-fair-top" }, top),
    h(
      "div",
      { class: "dash-hint" },
      h("span", { class: `tag ${f.overloaded_units ? "bad" : "ok"}` }, t("dash.fair.idle", { idle: f.idle_units, over: f.overloaded_units })),
    ),
    h("div", { class: "dash-hint" }, t("dash.fair.hint")),
  );
}

export function whistleCard(count) {
  return h(
    "div",
    { class: `card dash-kpi ${count ? "dash-alert" : ""}`, dataset: { kpi: "dash.whistles" } },
    h("div", { class: "dash-kpi-label" }, t("dash.whistles")),
    h("div", { class: "kpi" }, h("span", { class: "dash-value", dataset: { value: count } }, String(count)), " ", h("small", {}, t("dash.cases"))),
    h("div", { class: "dash-hint" }, t("dash.whistles.hint")),
    h("a", { href: "#/needs?view=whistles&overdue=true", class: "dash-link", id: "dash-whistles-link" }, `${t("dash.whistles.link")} →`),
  );
}

export function needsCard(s) {
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
