// 民情交办单 · 办理步骤: the steps the signed-in role may take on one work order, as
// buttons on its detail page (detail.js), each with a small dialog:
// 派单 dispatch (committee: a unit picked by a searchable input, the planner's
// recommendations beside it) · 收回 release · 接单 claim · 开始办理 start · 退单 return ·
// 申请延期 extension · 批准 / 驳回延期 decide · 督办 supervise · 办结 resolve (note and
// photos) · 回访 follow-up (1–5; ≤ 2 reopens it) · 重办 reopen · 撤销 cancel.
//
// The buttons follow the role and the order's state; the server decides all the same
// (a refusal's message shows in the dialog, its field messages next to the fields).
// Toasts name the order by its number and title, never its id.

import { api } from "../../api.js";
import { errorText, field, fill, h, notice, select, t, toast } from "../../ui.js";
import { beijingLocal, openDialog } from "./common.js";
import { recommendPanel } from "./recommend.js";
import "./detail_strings.js";

const OPENISH = ["open", "claimed", "in_progress"];
const IN_HAND = ["claimed", "in_progress"];
export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
export const PHOTO_MAX_BYTES = 5 * 1024 * 1024;
export const PHOTO_MAX = 6;

/** How an order is named to people: its number and title (never its internal id). */
export function needName(n) {
  return n.number ? `${n.number} ${n.title}` : n.title;
}

/** The steps `user` may take on order `n`: [key, label, open(D), class]. */
export function allowedSteps(user, n) {
  const committee = user.role === "committee";
  const holder = user.role === "unit" && n.claimed_by && n.claimed_by === user.unit_id;
  const ownCommunity = user.role === "community" && user.community_id === n.community_id;
  const pending = n.extension && n.extension.state === "pending";
  const out = [];
  const add = (key, when, cls = "") => {
    if (when) out.push([key, t(`nd.a.${key}`), STEPS[key], cls]);
  };
  add("dispatch", committee && OPENISH.includes(n.status), "primary");
  add("release", committee && IN_HAND.includes(n.status));
  add("claim", user.role === "unit" && n.status === "open", "primary");
  add("start", (holder || committee) && n.status === "claimed", holder ? "primary" : "");
  add("resolve", (holder || committee) && n.status === "in_progress", holder ? "primary" : "");
  add("return", holder && IN_HAND.includes(n.status));
  add("extension", holder && IN_HAND.includes(n.status) && !pending);
  add("approve", committee && pending, "primary");
  add("refuse", committee && pending);
  add("supervise", committee && OPENISH.includes(n.status));
  add("followup", (committee || ownCommunity) && n.status === "resolved", "primary");
  add("reopen", (committee || ownCommunity) && ["resolved", "followed_up"].includes(n.status));
  add("cancel", (committee || ownCommunity) && OPENISH.includes(n.status), "danger");
  return out;
}

/** Post one step; true when it went through (toast, reload), false with the messages shown. */
async function post(D, key, verb, payload, msg, fieldsMap = {}) {
  const { n } = D;
  const action = t(`nd.a.${key}`);
  try {
    const opts = { method: "POST" };
    if (payload !== null) opts.body = payload;
    await api(`/needs/${encodeURIComponent(n.id)}/${verb}`, opts);
  } catch (err) {
    let mapped = false;
    for (const e of (err.details && err.details.errors) || []) {
      const k = String(e.field).split(".")[0];
      if (fieldsMap[k]) {
        fieldsMap[k](e.message);
        mapped = true;
      }
    }
    fill(msg, notice(mapped ? err.message : t("nd.failed", { action, name: needName(n), msg: errorText(err) }), "error"));
    return false;
  }
  toast(t("nd.done", { action, name: needName(n) }), "ok");
  await D.reload();
  return true;
}

const required = (f, value) => {
  if (value) return true;
  f.set(t("nd.err.required"));
  return false;
};
const reasonField = (id) => field(t("nd.d.reason"), h("textarea", { id, rows: 3, maxlength: 500 }));
const title = (key, n) => t("nd.d.title", { action: t(`nd.a.${key}`), name: needName(n) });

/** A dialog asking only for a reason (收回, 退单, 重办, 撤销). */
function reasonStep(key, verb) {
  return (D) => {
    const reasonF = reasonField(`nd-d-reason`);
    openDialog(D.host, title(key, D.n), reasonF.wrap, async (msg) => {
      reasonF.set("");
      const reason = reasonF.input.value.trim();
      if (!required(reasonF, reason)) return false;
      return post(D, key, verb, { reason }, msg, { reason: reasonF.set });
    }, t(`nd.a.${key}`));
  };
}

