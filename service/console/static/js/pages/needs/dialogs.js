// 民情交办单 · 对话框: the dialogs of the actions that need more than a click: 代认领
// claim for a unit, 吹哨 whistle (deadline and the units summoned); 办结, 回访 and 撤销
// use the detail page's dialogs (steps.js). A refusal's
// field messages go next to their fields.

import { errorText, field, fill, h, notice, select, t } from "../../ui.js";
import { run } from "./actions.js";
import { beijingLocal, openDialog } from "./common.js";

function dialogFail(res, msg, fieldsMap) {
  if (res.ok || res.shown) return true;
  const errs = (res.err.details && res.err.details.errors) || [];
  let mapped = false;
  for (const e of errs) {
    const key = String(e.field).split(".")[0];
    if (fieldsMap[key]) {
      fieldsMap[key](e.message);
      mapped = true;
    }
  }
  fill(msg, notice(mapped ? res.err.message : errorText(res.err), "error"));
  return false;
}

export function claimFor(V, n) {
  const { units, box } = V;
  const unitF = field(t("needs.dlg.unit"), select([["", t("needs.err.pick")], ...units.items.map((u) => [u.id, `${u.name} (${u.id})`])], "", { id: "needs-dlg-unit" }));
  openDialog(box, t("needs.dlg.claimFor", { title: n.title }), unitF.wrap, async (msg) => {
    unitF.set("");
    if (!unitF.input.value) {
      unitF.set(t("needs.err.pick"));
      return false;
    }
    const res = await run(V, n, "claim", { unit_id: unitF.input.value }, t("needs.a.claimFor"));
    return dialogFail(res, msg, { unit_id: unitF.set });
  });
}

export function whistle(V, n) {
  const { units, box } = V;
  const soon = new Date(Date.now() + 3 * 86400 * 1000);
  const dl = beijingLocal(soon).slice(0, 11) + "18:00";
  const deadlineF = field(t("needs.dlg.deadline"), h("input", { type: "datetime-local", id: "needs-dlg-deadline", value: dl }));
  const boxes = units.items.map((u) =>
    h("input", { type: "checkbox", value: u.id, checked: (n.summoned || []).includes(u.id) || u.id === n.claimed_by }),
  );
  const unitsErr = h("span", { class: "field-error", "aria-live": "polite" });
  const group = h(
    "fieldset",
    { class: "needs-units-pick" },
    h("legend", {}, t("needs.dlg.units")),
    h(
      "div",
      { class: "needs-units-grid" },
      boxes.map((b, i) => h("label", { class: "needs-check" }, b, h("span", {}, `${units.items[i].name} `, h("small", { class: "muted" }, units.items[i].id)))),
    ),
    unitsErr,
  );
  openDialog(box, t("needs.dlg.whistle", { title: n.title }), [h("p", { class: "muted" }, t("needs.dlg.whistle.body")), deadlineF.wrap, group], async (msg) => {
    deadlineF.set("");
    unitsErr.textContent = "";
    const v = deadlineF.input.value;
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    let bad = false;
    if (!v) {
      deadlineF.set(t("needs.err.required"));
      bad = true;
    } else if (new Date(`${v}:00+08:00`).getTime() <= Date.now()) {
      deadlineF.set(t("needs.err.future"));
      bad = true;
    }
    if (!chosen.length) {
      unitsErr.textContent = t("needs.err.units");
      bad = true;
    }
    if (bad) return false;
    const res = await run(V, n, "whistle", { deadline: `${v}:00+08:00`, units: chosen }, t("needs.a.whistle"));
    return dialogFail(res, msg, { deadline: deadlineF.set, units: (m) => (unitsErr.textContent = m) });
  });
}
