// 民情交办单 · 登记交办单: the form that enters a new work order — what, where (community,
// grid, address), who asked (诉求人, phone) and through which channel (来源, its number),
// for the current quarter or one of the next two (picked, never typed). Checked here
// first, then by the server, whose field messages go next to their fields.

import { api } from "../../api.js";
import { currentQuarter, errorText, field, fill, h, listAll, loadVocab, notice, quarterLabel, select, t, toast, vocabOptions, CATEGORIES } from "../../ui.js";
import { QUARTER_RE, flash, newId } from "./common.js";
import "./detail_strings.js";

/** The channels an order comes in by, when the server's /vocab does not list them. */
const SOURCES = [
  ["visit", "上门走访"],
  ["grid", "网格员"],
  ["council", "议事厅"],
  ["hotline", "12345 热线"],
  ["other", "其他"],
];
// as the server checks it: digits, +, - and spaces, 7–20 digits
const PHONE_RE = /^\+?[0-9][0-9 -]{5,28}[0-9]$/;
const phoneOk = (text) => PHONE_RE.test(text) && (text.match(/[0-9]/g) || []).length >= 7 && (text.match(/[0-9]/g) || []).length <= 20;

/** The current quarter and the `more` after it: "2026Q4" → ["2026Q4", "2027Q1", "2027Q2"]. */
export function quartersFrom(current, more = 2) {
  const m = QUARTER_RE.exec(current || "");
  if (!m) return current ? [current] : [];
  let [y, q] = [Number(m[1]), Number(m[2])];
  const out = [current];
  for (let i = 0; i < more; i += 1) {
    q += 1;
    if (q > 4) [y, q] = [y + 1, 1];
    out.push(`${y}Q${q}`);
  }
  return out;
}

