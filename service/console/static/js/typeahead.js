// Searchable pickers over the API (type-ahead): a text box that asks `${path}?q=…&limit=20`
// as the user types and lists what matches, so the 2,000th unit of a district is found
// as easily as the first — no page loads every unit. Also the names of the ids a page
// shows, fetched one by one when not known yet (a page shows at most a few dozen).
//
//   const unit = typeahead({ path: "/units", id: "needs-f-claimed", value: "u01", onPick });
//   toolbar.append(unit.el);            // unit.value() → "u01" | ""; unit.set(id, label)
//
// Typing (or a click, or ↓) lists the matches. Keyboard: ↓/↑ move through the options, Enter picks, Escape closes; the clear button
// (×) empties the choice. The options are role=option in a role=listbox; names are text.

import { api } from "./api.js";
import { h, t, addStrings } from "./ui.js";

addStrings({
  zh: {
    "ta.placeholder": "输入名称或编号搜索",
    "ta.none": "没有匹配项",
    "ta.more": "仅显示前 {n} 项，请输入更多字缩小范围（共 {total} 项）",
    "ta.clear": "清除",
    "ta.loading": "正在搜索…",
  },
  en: {
    "ta.placeholder": "Type a name or id",
    "ta.none": "No match",
    "ta.more": "First {n} shown; type more to narrow ({total} in all)",
    "ta.clear": "Clear",
    "ta.loading": "Searching…",
  },
});

export const LIMIT = 20;
const names = new Map(); // path → Map(id → name)

function cacheOf(path) {
  if (!names.has(path)) names.set(path, new Map());
  return names.get(path);
}

/** Remember names seen in a list answer (`items` with id and name / title). */
export function rememberNames(path, items) {
  const cache = cacheOf(path);
  for (const it of items || []) cache.set(it.id, it.name ?? it.title ?? it.id);
}

/** The known name of `id` under `path` (the id itself while unknown). */
export function nameOf(path, id) {
  if (!id) return "";
  return cacheOf(path).get(id) ?? id;
}

/** Fetch the names of those `ids` not known yet (GET `${path}/${id}` each, in parallel). */
export async function loadNames(path, ids) {
  const cache = cacheOf(path);
  const missing = [...new Set(ids.filter((id) => id && !cache.has(id)))];
  await Promise.all(
    missing.map((id) =>
      api(`${path}/${encodeURIComponent(id)}`).then(
        (it) => cache.set(id, it.name ?? it.title ?? id),
        () => cache.set(id, id),
      ),
    ),
  );
}

let seq = 0;

/**
 * A type-ahead picker. Options: {path, id, value, label (the chosen item's text),
 * placeholder, onPick(item|null), clearable (default true), extraParams}.
 * Returns {el, input, value(), set(id, text), clear()}.
 */
export function typeahead(opts) {
  seq += 1;
  const listId = `${opts.id || `ta${seq}`}-list`;
  let chosen = opts.value || "";
  let items = [];
  let active = -1;
  let timer = null;
  let asked = 0;
  const input = h("input", {
    type: "search",
    id: opts.id,
    class: "ta-input",
    role: "combobox",
    autocomplete: "off",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    placeholder: opts.placeholder || t("ta.placeholder"),
    maxlength: 100,
  });
  const list = h("ul", { id: listId, role: "listbox", class: "ta-list", hidden: true });
  const status = h("div", { class: "ta-status muted", "aria-live": "polite" });
  const clearBtn = h("button", { type: "button", class: "ta-clear", title: t("ta.clear"), "aria-label": t("ta.clear") }, "×");
  const el = h("span", { class: "ta", dataset: { path: opts.path } }, input, clearBtn, list, status);
  const show = (text) => (input.value = text || "");
  if (chosen) show(opts.label || nameOf(opts.path, chosen));
  el.dataset.value = chosen;

  function close() {
    list.hidden = true;
    status.textContent = "";
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }
  function pick(it) {
    chosen = it ? it.id : "";
    el.dataset.value = chosen;
    show(it ? it.name ?? it.title ?? it.id : "");
    close();
    if (opts.onPick) opts.onPick(it);
  }
  function mark(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
    const li = list.children[i];
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
  }
  async function search() {
    const mine = ++asked;
    const q = new URLSearchParams({ q: input.value.trim(), limit: String(LIMIT), ...(opts.extraParams || {}) });
    status.textContent = t("ta.loading");
    let page;
    try {
      page = await api(`${opts.path}?${q}`);
    } catch {
      if (mine === asked) status.textContent = t("error");
      return;
    }
    if (mine !== asked) return; // a newer keystroke's answer is coming
    items = page.items;
    rememberNames(opts.path, items);
    list.replaceChildren(
      ...items.map((it, i) =>
        h(
          "li",
          { id: `${listId}-${i}`, role: "option", dataset: { id: it.id }, onmousedown: (ev) => ev.preventDefault(), onclick: () => pick(it) },
          h("span", { class: "ta-name" }, it.name ?? it.title ?? it.id),
          " ",
          h("small", { class: "muted" }, it.id),
        ),
      ),
    );
    list.hidden = !items.length;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    status.textContent = !items.length ? t("ta.none") : page.total > items.length ? t("ta.more", { n: items.length, total: page.total }) : "";
    active = -1;
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  // a click into the box lists the first matches (focus alone does not: a dialog that
  // focuses its first field must not cover its own buttons with a list)
  input.addEventListener("click", () => {
    if (list.hidden && (!input.value || input.value === nameOf(opts.path, chosen))) {
      clearTimeout(timer);
      timer = setTimeout(search, 0);
    }
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (list.hidden) return void search();
      const n = items.length;
      if (n) mark(ev.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === "Enter") {
      if (!list.hidden && items.length) {
        ev.preventDefault();
        pick(items[active >= 0 ? active : 0]);
      }
    } else if (ev.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () =>
    setTimeout(() => {
      close();
      // typed text that was not picked: back to the chosen item's name
      if (chosen) show(nameOf(opts.path, chosen));
      else if (input.value && (opts.clearable ?? true)) show("");
    }, 150),
  );
  clearBtn.addEventListener("click", () => pick(null));
  return {
    el,
    input,
    value: () => chosen,
    set(id, text) {
      chosen = id || "";
      el.dataset.value = chosen;
      show(id ? text || nameOf(opts.path, id) : "");
    },
    clear: () => pick(null),
  };
}
