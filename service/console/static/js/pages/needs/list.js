// 民情交办单 · 交办单列表: the list of work orders for daily use — keyword search (number,
// title, address, 来源编号), sortable column headers, filters, a server-side pager (页码,
// 每页 N 条, 共 N 条) and 导出台账 (the ledger xlsx of exactly the filtered list); each row
// has the actions the signed-in role may take (actions.js) and the message of the last one.

import { download } from "../../api.js";
import { errorText, fill, h, label, newest, notice, t, table, toast, CATEGORIES } from "../../ui.js";
import { loadNames } from "../../typeahead.js";
import { actions } from "./actions.js";
import { needLink } from "./detail.js";
import { PAGE, beijingLocal, flash, labelCells, statusTag } from "./common.js";
import { filterBars } from "./filters.js";
import "./list_strings.js";

/** Page sizes the pager offers (the API allows up to 200). */
export const SIZES = [20, 50, 100];
/** Columns whose header sorts the list: column label key → sort key of GET /needs. */
const SORTABLE = { "needs.c.id": "number", "needs.c.priority": "priority", "needs.c.due": "due", "needs.c.status": "status" };
/** Each sort key's natural direction (as the API orders without `order`). */
const NATURAL = { due: "asc", priority: "desc", created: "desc", status: "asc", number: "desc" };

/** The list view of page `P` in `box`; filters from the hash (status, quarter, q, sort, …). */
export async function listView(P, box) {
  const { user, p, commName, uname } = P;
  const size = Number.parseInt(p.get("size") || "", 10);
  const f = {
    quarter: p.get("quarter") || "",
    community: p.get("community") ?? (user.role === "community" ? user.community_id : ""),
    status: p.get("status") || "",
    category: p.get("category") || "",
    claimed_by: p.get("claimed_by") || "",
    q: (p.get("q") || "").trim(),
    sort: NATURAL[p.get("sort")] ? p.get("sort") : "",
    order: ["asc", "desc"].includes(p.get("order")) ? p.get("order") : "",
    size: SIZES.includes(size) ? size : PAGE,
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
    for (const k of ["quarter", "community", "status", "category", "claimed_by", "q", "sort", "order"]) if (f[k]) q.set(k, f[k]);
    if (user.role === "community" && !f.community) q.set("community", "");
    if (f.offset) q.set("offset", String(f.offset));
    if (f.size !== PAGE) q.set("size", String(f.size));
    const s = q.toString();
    history.replaceState(null, "", `#/needs${s ? `?${s}` : ""}`);
  };
  /** The query of GET /needs and of the ledger: exactly the same filters and keyword. */
  const query = () => {
    const q = new URLSearchParams();
    if (f.quarter) q.set("quarter", f.quarter);
    if (f.community) q.set("community_id", f.community);
    if (f.status) q.set("status", f.status);
    if (f.category) q.set("category", f.category);
    if (f.claimed_by) q.set("claimed_by", f.claimed_by);
    if (f.q) q.set("q", f.q);
    if (f.sort) q.set("sort", f.sort);
    if (f.order) q.set("order", f.order);
    return q;
  };
  const listBox = h("div", { class: "needs-list", id: "needs-list", "aria-busy": "true" }, h("p", { class: "muted" }, t("loading")));
  // what the filters, the row actions and the dialogs share
  const V = { ...P, box, f, rowMsgs, pageNotice, sync, load };
  const bars = filterBars(V);
  const ledgerBtn = h("button", { type: "button", id: "needs-ledger", class: "needs-ledger" }, t("needs.ledger"));
  ledgerBtn.addEventListener("click", async () => {
    ledgerBtn.disabled = true;
    try {
      const name = await download(`/needs/ledger.xlsx?${query()}`, "needs-ledger.xlsx");
      toast(t("needs.ledger.done", { name }), "ok");
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      ledgerBtn.disabled = false;
    }
  });
  bars.searchBar.append(ledgerBtn);
  fill(box, bars.filters, bars.searchBar, bars.quick, pageNotice, listBox);

  /** Sort by `key` from a header: the natural direction first, the other one on a second click. */
  const sortBy = (key) => {
    const current = f.order || NATURAL[f.sort];
    if (f.sort === key) f.order = current === "asc" ? "desc" : "asc";
    else {
      f.sort = key;
      f.order = "";
    }
    f.offset = 0;
    bars.show();
    sync();
    load();
  };

  const get = newest();
  async function load() {
    const q = query();
    q.set("offset", String(f.offset));
    q.set("limit", String(f.size));
    listBox.setAttribute("aria-busy", "true");
    const page = await get(`/needs?${q}`, listBox);
    listBox.removeAttribute("aria-busy");
    if (!page) return; // failed (said in the list), or a newer filter's answer is coming
    if (!page.items.length && page.total && f.offset) {
      f.offset = 0;
      sync();
      return load();
    }
    const rows = page.items;
    await loadNames("/units", rows.map((n) => n.claimed_by));
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
    );
    sortableHeaders(tbl, f, sortBy);
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
    fill(listBox, tbl, pager(f, page.total, () => {
      sync();
      load();
    }));
    listBox.dataset.total = String(page.total);
    listBox.dataset.loaded = String(Date.now());
  }

  await load();
  bars.loadQuarters();
}

