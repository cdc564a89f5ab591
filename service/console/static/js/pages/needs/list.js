// 民情交办单 · 交办单列表: the filterable, paged list of work orders; each row has the
// actions the signed-in role may take (actions.js) and the message of the last one.

import { fill, h, label, newest, notice, pagerFor, t, table, CATEGORIES } from "../../ui.js";
import { actions } from "./actions.js";
import { needLink } from "./detail.js";
import { PAGE, beijingLocal, flash, labelCells, statusTag } from "./common.js";
import { filterBars } from "./filters.js";

/** The list view of page `P` in `box`; filters from the hash (status, quarter, …). */
export async function listView(P, box) {
  const { user, p, commName, uname } = P;
  const f = {
    quarter: p.get("quarter") || "",
    community: p.get("community") ?? (user.role === "community" ? user.community_id : ""),
    status: p.get("status") || "",
    category: p.get("category") || "",
    claimed_by: p.get("claimed_by") || "",
    offset: Math.max(0, Number.parseInt(p.get("offset") || "0", 10) || 0),
  };
  const created = p.get("created");
  const rowMsgs = new Map();
  const pageNotice = h("div", { class: "needs-notice", id: "needs-notice", "aria-live": "polite" });
  if (flash.text) {
    pageNotice.append(notice(flash.text, "ok"));
    flash.text = null;
  }
  const sync = () => {
    const q = new URLSearchParams();
    for (const k of ["quarter", "community", "status", "category", "claimed_by"]) if (f[k]) q.set(k, f[k]);
    if (user.role === "community" && !f.community) q.set("community", "");
    if (f.offset) q.set("offset", String(f.offset));
    const s = q.toString();
    history.replaceState(null, "", `#/needs${s ? `?${s}` : ""}`);
  };
  const listBox = h("div", { class: "needs-list", id: "needs-list" });
  // what the filters, the row actions and the dialogs share
  const V = { ...P, box, f, rowMsgs, pageNotice, sync, load };
  const { filters, quick } = filterBars(V);
  fill(
    box,
    filters,
    quick,
    pageNotice,
    listBox,
  );

  const get = newest();
  async function load() {
    const q = new URLSearchParams({ offset: String(f.offset), limit: String(PAGE) });
    if (f.quarter) q.set("quarter", f.quarter);
    if (f.community) q.set("community_id", f.community);
    if (f.status) q.set("status", f.status);
    if (f.category) q.set("category", f.category);
    if (f.claimed_by) q.set("claimed_by", f.claimed_by);
    const page = await get(`/needs?${q}`, listBox);
    if (!page) return; // failed (said in the list), or a newer filter's answer is coming
    if (!page.items.length && page.total && f.offset) {
      f.offset = 0;
      sync();
      return load();
    }
    const rows = page.items;
    const today = beijingLocal(new Date()).slice(0, 10);
    const tbl = table(
      [
        { label: t("needs.c.id"), value: (n) => needLink(n, n.number || n.id, "needs-id") },
        {
          label: t("needs.c.title"),
          value: (n) =>
            h(
              "div",
              { class: "needs-title-cell" },
              needLink(n, h("span", { class: "needs-title", title: n.description || "" }, n.title)),
              n.whistle ? h("span", { class: "tag bad needs-whistle-tag" }, t("needs.whistle")) : null,
              n.id === created ? h("span", { class: "tag ok" }, t("needs.created")) : null,
              n.description ? h("small", { class: "muted needs-desc" }, n.description) : null,
            ),
        },
        { label: t("needs.c.category"), value: (n) => label(CATEGORIES, n.category) },
        { label: t("needs.c.community"), value: (n) => commName[n.community_id] || n.community_id },
        { label: t("needs.c.quarter"), value: (n) => n.quarter },
        { label: t("needs.c.priority"), value: (n) => h("span", { class: `needs-pri p${n.priority}` }, String(n.priority)) },
        {
          label: t("needs.c.due"),
          value: (n) =>
            n.due && n.due < today && ["open", "claimed", "in_progress"].includes(n.status)
              ? h("span", { class: "needs-late", title: t("needs.late") }, n.due)
              : n.due || "—",
        },
        { label: t("needs.c.status"), value: (n) => statusTag(n.status) },
        { label: t("needs.c.unit"), value: (n) => (n.claimed_by ? uname(n.claimed_by) : "—") },
        { label: t("needs.c.satisfaction"), value: (n) => (n.satisfaction ? `${n.satisfaction} / 5` : "—") },
        { label: t("needs.c.actions"), value: (n) => actions(V, n) },
      ],
      rows,
      pagerFor(f, PAGE, page.total, () => {
        sync();
        load();
      }),
    );
    labelCells(tbl);
    const trs = [...tbl.querySelectorAll("tbody tr")];
    trs.forEach((tr, i) => {
      const n = rows[i];
      if (!n) return;
      tr.dataset.need = n.id;
      tr.dataset.status = n.status;
      if (n.id === created) tr.classList.add("needs-created");
      const m = rowMsgs.get(n.id);
      if (m) {
        tr.classList.add(`needs-row-${m.kind}`);
        tr.after(
          h(
            "tr",
            { class: `needs-msg ${m.kind}`, dataset: { msgFor: n.id } },
            h("td", { colspan: 11 }, h("div", { class: `notice ${m.kind}`, role: m.kind === "error" ? "alert" : "status" }, m.text, m.detail ? h("small", { class: "needs-msg-detail" }, m.detail) : null)),
          ),
        );
      }
    });
    // messages about needs that are no longer on this page go to the page notice
    fill(listBox, tbl);
    listBox.dataset.total = String(page.total);
  }

  await load();
}
