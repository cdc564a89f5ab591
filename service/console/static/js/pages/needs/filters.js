// 民情交办单 · 筛选: the list's filters (quarter, community, status, category, claimer),
// the keyword search box and the sort, and the quick chips (待认领, 本单位承接的, 本社区的,
// 清除筛选); each change resets the page, updates the hash and reloads the list.
// Community and unit are type-ahead pickers over the API (any of a district's 2,000 units).

import { h, select, t, vocabOptions, CATEGORIES, STATUSES } from "../../ui.js";
import { typeahead } from "../../typeahead.js";

/** The sort keys of GET /needs, each with its label key; "" is the default order. */
export const SORTS = [
  ["", "needs.sort.default"],
  ["due", "needs.sort.due"],
  ["priority", "needs.sort.priority"],
  ["created", "needs.sort.created"],
  ["status", "needs.sort.status"],
  ["number", "needs.sort.number"],
];

function quarterSelect(ids, value) {
  return select([["", t("needs.f.all")], ...ids.map((q) => [q, q])], value, { id: "needs-f-quarter" });
}

/** The filter toolbar, search row and quick chips of list view `V` ({f, sync, load, …}). */
export function filterBars(V) {
  const { user, quarterIds, quarterList, commName, f, sync, load } = V;
  const reload = () => {
    f.offset = 0;
    sync();
    load();
  };
  const sel = {
    quarter: quarterSelect([...new Set([...quarterIds, f.quarter].filter(Boolean))], f.quarter),
    status: select([["", t("needs.f.all")], ...vocabOptions(STATUSES)], f.status, { id: "needs-f-status" }),
    category: select([["", t("needs.f.all")], ...vocabOptions(CATEGORIES)], f.category, { id: "needs-f-category" }),
  };
  const picks = {
    community: typeahead({
      path: "/communities",
      id: "needs-f-community",
      value: f.community,
      label: commName[f.community],
      placeholder: t("needs.f.all"),
      onPick: (c) => {
        f.community = c ? c.id : "";
        reload();
      },
    }),
    claimed_by: typeahead({
      path: "/units",
      id: "needs-f-claimed",
      value: f.claimed_by,
      placeholder: t("needs.f.all"),
      onPick: (u) => {
        f.claimed_by = u ? u.id : "";
        reload();
      },
    }),
  };
  const labels = {
    quarter: "needs.f.quarter",
    community: "needs.f.community",
    status: "needs.f.status",
    category: "needs.f.category",
    claimed_by: "needs.f.claimed",
  };
  /** Add the quarters with data to the quarter filter (the choice kept); after the list. */
  const loadQuarters = () =>
    quarterList &&
    quarterList().then((ids) => {
      const fresh = quarterSelect([...new Set([...ids, f.quarter].filter(Boolean))].sort().reverse(), sel.quarter.value);
      sel.quarter.replaceChildren(...fresh.children);
      sel.quarter.value = f.quarter;
    });
  for (const [k, s] of Object.entries(sel)) {
    s.addEventListener("change", () => {
      f[k] = s.value;
      reload();
    });
  }

  // the keyword: searched as the user types (after a short pause), or on Enter
  const search = h("input", {
    type: "search",
    id: "needs-q",
    value: f.q,
    maxlength: 100,
    placeholder: t("needs.q.placeholder"),
    "aria-label": t("needs.q.label"),
  });
  let timer = null;
  const searchNow = () => {
    clearTimeout(timer);
    if (search.value.trim() === f.q) return;
    f.q = search.value.trim();
    reload();
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(searchNow, 300);
  });
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      searchNow();
    }
  });
  const sortSel = select(
    SORTS.map(([k, key]) => [k, t(key)]),
    f.sort,
    { id: "needs-sort" },
  );
  const orderSel = select(
    [
      ["", t("needs.order.natural")],
      ["asc", t("needs.order.asc")],
      ["desc", t("needs.order.desc")],
    ],
    f.order,
    { id: "needs-order" },
  );
  sortSel.addEventListener("change", () => {
    f.sort = sortSel.value;
    f.order = "";
    orderSel.value = "";
    reload();
  });
  orderSel.addEventListener("change", () => {
    f.order = orderSel.value;
    reload();
  });
  /** Show the state of `f` in the controls (after a header click or a quick chip). */
  const show = () => {
    for (const [k, s] of Object.entries(sel)) s.value = f[k];
    picks.community.set(f.community, commName[f.community]);
    picks.claimed_by.set(f.claimed_by);
    search.value = f.q;
    sortSel.value = f.sort;
    orderSel.value = f.order;
  };

  const setFilters = (values) => {
    Object.assign(f, { quarter: "", community: "", status: "", category: "", claimed_by: "", q: "" }, values, { offset: 0 });
    show();
    sync();
    load();
  };
  const quick = [];
  quick.push(h("button", { type: "button", class: "needs-chip", onclick: () => setFilters({ status: "open" }) }, t("needs.quick.open")));
  if (user.role === "unit") {
    quick.push(
      h("button", { type: "button", class: "needs-chip", id: "needs-quick-mine", onclick: () => setFilters({ claimed_by: user.unit_id }) }, t("needs.quick.mine")),
    );
  }
  if (user.role === "community") {
    quick.push(
      h("button", { type: "button", class: "needs-chip", onclick: () => setFilters({ community: user.community_id }) }, t("needs.quick.community")),
    );
  }
  quick.push(h("button", { type: "button", class: "needs-chip", id: "needs-reset", onclick: () => setFilters({}) }, t("needs.f.reset")));
  const field = (k, control) => h("label", { for: control.id || control.input.id }, t(labels[k]), control.el || control);
  return {
    filters: h(
      "div",
      { class: "toolbar needs-filters" },
      field("quarter", sel.quarter),
      field("community", picks.community),
      field("status", sel.status),
      field("category", sel.category),
      field("claimed_by", picks.claimed_by),
    ),
    searchBar: h(
      "div",
      { class: "toolbar needs-search" },
      h("label", { for: "needs-q", class: "needs-q-label" }, t("needs.q.label"), search),
      h("label", { for: "needs-sort" }, t("needs.sort.label"), sortSel),
      h("label", { for: "needs-order" }, t("needs.order.label"), orderSel),
    ),
    quick: h("div", { class: "needs-quick" }, quick),
    show,
    loadQuarters,
  };
}
