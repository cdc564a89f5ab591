// Small DOM helpers shared by the pages: element builder, tables with paging,
// form fields with messages, toasts, charts, vocabulary labels, HTML escaping.

import { api } from "./api.js";
import { t, lang, addStrings } from "./i18n.js";

/** h("button", {class: "primary", onclick: fn}, "text", child…) → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * Text made safe for HTML: the few places that must build markup (ECharts tooltip and
 * label formatters) put every value through esc(). Everything else builds DOM with h(),
 * whose children are text nodes, never markup.
 */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

let toastTimer;
/** A short message at the bottom right (role=status, read out by screen readers). */
export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.className = "toast"), kind === "error" ? 8000 : 4000);
}

/** A message block inside a page (kind: "", "error", "ok"). */
export function notice(message, kind = "") {
  return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
}

/** The text to show for an error from api(): the server's message, or a generic one. */
export function errorText(err) {
  if (err && err.status === 403) return `${t("forbidden")} ${err.message}`;
  if (err && err.status === 503) return t("offline");
  return (err && err.message) || t("error");
}

/**
 * Say in `box` why a conditional write (If-Match) failed; when someone else saved first
 * (412), toast `staleText` instead and `reload()` the latest state (its promise is returned).
 */
export function saveFailed(err, box, staleText, reload) {
  if (err && err.status === 412) {
    toast(staleText, "error");
    return reload();
  }
  fill(box, notice(errorText(err), "error"));
  return undefined;
}

/**
 * A labelled form field: returns {wrap, input, error, set(msg)}.
 * `input` is an element (input/select/textarea); the label is tied to it by id.
 */
let fieldSeq = 0;
export function field(labelText, input, hint) {
  fieldSeq += 1;
  const id = input.id || `f${fieldSeq}`;
  input.id = id;
  const error = h("span", { class: "field-error", id: `${id}-err`, "aria-live": "polite" });
  input.setAttribute("aria-describedby", `${id}-err`);
  const wrap = h("label", { for: id }, labelText, input, hint ? h("small", {}, hint) : null, error);
  return {
    wrap,
    input,
    error,
    set(msg) {
      error.textContent = msg || "";
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
  };
}

export function select(options, value, attrs = {}) {
  return h(
    "select",
    attrs,
    options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)),
  );
}

/**
 * A table of `rows` with `columns` [{label, value(row) → node|text}].
 * With `pager` {offset, limit, total, go(offset)} it adds previous/next buttons.
 */
export function table(columns, rows, pager) {
  const body = rows.length
    ? rows.map((r) => h("tr", {}, columns.map((c) => h("td", {}, c.value(r)))))
    : [h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, t("none")))];
  const wrap = h(
    "div",
    {},
    h(
      "div",
      { class: "table-wrap" },
      h("table", {}, h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))), h("tbody", {}, body)),
    ),
  );
  if (pager && pager.total > pager.limit) {
    const from = pager.total ? pager.offset + 1 : 0;
    const to = Math.min(pager.offset + pager.limit, pager.total);
    wrap.append(
      h(
        "div",
        { class: "pager" },
        h("button", { disabled: pager.offset <= 0, onclick: () => pager.go(Math.max(0, pager.offset - pager.limit)) }, t("prev")),
        h("span", {}, t("page.of", { from, to, total: pager.total })),
        h("button", { disabled: to >= pager.total, onclick: () => pager.go(pager.offset + pager.limit) }, t("next")),
      ),
    );
  }
  return wrap;
}

/** An ECharts chart in a new element; resizes with its box. Returns {el, chart}. */
export function chart(option, cls = "chart") {
  const el = h("div", { class: cls, role: "img" });
  const make = () => {
    const c = window.echarts.init(el, null, { renderer: "canvas" });
    c.setOption(option);
    const watch = new ResizeObserver(() => {
      // a page left behind: free the chart (a geo layout of a detached box throws)
      if (!el.isConnected) {
        watch.disconnect();
        c.dispose();
        return;
      }
      if (!c.isDisposed() && el.clientWidth && el.clientHeight) c.resize();
    });
    watch.observe(el);
    return c;
  };
  const holder = { el, chart: null };
  // init once the element is in the document (ECharts needs its size)
  requestAnimationFrame(() => {
    // the page was left before the first frame: no chart for a detached box
    if (!el.isConnected) return;
    holder.chart = make();
    el.dataset.ready = "1";
  });
  return holder;
}

export function pct(x) {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
}

export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(lang() === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
}

