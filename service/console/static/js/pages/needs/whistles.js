// 民情交办单 · 吹哨清单: the whistled work orders with each summoned unit's report state
// (filter: with / without overdue units); a summoned unit reports (报到) from here.

import { api } from "../../api.js";
import { errorText, fill, h, newest, notice, pagerFor, select, t, table, toast, when } from "../../ui.js";
import { loadNames } from "../../typeahead.js";
import { PAGE, WSTATE_CLASS, labelCells, statusTag } from "./common.js";

export async function whistlesView(P, box) {
  const { user, p, unitName, commName, uname } = P;
  const f = { overdue: p.get("overdue") || "", offset: Math.max(0, Number.parseInt(p.get("offset") || "0", 10) || 0) };
  const overdueSel = select(
    [
      ["", t("needs.f.all")],
      ["true", t("needs.w.onlyOverdue")],
      ["false", t("needs.w.noOverdue")],
    ],
    f.overdue,
    { id: "needs-w-overdue" },
  );
  const listBox = h("div", { id: "needs-whistles" });
  const msgBox = h("div", { "aria-live": "polite" });
  overdueSel.addEventListener("change", () => {
    f.overdue = overdueSel.value;
    f.offset = 0;
    sync();
    load();
  });
  const sync = () => {
    const q = new URLSearchParams({ view: "whistles" });
    if (f.overdue) q.set("overdue", f.overdue);
    if (f.offset) q.set("offset", String(f.offset));
    history.replaceState(null, "", `#/needs?${q}`);
  };
  fill(box, h("div", { class: "toolbar" }, h("label", { for: "needs-w-overdue" }, t("needs.w.filter"), overdueSel)), msgBox, listBox);

  async function report(w) {
    try {
      await api(`/needs/${encodeURIComponent(w.need_id)}/report`, { method: "POST" });
      toast(t("needs.done.report", { id: w.need_id }), "ok");
      fill(msgBox);
    } catch (err) {
      fill(msgBox, notice(errorText(err), "error"));
    }
    await load();
  }

  const get = newest();
  async function load() {
    const q = new URLSearchParams({ offset: String(f.offset), limit: String(PAGE) });
    if (f.overdue) q.set("overdue", f.overdue);
    const page = await get(`/whistles?${q}`, listBox);
    if (!page) return; // failed (said in the list), or a newer filter's answer is coming
    await loadNames("/units", page.items.flatMap((w) => [w.claimed_by, ...w.units.map((u) => u.unit_id)]));
    const rows = page.items;
    const tbl = table(
      [
        {
          label: t("needs.w.need"),
          value: (w) => h("div", {}, h("span", { class: "needs-id" }, w.need_id), " ", h("span", {}, w.title)),
        },
        { label: t("needs.c.community"), value: (w) => commName[w.community_id] || w.community_id },
        { label: t("needs.c.status"), value: (w) => statusTag(w.status) },
        { label: t("needs.c.unit"), value: (w) => (w.claimed_by ? uname(w.claimed_by) : "—") },
        { label: t("needs.w.deadline"), value: (w) => when(w.deadline) },
        {
          label: t("needs.w.units"),
          value: (w) =>
            w.units.length
              ? h(
                  "div",
                  { class: "needs-wunits" },
                  w.units.map((u) =>
                    h(
                      "span",
                      { class: `tag ${WSTATE_CLASS[u.state] || ""}`, dataset: { unit: u.unit_id, state: u.state }, title: u.reported_at ? when(u.reported_at) : "" },
                      `${unitName[u.unit_id] || u.unit_id} · ${t(`needs.ws.${u.state}`)}`,
                    ),
                  ),
                )
              : "—",
        },
        {
          label: t("needs.w.overdue"),
          value: (w) => (w.overdue ? h("strong", { class: "needs-overdue-count" }, t("needs.w.count", { n: w.overdue_units.length })) : "—"),
        },
        user.role === "unit" && {
          label: t("needs.c.actions"),
          value: (w) => {
            const me = w.units.find((u) => u.unit_id === user.unit_id);
            if (me && !me.reported_at && me.state !== "cancelled") {
              return h("button", { type: "button", class: "primary", dataset: { action: "report" }, onclick: () => report(w) }, t("needs.a.report"));
            }
            return h("span", { class: "muted" }, "—");
          },
        },
      ].filter(Boolean),
      rows,
      pagerFor(f, PAGE, page.total, () => {
        sync();
        load();
      }),
    );
    labelCells(tbl);
    tbl.querySelector("table").classList.add("needs-wtable");
    tbl.querySelectorAll("tbody tr").forEach((tr, i) => {
      const w = rows[i];
      if (!w) return;
      tr.dataset.need = w.need_id;
      if (w.overdue) tr.classList.add("needs-overdue");
    });
    if (!rows.length) fill(listBox, h("p", { class: "muted" }, t(f.overdue ? "needs.w.noneMatch" : "needs.w.none")));
    else fill(listBox, tbl);
  }
  await load();
}
