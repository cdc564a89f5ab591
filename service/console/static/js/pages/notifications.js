// 通知 Notifications: channels (robots and e-mail), the outbox with its errors, my notifications;
// and the bell in the header (mountBell).
//
// Channels: GET/POST/DELETE /notifications/channels, POST …/{id}/test (the committee sees
// all, a unit or community its own; URL and secret come back masked). The outbox (committee):
// GET /notifications/outbox?status=…, POST /notifications/outbox/{id}/retry. The bell and the
// list: GET /me/notifications. Every value is put in the page as text (h() children).

import { api } from "../api.js";
import { addStrings, errorText, field, h, notice, page, select, t, table, toast, when } from "../ui.js";

addStrings({
  zh: {
    "notify.title": "通知",
    "notify.intro": "把交办、吹哨、到期和计划发布推送到企业微信、钉钉、飞书群机器人或邮箱。",
    "notify.channels": "通知渠道",
    "notify.add": "添加渠道",
    "notify.kind": "类型",
    "notify.name": "名称",
    "notify.url": "地址（完整 webhook 或 smtp://主机:端口/?from=…&to=…）",
    "notify.secret": "加签密钥 / SMTP 密码（保存后只显示首尾）",
    "notify.events": "订阅事件",
    "notify.owner": "所属（committee、unit:编号、community:编号）",
    "notify.save": "保存",
    "notify.test": "发测试消息",
    "notify.delete": "删除",
    "notify.tested": "测试消息已送达",
    "notify.test.failed": "测试失败：{e}",
    "notify.saved": "渠道已保存",
    "notify.deleted": "渠道已删除",
    "notify.outbox": "发件箱",
    "notify.status": "状态",
    "notify.all": "全部",
    "notify.event": "事件",
    "notify.created": "时间",
    "notify.channel": "渠道",
    "notify.attempts": "尝试次数",
    "notify.error": "最近错误",
    "notify.retry": "重发",
    "notify.retried": "已重新排队",
    "notify.mine": "我的通知",
    "notify.bell": "通知",
    "notify.bell.n": "通知（{n} 条新）",
  },
  en: {
    "notify.title": "Notifications",
    "notify.intro": "Send dispatches, whistles, due dates and published plans to WeCom, DingTalk or Feishu group robots or e-mail.",
    "notify.channels": "Channels",
    "notify.add": "Add a channel",
    "notify.kind": "Kind",
    "notify.name": "Name",
    "notify.url": "URL (the whole webhook, or smtp://host:port/?from=…&to=…)",
    "notify.secret": "Signing secret / SMTP password (shown masked once saved)",
    "notify.events": "Events",
    "notify.owner": "Owner (committee, unit:<id>, community:<id>)",
    "notify.save": "Save",
    "notify.test": "Send a test",
    "notify.delete": "Delete",
    "notify.tested": "Test message delivered",
    "notify.test.failed": "Test failed: {e}",
    "notify.saved": "Channel saved",
    "notify.deleted": "Channel deleted",
    "notify.outbox": "Outbox",
    "notify.status": "Status",
    "notify.all": "All",
    "notify.event": "Event",
    "notify.created": "Time",
    "notify.channel": "Channel",
    "notify.attempts": "Tries",
    "notify.error": "Last error",
    "notify.retry": "Retry",
    "notify.retried": "Queued again",
    "notify.mine": "My notifications",
    "notify.bell": "Notifications",
    "notify.bell.n": "Notifications ({n} new)",
  },
});

const KINDS = [
  ["wecom", "企业微信 WeCom"],
  ["dingtalk", "钉钉 DingTalk"],
  ["feishu", "飞书 Feishu"],
  ["email", "邮件 E-mail"],
];
const EVENTS = [
  "need.dispatched",
  "whistle.summoned",
  "need.due_soon",
  "need.overdue",
  "need.dissatisfied",
  "need.claimable",
  "need.extension_decided",
  "need.reopened",
  "need.supervised",
  "plan.published",
  "digest.daily",
];
const STATUSES = ["", "pending", "sending", "sent", "dead", "done"];

function channelsView(ctx, reload) {
  const box = h("div", { class: "card", id: "notify-channels" }, h("h2", {}, t("notify.channels")));
  api("/notifications/channels").then(
    (rows) =>
      box.append(
        table(
          [
            { label: t("notify.kind"), value: (r) => r.kind },
            { label: t("notify.name"), value: (r) => r.name },
            { label: t("notify.owner"), value: (r) => r.owner },
            { label: t("notify.url"), value: (r) => h("code", {}, r.url) },
            { label: t("notify.secret"), value: (r) => r.secret || "" },
            { label: t("notify.events"), value: (r) => r.events.join(", ") },
            {
              label: "",
              value: (r) =>
                h(
                  "span",
                  {},
                  h("button", { type: "button", class: "notify-test", onclick: () => testChannel(r.id) }, t("notify.test")),
                  " ",
                  h("button", { type: "button", onclick: () => deleteChannel(r.id, reload) }, t("notify.delete")),
                ),
            },
          ],
          rows,
        ),
      ),
    (err) => box.append(notice(errorText(err), "error")),
  );
  return box;
}

