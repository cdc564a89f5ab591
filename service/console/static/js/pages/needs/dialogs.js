// 民情交办单 · 对话框: the dialogs of the actions that need more than a click: 代认领
// claim for a unit, 吹哨 whistle (deadline and the units summoned); 办结, 回访 and 撤销
// use the detail page's dialogs (steps.js). Units are picked with a type-ahead over the
// API (typeahead.js), so any of a district's units can be named. A refusal's field
// messages go next to their fields.

import { errorText, field, fill, h, notice, t } from "../../ui.js";
import { loadNames, nameOf, typeahead } from "../../typeahead.js";
import "./list_strings.js";
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
  const { box } = V;
  // a type-ahead over /units: any of a district's units can be found by name or id
  const picker = typeahead({ path: "/units", id: "needs-dlg-unit", placeholder: t("needs.err.pick") });
  const unitF = field(t("needs.dlg.unit"), picker.input);
  picker.el.prepend(picker.input); // field() moved it into its label: back into the picker
  unitF.wrap.replaceChildren(t("needs.dlg.unit"), picker.el, unitF.error);
  openDialog(box, t("needs.dlg.claimFor", { title: n.title }), unitF.wrap, async (msg) => {
    unitF.set("");
    if (!picker.value()) {
      unitF.set(t("needs.err.pick"));
      return false;
    }
    const res = await run(V, n, "claim", { unit_id: picker.value() }, t("needs.a.claimFor"));
    return dialogFail(res, msg, { unit_id: unitF.set });
  });
}

export async function whistle(V, n) {
  const { box } = V;
  const soon = new Date(Date.now() + 3 * 86400 * 1000);
  const dl = beijingLocal(soon).slice(0, 11) + "18:00";
  const deadlineF = field(t("needs.dlg.deadline"), h("input", { type: "datetime-local", id: "needs-dlg-deadline", value: dl }));
  // the units summoned: found with a type-ahead (any of a district's units), each shown
  // as a chip with a remove button; the summoned ones and the claiming unit to start with
  const chosen = [...new Set([...(n.summoned || []), ...(n.claimed_by ? [n.claimed_by] : [])])];
  await loadNames("/units", chosen);
  const picked = h("ul", { class: "needs-picked", id: "needs-dlg-picked", "aria-live": "polite" });
  const drawPicked = () =>
    picked.replaceChildren(
      ...chosen.map((id) =>
        h(
          "li",
          { class: "tag", dataset: { unit: id } },
          nameOf("/units", id),
          h(
            "button",
            {
              type: "button",
              class: "ta-clear needs-unpick",
              "aria-label": t("needs.dlg.unpick", { name: nameOf("/units", id) }),
              onclick: () => {
                chosen.splice(chosen.indexOf(id), 1);
                drawPicked();
              },
            },
            "×",
          ),
        ),
      ),
    );
  drawPicked();
  const picker = typeahead({
    path: "/units",
    id: "needs-dlg-units",
    placeholder: t("needs.dlg.addUnit"),
    onPick: (u) => {
      if (u && !chosen.includes(u.id)) chosen.push(u.id);
      picker.set("");
      drawPicked();
    },
  });
  const unitsErr = h("span", { class: "field-error", "aria-live": "polite" });
  const group = h(
    "fieldset",
    { class: "needs-units-pick" },
    h("legend", {}, t("needs.dlg.units")),
    h("label", { for: "needs-dlg-units" }, t("needs.dlg.addUnit"), picker.el),
    picked,
    unitsErr,
  );
  openDialog(box, t("needs.dlg.whistle", { title: n.title }), [h("p", { class: "muted" }, t("needs.dlg.whistle.body")), deadlineF.wrap, group], async (msg) => {
    deadlineF.set("");
    unitsErr.textContent = "";
    const v = deadlineF.input.value;
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
    const res = await run(V, n, "whistle", { deadline: `${v}:00+08:00`, units: [...chosen] }, t("needs.a.whistle"));
    return dialogFail(res, msg, { deadline: deadlineF.set, units: (m) => (unitsErr.textContent = m) });
  });
}
