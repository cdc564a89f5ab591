// 民情交办单 · 交办单详情 `#/needs/{id}`: one work order — its number and every field
// (the complainant's masked as the server sends them for the role), the countdown to
// its due date (已超期 N 天 / 剩余 N 天 N 小时), its photos, the timeline of every step
// (GET /needs/{id}/timeline, oldest first) and the steps the role may take (steps.js).
// Opened from the list by the order's number or title. Every value is text (h()).

import { api } from "../../api.js";
import { errorText, fill, h, label, loadVocab, notice, t, toast, when, CATEGORIES, ROLES, STATUSES } from "../../ui.js";
import { statusTag } from "./common.js";
import "./detail_strings.js";
import { PHOTO_MAX, PHOTO_TYPES, needName, photoProblem, stepBar, uploadPhotos } from "./steps.js";

const CLOSED = ["resolved", "followed_up", "cancelled"];
const DAY = 86400 * 1000;
const HOUR = 3600 * 1000;

/** The hash of an order's detail page. */
export function needHref(id) {
  return `#/needs/${encodeURIComponent(id)}`;
}

/** A link to an order's detail page showing `text` (its number or title). */
export function needLink(n, text, cls = "") {
  return h("a", { href: needHref(n.id), class: `needs-open ${cls}`.trim(), dataset: { open: n.id } }, text);
}

/**
 * The countdown to the due date: {text, kind} — the due day ends at 24:00 Beijing time;
 * "已超期 N 天" counts the days begun since, "剩余 N 天 N 小时" what is left of it.
 */
export function countdown(n, now = Date.now()) {
  if (CLOSED.includes(n.status)) return { text: t("nd.left.closed", { status: label(STATUSES, n.status) }), kind: "muted" };
  if (!n.due) return { text: t("nd.left.none"), kind: "muted" };
  const end = Date.parse(`${n.due}T00:00:00+08:00`) + DAY;
  const left = end - now;
  if (left <= 0) return { text: t("nd.left.overdue", { n: Math.max(1, Math.ceil(-left / DAY)) }), kind: "bad" };
  return { text: t("nd.left.remaining", { d: Math.floor(left / DAY), h: Math.floor((left % DAY) / HOUR) }), kind: left < 3 * DAY ? "warn" : "ok" };
}

function row(key, value, fieldName) {
  const shown = value === null || value === undefined || value === "" ? "—" : value;
  return [h("dt", {}, t(`nd.f.${key}`)), h("dd", { dataset: { field: fieldName || key } }, shown)];
}

function extensionText(ext) {
  if (!ext) return null;
  return t(`nd.ext.${ext.state}`, { due: ext.due || "—", reason: ext.reason || "—" });
}

function masked(n) {
  return [n.complainant_name, n.complainant_phone, n.address].some((v) => typeof v === "string" && v.includes("*"));
}

function fields(P, n, sources) {
  const { commName, uname } = P;
  const counts = [n.returns, n.reopens, n.extensions, n.supervisions].map((c) => String(c || 0)).join(" / ");
  const basics = [
    row("number", n.number),
    row("title", n.title),
    row("category", label(CATEGORIES, n.category)),
    row("community", commName[n.community_id] || n.community_id, "community_id"),
    row("grid", n.grid_id, "grid_id"),
    row("quarter", n.quarter),
    row("priority", String(n.priority)),
    row("effort", String(n.effort)),
    row("due", n.due),
    row("status", statusTag(n.status)),
    row("unit", n.claimed_by ? uname(n.claimed_by) : null, "claimed_by"),
    row("created", n.created_at ? when(n.created_at) : null, "created_at"),
    row("supervised", n.supervised ? t("nd.supervised", { at: n.supervise_deadline ? when(n.supervise_deadline) : "—" }) : null),
    row("extension", extensionText(n.extension)),
    row("counts", counts),
    row("satisfaction", n.satisfaction ? `${n.satisfaction} / 5` : null),
    row("resolution", n.resolution_note, "resolution_note"),
    row("cancel_reason", n.cancel_reason),
    row("description", n.description),
  ];
  const people = [
    row("complainant", n.complainant_name, "complainant_name"),
    row("phone", n.complainant_phone, "complainant_phone"),
    row("address", n.address),
    row("source", n.source ? sources[n.source] || n.source : null),
    row("source_no", n.source_no),
  ];
  return h(
    "div",
    { class: "nd-grid" },
    h("div", { class: "card nd-fields" }, h("h2", {}, t("nd.fields")), h("dl", { class: "nd-dl", id: "nd-fields" }, basics)),
    h(
      "div",
      { class: "card nd-people" },
      h("h2", {}, t("nd.people")),
      masked(n) ? h("p", { class: "muted", id: "nd-masked" }, t("nd.masked")) : null,
      h("dl", { class: "nd-dl", id: "nd-people" }, people),
    ),
  );
}