/** Turn the sortable columns' headers into buttons (aria-sort shows the current order). */
function sortableHeaders(tbl, f, sortBy) {
  const keys = Object.fromEntries(Object.entries(SORTABLE).map(([labelKey, key]) => [t(labelKey), key]));
  for (const th of tbl.querySelectorAll("thead th")) {
    const key = keys[th.textContent];
    if (!key) continue;
    const on = f.sort === key;
    const way = on ? f.order || NATURAL[key] : "";
    th.setAttribute("aria-sort", on ? (way === "asc" ? "ascending" : "descending") : "none");
    const text = th.textContent;
    th.replaceChildren(
      h(
        "button",
        { type: "button", class: "needs-sort-btn", dataset: { sort: key }, title: t("needs.sort.by", { col: text }), onclick: () => sortBy(key) },
        text,
        h("span", { class: "needs-sort-mark", "aria-hidden": "true" }, on ? (way === "asc" ? " ▲" : " ▼") : " ↕"),
      ),
    );
  }
}

/** The pager: 上一页 · 第 [n] / N 页 · 下一页 · 每页 [20] 条 · 共 N 条. */
function pager(f, total, moved) {
  const pages = Math.max(1, Math.ceil(total / f.size));
  const current = Math.floor(f.offset / f.size) + 1;
  const go = (n) => {
    const target = Math.min(Math.max(1, n), pages);
    f.offset = (target - 1) * f.size;
    moved();
  };
  const pageIn = h("input", { type: "number", id: "needs-page", min: 1, max: pages, value: current, "aria-label": t("needs.pager.page") });
  pageIn.addEventListener("change", () => go(Number.parseInt(pageIn.value, 10) || 1));
  const sizeSel = h(
    "select",
    { id: "needs-size", "aria-label": t("needs.pager.size") },
    SIZES.map((n) => h("option", { value: n, selected: n === f.size }, String(n))),
  );
  sizeSel.addEventListener("change", () => {
    f.size = Number(sizeSel.value);
    f.offset = 0;
    moved();
  });
  return h(
    "nav",
    { class: "pager needs-pager", id: "needs-pager", "aria-label": t("needs.pager.label") },
    h("button", { type: "button", id: "needs-prev", disabled: current <= 1, onclick: () => go(current - 1) }, t("prev")),
    h("span", { class: "needs-pager-page" }, t("needs.pager.before"), pageIn, t("needs.pager.after", { pages })),
    h("button", { type: "button", id: "needs-next", disabled: current >= pages, onclick: () => go(current + 1) }, t("next")),
    h("label", { for: "needs-size", class: "needs-pager-size" }, t("needs.pager.sizeBefore"), sizeSel, t("needs.pager.sizeAfter")),
    h("span", { class: "needs-total", id: "needs-total" }, t("needs.pager.total", { total })),
  );
}
