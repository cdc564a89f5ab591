// 民情交办单 · 推荐单位: the panel of the planner's best units for one open need
// (GET /needs/{id}/recommendations), for the committee dispatching by hand. Per unit:
// the total fit and its parts (适配度, 距离, 结对, 以往合作, 以往满意度), the effort left
// this quarter and, where the need's resource kind is capped, its uses left (剩余 x/y 次),
// the distance and the claims it would give up; 派给 dispatches the need
// to it (POST /needs/{id}/dispatch), with the committee's override when it is over capacity.
// Every value is put in the DOM as text (h()), never as markup.

import { api } from "../../api.js";
import { errorText, fill, h, label, notice, t, KINDS } from "../../ui.js";
import { done } from "./actions.js";

/** Open the panel of recommended units for need `n` (committee). */
export async function recommendPanel(V, n) {
  const { box } = V;
  const dlg = h("dialog", { class: "needs-dialog needs-rec-dialog", id: "needs-rec", "aria-labelledby": "needs-rec-title", dataset: { need: n.id } });
  const msg = h("div", { class: "needs-dlg-msg", id: "needs-rec-msg", "aria-live": "polite" });
  const body = h("div", { class: "needs-rec-body", "aria-busy": "true" }, t("needs.rec.loading"));
  const close = h("button", { type: "button", id: "needs-rec-close", onclick: () => dlg.close() }, t("close"));
  dlg.append(
    h("h2", { id: "needs-rec-title" }, t("needs.rec.title", { title: n.title })),
    body,
    msg,
    h("div", { class: "needs-dlg-actions" }, close),
  );
  dlg.addEventListener("close", () => dlg.remove());
  box.append(dlg);
  dlg.showModal();
  let rec;
  try {
    rec = await api(`/needs/${encodeURIComponent(n.id)}/recommendations?limit=5`);
  } catch (err) {
    body.removeAttribute("aria-busy");
    fill(body, notice(errorText(err), "error"));
    return dlg;
  }
  body.removeAttribute("aria-busy");
  const last = rec.items.length > 0 && rec.items.every((r) => r.last_resort);
  fill(body, lead(rec), last ? notice(t("needs.rec.last.lead"), "warn") : null, rec.items.length ? recTable(V, n, rec, dlg, msg) : notice(t("needs.rec.none"), "warn"));
  close.focus();
  return dlg;
}

function lead(rec) {
  const bits = [t("needs.rec.lead", { quarter: rec.quarter, effort: rec.effort, priority: rec.priority })];
  if (rec.carried_from) {
    bits.push(
      rec.overdue_days
        ? t("needs.rec.overdue", { from: rec.carried_from, days: rec.overdue_days })
        : t("needs.rec.carried", { from: rec.carried_from }),
    );
  }
  return h("p", { class: "muted needs-rec-lead" }, bits.join(" "));
}

function distance(r) {
  if (r.distance_km !== null && r.distance_km !== undefined) return t("needs.rec.km", { km: r.distance_km.toFixed(1) });
  if (r.distance_steps !== null && r.distance_steps !== undefined) return t("needs.rec.steps", { steps: r.distance_steps });
  return "—";
}

/** The uses (次) of the need's resource kind left at the unit this quarter (null when uncapped). */
function uses(r) {
  if (r.kind_capacity === null || r.kind_capacity === undefined) return null;
  return h(
    "div",
    { class: `needs-rec-uses${r.remaining_uses === 0 ? " needs-late" : ""}`, dataset: { kind: r.kind } },
    t("needs.rec.uses", { kind: label(KINDS, r.kind), left: r.remaining_uses, cap: r.kind_capacity }),
  );
}

function recTable(V, n, rec, dlg, msg) {
  const head = ["needs.rec.c.rank", "needs.rec.c.unit", "needs.rec.c.score", "needs.rec.c.parts", "needs.rec.c.room", "needs.rec.c.distance", "needs.rec.c.displaces", "needs.rec.c.action"];
  const rows = rec.items.map((r, i) =>
    h(
      "tr",
      { dataset: { unit: r.unit } },
      h("td", {}, String(i + 1)),
      h(
        "td",
        { class: "needs-rec-unit" },
        r.unit_name,
        " ",
        h("small", { class: "muted" }, r.unit),
        r.last_resort ? h("span", { class: "tag warn needs-rec-last", title: t("needs.rec.last.hint") }, t("needs.rec.last")) : null,
      ),
      h("td", { class: "needs-rec-score" }, String(r.score)),
      h(
        "td",
        { class: "needs-rec-parts" },
        h("ul", { class: "needs-rec-partlist" }, r.parts.map((p) => h("li", { dataset: { part: p.part } }, `${p.name_zh} ${p.value >= 0 ? "+" : ""}${p.value}`))),
      ),
      h(
        "td",
        { class: `needs-rec-room${r.over_capacity ? " needs-late" : ""}` },
        t("needs.rec.room", { left: r.remaining_capacity, cap: r.capacity, effort: r.effort }),
        uses(r),
      ),
      h("td", { class: "needs-rec-distance" }, distance(r)),
      h("td", { class: "needs-rec-displaces" }, r.displaces.length ? r.displaces.map((d) => h("div", {}, `${d.title} (${d.item})`)) : "—"),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            class: i === 0 ? "primary" : "",
            dataset: { action: "dispatch", unit: r.unit },
            title: r.over_capacity ? t("needs.rec.override.hint") : null,
            onclick: (ev) => dispatch(V, n, r, dlg, msg, ev.currentTarget),
          },
          r.over_capacity ? t("needs.rec.dispatch.override") : t("needs.rec.dispatch"),
        ),
      ),
    ),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: "needs-rec-table" }, h("thead", {}, h("tr", {}, head.map((k) => h("th", {}, t(k))))), h("tbody", {}, rows)),
  );
}

async function dispatch(V, n, r, dlg, msg, button) {
  button.disabled = true;
  fill(msg);
  const path = `/needs/${encodeURIComponent(n.id)}/dispatch`; // 派单: on the order's timeline as such
  const claim = (override) => api(path, { method: "POST", body: override ? { unit_id: r.unit, override: true } : { unit_id: r.unit } });
  try {
    try {
      await claim(r.over_capacity);
    } catch (err) {
      // beyond what the claim check counts as left: the committee's override, as 派给 says
      if (r.over_capacity || err.status !== 409 || !err.details || err.details.reason !== "capacity") throw err;
      await claim(true);
    }
  } catch (err) {
    button.disabled = false;
    fill(msg, notice(errorText(err), "error"));
    return;
  }
  dlg.close();
  await done(V, n, "dispatch");
}
