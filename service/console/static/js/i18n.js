// Chinese first (简体中文), English on a switch. Pages add their own strings with addStrings().

const LANG_KEY = "gongjian.lang";
const strings = { zh: {}, en: {} };

export function lang() {
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
}

export function setLang(value) {
  localStorage.setItem(LANG_KEY, value === "en" ? "en" : "zh");
  document.documentElement.lang = value === "en" ? "en" : "zh-CN";
}

/** Register strings: addStrings({zh: {key: "…"}, en: {key: "…"}}). */
export function addStrings(table) {
  Object.assign(strings.zh, table.zh || {});
  Object.assign(strings.en, table.en || {});
}

/** The string for `key` in the current language; `{name}` placeholders from `vars`. */
export function t(key, vars = {}) {
  const text = strings[lang()][key] ?? strings.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** Fill every [data-i18n] element below `root` with its string. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

addStrings({
  zh: {
    "app.title": "共建 · 城市党建共建平台",
    skip: "跳到正文",
    menu: "菜单",
    signout: "退出",
    loading: "正在加载…",
    footer: "共建 gongjian · 数据保存在本机服务中，不连接互联网",
    "signin.title": "登录",
    "signin.help": "或者粘贴共建委员会发给您的登录令牌：",
    "signin.username": "用户名",
    "signin.password": "密码",
    "signin.missing": "请填写用户名和密码，或粘贴登录令牌。",
    "signin.badpw": "用户名或密码错误。连续输错 5 次账号将锁定 15 分钟。",
    "signin.token": "登录令牌",
    "signin.submit": "登录",
    "signin.bad": "令牌无效或已停用，请向共建委员会索取新令牌。",
    prev: "上一页",
    next: "下一页",
    "page.of": "第 {from}–{to} 条，共 {total} 条",
    none: "暂无数据",
    save: "保存",
    cancel: "取消",
    close: "关闭",
    error: "出错了",
    forbidden: "您的角色无权执行此操作。",
    offline: "数据服务暂时不可用，请稍后重试。",
    notfound: "没有这个页面。",
  },
  en: {
    "app.title": "Gongjian · Joint party building",
    skip: "Skip to content",
    menu: "Menu",
    signout: "Sign out",
    loading: "Loading…",
    footer: "gongjian · data stays in this service; no internet connection is used",
    "signin.title": "Sign in",
    "signin.help": "Or paste the sign-in token the committee gave you:",
    "signin.username": "User name",
    "signin.password": "Password",
    "signin.missing": "Enter your user name and password, or paste a sign-in token.",
    "signin.badpw": "Wrong user name or password. Five wrong tries in a row lock the account for 15 minutes.",
    "signin.token": "Sign-in token",
    "signin.submit": "Sign in",
    "signin.bad": "The token is invalid or disabled; ask the committee for a new one.",
    prev: "Previous",
    next: "Next",
    "page.of": "{from}–{to} of {total}",
    none: "Nothing here yet",
    save: "Save",
    cancel: "Cancel",
    close: "Close",
    error: "Something went wrong",
    forbidden: "Your role may not do this.",
    offline: "The data service is unavailable; try again shortly.",
    notfound: "No such page.",
  },
});
