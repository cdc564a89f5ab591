// 民情交办单: what the views of the work-order page share: the pager, status tags,
// Beijing wall-clock times, new ids and the modal dialog.

import { h, label, lang, t, STATUSES } from "../../ui.js";

export const PAGE = 20;

/** A message for the next list view (after a new need is entered): {text}. */
export const flash = { text: null };
export const QUARTER_RE = /^(\d{4})Q([1-4])$/;
export const STATUS_CLASS = {
  open: "warn",
  claimed: "info",
  in_progress: "info",
  resolved: "ok",
  followed_up: "ok",
  cancelled: "muted",
};
export const WSTATE_CLASS = { reported: "ok", late: "warn", pending: "", overdue: "bad", cancelled: "muted" };
export const FIELD_ZH = {
  id: ["编号", "ID"],
  title: ["标题", "Title"],
  category: ["类别", "Category"],
  community_id: ["社区", "Community"],
  grid_id: ["网格", "Grid"],
  quarter: ["季度", "Quarter"],
  effort: ["工作量", "Effort"],
  priority: ["优先级", "Priority"],
  due: ["截止日期", "Due date"],
  description: ["描述", "Description"],
  status: ["状态", "Status"],
};

export const colon = () => (lang() === "en" ? ": " : "：");

/** Give each cell its column's name (data-label), for the card layout on phones. */
export function labelCells(wrap) {
  const tableEl = wrap.querySelector("table");
  tableEl.classList.add("needs-table");
  const names = [...tableEl.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const tr of tableEl.querySelectorAll("tbody tr")) {
    [...tr.children].forEach((td, i) => {
      if (!td.hasAttribute("colspan")) td.dataset.label = names[i] || "";
    });
  }
}

export function statusTag(status) {
  return h("span", { class: `tag needs-st ${STATUS_CLASS[status] || ""}`, dataset: { status } }, label(STATUSES, status));
}

export function newId() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `n-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Beijing wall-clock "YYYY-MM-DDTHH:MM" of a Date. */
export function beijingLocal(date) {
  return new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16);
}

/** A modal dialog; `onOk()` returns true (close) or false (stay, messages shown). */
export function openDialog(host, title, body, onOk, okLabel) {
  const dlg = h("dialog", { class: "needs-dialog", "aria-labelledby": "needs-dlg-title" });
  const msg = h("div", { class: "needs-dlg-msg", "aria-live": "polite" });
  const ok = h("button", { type: "submit", class: "primary", id: "needs-dlg-ok" }, okLabel || t("needs.dlg.ok"));
  const cancel = h("button", { type: "button", id: "needs-dlg-cancel", onclick: () => dlg.close() }, t("close"));
  const form = h(
    "form",
    { novalidate: true },
    h("h2", { id: "needs-dlg-title" }, title),
    body,
    msg,
    h("div", { class: "needs-dlg-actions" }, ok, cancel),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    ok.disabled = true;
    try {
      if (await onOk(msg)) dlg.close();
    } finally {
      ok.disabled = false;
    }
  });
  dlg.append(form);
  dlg.addEventListener("close", () => dlg.remove());
  host.append(dlg);
  dlg.showModal();
  const first = form.querySelector("select, input, textarea");
  if (first) first.focus();
  return dlg;
}
