// Small DOM helpers shared by the pages: element builder, tables with paging,
// form fields with messages, toasts, charts, vocabulary labels.

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
    new ResizeObserver(() => c.resize()).observe(el);
    return c;
  };
  const holder = { el, chart: null };
  // init once the element is in the document (ECharts needs its size)
  requestAnimationFrame(() => {
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
export const JOINTS = {
  joint_activities: ["活动联搞", "Joint activities"],
  joint_organization: ["组织联建", "Joint organisation"],
  shared_resources: ["资源联用", "Shared resources"],
  joint_member_management: ["党员联管", "Joint member management"],
  joint_services: ["服务联做", "Joint services"],
};
export const JOINT_COLORS = {
  joint_activities: "#e74c3c",
  joint_organization: "#8e44ad",
  shared_resources: "#2980b9",
  joint_member_management: "#d35400",
  joint_services: "#16a085",
};
export const STATUSES = {
  open: ["待认领", "Open"],
  claimed: ["已认领", "Claimed"],
  in_progress: ["办理中", "In progress"],
  resolved: ["已办结", "Resolved"],
  followed_up: ["已回访", "Followed up"],
  cancelled: ["已撤销", "Cancelled"],
};
export const KINDS = {
  venue_learning: ["学习场地", "Learning venue"],
  venue_culture: ["文化场地", "Culture venue"],
  venue_sports: ["体育场地", "Sports venue"],
  library: ["图书阅览", "Library"],
  medical: ["医疗义诊", "Medical"],
  education: ["教育讲座", "Education"],
  finance: ["金融服务", "Finance"],
  anti_fraud: ["反诈宣传", "Anti-fraud"],
  legal_aid: ["法律援助", "Legal aid"],
  mediation: ["矛盾调解", "Mediation"],
  security_patrol: ["治安巡逻", "Security patrol"],
  fire_safety: ["消防安全", "Fire safety"],
  traffic_safety: ["交通安全", "Traffic safety"],
  repair: ["设施维修", "Repairs"],
  environment: ["环境整治", "Environment"],
  culture_arts: ["文化文艺", "Culture and arts"],
  elderly_care: ["助老服务", "Elderly care"],
  children: ["少儿活动", "Children"],
  employment: ["就业帮扶", "Employment"],
  poverty_relief: ["帮困救助", "Poverty relief"],
  party_building: ["党建共建", "Party building"],
  volunteer: ["志愿服务", "Volunteers"],
};
export const UNIT_TYPES = {
  school: ["学校", "School"],
  kindergarten: ["幼儿园", "Kindergarten"],
  hospital: ["医院", "Hospital"],
  bank: ["银行", "Bank"],
  property_company: ["物业公司", "Property company"],
  police: ["派出所", "Police"],
  government: ["政府部门", "Government"],
  retirees_centre: ["离退休活动站", "Retirees' centre"],
  enterprise: ["企业", "Enterprise"],
  social_org: ["社会组织", "Social organisation"],
  other: ["其他", "Other"],
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

/** Current quarter as 2026Q4 (Asia/Shanghai). */
export function currentQuarter() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return `${now.getUTCFullYear()}Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
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