/** A dialog that only confirms (接单, 开始办理). */
function confirmStep(key, verb, bodyKey) {
  return (D) => {
    openDialog(D.host, title(key, D.n), h("p", {}, t(bodyKey)), (msg) => post(D, key, verb, null, msg), t(`nd.a.${key}`));
  };
}

function dispatch(D) {
  const { n, units } = D;
  const listId = "nd-units";
  const byLabel = new Map(units.map((u) => [`${u.name} (${u.id})`, u.id]));
  const input = h("input", { id: "nd-d-unit", list: listId, autocomplete: "off", placeholder: t("nd.d.unit") });
  const unitF = field(t("nd.d.unit"), input);
  const options = h("datalist", { id: listId }, units.map((u) => h("option", { value: `${u.name} (${u.id})` })));
  const noteF = field(t("nd.d.note"), h("textarea", { id: "nd-d-note", rows: 2, maxlength: 500 }));
  const override = h("input", { type: "checkbox", id: "nd-d-override" });
  const overrideBox = h("label", { class: "needs-check", for: "nd-d-override" }, override, h("span", {}, t("nd.d.override")));
  const rec =
    n.status === "open"
      ? h(
          "p",
          {},
          h("button", { type: "button", id: "nd-d-recommend", onclick: () => (dlg.close(), recommendPanel(D.V, n)) }, t("nd.a.recommend")),
        )
      : null;
  // the recommendations panel takes the place of this dialog (its 派给 dispatches)
  const dlg = openDialog(D.host, title("dispatch", n), [unitF.wrap, options, rec, noteF.wrap, overrideBox], async (msg) => {
    unitF.set("");
    const text = input.value.trim();
    const exact = units.find((u) => u.id === text || u.name === text);
    const unitId = byLabel.get(text) || (exact && exact.id);
    if (!unitId) {
      unitF.set(t("nd.d.unit.bad"));
      return false;
    }
    const payload = { unit_id: unitId };
    if (noteF.input.value.trim()) payload.note = noteF.input.value.trim();
    if (override.checked) payload.override = true;
    return post(D, "dispatch", "dispatch", payload, msg, { unit_id: unitF.set, note: noteF.set });
  }, t("nd.a.dispatch"));
}

function extension(D) {
  const { n } = D;
  const dueF = field(t("nd.d.due"), h("input", { type: "date", id: "nd-d-due", min: n.due || undefined }));
  const reasonF = reasonField("nd-d-reason");
  openDialog(D.host, title("extension", n), [dueF.wrap, reasonF.wrap], async (msg) => {
    dueF.set("");
    reasonF.set("");
    const due = dueF.input.value;
    const reason = reasonF.input.value.trim();
    const hasDue = required(dueF, due);
    let ok = required(reasonF, reason) && hasDue;
    if (due && n.due && due <= n.due) {
      dueF.set(t("nd.err.after_due", { due: n.due }));
      ok = false;
    }
    if (!ok) return false;
    return post(D, "extension", "extension", { due, reason }, msg, { due: dueF.set, reason: reasonF.set });
  }, t("nd.a.extension"));
}

function decide(approve) {
  const key = approve ? "approve" : "refuse";
  return (D) => {
    const { n } = D;
    const ext = n.extension || {};
    const noteF = field(t("nd.d.note"), h("textarea", { id: "nd-d-note", rows: 2, maxlength: 500 }));
    const body = [h("p", { class: "muted", id: "nd-d-ext" }, t("nd.d.ext.current", { due: ext.due || "—", reason: ext.reason || "—" })), noteF.wrap];
    openDialog(D.host, title(key, n), body, async (msg) => {
      const payload = { approve };
      if (noteF.input.value.trim()) payload.note = noteF.input.value.trim();
      return post(D, key, "extension/decide", payload, msg, { note: noteF.set });
    }, t(`nd.a.${key}`));
  };
}

function supervise(D) {
  const { n } = D;
  const soon = beijingLocal(new Date(Date.now() + 3 * 86400 * 1000)).slice(0, 11) + "18:00";
  const deadlineF = field(t("nd.d.deadline"), h("input", { type: "datetime-local", id: "nd-d-deadline", value: soon }));
  const noteF = field(t("nd.d.supervise.note"), h("textarea", { id: "nd-d-note", rows: 3, maxlength: 500 }));
  openDialog(D.host, title("supervise", n), [deadlineF.wrap, noteF.wrap], async (msg) => {
    deadlineF.set("");
    noteF.set("");
    const v = deadlineF.input.value;
    const note = noteF.input.value.trim();
    const hasDeadline = required(deadlineF, v);
    let ok = required(noteF, note) && hasDeadline;
    if (v && new Date(`${v}:00+08:00`).getTime() <= Date.now()) {
      deadlineF.set(t("nd.err.future"));
      ok = false;
    }
    if (!ok) return false;
    return post(D, "supervise", "supervise", { deadline: `${v}:00+08:00`, note }, msg, { deadline: deadlineF.set, note: noteF.set });
  }, t("nd.a.supervise"));
}

