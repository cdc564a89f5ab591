// The console shell: sign-in (a session cookie, see api.js), role-aware navigation, hash routing to the pages.
//
// A page module (js/pages/<page>/index.js, with one module per view beside it, or
// js/pages/<page>.js) exports default ui.page(id, {zh, en}, render, roles?), i.e.
//   {id, hash: "#/<id>", title: {zh, en}, roles: ["committee", …] or null (all), render(el, ctx)}
// where `render` fills `el` (it may be async) and ctx = {user, go(hash), params, rest}
// (`rest`: what follows the page's hash, e.g. "n001" of #/needs/n001; "" otherwise).
// The vocabularies (ui.js KINDS, STATUSES, … DEFAULTS) are loaded before any page renders.

import { ApiError, restoreSession, signIn, signOut } from "./api.js";
import { addStrings, applyStatic, lang, setLang, t } from "./i18n.js";
import { ROLES, errorText, h, label, loadVocab, notice } from "./ui.js";
import dashboard from "./pages/dashboard/index.js";
import units from "./pages/units/index.js";
import needs from "./pages/needs/index.js";
import plans from "./pages/plans/index.js";
import city from "./pages/city/index.js";
import network from "./pages/network/index.js";
import activities from "./pages/activities.js";
import todo from "./pages/todo/index.js";
import users from "./pages/users/index.js";
import map from "./pages/map/index.js";
import audit from "./pages/audit/index.js";
import suitability from "./pages/suitability/index.js";
import commitments from "./pages/commitments/index.js";
import notifications, { mountBell } from "./pages/notifications.js";

const PAGES = [todo, dashboard, map, units, needs, plans, city, network, activities, commitments, suitability, users, audit, notifications];
// unit and community users land on their to-do list, the others on the dashboard
const LANDING = { unit: "#/todo", community: "#/todo" };
let user = null;

function pageTitle(page) {
  return lang() === "en" ? page.title.en : page.title.zh;
}

function visiblePages() {
  return PAGES.filter((p) => user && (!p.roles || p.roles.includes(user.role)));
}

function renderNav(current) {
  const nav = document.getElementById("nav");
  nav.replaceChildren(
    ...visiblePages().map((p) =>
      h("a", { href: p.hash, "aria-current": p === current ? "page" : null, dataset: { page: p.id } }, pageTitle(p)),
    ),
  );
  const who = document.getElementById("who");
  const scope = user ? user.unit_id || user.community_id || "" : "";
  who.textContent = user ? `${user.name} · ${label(ROLES, user.role)}${scope ? ` · ${scope}` : ""}` : "";
  document.getElementById("signout").hidden = !user;
}

function signinView(el, message, login = "") {
  // after a refused attempt the user name stays, the password is typed again
  const username = h("input", { id: "username", name: "username", autocomplete: "username", maxlength: 64, value: login });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", maxlength: 200 });
  const input = h("textarea", { id: "token", name: "token", autocomplete: "off", spellcheck: "false" });
  const form = h(
    "form",
    { class: "card signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, t("signin.title")),
    message ? notice(message, "error") : null,
    h("label", { for: "username" }, t("signin.username"), username),
    h("label", { for: "password" }, t("signin.password"), password),
    h("p", { class: "muted" }, t("signin.help")),
    h("label", { for: "token" }, t("signin.token"), input),
    h("p", {}, h("button", { class: "primary", type: "submit", id: "signin-submit" }, t("signin.submit"))),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const byToken = input.value.trim() !== "";
    if (!byToken && (!username.value.trim() || !password.value)) return signinView(el, t("signin.missing"), username.value.trim());
    try {
      await signIn(byToken ? input.value : { username: username.value.trim(), password: password.value });
    } catch (err) {
      const bad = err instanceof ApiError && (err.status === 401 || err.status === 422);
      const why = err instanceof ApiError && err.status === 429 ? err.message : bad ? t(byToken ? "signin.bad" : "signin.badpw") : errorText(err);
      return signinView(el, why, byToken ? "" : username.value.trim());
    }
    input.value = "";
    password.value = "";
    await start();
  });
  el.replaceChildren(form);
  (login ? password : username).focus();
}

function decoded(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed %-escape: the page says it does not know that one
  }
}

async function route() {
  const view = document.getElementById("view");
  if (!user) return;
  const [path, query = ""] = (location.hash || LANDING[user.role] || "#/dashboard").split("?");
  const pages = visiblePages();
  const home = pages.find((p) => p.hash === (LANDING[user.role] || "#/dashboard")) || pages[0];
  // a page's own sub-paths (#/needs/n001: one work order) go to that page, as ctx.rest
  const page = pages.find((p) => p.hash === path || path.startsWith(`${p.hash}/`)) || (path === "#/" || path === "" ? home : null);
  renderNav(page);
  document.getElementById("nav").classList.remove("open");
  if (!page) {
    view.replaceChildren(notice(t("notfound"), "error"));
    return;
  }
  document.title = `${pageTitle(page)} · ${t("app.title")}`;
  const el = h("section", { "aria-labelledby": `h-${page.id}`, dataset: { page: page.id } });
  view.replaceChildren(el);
  const rest = page.hash === path ? "" : decoded(path.slice(page.hash.length + 1));
  const ctx = { user, go: (hash) => (location.hash = hash), params: new URLSearchParams(query), rest };
  try {
    await page.render(el, ctx);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return start();
    console.error(err);
    el.append(notice(errorText(err), "error"));
  }
}

async function start() {
  const view = document.getElementById("view");
  applyStatic();
  document.getElementById("lang").textContent = lang() === "en" ? "中文" : "EN";
  try {
    // who is signed in (the session cookie, which survives a reload)
    user = await restoreSession();
    // and the vocabularies every page labels its values with
    if (user) await loadVocab();
  } catch (err) {
    user = null;
    renderNav(null);
    return signinView(view, errorText(err));
  }
  mountBell(user);
  if (!user) {
    renderNav(null);
    return signinView(view);
  }
  await route();
}

document.getElementById("lang").addEventListener("click", () => {
  setLang(lang() === "en" ? "zh" : "en");
  start();
});
document.getElementById("signout").addEventListener("click", async () => {
  try {
    await signOut();
  } catch (err) {
    console.warn("sign-out", err);
  }
  user = null;
  history.replaceState(null, "", location.pathname + location.search); // the next user lands on their own home
  start();
});
document.getElementById("menu-toggle").addEventListener("click", (ev) => {
  const nav = document.getElementById("nav");
  nav.classList.toggle("open");
  ev.currentTarget.setAttribute("aria-expanded", nav.classList.contains("open") ? "true" : "false");
});
window.addEventListener("hashchange", route);
setLang(lang());
addStrings({});
start();
