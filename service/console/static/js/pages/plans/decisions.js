// 季度计划 · 分配: the plan's decisions by unit and by activity (grouped, paged,
// filtered), with their fit parts, the runner-up and why it lost (次选 / 未选原因) and
// the carried-over needs (逾期 N 天); the committee pins or forbids single decisions
// and re-plans from this plan (previous_plan_id). The tabs also hold the unmet needs,
// the conflicts and the full account.

import { field, fill, h, label, t, KINDS, JOINTS } from "../../ui.js";
import { PARTS, en, groupedTable, key, pair, tabs } from "./common.js";
import { conflictsTab, unmetTab } from "./unmet.js";

/**
 * The decisions card of finished `job` with explanation `ex` and the units' `loads`.
 * Returns {card, syncSelection()}: call syncSelection once the card is in P.detail.
 */
export function decisionsCard(P, job, ex, loads) {
  const { s, unitNames, communityNames } = P;
  const activities = P.activities;
  const allDecisions = ex.decisions || [];
  let query = "";
  const matchesQuery = (d) => {
    if (!query) return true;
    const q = query.toLowerCase();
    return [d.item, d.unit, d.item_title, d.unit_name, unitNames[d.unit], itemTitle(d)].some((x) => String(x || "").toLowerCase().includes(q));
  };
  const actionCell = (d) => {
    if (!P.committee) return "";
    const k = key(d.item, d.unit);
    const pinBtn = h("button", { type: "button", class: "small", dataset: { act: "pin" }, "aria-pressed": s.pins.has(k) ? "true" : "false" }, t("plans.pin"));
    const forbidBtn = h("button", { type: "button", class: "small danger", dataset: { act: "forbid" }, "aria-pressed": s.forbids.has(k) ? "true" : "false" }, t("plans.forbid"));
    const toggle = (which) => {
      const mine = which === "pin" ? s.pins : s.forbids;
      const other = which === "pin" ? s.forbids : s.pins;
      if (mine.has(k)) mine.delete(k);
      else {
        mine.set(k, { item: d.item, unit: d.unit });
        other.delete(k);
      }
      syncSelection();
    };
    pinBtn.addEventListener("click", () => toggle("pin"));
    forbidBtn.addEventListener("click", () => toggle("forbid"));
    return h("span", { class: "row nowrap" }, pinBtn, forbidBtn);
  };
  const partsCell = (d) =>
    h(
      "span",
      { class: "plans-parts", title: (d.parts_zh || []).map((p) => `${p.name_zh} ${p.value}`).join("，") },
      (d.parts_zh || []).map((p) =>
        h(
          "span",
          { class: `tag ${p.value > 0 ? "ok" : p.value < 0 ? "bad" : "zero"}`, dataset: { part: p.part } },
          `${en() ? pair(PARTS, p.part) : p.name_zh} ${p.value > 0 ? "+" : ""}${p.value}`,
        ),
      ),
    );
  const itemTitle = (d) => {
    if (d.type === "role") {
      const [aid, rid] = d.item.split("/");
      const a = activities[aid];
      const idx = Number(String(rid).replace(/^r/, "")) - 1;
      const role = a?.roles?.[idx];
      if (a && role) return `${a.title} · ${label(KINDS, role.kind)}`;
    }
    return d.item_title || d.item;
  };
  // 逾期 N 天: a need carried over from an earlier quarter (said in full in the title)
  const carriedTag = (d) =>
    d.carried_from
      ? h(
          "span",
          { class: "tag bad plans-carried", title: d.carry_zh || "" },
          d.overdue_days ? t("plans.carried.overdue", { days: d.overdue_days }) : t("plans.carried", { from: d.carried_from }),
        )
      : null;
  const itemCell = (d) =>
    h(
      "span",
      {},
      itemTitle(d),
      " ",
      h("small", { class: "muted" }, d.item),
      d.pinned ? h("span", { class: "tag warn" }, ` ${t("plans.pinned")}`) : null,
      carriedTag(d),
    );
  // 次选 / 未选原因: the best other eligible unit and why the plan did not take it
  const runnerUpCell = (d) => {
    const ru = d.runner_up;
    if (!ru) return "—";
    const why = h("span", { class: `tag plans-ru-reason ${ru.reason === "full" ? "warn" : ""}`, dataset: { reason: ru.reason } }, en() ? t(`plans.ru.${ru.reason}`) : ru.reason_zh);
    if (!ru.unit) return h("span", { class: "plans-ru" }, why);
    return h(
      "span",
      { class: "plans-ru", title: ru.detail || "" },
      h("span", { class: "plans-ru-unit" }, unitNames[ru.unit] || ru.unit_name || ru.unit),
      " ",
      h("small", { class: "muted" }, ru.score === null || ru.score === undefined ? "" : `(${ru.score})`),
      " ",
      why,
      ru.detail ? h("small", { class: "muted plans-ru-detail" }, ru.detail) : null,
    );
  };
  const rowAttrs = (d) => ({
    dataset: { item: d.item, unit: d.unit, type: d.type },
    class: s.forbids.has(key(d.item, d.unit)) ? "gj-forbidden" : s.pins.has(key(d.item, d.unit)) ? "gj-pinned" : null,
  });

  const common = [
    { label: t("plans.col.effort"), value: (d) => d.effort },
    { label: t("plans.col.score"), value: (d) => h("strong", {}, d.score) },
    { label: t("plans.col.why"), value: partsCell },
    { label: t("plans.col.runnerUp"), value: runnerUpCell },
  ];
  if (P.committee) common.push({ label: t("plans.col.actions"), value: actionCell });

  const byUnit = () => {
    const groups = new Map();
    for (const d of allDecisions.filter(matchesQuery)) {
      if (!groups.has(d.unit)) groups.set(d.unit, []);
      groups.get(d.unit).push(d);
    }
    const list = [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([u, rows]) => {
        const l = loads[u] || { load: rows.reduce((x, d) => x + d.effort, 0), capacity: 0 };
        const ratio = l.capacity ? Math.min(1, l.load / l.capacity) : 0;
        return {
          header: h(
            "span",
            { class: "plans-group" },
            h("strong", {}, unitNames[u] || rows[0].unit_name || u),
            h("small", { class: "muted" }, u),
            h("span", { class: "plans-meter", "aria-hidden": "true" }, h("span", { style: `width:${Math.round(ratio * 100)}%` })),
            h("small", {}, t("plans.group.load", { load: l.load, cap: l.capacity })),
          ),
          rows,
        };
      });
    return groupedTable(
      [
        { label: t("plans.col.item"), value: itemCell },
        { label: t("plans.col.type"), value: (d) => (d.type === "need" ? t("plans.type.need") : t("plans.type.role")) },
        ...common,
      ],
      list,
      rowAttrs,
      "plans-by-unit",
    );
  };

  const byActivity = () => {
    const groups = new Map();
    for (const d of allDecisions.filter(matchesQuery)) {
      const g = d.type === "role" ? d.activity || d.item.split("/")[0] : "__needs";
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(d);
    }
    const order = [...groups.keys()].sort((a, b) => {
      if (a === "__needs") return 1;
      if (b === "__needs") return -1;
      return String(activities[a]?.date || a).localeCompare(String(activities[b]?.date || b));
    });
    const list = order.map((g) => {
      const rows = groups.get(g).sort((x, y) => x.item.localeCompare(y.item));
      if (g === "__needs") return { header: h("strong", {}, t("plans.group.needs")), rows };
      const a = activities[g];
      return {
        header: h(
          "span",
          { class: "plans-group" },
          a ? h("span", { class: `tag joint ${a.joint_type}` }, label(JOINTS, a.joint_type)) : null,
          h("strong", {}, a ? a.title : g),
          h("small", { class: "muted" }, a ? `${a.date} · ${communityNames[a.community_id] || a.community_id}` : g),
        ),
        rows,
      };
    });
    const roleOf = (d) => {
      if (d.type !== "role") return h("span", {}, d.item_title || d.item, " ", h("small", { class: "muted" }, d.item));
      const [aid, rid] = d.item.split("/");
      const a = activities[aid];
      const role = a?.roles?.[Number(String(rid).replace(/^r/, "")) - 1];
      return h("span", {}, role ? label(KINDS, role.kind) : d.item_title || d.item, " ", h("small", { class: "muted" }, d.item));
    };
    return groupedTable(
      [
        { label: `${t("plans.col.role")} / ${t("plans.type.need")}`, value: roleOf },
        { label: t("plans.col.unit"), value: (d) => h("span", {}, unitNames[d.unit] || d.unit_name || d.unit, d.pinned ? h("span", { class: "tag warn" }, ` ${t("plans.pinned")}`) : null) },
        ...common,
      ],
      list,
      rowAttrs,
      "plans-by-activity",
    );
  };

  const unitBox = h("div", {});
  const activityBox = h("div", {});
  const filterInput = h("input", { type: "search", id: "plans-filter", name: "filter", autocomplete: "off", placeholder: t("plans.filter.hint") });
  filterInput.addEventListener("input", () => {
    query = filterInput.value.trim();
    fill(unitBox, byUnit());
    fill(activityBox, byActivity());
    if (P.committee) syncSelection();
  });
  const filterField = field(t("plans.filter"), filterInput);
  filterField.wrap.classList.add("plans-filter");
  const tabItems = [];
  if ((ex.conflicts || []).length) tabItems.push({ id: "conflicts", label: t("plans.tab.conflicts", { n: ex.conflicts.length }), render: () => conflictsTab(P, ex) });
  tabItems.push(
    { id: "unit", label: t("plans.tab.unit"), render: () => fill(unitBox, byUnit()) || unitBox },
    { id: "activity", label: t("plans.tab.activity"), render: () => fill(activityBox, byActivity()) || activityBox },
    { id: "unmet", label: t("plans.tab.unmet", { n: (ex.unmet || []).length }), render: () => unmetTab(P, ex) },
    { id: "text", label: t("plans.tab.text"), render: () => h("pre", { class: "plans-text", id: "plans-text" }, ex.text_zh) },
  );

  // the adjustment bar (committee)
  const selText = h("span", { id: "plans-selection" });
  const syncSelection = () => {
    const p = s.pins.size;
    const f = s.forbids.size;
    selText.textContent = p || f ? t("plans.selection", { p, f }) : t("plans.selection.none");
    for (const tr of P.detail.querySelectorAll("tr[data-item]")) {
      const k = key(tr.dataset.item, tr.dataset.unit);
      tr.classList.toggle("gj-pinned", s.pins.has(k));
      tr.classList.toggle("gj-forbidden", s.forbids.has(k));
      const pb = tr.querySelector('button[data-act="pin"]');
      const fb = tr.querySelector('button[data-act="forbid"]');
      if (pb) pb.setAttribute("aria-pressed", s.pins.has(k) ? "true" : "false");
      if (fb) fb.setAttribute("aria-pressed", s.forbids.has(k) ? "true" : "false");
    }
  };
  const adjust = P.committee
    ? h(
        "div",
        { class: "plans-adjust", id: "plans-adjust" },
        selText,
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              s.pins.clear();
              s.forbids.clear();
              syncSelection();
            },
          },
          t("plans.clear"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "primary",
            id: "plans-replan",
            title: t("plans.replan.hint"),
            onclick: () =>
              P.submit({
                quarter: job.quarter,
                pins: [...s.pins.values()],
                forbids: [...s.forbids.values()],
                previous_plan_id: job.id,
              }),
          },
          t("plans.replan"),
        ),
      )
    : null;

  return { card: h("div", { class: "card" }, adjust, filterField.wrap, tabs(tabItems, "plans")), syncSelection };
}
