// 用户 Users (committee): the active accounts, a form to add one (its token is shown
// once, to hand over), and 停用 to disable one (its token stops working at once).
//
// GET /users, POST /users, DELETE /users/{id}. Units and communities are picked by
// name from type-ahead lists over the whole store (listAll), shown by name.

import { api } from "../../api.js";
import { addStrings, errorText, field, fill, h, label, listAll, notice, page, select, t, table, toast, when, ROLES } from "../../ui.js";

addStrings({
  zh: {
    "users.title": "用户",
    "users.intro": "管理登录账号：新建账号后把令牌交给使用人（只显示这一次）；停用后该账号立即无法登录。",
    "users.name": "姓名或岗位",
    "users.role": "角色",
    "users.scope": "单位 / 社区",
    "users.created": "创建时间",
    "users.actions": "操作",
    "users.disable": "停用",
    "users.disable.confirm": "确定停用 {name}？停用后该账号立即无法登录。",
    "users.disabled": "已停用 {name}",
    "users.add": "新建账号",
    "users.unit": "单位（输入名称查找）",
    "users.community": "社区（输入名称查找）",
    "users.pick": "请从列表中选择一个{what}",
    "users.create": "创建",
    "users.token": "{name} 的登录令牌（只显示这一次，请复制后交给使用人）：",
    "users.copy": "复制令牌",
    "users.copied": "令牌已复制",
    "users.count": "共 {n} 个有效账号",
    "users.username": "登录用户名（可选）",
    "users.username.hint": "3–32 位小写字母、数字或 . _ -",
    "users.password": "初始密码",
    "users.password.hint": "至少 10 位，字母与数字或符号混合",
    "users.password.needed": "设置了用户名时需要初始密码",
    "users.login.failed": "账号已创建，但未能设置用户名和密码：{why}",
  },
  en: {
    "users.title": "Users",
    "users.intro": "Sign-in accounts: hand the token of a new account to its holder (it is shown once); a disabled account stops working at once.",
    "users.name": "Name or post",
    "users.role": "Role",
    "users.scope": "Unit / community",
    "users.created": "Created",
    "users.actions": "Actions",
    "users.disable": "Disable",
    "users.disable.confirm": "Disable {name}? The account stops working at once.",
    "users.disabled": "{name} disabled",
    "users.add": "Add an account",
    "users.unit": "Unit (type to search)",
    "users.community": "Community (type to search)",
    "users.pick": "Pick a {what} from the list",
    "users.create": "Create",
    "users.token": "Token of {name} (shown only this once; copy it for its holder):",
    "users.copy": "Copy token",
    "users.copied": "Token copied",
    "users.count": "{n} active accounts",
    "users.username": "Sign-in user name (optional)",
    "users.username.hint": "3–32 of a-z, 0-9, . _ -",
    "users.password": "Initial password",
    "users.password.hint": "At least 10 characters, letters mixed with digits or symbols",
    "users.password.needed": "A user name needs an initial password",
    "users.login.failed": "The account was created, but its user name and password were not set: {why}",
  },
});

export default page("users", { zh: "用户", en: "Users" }, render, ["committee"]);

/** A type-ahead over named items: an <input list> whose value is a name; id(value) → id. */
function picker(id, items) {
  const list = h("datalist", { id: `${id}-list` }, items.map((x) => h("option", { value: `${x.name}（${x.id}）` })));
  const input = h("input", { id, list: `${id}-list`, autocomplete: "off" });
  const byText = new Map(items.map((x) => [`${x.name}（${x.id}）`, x.id]));
  return { input, list, id: () => byText.get(input.value.trim()) || null };
}

