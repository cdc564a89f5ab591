// 单位与资源 Units and resources: a paged, filterable list of units; a unit's details, its
// cooperation figures and its declared resources (资源清单). The unit itself (its
// representative) and the committee edit the declared resources in a form; saving is
// PUT /units/{id}/resources with If-Match, so a stale edit (412) is caught and explained.
//
// `#/units?id=u01&community=c03&type=school&offset=0` opens a unit with the list filtered.
//
// The page (list, details, figures, the resource form's save) is here; the editor of
// one resource and the field mapping are in resources.js.
import { api } from "../../api.js";
import {
  KINDS,
  UNIT_TYPES,
  errorText,
  fill,
  h,
  label,
  listAll,
  newest,
  notice,
  page,
  pagerFor,
  pct,
  select,
  t,
  table,
  toast,
  vocabOptions,
} from "../../ui.js";
import { PAGE, canEdit, resourceRow, serverField, suggestId, weekdaysText } from "./resources.js";
import "./strings.js";

export default page("units", { zh: "单位与资源", en: "Units" }, render);

async function render(el, ctx) {
  const user = ctx.user;
  const state = {
    community: ctx.params.get("community") || "",
    type: ctx.params.get("type") || "",
    q: (ctx.params.get("q") || "").trim(),
    offset: Math.max(0, Number.parseInt(ctx.params.get("offset") || "0", 10) || 0),
    id: ctx.params.get("id") || (user.role === "unit" ? user.unit_id : ""),
  };
  const communities = { items: await listAll("/communities") }; // every page of them
  const cname = Object.fromEntries(communities.items.map((c) => [c.id, c.name]));

  const syncHash = () => {
    const p = new URLSearchParams();
    for (const k of ["id", "community", "type", "q"]) if (state[k]) p.set(k, state[k]);
    if (state.offset) p.set("offset", String(state.offset));
    const q = p.toString();
    history.replaceState(null, "", `#/units${q ? `?${q}` : ""}`);
  };

  const commSel = select([["", t("units.all")], ...communities.items.map((c) => [c.id, `${c.name} ${c.id}`])], state.community, {
    id: "units-f-community",
  });
  const typeSel = select([["", t("units.all")], ...vocabOptions(UNIT_TYPES)], state.type, { id: "units-f-type" });
  // the keyword: a unit's name or id, searched on the server as the user types
  const search = h("input", { type: "search", id: "units-q", value: state.q, maxlength: 100, placeholder: t("units.q.placeholder") });
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      if (search.value.trim() === state.q) return;
      state.q = search.value.trim();
      state.offset = 0;
      syncHash();
      loadList();
    }, 300);
  });
  const listBox = h("div", { class: "units-list", id: "units-list" });
  const detailBox = h("div", { class: "units-detail", id: "units-detail", "aria-live": "polite" });
  const layout = h("div", { class: "units-layout" }, listBox, detailBox);

  el.append(
    h("h1", { id: "h-units" }, t("units.title")),
    h("p", { class: "muted units-lead" }, t("units.lead")),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "units-f-community" }, t("units.community"), commSel),
      h("label", { for: "units-f-type" }, t("units.type"), typeSel),
      h("label", { for: "units-q" }, t("units.q.label"), search),
      user.role === "unit"
        ? h(
            "button",
            { type: "button", id: "units-mine", onclick: () => openUnit(user.unit_id) },
            `${t("units.mine")} · ${user.unit_id}`,
          )
        : null,
    ),
    layout,
  );

  let listRows = [];
  const getList = newest();
  async function loadList() {
    const q = new URLSearchParams({ offset: String(state.offset), limit: String(PAGE) });
    if (state.community) q.set("community_id", state.community);
    if (state.type) q.set("type", state.type);
    if (state.q) q.set("q", state.q);
    const page = await getList(`/units?${q}`, listBox);
    if (!page) return; // failed (said in the list), or a newer filter's answer is coming
    if (page.items.length === 0 && page.total > 0 && state.offset > 0) {
      state.offset = 0;
      return loadList();
    }
    listRows = page.items;
    const tbl = table(
      [
        { label: t("units.id"), value: (u) => u.id },
        {
          label: t("units.name"),
          value: (u) =>
            h(
              "a",
              {
                href: `#/units?id=${encodeURIComponent(u.id)}`,
                class: "units-open",
                dataset: { unit: u.id },
                onclick: (ev) => {
                  ev.preventDefault();
                  openUnit(u.id);
                },
              },
              u.name,
            ),
        },
        { label: t("units.type"), value: (u) => h("span", { class: "tag" }, label(UNIT_TYPES, u.type)) },
        { label: t("units.community"), value: (u) => cname[u.community_id] || u.community_id },
        { label: t("units.capacity"), value: (u) => String(u.capacity) },
      ],
      page.items,
      pagerFor(state, PAGE, page.total, () => {
        syncHash();
        loadList();
      }),
    );
    tbl.querySelectorAll("tbody tr").forEach((tr, i) => {
      const u = listRows[i];
      if (!u) return;
      tr.dataset.unit = u.id;
      tr.classList.add("units-row");
      if (u.id === state.id) tr.classList.add("units-current");
      tr.addEventListener("click", (ev) => {
        if (ev.target.closest("a,button")) return;
        openUnit(u.id);
      });
    });
    listBox.replaceChildren(tbl);
  }

  function markCurrent() {
    listBox.querySelectorAll("tr.units-row").forEach((tr) => tr.classList.toggle("units-current", tr.dataset.unit === state.id));
  }

  async function openUnit(id) {
    state.id = id;
    syncHash();
    markCurrent();
    await showDetail(id);
    if (window.matchMedia("(max-width: 1099px)").matches) detailBox.scrollIntoView({ block: "start" });
  }

  let detailSeq = 0;
  async function showDetail(id, opts = {}) {
    const mine = ++detailSeq;
    layout.classList.toggle("has-detail", Boolean(id));
    if (!id) {
      detailBox.replaceChildren(h("div", { class: "card units-empty" }, h("p", { class: "muted" }, t("units.pick"))));
      return;
    }
    detailBox.replaceChildren(h("div", { class: "card" }, h("p", { class: "muted" }, t("loading"))));
    let unit, declared, figures, pairings;
    try {
      [unit, declared, figures, pairings] = await Promise.all([
        api(`/units/${encodeURIComponent(id)}`),
        api(`/units/${encodeURIComponent(id)}/resources`),
        api("/metrics/units?min_cases=0").catch(() => null),
        api(`/pairings?unit_id=${encodeURIComponent(id)}`).catch(() => []),
      ]);
    } catch (err) {
      if (mine === detailSeq) detailBox.replaceChildren(notice(errorText(err), "error"));
      return;
    }
    if (mine !== detailSeq) return; // another unit was opened meanwhile
    const own = figures ? figures.items.find((g) => g.id === id) : null;
    const editable = canEdit(user, id);
    const info = h(
      "div",
      { class: "card units-info", dataset: { unit: unit.id } },
      h("h2", { id: "units-detail-title" }, unit.name, " ", h("small", { class: "muted" }, unit.id)),
      h(
        "dl",
        { class: "units-dl" },
        h("dt", {}, t("units.type")),
        h("dd", {}, label(UNIT_TYPES, unit.type)),
        h("dt", {}, t("units.community")),
        h("dd", {}, `${cname[unit.community_id] || unit.community_id} (${unit.community_id})`),
        h("dt", {}, t("units.capacity")),
        h("dd", {}, `${unit.capacity} `, h("small", { class: "muted" }, t("units.capacity.hint"))),
        unit.brand ? [h("dt", {}, t("units.brand")), h("dd", {}, unit.brand)] : null,
        unit.contact ? [h("dt", {}, t("units.contact")), h("dd", {}, unit.contact)] : null,
        h("dt", {}, t("units.paired")),
        h(
          "dd",
          {},
          pairings.length
            ? pairings.map((p) => h("span", { class: "tag units-pair" }, cname[p.community_id] || p.community_id))
            : h("span", { class: "muted" }, t("units.nopair")),
        ),
      ),
      own
        ? h(
            "div",
            { class: "units-figures", id: "units-figures" },
            h("h3", {}, t("units.coop")),
            h(
              "div",
              { class: "units-fig-grid" },
              figure(t("units.cases"), String(own.cases)),
              figure(t("units.response"), pct(own.response_rate.value)),
              figure(t("units.resolution"), pct(own.resolution_rate.value)),
              figure(t("units.satisfaction"), pct(own.satisfaction_rate.value)),
              figure(t("units.mean"), own.mean_satisfaction === null ? "—" : own.mean_satisfaction.toFixed(1)),
            ),
          )
        : null,
    );
    const resBox = h("div", { class: "card units-resources", id: "units-resources" });
    detailBox.replaceChildren(info, resBox);
    if (opts.edit && editable) showForm(unit, declared, resBox, opts.message);
    else showResources(unit, declared, resBox, editable, opts.message);
  }

  function figure(name, value) {
    return h("div", { class: "units-fig" }, h("div", { class: "units-fig-v" }, value), h("div", { class: "muted" }, name));
  }

  function showResources(unit, declared, box, editable, message) {
    const items = declared.items;
    fill(
      box,
      h(
        "div",
        { class: "units-res-head" },
        h("h2", {}, t("units.resources"), " ", h("small", { class: "muted" }, t("units.resources.count", { n: items.length }))),
        editable
          ? h(
              "button",
              { type: "button", class: "primary", id: "units-edit", onclick: () => showForm(unit, declared, box) },
              t("units.edit"),
            )
          : null,
      ),
      message ? notice(message, "ok") : null,
      items.length
        ? table(
            [
              { label: t("units.res.id"), value: (r) => r.id },
              { label: t("units.res.kind"), value: (r) => h("span", { class: "tag" }, label(KINDS, r.kind)) },
              { label: t("units.res.name"), value: (r) => r.name },
              { label: t("units.res.capacity"), value: (r) => String(r.capacity) },
              { label: t("units.res.quarters"), value: (r) => (r.quarters.length ? r.quarters.join(", ") : t("units.res.everyq")) },
              { label: t("units.res.weekdays"), value: (r) => weekdaysText(r.weekdays) },
            ],
            items,
          )
        : h("p", { class: "muted" }, t("units.noresources")),
      editable ? null : h("p", { class: "muted units-ro" }, t("units.readonly")),
    );
    box.querySelectorAll("tbody tr").forEach((tr, i) => {
      if (items[i]) tr.dataset.resource = items[i].id;
    });
  }

  function showForm(unit, declared, box, message) {
    const etag = declared.etag;
    const rows = [];
    const rowsBox = h("div", { class: "units-rows" });
    const status = h("div", { class: "units-status", "aria-live": "polite" });
    const emptyNote = h("p", { class: "muted units-empty-note" }, t("units.res.empty"));
    const renumber = () => {
      rows.forEach((r, i) => r.setIndex(i));
      emptyNote.hidden = rows.length > 0;
    };
    const remove = (row) => {
      const i = rows.indexOf(row);
      if (i >= 0) rows.splice(i, 1);
      row.el.remove();
      renumber();
    };
    const add = (res) => {
      const row = resourceRow(res, rows.length, remove);
      rows.push(row);
      rowsBox.append(row.el);
      renumber();
      return row;
    };
    for (const r of declared.items) add(r);

    const addBtn = h("button", { type: "button", id: "units-add" }, t("units.res.add"));
    addBtn.addEventListener("click", () => {
      const taken = new Set(rows.map((r) => r.id()));
      const row = add({ id: suggestId(unit.id, taken), kind: "", name: "", capacity: 1, quarters: [], weekdays: [] });
      row.focus("kind");
    });
    const saveBtn = h("button", { type: "submit", class: "primary", id: "units-save" }, t("save"));
    const cancelBtn = h("button", { type: "button", id: "units-cancel" }, t("cancel"));
    cancelBtn.addEventListener("click", () => showResources(unit, declared, box, true));
    const form = h(
      "form",
      { class: "units-form", id: "units-form", novalidate: true, "aria-labelledby": "units-form-title" },
      h("h2", { id: "units-form-title" }, t("units.form.title", { name: unit.name })),
      h("p", { class: "muted" }, t("units.form.help")),
      message ? notice(message, "ok") : null,
      rowsBox,
      emptyNote,
      h("p", {}, addBtn),
      status,
      h("div", { class: "units-actions" }, saveBtn, cancelBtn),
    );
    renumber();

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      status.replaceChildren();
      const body = [];
      let bad = 0;
      let first = null;
      rows.forEach((row) => {
        row.clear();
        const { value, errors } = row.read();
        for (const [name, msg] of Object.entries(errors)) {
          row.set(name, msg);
          bad += 1;
          if (!first) first = [row, name];
        }
        body.push(value);
      });
      if (bad) {
        status.replaceChildren(notice(t("units.form.invalid", { n: bad }), "error"));
        first[0].focus(first[1]);
        return;
      }
      saveBtn.disabled = true;
      try {
        const saved = await api(`/units/${encodeURIComponent(unit.id)}/resources`, {
          method: "PUT",
          body,
          headers: { "If-Match": etag },
        });
        toast(t("units.saved", { n: saved.items.length }), "ok");
        showResources(unit, saved, box, true, t("units.saved", { n: saved.items.length }));
      } catch (err) {
        saveBtn.disabled = false;
        if (err.status === 412) {
          const reload = h("button", { type: "button", class: "primary", id: "units-reload" }, t("units.stale.reload"));
          reload.addEventListener("click", async () => {
            reload.disabled = true;
            try {
              const latest = await api(`/units/${encodeURIComponent(unit.id)}/resources`);
              showForm(unit, latest, box, t("units.stale.loaded", { n: latest.items.length }));
            } catch (e) {
              reload.disabled = false;
              status.append(notice(errorText(e), "error"));
            }
          });
          status.replaceChildren(
            h(
              "div",
              { class: "notice error units-stale", role: "alert", id: "units-stale" },
              h("strong", {}, t("units.stale.title")),
              h("p", {}, t("units.stale.body")),
              h("p", { class: "muted units-server-msg" }, err.message),
              reload,
            ),
          );
          status.scrollIntoView({ block: "nearest" });
          return;
        }
        let mapped = 0;
        let firstBad = null;
        if (err.status === 422) {
          for (const e of err.details.errors || []) {
            const [i, name] = serverField(e.field);
            const row = i !== null ? rows[i] : rows.length === 1 ? rows[0] : null;
            if (row && name) {
              row.set(name, e.message);
              mapped += 1;
              if (!firstBad) firstBad = [row, name];
            }
          }
        } else if (err.status === 409 && Array.isArray(err.details.ids)) {
          for (const row of rows) {
            if (err.details.ids.includes(row.id())) {
              row.set("id", t("units.err.foreign"));
              mapped += 1;
              if (!firstBad) firstBad = [row, "id"];
            }
          }
        }
        status.replaceChildren(notice(t("units.form.server", { msg: errorText(err) }), "error"));
        if (firstBad) firstBad[0].focus(firstBad[1]);
      }
    });
    box.replaceChildren(form);
    const firstInput = form.querySelector("input, select");
    if (firstInput && !message) firstInput.focus({ preventScroll: true });
  }

  commSel.addEventListener("change", () => {
    state.community = commSel.value;
    state.offset = 0;
    syncHash();
    loadList();
  });
  typeSel.addEventListener("change", () => {
    state.type = typeSel.value;
    state.offset = 0;
    syncHash();
    loadList();
  });

  await Promise.all([loadList(), showDetail(state.id)]);
}
