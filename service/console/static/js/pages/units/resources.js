// 单位与资源 · 资源清单表单: the editor of one declared resource (id, kind, name,
// capacity, quarters, weekdays) with its checks, and how the server's field paths
// map back to a row and field of the form.

import { field, h, select, t, vocabOptions, KINDS } from "../../ui.js";

export const PAGE = 10;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const QUARTER_RE = /^(\d{4})Q([1-4])$/;
const FIELDS = ["id", "kind", "name", "capacity", "quarters", "weekdays"];

export function weekdaysText(days) {
  if (!days || !days.length || days.length === 7) return t("units.res.every");
  const name = (d) => `${t("units.wd.prefix")}${t(`units.wd.${d}`)}`;
  const runs = [];
  for (const d of [...days].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && d === last[1] + 1) last[1] = d;
    else runs.push([d, d]);
  }
  return runs
    .map(([a, b]) => (a === b ? name(a) : b === a + 1 ? `${name(a)}${t("units.wd.sep")}${name(b)}` : `${name(a)}${t("units.wd.to")}${name(b)}`))
    .join(t("units.wd.sep"));
}

export function canEdit(user, unitId) {
  return user.role === "committee" || (user.role === "unit" && user.unit_id === unitId);
}

/** Parse "2026Q3, 2026Q4" → {quarters, bad}. */
export function parseQuarters(text) {
  const parts = text.split(/[\s,，、;；]+/).filter(Boolean);
  const bad = parts.filter((p) => {
    const m = QUARTER_RE.exec(p.toUpperCase());
    return !m || +m[1] < 2000 || +m[1] > 2100;
  });
  return { quarters: [...new Set(parts.map((p) => p.toUpperCase()))].sort(), bad };
}

/** The editor of one declared resource: its fieldset and how to read / check it. */
export function resourceRow(res, index, onRemove) {
  const idF = field(t("units.res.id"), h("input", { value: res.id || "", autocomplete: "off", name: "id", maxlength: 64 }));
  const kindF = field(
    t("units.res.kind"),
    select([["", "—"], ...vocabOptions(KINDS)], res.kind || "", { name: "kind" }),
  );
  const nameF = field(t("units.res.name"), h("input", { value: res.name || "", name: "name", maxlength: 200 }));
  const capF = field(
    t("units.res.capacity"),
    h("input", {
      type: "number",
      inputmode: "numeric",
      min: 0,
      max: 100000,
      step: 1,
      value: res.capacity ?? "",
      name: "capacity",
      title: t("units.res.capacity.hint"),
    }),
  );
  const qF = field(
    t("units.res.quarters"),
    h("input", { value: (res.quarters || []).join(", "), name: "quarters", placeholder: "2026Q4" }),
    t("units.res.quarters.hint"),
  );
  const boxes = [1, 2, 3, 4, 5, 6, 7].map((d) =>
    h("input", { type: "checkbox", value: d, checked: (res.weekdays || []).includes(d), name: `wd${d}` }),
  );
  const wdError = h("span", { class: "field-error", "aria-live": "polite" });
  const wdGroup = h(
    "div",
    { class: "units-wd", role: "group", "aria-label": t("units.res.weekdays"), dataset: { field: "weekdays" } },
    h("span", { class: "units-wd-label" }, t("units.res.weekdays")),
    h(
      "div",
      { class: "units-wd-boxes" },
      boxes.map((b, i) => h("label", { class: "units-check" }, b, h("span", {}, t(`units.wd.${i + 1}`)))),
    ),
    h("small", {}, t("units.res.weekdays.hint")),
    wdError,
  );
  const legend = h("legend", {}, t("units.res.row", { n: index + 1 }));
  const remove = h("button", { type: "button", class: "danger units-remove" }, t("units.res.remove"));
  const fs = h(
    "fieldset",
    { class: "units-res", dataset: { row: index } },
    legend,
    h(
      "div",
      { class: "units-res-grid" },
      h("div", { class: "units-f-id" }, idF.wrap),
      h("div", { class: "units-f-kind" }, kindF.wrap),
      h("div", { class: "units-f-name" }, nameF.wrap),
      h("div", { class: "units-f-cap" }, capF.wrap),
      h("div", { class: "units-f-q" }, qF.wrap),
      h("div", { class: "units-f-wd" }, wdGroup),
    ),
    h("div", { class: "units-res-foot" }, remove),
  );
  for (const [name, f] of [["id", idF], ["kind", kindF], ["name", nameF], ["capacity", capF], ["quarters", qF]]) {
    f.wrap.dataset.field = name;
  }
  const setters = {
    id: idF.set,
    kind: kindF.set,
    name: nameF.set,
    capacity: capF.set,
    quarters: qF.set,
    weekdays: (msg) => {
      wdError.textContent = msg || "";
    },
  };
  const row = {
    el: fs,
    setIndex(i) {
      fs.dataset.row = i;
      legend.textContent = t("units.res.row", { n: i + 1 });
    },
    set(name, msg) {
      (setters[name] || setters.name)(msg);
    },
    clear() {
      for (const s of Object.values(setters)) s("");
    },
    id: () => idF.input.value.trim(),
    focus(name) {
      const target = { id: idF, kind: kindF, name: nameF, capacity: capF, quarters: qF }[name];
      (target ? target.input : boxes[0]).focus();
    },
    /** The resource as the API takes it, and the field errors {field: message}. */
    read() {
      const errors = {};
      const id = idF.input.value.trim();
      if (!id) errors.id = t("units.err.required");
      else if (!ID_RE.test(id)) errors.id = t("units.err.id");
      const kind = kindF.input.value;
      if (!kind || !(kind in KINDS)) errors.kind = t("units.err.kind");
      const name = nameF.input.value.trim();
      if (!name) errors.name = t("units.err.name");
      else if (name.length > 200) errors.name = t("units.err.long");
      const capText = capF.input.value.trim();
      const capacity = Number(capText);
      if (capText === "" || !/^-?\d+$/.test(capText) || capacity < 0 || capacity > 100000) {
        errors.capacity = t("units.err.capacity");
      }
      const { quarters, bad } = parseQuarters(qF.input.value);
      if (bad.length) errors.quarters = t("units.err.quarter", { bad: bad.join(", ") });
      const weekdays = boxes.filter((b) => b.checked).map((b) => Number(b.value));
      return { value: { id, kind, name, capacity, quarters, weekdays }, errors };
    },
  };
  remove.addEventListener("click", () => onRemove(row));
  return row;
}

export function suggestId(unitId, taken) {
  let k = 1;
  while (taken.has(`${unitId}-r${k}`)) k += 1;
  return `${unitId}-r${k}`;
}

/** Map a server field such as "1.capacity", "body.1.quarters.0" or "name" to [row, field]. */
export function serverField(path) {
  const parts = String(path).split(".").filter((p) => p !== "body");
  if (parts.length && /^\d+$/.test(parts[0])) {
    const name = parts[1] && FIELDS.includes(parts[1]) ? parts[1] : "name";
    return [Number(parts[0]), name];
  }
  return [null, FIELDS.includes(parts[0]) ? parts[0] : null];
}