function photoCard(P, n, photos, D) {
  const { user } = P;
  const items = photos ? photos.items : [];
  const may =
    ["claimed", "in_progress", "resolved"].includes(n.status) &&
    (user.role === "committee" || (user.role === "unit" && user.unit_id === n.claimed_by));
  let adder = null;
  if (may && items.length < PHOTO_MAX) {
    const input = h("input", { type: "file", id: "nd-photo-input", multiple: true, accept: PHOTO_TYPES.join(","), hidden: true });
    input.addEventListener("change", async () => {
      const files = [...input.files];
      const problem = photoProblem(files, items.length);
      if (problem) return toast(problem, "error");
      try {
        await uploadPhotos(n, files);
        toast(t("nd.photos.added", { n: files.length, name: needName(n) }), "ok");
      } catch (err) {
        toast(errorText(err), "error");
      }
      await D.reload();
    });
    adder = h("p", {}, input, h("button", { type: "button", id: "nd-photo-add", onclick: () => input.click() }, t("nd.photos.add")));
  }
  return h(
    "div",
    { class: "card nd-photos" },
    h("h2", {}, t("nd.photos"), " ", h("span", { class: "count" }, String(items.length))),
    items.length
      ? h(
          "div",
          { class: "nd-photo-grid", id: "nd-photo-grid" },
          items.map((p, i) =>
            h("a", { href: p.url, target: "_blank", rel: "noopener" }, h("img", { src: p.url, alt: t("nd.photo.alt", { i: i + 1, name: needName(n) }), loading: "lazy" })),
          ),
        )
      : h("p", { class: "muted" }, t("nd.photos.none")),
    adder,
  );
}

function timelineCard(steps) {
  const body =
    steps && steps.length
      ? h(
          "ol",
          { class: "nd-timeline", id: "nd-timeline" },
          steps.map((s) =>
            h(
              "li",
              { dataset: { action: s.action } },
              h("time", { datetime: s.at }, when(s.at)),
              " ",
              h("strong", { class: "nd-tl-action" }, s.action_zh || s.action),
              " ",
              h("span", { class: "nd-tl-by" }, s.by_name || s.by || "—", s.by_role ? ` · ${label(ROLES, s.by_role)}` : ""),
              s.unit_name || s.unit_id ? h("span", { class: "nd-tl-unit" }, ` → ${s.unit_name || s.unit_id}`) : null,
              s.note ? h("div", { class: "nd-tl-note" }, s.note) : null,
            ),
          ),
        )
      : h("p", { class: "muted", id: "nd-timeline-none" }, t("nd.timeline.none"));
  return h("div", { class: "card nd-timeline-card" }, h("h2", {}, t("nd.timeline")), body);
}

/** The detail view of order `id` in `box` (P: what every view of the page names). */
export async function detailView(P, box, id) {
  const path = `/needs/${encodeURIComponent(id)}`;
  const vocab = await loadVocab();
  const sources = Object.fromEntries((vocab.need_sources || []).map((s) => [s.value, s.zh]));
  // the page's content (filled again after every step) and, beside it, where the step
  // dialogs live (kept: an open dialog must not be moved)
  const content = h("div", { class: "nd-content" });
  const host = h("div", { class: "nd-host" });
  const V = { ...P, box: host, rowMsgs: new Map(), pageNotice: h("div"), load: () => load() };
  const D = { host, units: P.units.items, V, reload: () => load() };

  async function load() {
    let n;
    let steps;
    let photos;
    try {
      [n, steps, photos] = await Promise.all([
        api(path),
        // an order that was never moved has no steps; a server without the route, none
        api(`${path}/timeline`).catch((err) => (err.status === 404 ? [] : Promise.reject(err))),
        api(`${path}/photos`).catch(() => null),
      ]);
    } catch (err) {
      fill(content, backLink(), notice(errorText(err), "error"));
      return;
    }
    D.n = n;
    const left = countdown(n);
    fill(
      content,
      backLink(),
      h(
        "div",
        { class: "nd-head", id: "nd-head", dataset: { need: n.id, status: n.status } },
        h("h2", { id: "nd-title" }, n.number ? h("span", { class: "nd-number", id: "nd-number" }, n.number) : null, " ", n.title),
        statusTag(n.status),
        " ",
        h("span", { class: `tag ${left.kind} nd-countdown`, id: "nd-countdown" }, left.text),
      ),
      h("div", { class: "card nd-actions" }, h("h2", {}, t("nd.actions")), stepBar(P.user, D)),
      fields(P, n, sources),
      photoCard(P, n, photos, D),
      timelineCard(steps),
    );
  }

  fill(content, h("p", { class: "muted", "aria-busy": "true" }, t("nd.loading")));
  fill(box, content, host);
  await load();
}

function backLink() {
  return h("p", { class: "nd-back" }, h("a", { href: "#/needs", id: "nd-back" }, t("nd.back")));
}
