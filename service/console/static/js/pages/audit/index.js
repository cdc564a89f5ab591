// 审计日志 Audit log (committee): every write, newest first, filtered by who (a user,
// by name), what (text in the path or summary, the kind of write) and when (Beijing
// days), paged on the server (GET /audit). Names are shown, not ids.

import { api } from "../../api.js";
import { addStrings, field, fill, h, label, newest, page, pagerFor, select, t, table, when, ROLES } from "../../ui.js";

addStrings({
  zh: {
    "audit.title": "审计日志",
    "audit.intro": "所有写操作的记录：谁、在何时、做了什么。",
    "audit.who": "用户",
    "audit.what": "内容包含",
    "audit.method": "操作类型",
    "audit.since": "起始日期",
    "audit.until": "截止日期",
    "audit.all": "全部",
    "audit.apply": "筛选",
    "audit.at": "时间",
    "audit.role": "角色",
    "audit.path": "对象",
    "audit.status": "结果",
    "audit.summary": "摘要",
    "audit.total": "共 {n} 条记录",
    "audit.ok": "成功",
    "audit.refused": "被拒绝",
    "audit.m.POST": "新建 / 操作",
    "audit.m.PUT": "修改",
    "audit.m.PATCH": "修改",
    "audit.m.DELETE": "删除",
  },
  en: {
    "audit.title": "Audit log",
    "audit.intro": "Every write: who, when, what.",
    "audit.who": "User",
    "audit.what": "Text contains",
    "audit.method": "Kind of write",
    "audit.since": "From",
    "audit.until": "To",
    "audit.all": "All",
    "audit.apply": "Filter",
    "audit.at": "When",
    "audit.role": "Role",
    "audit.path": "Object",
    "audit.status": "Result",
    "audit.summary": "Summary",
    "audit.total": "{n} entries",
    "audit.ok": "done",
    "audit.refused": "refused",
    "audit.m.POST": "create / act",
    "audit.m.PUT": "change",
    "audit.m.PATCH": "change",
    "audit.m.DELETE": "delete",
  },
});

export default page("audit", { zh: "审计日志", en: "Audit log" }, render, ["committee"]);

const LIMIT = 50;

async function render(el, ctx) {
  const p = ctx.params;
  const state = {
    user_id: p.get("user_id") || "",
    q: p.get("q") || "",
    method: p.get("method") || "",
    since: p.get("since") || "",
    until: p.get("until") || "",
    offset: Math.max(0, Number.parseInt(p.get("offset") || "0", 10) || 0),
  };
  const users = await api("/users");
  const userName = Object.fromEntries(users.map((u) => [u.id, u.name]));
  const who = field(t("audit.who"), select([["", t("audit.all")], ...users.map((u) => [u.id, `${u.name}（${label(ROLES, u.role)}）`])], state.user_id, { id: "audit-f-user" }));
  const what = field(t("audit.what"), h("input", { id: "audit-f-q", maxlength: 100, value: state.q }));
  const methods = ["POST", "PUT", "PATCH", "DELETE"].map((m) => [m, t(`audit.m.${m}`)]);
  const method = field(t("audit.method"), select([["", t("audit.all")], ...methods], state.method, { id: "audit-f-method" }));
  const since = field(t("audit.since"), h("input", { id: "audit-f-since", type: "date", value: state.since }));
  const until = field(t("audit.until"), h("input", { id: "audit-f-until", type: "date", value: state.until }));
  const body = h("div", { id: "audit-body" });
  const form = h(
    "form",
    { class: "toolbar", id: "audit-form" },
    who.wrap,
    what.wrap,
    method.wrap,
    since.wrap,
    until.wrap,
    h("button", { class: "primary", type: "submit" }, t("audit.apply")),
  );
  const moved = () => {
    const q = new URLSearchParams(Object.entries(state).filter(([, v]) => v !== "" && v !== 0));
    ctx.go(`#/audit${q.toString() ? `?${q}` : ""}`);
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    Object.assign(state, {
      user_id: who.input.value,
      q: what.input.value.trim(),
      method: method.input.value,
      since: since.input.value,
      until: until.input.value,
      offset: 0,
    });
    moved();
  });
  fill(el, h("h1", { id: "h-audit" }, t("audit.title")), h("p", { class: "muted" }, t("audit.intro")), form, body);

  const query = new URLSearchParams({ limit: String(LIMIT), offset: String(state.offset) });
  for (const k of ["user_id", "q", "method", "since", "until"]) if (state[k]) query.set(k, state[k]);
  const got = await newest()(`/audit?${query}`, body);
  if (!got) return;
  const columns = [
    { label: t("audit.at"), value: (e) => when(e.at) },
    { label: t("audit.who"), value: (e) => (e.user_id ? userName[e.user_id] || e.user_id : "—") },
    { label: t("audit.role"), value: (e) => (e.role ? label(ROLES, e.role) : "—") },
    { label: t("audit.method"), value: (e) => t(`audit.m.${e.method}`) },
    { label: t("audit.path"), value: (e) => e.path },
    {
      label: t("audit.status"),
      value: (e) => h("span", { class: `tag ${e.status < 400 ? "ok" : "bad"}` }, e.status < 400 ? t("audit.ok") : `${t("audit.refused")} ${e.status}`),
    },
    { label: t("audit.summary"), value: (e) => e.summary || "" },
  ];
  const list = table(columns, got.items, pagerFor(state, LIMIT, got.total, moved));
  list.id = "audit-list";
  fill(body, h("p", { id: "audit-total" }, t("audit.total", { n: got.total })), list);
}