// -------------------------------------------------------------------- vocabularies
// The labels and defaults come from GET /vocab (the domain's own vocabularies), read
// once after sign-in by loadVocab(); each table maps a value to [中文, English] and is
// filled in place, so a page may import it before it is loaded.
export const KINDS = {};
export const UNIT_TYPES = {};
export const JOINTS = {};
export const CATEGORIES = {};
export const STATUSES = {};
export const ROLES = {};
/** The planner's default weights {fit: 1, …} and the current quarter (Asia/Shanghai). */
export const DEFAULTS = { weights: {}, quarter: "" };
const TABLES = {
  resource_kinds: KINDS,
  unit_types: UNIT_TYPES,
  joint_types: JOINTS,
  need_categories: CATEGORIES,
  need_statuses: STATUSES,
  user_roles: ROLES,
};
let vocabLoad = null;

/** Read /vocab once (again only after a failure) and fill the tables above. */
export function loadVocab() {
  if (!vocabLoad) {
    vocabLoad = api("/vocab").then(
      (v) => {
        for (const [name, table] of Object.entries(TABLES)) {
          for (const k of Object.keys(table)) delete table[k];
          for (const term of v[name]) table[term.value] = [term.zh, term.en];
        }
        DEFAULTS.weights = { ...v.weights };
        DEFAULTS.quarter = v.current_quarter;
        return v;
      },
      (err) => {
        vocabLoad = null;
        throw err;
      },
    );
  }
  return vocabLoad;
}

/** Colours of the five joints (presentation only; the labels are in JOINTS). */
export const JOINT_COLORS = {
  joint_activities: "#e74c3c",
  joint_organization: "#8e44ad",
  shared_resources: "#2980b9",
  joint_member_management: "#d35400",
  joint_services: "#16a085",
};

/** The label of a vocabulary value in the current language (the value itself if unknown). */
export function label(vocab, value) {
  const pair = vocab[value];
  if (!pair) return value ?? "—";
  return lang() === "en" ? pair[1] : pair[0];
}

/** Options for a <select> from a vocabulary. */
export function vocabOptions(vocab) {
  return Object.keys(vocab).map((k) => [k, label(vocab, k)]);
}

/** The current quarter as 2026Q4 (Asia/Shanghai), as /vocab said at sign-in. */
export function currentQuarter() {
  return DEFAULTS.quarter;
}

/**
 * A console page: shown at `#/<id>` in the navigation of `roles` (every signed-in role
 * when omitted); `render(el, ctx)` fills its section (see app.js).
 */
export function page(id, title, render, roles = null) {
  return { id, hash: `#/${id}`, title, roles, render };
}

/** replaceChildren without the null / false / "" children that h() would have skipped. */
export const fill = (node, ...kids) =>
  node.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false && k !== ""));

/** "2026Q4" → 2026年第四季度 / 2026 Q4. */
export function quarterLabel(q) {
  const m = /^(\d{4})Q([1-4])$/.exec(q);
  if (!m) return q;
  return lang() === "en" ? `${m[1]} Q${m[2]}` : `${m[1]}年第${"一二三四"[m[2] - 1]}季度`;
}

/** Options for a quarter <select>: the years around now, plus `current` if outside them. */
export function quarterOptions(current) {
  const y = new Date().getFullYear();
  const out = [];
  for (let yy = Math.min(2025, y - 1); yy <= Math.max(2027, y + 1); yy += 1) {
    for (let q = 1; q <= 4; q += 1) out.push(`${yy}Q${q}`);
  }
  if (current && !out.includes(current)) out.push(current);
  return out.map((q) => [q, quarterLabel(q)]);
}

/**
 * A loader of pages of a filtered list that keeps only the newest answer:
 * `const get = newest(); const page = await get(path, box);` is the page, or null when
 * a newer call has begun meanwhile or this one failed (its message is then in `box`).
 */
export function newest() {
  let seq = 0;
  return async (path, box) => {
    const mine = ++seq;
    try {
      const page = await api(path);
      return mine === seq ? page : null;
    } catch (err) {
      if (mine === seq) fill(box, notice(errorText(err), "error"));
      return null;
    }
  };
}

/**
 * The pager of a list view whose filter `state` holds `offset`: moving a page sets it,
 * then `moved()` (update the hash, reload).
 */
export function pagerFor(state, limit, total, moved) {
  return {
    offset: state.offset,
    limit,
    total,
    go: (off) => {
      state.offset = off;
      moved();
    },
  };
}

/** Every item of a paged list endpoint (pages of 1000). */
export async function listAll(path) {
  const out = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api(`${path}${path.includes("?") ? "&" : "?"}limit=1000&offset=${offset}`);
    out.push(...page.items);
    if (out.length >= page.total || !page.items.length) return out;
  }
}

export { t, lang, addStrings };
