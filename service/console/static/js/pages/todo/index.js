// 我的待办 My to-do: what waits for the signed-in user's action (GET /me/todo).
//
// One card per section the server sends for the role (吹哨待报到, 已逾期, 督办, 重办, 待办结,
// 待接单, 近期活动 for a unit; 待回访, 已逾期, 待认领, 吹哨逾期 for a community; the
// committee's overdue, extension requests to decide, returned orders to dispatch again,
// to dispatch, late whistles, follow-ups), most urgent first, each row (an order's
// number and title, its link to the order's page) with
// its countdown to the due date and a link to where the step is taken. A unit also
// downloads its calendar (.ics) and task list (.xlsx). Unit and community users land
// here after sign-in (app.js). Every value is put in the page as text (h()).
//
// At district size a section holds thousands of orders: each card shows its total and
// one page of PAGE items; its pager asks the server for the next page of that section
// only (GET /me/todo?section=…&offset=…). A loading sign shows until the first answer.

import { api, download } from "../../api.js";
import { addStrings, errorText, fill, h, label, lang, newest, notice, page, t, table, toast, STATUSES } from "../../ui.js";

/** Items per section page. */
export const PAGE = 10;

addStrings({
  zh: {
    "todo.title": "我的待办",
    "todo.intro": "等待您处理的事项，最紧急的在前。点击“去处理”打开对应页面。",
    "todo.today": "今天 {d} · {q}",
    "todo.total": "共 {n} 项待办",
    "todo.none": "暂无待办事项。",
    "todo.viewer": "查看者账号没有需要处理的事项。",
    "todo.loading": "正在加载待办…",
    "todo.count": "共 {n} 项",
    "todo.col.title": "事项",
    "todo.col.community": "社区",
    "todo.col.unit": "单位",
    "todo.col.status": "状态",
    "todo.col.due": "截止 / 日期",
    "todo.col.left": "剩余",
    "todo.col.action": "下一步",
    "todo.left.overdue": "逾期 {n} 天",
    "todo.left.today": "今天到期",
    "todo.left.days": "还有 {n} 天",
    "todo.go": "去处理",
    "todo.calendar": "下载本单位日程 (.ics)",
    "todo.tasks": "下载任务清单 (.xlsx)",
    "todo.downloaded": "已下载 {name}",
  },
  en: {
    "todo.title": "My to-do",
    "todo.intro": "What waits for your action, most urgent first. “Open” takes you to where the step is done.",
    "todo.today": "Today {d} · {q}",
    "todo.total": "{n} items to do",
    "todo.none": "Nothing to do.",
    "todo.viewer": "A viewer account has nothing to act on.",
    "todo.loading": "Loading your to-do list…",
    "todo.count": "{n} in all",
    "todo.col.title": "Item",
    "todo.col.community": "Community",
    "todo.col.unit": "Unit",
    "todo.col.status": "Status",
    "todo.col.due": "Due / date",
    "todo.col.left": "Left",
    "todo.col.action": "Next step",
    "todo.left.overdue": "{n} days overdue",
    "todo.left.today": "Due today",
    "todo.left.days": "{n} days left",
    "todo.go": "Open",
    "todo.calendar": "Download the unit's calendar (.ics)",
    "todo.tasks": "Download the task list (.xlsx)",
    "todo.downloaded": "Downloaded {name}",
  },
});

export default page("todo", { zh: "我的待办", en: "My to-do" }, render, ["committee", "unit", "community"]);

function left(item, today) {
  if (!item.due) return "—";
  if (item.overdue_days) return h("span", { class: "tag overdue" }, t("todo.left.overdue", { n: item.overdue_days }));
  const days = Math.round((Date.parse(item.due) - Date.parse(today)) / 86400000);
  return days <= 0 ? t("todo.left.today") : t("todo.left.days", { n: days });
}

function sectionCard(section, todo) {
  const columns = [
    {
      label: t("todo.col.title"),
      value: (i) => (i.number ? h("span", {}, h("span", { class: "todo-number" }, i.number), " ", i.title) : i.title),
    },
    { label: t("todo.col.community"), value: (i) => i.community_name },
    { label: t("todo.col.unit"), value: (i) => i.unit_name || "—" },
    { label: t("todo.col.status"), value: (i) => (i.status ? label(STATUSES, i.status) : "—") },
    { label: t("todo.col.due"), value: (i) => i.due || "—" },
    { label: t("todo.col.left"), value: (i) => left(i, todo.today) },
    {
      label: t("todo.col.action"),
      value: (i) => h("a", { href: i.link, class: "button", dataset: { action: i.action } }, `${i.action_zh} · ${t("todo.go")}`),
    },
  ];
  const title = lang() === "en" ? section.label_en : section.label;
  const card = h("div", { class: "card", role: "region", "aria-label": title });
  const get = newest();
  const show = (s) => {
    card.dataset.section = s.key;
    card.dataset.total = String(s.count);
    card.dataset.offset = String(s.offset);
    card.removeAttribute("aria-busy");
    const msg = h("div", { "aria-live": "polite" });
    const pager = {
      offset: s.offset,
      limit: PAGE,
      total: s.count,
      go: async (offset) => {
        card.setAttribute("aria-busy", "true");
        const q = new URLSearchParams({ section: s.key, offset: String(offset), limit: String(PAGE) });
        const answer = await get(`/me/todo?${q}`, msg);
        if (answer) show(answer.sections[0]);
        else card.removeAttribute("aria-busy");
      },
    };
    fill(
      card,
      h("h2", {}, title, " ", h("span", { class: "count", title: t("todo.count", { n: s.count }) }, String(s.count))),
      table(columns, s.items, pager),
      msg,
    );
  };
  show(section);
  return card;
}

async function render(el, ctx) {
  fill(el, h("h1", { id: "h-todo" }, t("todo.title")), h("p", { class: "muted", id: "todo-loading", "aria-busy": "true" }, t("todo.loading")));
  const todo = await api(`/me/todo?limit=${PAGE}`);
  const head = [
    h("h1", { id: "h-todo" }, t("todo.title"), todo.scope_name ? ` · ${todo.scope_name}` : ""),
    h("p", { class: "muted" }, t("todo.intro")),
    h("p", {}, t("todo.today", { d: todo.today, q: todo.quarter }), " · ", h("strong", { id: "todo-total" }, t("todo.total", { n: todo.total }))),
  ];
  if (ctx.user.role === "unit") {
    const get = (path, name) => async () => {
      try {
        toast(t("todo.downloaded", { name: await download(path, name) }), "ok");
      } catch (err) {
        toast(errorText(err), "error");
      }
    };
    head.push(
      h(
        "p",
        { class: "actions" },
        h("button", { id: "todo-calendar", onclick: get("/me/calendar.ics", "calendar.ics") }, t("todo.calendar")),
        h("button", { id: "todo-tasks", onclick: get(`/me/tasks.xlsx?quarter=${todo.quarter}`, "tasks.xlsx") }, t("todo.tasks")),
      ),
    );
  }
  if (!todo.sections.length) {
    fill(el, ...head, notice(ctx.user.role === "viewer" ? t("todo.viewer") : t("todo.none")));
    return;
  }
  fill(el, ...head, ...todo.sections.map((s) => sectionCard(s, todo)));
}
