// 民情交办单 · 筛选: the list's filters (quarter, community, status, category, claimer)
// and the quick chips (待认领, 本单位承接的, 本社区的, 清除筛选); each change resets the
// page, updates the hash and reloads the list.

import { h, select, t, vocabOptions, CATEGORIES, STATUSES } from "../../ui.js";

/** The filter toolbar and quick chips of list view `V` ({f, sync, load, …}). */
export function filterBars(V) {
  const { user, units, communities, quarterIds, f, sync, load } = V;
  const sel = {
    quarter: select([["", t("needs.f.all")], ...quarterIds.map((q) => [q, q])], f.quarter, { id: "needs-f-quarter" }),
    community: select([["", t("needs.f.all")], ...communities.items.map((c) => [c.id, `${c.name} ${c.id}`])], f.community, {
      id: "needs-f-community",
    }),
    status: select([["", t("needs.f.all")], ...vocabOptions(STATUSES)], f.status, { id: "needs-f-status" }),
    category: select([["", t("needs.f.all")], ...vocabOptions(CATEGORIES)], f.category, { id: "needs-f-category" }),
    claimed_by: select([["", t("needs.f.all")], ...units.items.map((u) => [u.id, `${u.name} ${u.id}`])], f.claimed_by, {
      id: "needs-f-claimed",
    }),
  };
  const labels = {
    quarter: "needs.f.quarter",
    community: "needs.f.community",
    status: "needs.f.status",
    category: "needs.f.category",
    claimed_by: "needs.f.claimed",
  };
  for (const [k, s] of Object.entries(sel)) {
    s.addEventListener("change", () => {
      f[k] = s.value;
      f.offset = 0;
      sync();
      load();
    });
  }
  const setFilters = (values) => {
    Object.assign(f, { quarter: "", community: "", status: "", category: "", claimed_by: "" }, values, { offset: 0 });
    for (const [k, s] of Object.entries(sel)) s.value = f[k];
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
  return {
    filters: h(
      "div",
      { class: "toolbar needs-filters" },
      Object.entries(sel).map(([k, s]) => h("label", { for: s.id }, t(labels[k]), s)),
    ),
    quick: h("div", { class: "needs-quick" }, quick),
  };
}
