// 民情交办单 · 批量导入: the xlsx / csv import (template download, skip bad rows, dry
// run) with its row-by-row report.

import { api, download } from "../../api.js";
import { errorText, field, fill, h, lang, t, table, toast } from "../../ui.js";
import { FIELD_ZH, colon } from "./common.js";

export async function importView(P, box) {
  const tplBtn = h("button", { type: "button", id: "needs-template" }, t("needs.i.template"));
  tplBtn.addEventListener("click", async () => {
    tplBtn.disabled = true;
    try {
      const name = await download("/templates/needs.xlsx", "needs-template.xlsx");
      toast(t("needs.i.downloaded", { name }), "ok");
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      tplBtn.disabled = false;
    }
  });
  const fileF = field(t("needs.i.file"), h("input", { type: "file", id: "needs-i-file", accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" }));
  const skip = h("input", { type: "checkbox", id: "needs-i-skip" });
  const dry = h("input", { type: "checkbox", id: "needs-i-dry" });
  const submit = h("button", { type: "submit", class: "primary", id: "needs-i-submit" }, t("needs.i.submit"));
  const result = h("div", { class: "needs-i-result", id: "needs-i-result", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card needs-import", id: "needs-import", novalidate: true, "aria-labelledby": "needs-i-title" },
    h("h2", { id: "needs-i-title" }, t("needs.i.title")),
    h("p", { class: "muted" }, t("needs.i.help")),
    h("p", {}, tplBtn),
    h(
      "div",
      { class: "needs-i-row" },
      fileF.wrap,
      h(
        "div",
        { class: "needs-i-opts" },
        h("label", { class: "needs-inline", for: "needs-i-skip" }, skip, t("needs.i.skip")),
        h("label", { class: "needs-inline", for: "needs-i-dry" }, dry, t("needs.i.dry")),
      ),
    ),
    h("p", {}, submit),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    fileF.set("");
    const file = fileF.input.files && fileF.input.files[0];
    if (!file) {
      fileF.set(t("needs.i.nofile"));
      return;
    }
    const fd = new FormData();
    fd.append("file", file, file.name);
    const q = new URLSearchParams();
    if (skip.checked) q.set("skip_errors", "true");
    if (dry.checked) q.set("dry_run", "true");
    submit.disabled = true;
    fill(result, h("p", { class: "muted" }, t("needs.i.working")));
    try {
      const report = await api(`/needs/import${q.toString() ? `?${q}` : ""}`, { method: "POST", form: fd });
      showReport(report, null);
    } catch (err) {
      showReport(null, err);
    } finally {
      submit.disabled = false;
    }
  });

  function fieldName(f) {
    const pair = FIELD_ZH[f];
    if (!pair) return f;
    return `${lang() === "en" ? pair[1] : pair[0]} (${f})`;
  }

  function errorsTable(errors) {
    const tbl = table(
      [
        { label: t("needs.i.row"), value: (e) => h("strong", {}, String(e.row ?? "—")) },
        { label: t("needs.i.field"), value: (e) => fieldName(e.field) },
        { label: t("needs.i.reason"), value: (e) => e.message },
      ],
      errors,
    );
    tbl.id = "needs-i-errors";
    tbl.querySelectorAll("tbody tr").forEach((tr, i) => {
      if (errors[i]) {
        tr.dataset.row = String(errors[i].row ?? "");
        tr.dataset.field = errors[i].field;
      }
    });
    return tbl;
  }

  function showReport(report, err) {
    if (err) {
      const rep = err.details && err.details.report;
      if (err.status === 422 && rep) {
        const bad = new Set(rep.errors.map((e) => e.row)).size;
        fill(
          result,
          h("div", { class: "notice error", role: "alert", id: "needs-i-rejected" }, t("needs.i.rejected", { n: bad })),
          h("p", { class: "muted" }, t("needs.i.summary", rep)),
          errorsTable(rep.errors),
          warnings(rep.warnings),
        );
        return;
      }
      const errs = (err.details && err.details.errors) || [];
      fill(
        result,
        h("div", { class: "notice error", role: "alert", id: "needs-i-failed" }, t("needs.i.failed", { msg: errorText(err) })),
        errs.length && errs.some((e) => e.row !== undefined) ? errorsTable(errs) : null,
      );
      return;
    }
    let head;
    if (report.dry_run) head = t("needs.i.dryOk", report);
    else if (report.skipped) head = t("needs.i.okSkipped", report);
    else head = t("needs.i.ok", report);
    fill(
      result,
      h("div", { class: "notice ok", role: "status", id: "needs-i-ok" }, head),
      h("p", { class: "muted" }, t("needs.i.summary", report)),
      report.errors.length ? errorsTable(report.errors) : null,
      warnings(report.warnings),
    );
  }

  function warnings(list) {
    if (!list || !list.length) return null;
    return h("div", { class: "notice" }, h("strong", {}, `${t("needs.i.warnings")}${colon()}`), h("ul", {}, list.map((w) => h("li", {}, w))));
  }

  fill(box, form, result);
}