async function testChannel(id) {
  try {
    const r = await api(`/notifications/channels/${encodeURIComponent(id)}/test`, { method: "POST" });
    toast(r.ok ? t("notify.tested") : t("notify.test.failed", { e: r.error }), r.ok ? "ok" : "error");
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function deleteChannel(id, reload) {
  try {
    await api(`/notifications/channels/${encodeURIComponent(id)}`, { method: "DELETE" });
    toast(t("notify.deleted"), "ok");
    reload();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function addForm(ctx, reload) {
  const kind = field(t("notify.kind"), select(KINDS, "wecom", { name: "kind" }));
  const name = field(t("notify.name"), h("input", { name: "name", maxlength: 100 }));
  const url = field(t("notify.url"), h("input", { name: "url", required: true, maxlength: 2000 }));
  const secret = field(t("notify.secret"), h("input", { name: "secret", type: "password", autocomplete: "off" }));
  const owner = ctx.user.role === "committee" ? field(t("notify.owner"), h("input", { name: "owner", placeholder: "committee" })) : null;
  const boxes = EVENTS.map((e) => h("label", { class: "check" }, h("input", { type: "checkbox", value: e, checked: true }), e));
  const message = h("div", {});
  const form = h(
    "form",
    { class: "card", id: "notify-add" },
    h("h2", {}, t("notify.add")),
    kind.wrap,
    name.wrap,
    url.wrap,
    secret.wrap,
    owner ? owner.wrap : null,
    h("fieldset", {}, h("legend", {}, t("notify.events")), boxes),
    message,
    h("p", {}, h("button", { class: "primary", type: "submit" }, t("notify.save"))),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {
      kind: kind.input.value,
      name: name.input.value,
      url: url.input.value.trim(),
      secret: secret.input.value || null,
      events: boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
    };
    if (owner && owner.input.value.trim()) body.owner = owner.input.value.trim();
    try {
      await api("/notifications/channels", { method: "POST", body });
      toast(t("notify.saved"), "ok");
      reload();
    } catch (err) {
      message.replaceChildren(notice(errorText(err), "error"));
    }
  });
  return form;
}

function outboxView(ctx) {
  const status = select(STATUSES.map((s) => [s, s || t("notify.all")]), ctx.params.get("status") || "", { name: "status" });
  const list = h("div", {});
  const box = h("div", { class: "card", id: "notify-outbox" }, h("h2", {}, t("notify.outbox")), field(t("notify.status"), status).wrap, list);
  const load = async () => {
    const q = status.value ? `?status=${encodeURIComponent(status.value)}` : "";
    try {
      const rows = await api(`/notifications/outbox${q}`);
      list.replaceChildren(
        table(
          [
            { label: t("notify.created"), value: (r) => when(r.created_at) },
            { label: t("notify.event"), value: (r) => r.event },
            { label: t("notify.name"), value: (r) => r.title },
            { label: t("notify.channel"), value: (r) => r.channel_id || "" },
            { label: t("notify.status"), value: (r) => h("span", { class: `tag status-${r.status}` }, r.status) },
            { label: t("notify.attempts"), value: (r) => String(r.attempts) },
            { label: t("notify.error"), value: (r) => r.last_error || "" },
            {
              label: "",
              value: (r) =>
                r.kind === "delivery" && (r.status === "dead" || r.status === "pending")
                  ? h("button", { type: "button", class: "notify-retry", onclick: () => retry(r.id, load) }, t("notify.retry"))
                  : "",
            },
          ],
          rows,
        ),
      );
    } catch (err) {
      list.replaceChildren(notice(errorText(err), "error"));
    }
  };
  status.addEventListener("change", load);
  load();
  return box;
}

async function retry(id, load) {
  try {
    await api(`/notifications/outbox/${encodeURIComponent(id)}/retry`, { method: "POST" });
    toast(t("notify.retried"), "ok");
    load();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function mineView() {
  const box = h("div", { class: "card", id: "notify-mine" }, h("h2", {}, t("notify.mine")));
  api("/me/notifications").then(
    (rows) => {
      localStorage.setItem("gongjian.bell.seen", rows.length ? rows[0].created_at : "");
      box.append(
        h(
          "ul",
          { class: "notify-list" },
          rows.map((r) =>
            h("li", {}, h("a", { href: r.path || "#/notifications" }, r.title), " ", h("span", { class: "muted" }, when(r.created_at)), h("div", { class: "muted" }, r.lines.join(" · "))),
          ),
        ),
      );
      updateBell(0);
    },
    (err) => box.append(notice(errorText(err), "error")),
  );
  return box;
}

async function render(el, ctx) {
  const reload = () => render(el, ctx);
  el.replaceChildren(
    h("h1", { id: "h-notifications" }, t("notify.title")),
    h("p", { class: "muted" }, t("notify.intro")),
    mineView(),
    channelsView(ctx, reload),
    addForm(ctx, reload),
    ctx.user.role === "committee" ? outboxView(ctx) : null,
  );
}

// --------------------------------------------------------------------------- the bell
function updateBell(n) {
  const bell = document.getElementById("bell");
  if (!bell) return;
  bell.hidden = false;
  bell.dataset.count = String(n);
  // an inline SVG icon (an emoji bell has no glyph without a colour-emoji font)
  const count = document.getElementById("bell-count");
  if (count) count.textContent = n ? ` ${n}` : "";
  bell.title = n ? t("notify.bell.n", { n }) : t("notify.bell");
  bell.setAttribute("aria-label", bell.title);
}

let bellTimer;
/** Show the bell for a signed-in user (not the viewer): new notifications since last seen. */
export function mountBell(user) {
  const bell = document.getElementById("bell");
  clearInterval(bellTimer);
  if (!bell) return;
  if (!user || user.role === "viewer") {
    bell.hidden = true;
    return;
  }
  bell.onclick = () => (location.hash = "#/notifications");
  const poll = async () => {
    try {
      const rows = await api("/me/notifications?limit=50");
      const seen = localStorage.getItem("gongjian.bell.seen") || "";
      updateBell(rows.filter((r) => r.created_at > seen).length);
    } catch (err) {
      console.warn("bell", err);
    }
  };
  poll();
  bellTimer = setInterval(poll, 60000);
}

export default page("notifications", { zh: "通知", en: "Notifications" }, render, ["committee", "unit", "community"]);