async function render(el) {
  const [users, units, communities] = await Promise.all([api("/users"), listAll("/units"), listAll("/communities")]);
  const unitName = Object.fromEntries(units.map((u) => [u.id, u.name]));
  const commName = Object.fromEntries(communities.map((c) => [c.id, c.name]));
  const out = h("div", { id: "users-token" });

  const name = field(t("users.name"), h("input", { id: "users-f-name", maxlength: 100, required: true }));
  const role = field(t("users.role"), select(Object.keys(ROLES).map((r) => [r, label(ROLES, r)]), "unit", { id: "users-f-role" }));
  const login = field(t("users.username"), h("input", { id: "users-f-username", maxlength: 32, autocomplete: "off" }), t("users.username.hint"));
  const pass = field(t("users.password"), h("input", { id: "users-f-password", type: "password", maxlength: 200, autocomplete: "new-password" }), t("users.password.hint"));
  const unit = picker("users-f-unit", units);
  const comm = picker("users-f-community", communities);
  const unitField = field(t("users.unit"), unit.input);
  const commField = field(t("users.community"), comm.input);
  const scoped = () => {
    unitField.wrap.hidden = role.input.value !== "unit";
    commField.wrap.hidden = role.input.value !== "community";
  };
  role.input.addEventListener("change", scoped);
  scoped();

  const form = h(
    "form",
    { class: "card toolbar", id: "users-form" },
    h("h2", {}, t("users.add")),
    name.wrap,
    role.wrap,
    unitField.wrap,
    commField.wrap,
    login.wrap,
    pass.wrap,
    unit.list,
    comm.list,
    h("button", { class: "primary", type: "submit", id: "users-f-submit" }, t("users.create")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { name: name.input.value.trim(), role: role.input.value };
    if (body.role === "unit") {
      body.unit_id = unit.id();
      if (!body.unit_id) return unitField.set(t("users.pick", { what: t("users.unit") }));
    }
    if (body.role === "community") {
      body.community_id = comm.id();
      if (!body.community_id) return commField.set(t("users.pick", { what: t("users.community") }));
    }
    const username = login.input.value.trim();
    if (username && !pass.input.value) return pass.set(t("users.password.needed"));
    try {
      const made = await api("/users", { method: "POST", body });
      let loginError = "";
      if (username) {
        try {
          await api(`/users/${encodeURIComponent(made.user.id)}/login`, { method: "PUT", body: { username, password: pass.input.value } });
        } catch (err) {
          loginError = t("users.login.failed", { why: errorText(err) });
        }
      }
      await render(el);
      if (loginError) el.querySelector("#users-token").after(notice(loginError, "error"));
      const box = el.querySelector("#users-token");
      const code = h("code", { id: "users-token-value" }, made.token);
      fill(
        box,
        h(
          "div",
          { class: "notice ok", role: "status" },
          t("users.token", { name: made.user.name }),
          " ",
          code,
          " ",
          h("button", {
            type: "button",
            onclick: async () => {
              await navigator.clipboard?.writeText(made.token).catch(() => null);
              toast(t("users.copied"), "ok");
            },
          }, t("users.copy")),
        ),
      );
    } catch (err) {
      name.set(errorText(err));
    }
  });

  const scope = (u) => (u.unit_id ? unitName[u.unit_id] || u.unit_id : u.community_id ? commName[u.community_id] || u.community_id : "—");
  const columns = [
    { label: t("users.name"), value: (u) => u.name },
    { label: t("users.role"), value: (u) => label(ROLES, u.role) },
    { label: t("users.scope"), value: (u) => scope(u) },
    { label: t("users.created"), value: (u) => when(u.created_at) },
    {
      label: t("users.actions"),
      value: (u) =>
        h("button", {
          class: "danger",
          dataset: { user: u.id },
          onclick: async () => {
            if (!confirm(t("users.disable.confirm", { name: u.name }))) return;
            try {
              await api(`/users/${encodeURIComponent(u.id)}`, { method: "DELETE" });
              toast(t("users.disabled", { name: u.name }), "ok");
              await render(el);
            } catch (err) {
              toast(errorText(err), "error");
            }
          },
        }, t("users.disable")),
    },
  ];
  const list = table(columns, users);
  list.id = "users-list";
  fill(
    el,
    h("h1", { id: "h-users" }, t("users.title")),
    h("p", { class: "muted" }, t("users.intro")),
    out,
    form,
    h("p", {}, t("users.count", { n: users.length })),
    list,
  );
}
