// 季度计划 · 本季度的计划: the paged list of the quarter's plans; 打开 opens one.

import { api } from "../../api.js";
import { errorText, h, notice, t, when } from "../../ui.js";
import { LIST_SIZE, gapText, num, planLabel, planTag, statusTag, tableOf } from "./common.js";

/** The plan a re-plan started from, by name when it is on the page ("更早的计划" otherwise). */
function basedOn(job, items) {
  const prev = job.request?.previous_plan_id;
  if (!prev) return "—";
  const known = items.find((x) => x.id === prev);
  return known ? planLabel(known) : t("plans.based.earlier");
}

/** The list card of page `P`; sets P.refreshList(). */
export function historyCard(P) {
  const { s } = P;
  const listBox = h("div", { id: "plans-list" });
  const listCard = h("div", { class: "card" }, h("h2", { id: "plans-history-h" }, t("plans.history")), listBox);

  async function refreshList() {
    try {
      const page = await api(`/plans?quarter=${encodeURIComponent(s.quarter)}&offset=${s.listOffset}&limit=${LIST_SIZE}`);
      const current = s.job?.id;
      const cols = [
        {
          label: t("plans.col.id"),
          value: (j) =>
            h(
              "button",
              { type: "button", class: "linkish", dataset: { open: j.id }, onclick: () => P.openPlan(j.id), "aria-current": j.id === current ? "true" : null },
              planLabel(j),
            ),
        },
        { label: t("plans.col.created"), value: (j) => when(j.created_at) },
        { label: t("plans.col.status"), value: (j) => h("span", { class: "row nowrap" }, statusTag(j), j.progress?.status ? planTag(j.progress.status) : null) },
        { label: t("plans.objective"), value: (j) => num(j.progress?.objective) },
        { label: t("plans.gap"), value: (j) => (j.progress ? gapText(j.progress) : "—") },
        { label: t("plans.col.published"), value: (j) => (j.published_at ? h("span", { class: "tag ok" }, t("plans.published")) : "—") },
        { label: t("plans.col.based"), value: (j) => basedOn(j, page.items) },
      ];
      listBox.replaceChildren(
        tableOf(
          cols,
          page.items,
          {
            offset: page.offset,
            limit: page.limit,
            total: page.total,
            go: (o) => {
              s.listOffset = o;
              refreshList();
            },
          },
          current,
        ),
      );
    } catch (err) {
      listBox.replaceChildren(notice(errorText(err), "error"));
    }
  }

  P.refreshList = refreshList;
  return listCard;
}