export async function newView(P, box) {
  const { user, communities, commName, ctx } = P;
  const fixed = user.role === "community" ? user.community_id : null;
  const grids = { items: await listAll("/grids") }; // every page of them
  const titleF = field(t("needs.new.title.f"), h("input", { id: "needs-n-title", maxlength: 200, autocomplete: "off" }));
  const catF = field(t("needs.new.category"), select([["", t("needs.err.pick")], ...vocabOptions(CATEGORIES)], "", { id: "needs-n-category" }));
  const commF = field(
    t("needs.new.community"),
    select(
      fixed ? [[fixed, `${commName[fixed] || fixed} ${fixed}`]] : [["", t("needs.err.pick")], ...communities.items.map((c) => [c.id, `${c.name} ${c.id}`])],
      fixed || "",
      { id: "needs-n-community", disabled: Boolean(fixed) },
    ),
  );
  const gridSel = h("select", { id: "needs-n-grid" });
  const gridF = field(t("needs.new.grid"), gridSel);
  const fillGrids = () => {
    const c = commF.input.value;
    gridSel.replaceChildren(
      h("option", { value: "" }, t("needs.new.nogrid")),
      ...grids.items.filter((g) => g.community_id === c).map((g) => h("option", { value: g.id }, `${g.name} (${g.id})`)),
    );
  };
  fillGrids();
  commF.input.addEventListener("change", fillGrids);
  const qF = field(
    t("needs.new.quarter"),
    select(quartersFrom(currentQuarter()).map((q) => [q, `${quarterLabel(q)}（${q}）`]), currentQuarter(), { id: "needs-n-quarter" }),
  );
  const vocab = await loadVocab();
  const sources = vocab.need_sources && vocab.need_sources.length ? vocab.need_sources.map((s) => [s.value, s.zh]) : SOURCES;
  const personF = field(t("nd.f.complainant"), h("input", { id: "needs-n-complainant", maxlength: 100, autocomplete: "off" }));
  const phoneF = field(t("nd.f.phone"), h("input", { id: "needs-n-phone", type: "tel", maxlength: 32, autocomplete: "off" }));
  const addressF = field(t("nd.f.address"), h("input", { id: "needs-n-address", maxlength: 200, autocomplete: "off" }));
  const sourceF = field(t("nd.f.source"), select(sources, "other", { id: "needs-n-source" }));
  const sourceNoF = field(t("nd.f.source_no"), h("input", { id: "needs-n-source-no", maxlength: 64, autocomplete: "off" }));
  const effortF = field(t("needs.new.effort"), h("input", { id: "needs-n-effort", type: "number", min: 1, max: 1000, step: 1, value: 1 }), t("needs.new.effort.hint"));
  const priF = field(t("needs.new.priority"), select([1, 2, 3, 4, 5].map((n) => [String(n), t(`needs.pri.${n}`)]), "3", { id: "needs-n-priority" }));
  const dueF = field(t("needs.new.due"), h("input", { id: "needs-n-due", type: "date" }));
  const descF = field(t("needs.new.description"), h("textarea", { id: "needs-n-description", rows: 4, maxlength: 2000 }));
  const fields = {
    title: titleF,
    category: catF,
    community_id: commF,
    grid_id: gridF,
    quarter: qF,
    effort: effortF,
    priority: priF,
    due: dueF,
    description: descF,
    complainant_name: personF,
    complainant_phone: phoneF,
    address: addressF,
    source: sourceF,
    source_no: sourceNoF,
  };
  const status = h("div", { class: "needs-form-status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary", id: "needs-n-submit" }, t("needs.new.submit"));
  const form = h(
    "form",
    { class: "card needs-form", id: "needs-new", novalidate: true, "aria-labelledby": "needs-new-title" },
    h("h2", { id: "needs-new-title" }, t("needs.new.title")),
    h("p", { class: "muted" }, t("needs.new.help")),
    h(
      "div",
      { class: "needs-form-grid" },
      h("div", { class: "needs-span-2" }, titleF.wrap),
      catF.wrap,
      commF.wrap,
      gridF.wrap,
      qF.wrap,
      effortF.wrap,
      priF.wrap,
      dueF.wrap,
      h("div", { class: "needs-span-all" }, descF.wrap),
      personF.wrap,
      phoneF.wrap,
      h("div", { class: "needs-span-2" }, addressF.wrap),
      sourceF.wrap,
      sourceNoF.wrap,
    ),
    status,
    h("p", {}, submit),
  );
  const intIn = (text, lo, hi) => /^\d+$/.test(text.trim()) && +text >= lo && +text <= hi;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const fl of Object.values(fields)) fl.set("");
    fill(status);
    const errors = {};
    const title = titleF.input.value.trim();
    if (!title) errors.title = t("needs.err.required");
    else if (title.length > 200) errors.title = t("needs.err.long", { n: 200 });
    if (!catF.input.value) errors.category = t("needs.err.category");
    if (!commF.input.value) errors.community_id = t("needs.err.pick");
    const quarter = qF.input.value;
    if (!quarter) errors.quarter = t("needs.err.required");
    const phone = phoneF.input.value.trim();
    if (phone && !phoneOk(phone)) errors.complainant_phone = t("needs.err.phone");
    if (!intIn(effortF.input.value, 1, 1000)) errors.effort = t("needs.err.int", { lo: 1, hi: 1000 });
    if (descF.input.value.length > 2000) errors.description = t("needs.err.long", { n: 2000 });
    const keys = Object.keys(errors);
    if (keys.length) {
      for (const k of keys) fields[k].set(errors[k]);
      fill(status, notice(t("needs.new.invalid", { n: keys.length }), "error"));
      fields[keys[0]].input.focus();
      return;
    }
    const need = {
      id: newId(),
      title,
      category: catF.input.value,
      community_id: commF.input.value,
      grid_id: gridSel.value || null,
      quarter,
      effort: Number(effortF.input.value),
      priority: Number(priF.input.value),
      due: dueF.input.value || null,
      description: descF.input.value.trim() || null,
      complainant_name: personF.input.value.trim() || null,
      complainant_phone: phone || null,
      address: addressF.input.value.trim() || null,
      source: sourceF.input.value,
      source_no: sourceNoF.input.value.trim() || null,
    };
    submit.disabled = true;
    try {
      const saved = await api("/needs", { method: "POST", body: need });
      const text = t("needs.new.saved", { title: saved.title, id: saved.number || saved.quarter });
      toast(text, "ok");
      flash.text = text;
      const q = new URLSearchParams({ community: saved.community_id, quarter: saved.quarter, created: saved.id });
      ctx.go(`#/needs?${q}`);
    } catch (err) {
      submit.disabled = false;
      let first = null;
      for (const e of (err.details && err.details.errors) || []) {
        const key = String(e.field).split(".")[0];
        if (fields[key]) {
          fields[key].set(e.message);
          first = first || fields[key];
        }
      }
      fill(status, notice(t("needs.new.server", { msg: errorText(err) }), "error"));
      if (first) first.input.focus();
    }
  });
  fill(box, form);
  titleF.input.focus();
}