/** Check chosen photo files before sending them: kind, size, how many fit. */
export function photoProblem(files, already) {
  if (files.some((f) => !PHOTO_TYPES.includes(f.type))) return t("nd.err.photo.type");
  if (files.some((f) => f.size > PHOTO_MAX_BYTES)) return t("nd.err.photo.size");
  if (files.length + already > PHOTO_MAX) return t("nd.err.photo.count", { n: PHOTO_MAX });
  return "";
}

/** Upload photo files one by one (POST /needs/{id}/photos); throws the first refusal. */
export async function uploadPhotos(n, files) {
  for (const file of files) {
    const form = new FormData();
    form.append("file", file, file.name);
    await api(`/needs/${encodeURIComponent(n.id)}/photos`, { method: "POST", form });
  }
}

function resolve(D) {
  const { n } = D;
  const noteF = field(t("nd.d.resolution"), h("textarea", { id: "nd-d-resolution", rows: 4, maxlength: 2000 }));
  const photosF = field(t("nd.d.photos"), h("input", { type: "file", id: "nd-d-photos", multiple: true, accept: PHOTO_TYPES.join(",") }));
  openDialog(D.host, title("resolve", n), [noteF.wrap, photosF.wrap], async (msg) => {
    noteF.set("");
    photosF.set("");
    const note = noteF.input.value.trim();
    const files = [...photosF.input.files];
    const problem = photoProblem(files, (n.photos || []).length);
    let ok = required(noteF, note);
    if (problem) {
      photosF.set(problem);
      ok = false;
    }
    if (!ok) return false;
    try {
      await uploadPhotos(n, files);
    } catch (err) {
      photosF.set(errorText(err));
      fill(msg, notice(t("nd.failed", { action: t("nd.a.resolve"), name: needName(n), msg: errorText(err) }), "error"));
      await D.reload(); // the photos that went up show on the page
      return false;
    }
    return post(D, "resolve", "resolve", { note }, msg, { note: noteF.set });
  }, t("nd.a.resolve"));
}

function followUp(D) {
  const { n } = D;
  const satF = field(
    t("nd.d.satisfaction"),
    select([["", t("needs.err.pick")], ...[5, 4, 3, 2, 1].map((s) => [String(s), t(`needs.sat.${s}`)])], "", { id: "needs-dlg-sat" }),
  );
  const warn = h("p", { class: "notice warn", id: "nd-d-reopen-warn", hidden: true }, t("nd.d.reopen.warn"));
  satF.input.addEventListener("change", () => {
    warn.hidden = !(satF.input.value && Number(satF.input.value) <= 2);
  });
  const noteF = field(t("needs.dlg.note"), h("textarea", { id: "needs-dlg-note", rows: 3, maxlength: 500 }));
  openDialog(D.host, title("followup", n), [satF.wrap, warn, noteF.wrap], async (msg) => {
    satF.set("");
    if (!satF.input.value) {
      satF.set(t("needs.err.pick"));
      return false;
    }
    const payload = { satisfaction: Number(satF.input.value) };
    if (noteF.input.value.trim()) payload.note = noteF.input.value.trim();
    return post(D, "followup", "follow-up", payload, msg, { satisfaction: satF.set, note: noteF.set });
  }, t("nd.a.followup"));
}

/** key → open(D), D = {n, host, units, V (for the recommendations panel), reload()}. */
const STEPS = {
  dispatch,
  release: reasonStep("release", "release"),
  claim: confirmStep("claim", "claim", "nd.d.claim.body"),
  start: confirmStep("start", "start", "nd.d.start.body"),
  return: reasonStep("return", "return"),
  extension,
  approve: decide(true),
  refuse: decide(false),
  supervise,
  resolve,
  followup: followUp,
  reopen: reasonStep("reopen", "reopen"),
  cancel: reasonStep("cancel", "cancel"),
};

/** Open the dialog of step `key` for order `n` from another view (the list's rows):
 * `V` is that view ({box, units, load}); after the step the view reloads. */
export function openStep(key, V, n) {
  STEPS[key]({ n, host: V.box, units: V.units.items, V, reload: V.load });
}

/** The bar of step buttons for `D` (see STEPS), or a note that there is none. */
export function stepBar(user, D) {
  const steps = allowedSteps(user, D.n);
  if (!steps.length) return h("p", { class: "muted", id: "nd-noaction" }, t("nd.noaction"));
  return h(
    "div",
    { class: "needs-actions nd-steps", id: "nd-steps" },
    steps.map(([key, text, open, cls]) => h("button", { type: "button", class: cls, dataset: { step: key }, onclick: () => open(D) }, text)),
  );
}
