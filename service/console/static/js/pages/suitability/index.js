// 适配表 The suitability table (GET /suitability): need category → resource kind and unit
// type, each with a 0–100 suitability. Everyone signed in reads it; the committee edits
// cells, removes and adds rows and saves the whole table (PUT /suitability with
// If-Match: a stale save, 412, is explained with a reload), or round-trips it through
// Excel (GET /suitability.csv, PUT /suitability.csv). Labels come from GET /vocab; every
// value is put in the page as text (h() builds text nodes), never as markup.

import { api, download } from "../../api.js";
import { CATEGORIES, KINDS, UNIT_TYPES, errorText, fill, h, label, notice, page, select, t, table, toast, vocabOptions } from "../../ui.js";
import "./strings.js";

export default page("suitability", { zh: "适配表", en: "Suitability" }, render);

const ANY = "*";

function typeLabel(value) {
  return value === ANY ? t("suit.anyType") : label(UNIT_TYPES, value);
}

/** "中文 code" for a vocabulary value, as the other pages show them. */
function named(text, code) {
  return h("span", {}, text, " ", h("code", { class: "muted" }, code));
}

async function render(el, ctx) {
  const editor = ctx.user.role === "committee";
  const state = { category: ctx.params.get("category") || "", rows: [], version: 0, dirty: 0 };
  const msg = h("div", { id: "suit-msg", "aria-live": "polite" });
  const meta = h("p", { class: "muted", id: "suit-meta" });
  const box = h("div", { id: "suit-table" });
  const filter = select([["", t("suit.all")], ...vocabOptions(CATEGORIES)], state.category, { id: "suit-f-category" });
  const saveBtn = h("button", { class: "primary", type: "button", id: "suit-save", disabled: true }, t("suit.save"));
  const fileInput = h("input", { type: "file", id: "suit-file", accept: ".csv,text/csv", hidden: true });
  const uploadBtn = h("button", { type: "button", id: "suit-upload" }, t("suit.upload"));
  const downloadBtn = h("button", { type: "button", id: "suit-download" }, t("suit.download"));

  const load = async () => {
    const body = await api("/suitability");
    state.rows = body.rows.map((r) => ({ ...r }));
    state.version = body.version;
    state.dirty = 0;
    fill(msg, body.missing_categories.length ? notice(t("suit.missing", { list: body.missing_categories.map((c) => label(CATEGORIES, c)).join("、") })) : null);
    draw();
  };

  const stale = () =>
    fill(msg, h("div", { class: "notice error", role: "alert", id: "suit-stale" }, t("suit.stale"), " ", h("button", { type: "button", id: "suit-reload", onclick: () => load() }, t("suit.reload"))));

  const changed = () => {
    state.dirty += 1;
    saveBtn.disabled = false;
    meta.textContent = `${versionText()} · ${t("suit.unsaved")}`;
  };

  const versionText = () => (state.version ? t("suit.version", { v: state.version }) : t("suit.default"));

  const scoreCell = (row) => {
    if (!editor) return String(row.suitability);
    const input = h("input", { type: "number", min: 0, max: 100, step: 1, value: row.suitability, class: "suit-score", "aria-label": `${t("suit.col.score")} ${label(CATEGORIES, row.need_category)} · ${label(KINDS, row.resource_kind)} · ${typeLabel(row.unit_type)}` });
    input.addEventListener("change", () => {
      const n = Number(input.value);
      const ok = input.value.trim() !== "" && Number.isInteger(n) && n >= 0 && n <= 100;
      input.setCustomValidity(ok ? "" : t("suit.badScore"));
      input.toggleAttribute("aria-invalid", !ok);
      if (ok) row.suitability = n;
      changed();
    });
    return input;
  };

  const draw = () => {
    const shown = state.rows.filter((r) => !state.category || r.need_category === state.category);
    const columns = [
      { label: t("suit.col.category"), value: (r) => named(label(CATEGORIES, r.need_category), r.need_category) },
      { label: t("suit.col.kind"), value: (r) => named(label(KINDS, r.resource_kind), r.resource_kind) },
      { label: t("suit.col.type"), value: (r) => named(typeLabel(r.unit_type), r.unit_type) },
      { label: t("suit.col.score"), value: scoreCell },
    ];
    if (editor) {
      columns.push({
        label: t("suit.col.actions"),
        value: (r) =>
          h("button", { type: "button", class: "suit-remove", onclick: () => { state.rows.splice(state.rows.indexOf(r), 1); changed(); draw(); } }, t("suit.remove")),
      });
    }
    fill(box, table(columns, shown));
    box.querySelectorAll("tbody tr").forEach((tr, i) => shown[i] && (tr.dataset.key = `${shown[i].need_category}|${shown[i].resource_kind}|${shown[i].unit_type}`));
    meta.textContent = `${versionText()} · ${t("suit.count", { n: shown.length })}${state.dirty ? ` · ${t("suit.unsaved")}` : ""}`;
    saveBtn.disabled = !state.dirty;
  };

  const addForm = () => {
    const cat = select(vocabOptions(CATEGORIES), state.category, { id: "suit-new-category", "aria-label": t("suit.col.category") });
    const kind = select(vocabOptions(KINDS), "", { id: "suit-new-kind", "aria-label": t("suit.col.kind") });
    const type = select([[ANY, t("suit.anyType")], ...vocabOptions(UNIT_TYPES)], ANY, { id: "suit-new-type", "aria-label": t("suit.col.type") });
    const score = h("input", { type: "number", min: 0, max: 100, step: 1, value: 100, id: "suit-new-score", "aria-label": t("suit.col.score") });
    const add = h("button", { type: "button", id: "suit-add" }, t("suit.add"));
    add.addEventListener("click", () => {
      const n = Number(score.value);
      if (!Number.isInteger(n) || n < 0 || n > 100) return toast(t("suit.badScore"), "error");
      state.rows.push({ need_category: cat.value, resource_kind: kind.value, unit_type: type.value, suitability: n });
      changed();
      draw();
    });
    return h("div", { class: "toolbar", id: "suit-new" }, cat, kind, type, score, add);
  };

  saveBtn.addEventListener("click", async () => {
    if (box.querySelector("input:invalid")) return toast(t("suit.badScore"), "error");
    try {
      const body = await api("/suitability", { method: "PUT", body: { rows: state.rows }, headers: { "If-Match": `"${state.version}"` } });
      toast(t("suit.saved", { v: body.version }), "ok");
      fill(msg);
      await load();
    } catch (err) {
      if (err.status === 412) return stale();
      fill(msg, notice(errorText(err), "error"));
    }
  });
  downloadBtn.addEventListener("click", () => download("/suitability.csv", "suitability.csv").catch((err) => toast(errorText(err), "error")));
  uploadBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    try {
      const body = await api("/suitability.csv", { method: "PUT", form: file, headers: { "Content-Type": "text/csv", "If-Match": `"${state.version}"` } });
      toast(t("suit.uploaded", { n: body.rows.length, v: body.version }), "ok");
      await load();
    } catch (err) {
      if (err.status === 412) return stale();
      fill(msg, notice(errorText(err), "error"));
    }
  });
  filter.addEventListener("change", () => {
    state.category = filter.value;
    history.replaceState(null, "", `#/suitability${state.category ? `?category=${encodeURIComponent(state.category)}` : ""}`);
    draw();
  });

  fill(
    el,
    h("h1", { id: "h-suitability" }, t("suit.title")),
    h("p", { class: "muted" }, t("suit.lead")),
    editor ? null : notice(t("suit.readonly")),
    h("div", { class: "toolbar" }, h("label", { for: "suit-f-category" }, t("suit.filter"), filter), downloadBtn, editor ? [uploadBtn, fileInput, saveBtn] : null),
    msg,
    meta,
    editor ? addForm() : null,
    box,
  );
  await load();
}
