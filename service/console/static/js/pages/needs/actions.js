// 民情交办单 · 操作: the actions a role may take on a work order (接单 claim, 开始办理
// start, 办结 resolve, 回访 follow-up, 撤销 cancel, 吹哨 whistle, 报到 report) and
// run(), which does one and says why next to the row when the server refuses.

import { api } from "../../api.js";
import { errorText, fill, h, t, toast } from "../../ui.js";
import { loadNames } from "../../typeahead.js";
import { colon } from "./common.js";
import { claimFor, whistle } from "./dialogs.js";
import { recommendPanel } from "./recommend.js";
import { needName, openStep } from "./steps.js";

export function actions(V, n) {
  const { user } = V;
  const list = [];
  const uid = user.unit_id;
  const own = user.role === "community" && user.community_id === n.community_id;
  const committee = user.role === "committee";
  const openish = ["open", "claimed", "in_progress"].includes(n.status);
  if (user.role === "unit") {
    if (n.status === "open") list.push(["claim", t("needs.a.claim"), () => run(V, n, "claim", null, t("needs.a.claim")), "primary"]);
    if (n.status === "claimed" && n.claimed_by === uid) list.push(["start", t("needs.a.start"), () => run(V, n, "start", null, t("needs.a.start")), "primary"]);
    if (n.status === "in_progress" && n.claimed_by === uid) list.push(["resolve", t("needs.a.resolve"), () => openStep("resolve", V, n), "primary"]);
    if (n.whistle && n.summoned.includes(uid) && !(uid in (n.reports || {})) && n.status !== "cancelled") {
      list.push(["report", t("needs.a.report"), () => run(V, n, "report", null, t("needs.a.report")), ""]);
    }
  }
  if (committee) {
    if (n.status === "open") list.push(["recommend", t("needs.a.recommend"), () => recommendPanel(V, n), ""]);
    if (n.status === "open") list.push(["claim-for", t("needs.a.claimFor"), () => claimFor(V, n), ""]);
    if (n.status === "claimed") list.push(["start", t("needs.a.start"), () => run(V, n, "start", null, t("needs.a.start")), ""]);
    if (n.status === "in_progress") list.push(["resolve", t("needs.a.resolve"), () => openStep("resolve", V, n), ""]);
  }
  if ((own || committee) && n.status === "resolved") list.push(["followup", t("needs.a.followup"), () => openStep("followup", V, n), "primary"]);
  if (committee && openish) list.push(["whistle", t("needs.a.whistle"), () => whistle(V, n), ""]);
  // 办结 asks for what was done (and photos), 回访 warns that 1–2 reopens, 撤销 asks for a
  // reason: the detail page's dialogs
  if ((own || committee) && openish) list.push(["cancel", t("needs.a.cancel"), () => openStep("cancel", V, n), "danger"]);
  if (!list.length) return h("span", { class: "muted" }, t("needs.noaction"));
  return h(
    "div",
    { class: "needs-actions" },
    list.map(([id, text, fn, cls]) => h("button", { type: "button", class: cls, dataset: { action: id }, onclick: fn }, text)),
  );
}

/** After an action went through: say so next to the row and in a toast; refresh. */
export async function done(V, n, action) {
  const { rowMsgs, pageNotice, load } = V;
  // people know an order by its number and title, not its internal id
  const text = t(`needs.done.${action === "follow-up" ? "followup" : action}`, { id: needName(n) });
  rowMsgs.set(n.id, { kind: "ok", text });
  toast(text, "ok");
  fill(pageNotice);
  await load();
}

/** Do an action; on refusal show why next to the row and in the notice; refresh. */
export async function run(V, n, action, payload, actionLabel) {
  const { rowMsgs, pageNotice, load, uname } = V;
  const path = `/needs/${encodeURIComponent(n.id)}/${action}`;
  const opts = { method: "POST" };
  if (payload) opts.body = payload;
  try {
    await api(path, opts);
    await done(V, n, action);
    return { ok: true };
  } catch (err) {
    const holder = err.details && err.details.claimed_by;
    if (holder) await loadNames("/units", [holder]); // its name, not its id
    let reason;
    if (action === "claim" && holder && (err.status === 409 || err.status === 403)) {
      reason = t("needs.refused.claimed", { id: n.id, unit: uname(holder) });
    } else {
      reason = t("needs.refused.other", { id: n.id, msg: errorText(err) });
    }
    if (err.status === 422) return { ok: false, err };
    const head = t("needs.refused", { action: actionLabel });
    const text = `${head}${colon()}${reason}`;
    const detail = t("needs.refused.server", { msg: err.message });
    rowMsgs.set(n.id, { kind: "error", text, detail });
    fill(
      pageNotice,
      h(
        "div",
        { class: "notice error", role: "alert", id: "needs-refusal" },
        h("strong", {}, `${head}${colon()}`),
        reason,
        " ",
        t("needs.refused.refreshed"),
        h("small", { class: "needs-msg-detail" }, detail),
      ),
    );
    await load();
    return { ok: false, err, shown: true };
  }
}
