// 季度计划 · 未满足需求与冲突: the unmet needs with their reasons (paged), and the
// hard rules that cannot all hold when a plan is infeasible.

import { h, t } from "../../ui.js";
import { PAGE_SIZE, REASONS, en, pair, tableOf } from "./common.js";

/** The unmet needs of explanation `ex`, a page at a time. */
export function unmetTab(P, ex) {
  const rows = ex.unmet || [];
  let offset = 0;
  const box = h("div", { id: "plans-unmet" });
  const draw = () =>
    box.replaceChildren(
      tableOf(
        [
          { label: t("plans.col.item"), value: (u) => h("span", {}, u.title || u.item, " ", h("small", { class: "muted" }, u.item)) },
          {
            label: t("plans.col.reason"),
            value: (u) => h("span", { class: "tag warn", dataset: { reason: u.reason } }, en() ? pair(REASONS, u.reason) : u.reason_zh || pair(REASONS, u.reason)),
          },
          { label: t("plans.col.detail"), value: (u) => u.detail || "—" },
        ],
        rows.slice(offset, offset + PAGE_SIZE),
        {
          offset,
          limit: PAGE_SIZE,
          total: rows.length,
          go: (o) => {
            offset = o;
            draw();
          },
        },
        P.s.job?.id,
      ),
    );
  draw();
  return box;
}

/** The conflicts of an infeasible request, each with its items and units. */
export function conflictsTab(P, ex) {
  const { unitNames } = P;
  return h(
    "div",
    { id: "plans-conflicts" },
    h("p", {}, t("plans.conflicts.help")),
    h(
      "ul",
      { class: "plans-conflicts" },
      (ex.conflicts || []).map((c) =>
        h(
          "li",
          { class: "notice error" },
          h("strong", {}, en() ? c.message_en : c.message_zh),
          " ",
          h("small", { class: "muted" }, c.code),
          c.items?.length ? h("div", { class: "small" }, t("plans.conflict.items", { items: c.items.join("、") })) : null,
          c.units?.length ? h("div", { class: "small" }, t("plans.conflict.units", { units: c.units.map((u) => unitNames[u] || u).join("、") })) : null,
        ),
      ),
    ),
  );
}
