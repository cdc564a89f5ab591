// 单位与资源 Units and resources: a paged, filterable list of units; a unit's details, its
// cooperation figures and its declared resources (资源清单). The unit itself (its
// representative) and the committee edit the declared resources in a form; saving is
// PUT /units/{id}/resources with If-Match, so a stale edit (412) is caught and explained.
//
// `#/units?id=u01&community=c03&type=school&offset=0` opens a unit with the list filtered.
import { api } from "../api.js";
import {
  KINDS,
  UNIT_TYPES,
  addStrings,
  errorText,
  field,
  h,
  label,
  notice,
  pct,
  select,
  t,
  table,
  toast,
  vocabOptions,
} from "../ui.js";

addStrings({
  zh: {
    "units.title": "单位与资源",
    "units.lead": "驻区单位及其申报的资源清单。单位可维护本单位的资源清单，共建委员会可维护所有单位的。",
    "units.community": "所在社区",
    "units.type": "单位类型",
    "units.all": "全部",
    "units.id": "编号",
    "units.name": "名称",
    "units.capacity": "可投入能力",
    "units.capacity.hint": "每季度可投入的工作量",
    "units.brand": "共建品牌",
    "units.contact": "联系人",
    "units.mine": "我的单位",
    "units.pick": "点击左侧列表中的单位，查看详情和资源清单。",
    "units.detail": "单位详情",
    "units.coop": "共建情况（全部季度）",
    "units.cases": "承接件数",
    "units.response": "响应率",
    "units.resolution": "办结率",
    "units.satisfaction": "满意率",
    "units.mean": "平均满意度",
    "units.paired": "结对社区",
    "units.nopair": "暂无结对社区",
    "units.resources": "资源清单",
    "units.resources.count": "共 {n} 项",
    "units.noresources": "尚未申报资源。",
    "units.edit": "编辑资源清单",
    "units.readonly": "只读：只有本单位和共建委员会可以修改资源清单。",
    "units.res.id": "资源编号",
    "units.res.kind": "资源类别",
    "units.res.name": "资源名称",
    "units.res.capacity": "容量",
    "units.res.capacity.hint": "每季度可提供的次数或工作量",
    "units.res.quarters": "可用季度",
    "units.res.quarters.hint": "如 2026Q3, 2026Q4；空 = 每个季度",
    "units.res.weekdays": "可用星期",
    "units.res.weekdays.hint": "都不选 = 每天",
    "units.res.every": "每天",
    "units.res.everyq": "每个季度",
    "units.res.row": "资源 {n}",
    "units.res.add": "＋ 添加一项资源",
    "units.res.remove": "删除此项",
    "units.res.empty": "清单为空：保存后本单位将不再提供任何资源。",
    "units.form.title": "编辑资源清单 · {name}",
    "units.form.help": "修改后点“保存”。保存前会检查每一项；有问题的地方会在对应输入框下方提示。",
    "units.form.invalid": "有 {n} 处需要修改，请查看标红的输入框。未保存。",
    "units.form.server": "服务器未接受这次保存：{msg}",
    "units.saved": "资源清单已保存（{n} 项）。",
    "units.stale.title": "保存未成功：资源清单已被他人更新",
    "units.stale.body": "在您编辑期间，有人（共建委员会或本单位的其他同事）已经保存了新版本的资源清单。为了不覆盖对方的修改，系统没有保存您这次的内容。请先载入最新版本，确认后再重新修改并保存。",
    "units.stale.reload": "载入最新版本",
    "units.stale.loaded": "已载入最新版本（{n} 项资源）。您刚才的修改没有保存，如仍需要请在此基础上重新填写。",
    "units.err.required": "必填",
    "units.err.id": "编号只能用字母、数字和 _ . : -，以字母或数字开头，最长 64 个字符",
    "units.err.name": "请填写资源名称",
    "units.err.long": "最长 200 个字",
    "units.err.capacity": "容量应为 0–100000 的整数",
    "units.err.quarter": "季度格式应为 2026Q1（年份 2000–2100）：{bad}",
    "units.err.kind": "请选择资源类别",
    "units.err.foreign": "该编号已被其他单位的资源使用，请换一个",
    "units.wd.1": "一",
    "units.wd.2": "二",
    "units.wd.3": "三",
    "units.wd.4": "四",
    "units.wd.5": "五",
    "units.wd.6": "六",
    "units.wd.7": "日",
    "units.wd.prefix": "周",
    "units.wd.sep": "、",
    "units.wd.to": "至",
  },
  en: {
    "units.title": "Units and resources",
    "units.lead": "Resident units and the resources they declare. A unit maintains its own list; the committee maintains every unit's.",
    "units.community": "Community",
    "units.type": "Unit type",
    "units.all": "All",
    "units.id": "ID",
    "units.name": "Name",
    "units.capacity": "Capacity",
    "units.capacity.hint": "Effort per quarter",
    "units.brand": "Signature programme",
    "units.contact": "Contact",
    "units.mine": "My unit",
    "units.pick": "Click a unit in the list for its details and declared resources.",
    "units.detail": "Unit details",
    "units.coop": "Cooperation (all quarters)",
    "units.cases": "Cases",
    "units.response": "Response rate",
    "units.resolution": "Resolution rate",
    "units.satisfaction": "Satisfaction rate",
    "units.mean": "Mean satisfaction",
    "units.paired": "Paired communities",
    "units.nopair": "No paired community yet",
    "units.resources": "Declared resources",
    "units.resources.count": "{n} in all",
    "units.noresources": "No resources declared yet.",
    "units.edit": "Edit resources",
    "units.readonly": "Read only: only the unit itself and the committee may change its resources.",
    "units.res.id": "Resource ID",
    "units.res.kind": "Kind",
    "units.res.name": "Name",
    "units.res.capacity": "Capacity",
    "units.res.capacity.hint": "Times or effort per quarter",
    "units.res.quarters": "Quarters",
    "units.res.quarters.hint": "e.g. 2026Q3, 2026Q4; blank = every quarter",
    "units.res.weekdays": "Weekdays",
    "units.res.weekdays.hint": "None ticked = every day",
    "units.res.every": "Every day",
    "units.res.everyq": "Every quarter",
    "units.res.row": "Resource {n}",
    "units.res.add": "+ Add a resource",
    "units.res.remove": "Remove",
    "units.res.empty": "The list is empty: once saved, the unit offers no resources.",
    "units.form.title": "Edit resources · {name}",
    "units.form.help": "Change what you need, then Save. Every row is checked first; problems are shown under the field concerned.",
    "units.form.invalid": "{n} field(s) need attention (marked red). Nothing was saved.",
    "units.form.server": "The server did not accept the save: {msg}",
    "units.saved": "Resources saved ({n}).",
    "units.stale.title": "Not saved: someone else updated the resources",
    "units.stale.body": "While you were editing, someone (the committee or a colleague of this unit) saved a newer version of the declared resources. So as not to overwrite their changes, yours were not saved. Load the latest version, check it, then make your changes again and save.",
    "units.stale.reload": "Load the latest version",
    "units.stale.loaded": "The latest version is loaded ({n} resources). Your earlier changes were not saved; enter them again if still needed.",
    "units.err.required": "Required",
    "units.err.id": "Letters, digits and _ . : - only, starting with a letter or digit, at most 64",
    "units.err.name": "Enter the resource's name",
    "units.err.long": "At most 200 characters",
    "units.err.capacity": "Capacity must be a whole number 0–100000",
    "units.err.quarter": "Quarters look like 2026Q1 (year 2000–2100): {bad}",
    "units.err.kind": "Choose a kind",
    "units.err.foreign": "This ID belongs to another unit's resource; choose another",
    "units.wd.1": "Mon",
    "units.wd.2": "Tue",
    "units.wd.3": "Wed",
    "units.wd.4": "Thu",
    "units.wd.5": "Fri",
    "units.wd.6": "Sat",
    "units.wd.7": "Sun",
    "units.wd.prefix": "",
    "units.wd.sep": ", ",
    "units.wd.to": "–",
  },
});

const PAGE = 10;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const QUARTER_RE = /^(\d{4})Q([1-4])$/;
const FIELDS = ["id", "kind", "name", "capacity", "quarters", "weekdays"];

function weekdaysText(days) {
  if (!days || !days.length || days.length === 7) return t("units.res.every");
  const name = (d) => `${t("units.wd.prefix")}${t(`units.wd.${d}`)}`;
  const runs = [];
  for (const d of [...days].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && d === last[1] + 1) last[1] = d;
    else runs.push([d, d]);
  }
  return runs
    .map(([a, b]) => (a === b ? name(a) : b === a + 1 ? `${name(a)}${t("units.wd.sep")}${name(b)}` : `${name(a)}${t("units.wd.to")}${name(b)}`))
    .join(t("units.wd.sep"));
}

/** replaceChildren without the null / false placeholders (which it would print). */
function fill(box, ...kids) {
  box.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

function canEdit(user, unitId) {
  return user.role === "committee" || (user.role === "unit" && user.unit_id === unitId);
}

/** Parse "2026Q3, 2026Q4" → {quarters, bad}. */
function parseQuarters(text) {
  const parts = text.split(/[\s,，、;；]+/).filter(Boolean);
  const bad = parts.filter((p) => {
    const m = QUARTER_RE.exec(p.toUpperCase());
    return !m || +m[1] < 2000 || +m[1] > 2100;
  });
  return { quarters: [...new Set(parts.map((p) => p.toUpperCase()))].sort(), bad };
}

/** The editor of one declared resource: its fieldset and how to read / check it. */
function resourceRow(res, index, onRemove) {
  const idF = field(t("units.res.id"), h("input", { value: res.id || "", autocomplete: "off", name: "id", maxlength: 64 }));
  const kindF = field(
    t("units.res.kind"),
    select([["", "—"], ...vocabOptions(KINDS)], res.kind || "", { name: "kind" }),
  );
  const nameF = field(t("units.res.name"), h("input", { value: res.name || "", name: "name", maxlength: 200 }));
  const capF = field(
    t("units.res.capacity"),
    h("input", {
      type: "number",
      inputmode: "numeric",
      min: 0,
      max: 100000,
      step: 1,
      value: res.capacity ?? "",
      name: "capacity",
      title: t("units.res.capacity.hint"),
    }),
  );
  const qF = field(
    t("units.res.quarters"),
    h("input", { value: (res.quarters || []).join(", "), name: "quarters", placeholder: "2026Q4" }),
    t("units.res.quarters.hint"),
  );
  const boxes = [1, 2, 3, 4, 5, 6, 7].map((d) =>
    h("input", { type: "checkbox", value: d, checked: (res.weekdays || []).includes(d), name: `wd${d}` }),
  );
  const wdError = h("span", { class: "field-error", "aria-live": "polite" });
  const wdGroup = h(
    "div",
    { class: "units-wd", role: "group", "aria-label": t("units.res.weekdays"), dataset: { field: "weekdays" } },
    h("span", { class: "units-wd-label" }, t("units.res.weekdays")),
    h(
      "div",
      { class: "units-wd-boxes" },
      boxes.map((b, i) => h("label", { class: "units-check" }, b, h("span", {}, t(`units.wd.${i + 1}`)))),
    ),
    h("small", {}, t("units.res.weekdays.hint")),
    wdError,
  );
  const legend = h("legend", {}, t("units.res.row", { n: index + 1 }));
  const remove = h("button", { type: "button", class: "danger units-remove" }, t("units.res.remove"));
  const fs = h(
    "fieldset",
    { class: "units-res", dataset: { row: index } },
    legend,
    h(
      "div",
      { class: "units-res-grid" },
      h("div", { class: "units-f-id" }, idF.wrap),
      h("div", { class: "units-f-kind" }, kindF.wrap),
      h("div", { class: "units-f-name" }, nameF.wrap),
      h("div", { class: "units-f-cap" }, capF.wrap),
      h("div", { class: "units-f-q" }, qF.wrap),
      h("div", { class: "units-f-wd" }, wdGroup),
    ),
    h("div", { class: "units-res-foot" }, remove),
  );
  for (const [name, f] of [["id", idF], ["kind", kindF], ["name", nameF], ["capacity", capF], ["quarters", qF]]) {
    f.wrap.dataset.field = name;
  }
  const setters = {
    id: idF.set,
    kind: kindF.set,
    name: nameF.set,
    capacity: capF.set,
    quarters: qF.set,
    weekdays: (msg) => {
      wdError.textContent = msg || "";
    },
  };
  const row = {
    el: fs,
    setIndex(i) {
      fs.dataset.row = i;
      legend.textContent = t("units.res.row", { n: i + 1 });
    },
    set(name, msg) {
      (setters[name] || setters.name)(msg);
    },
    clear() {
      for (const s of Object.values(setters)) s("");
    },
    id: () => idF.input.value.trim(),
    focus(name) {
      const target = { id: idF, kind: kindF, name: nameF, capacity: capF, quarters: qF }[name];
      (target ? target.input : boxes[0]).focus();
    },
    /** The resource as the API takes it, and the field errors {field: message}. */
    read() {
      const errors = {};
      const id = idF.input.value.trim();
      if (!id) errors.id = t("units.err.required");
      else if (!ID_RE.test(id)) errors.id = t("units.err.id");
      const kind = kindF.input.value;
      if (!kind || !(kind in KINDS)) errors.kind = t("units.err.kind");
      const name = nameF.input.value.trim();
      if (!name) errors.name = t("units.err.name");
      else if (name.length > 200) errors.name = t("units.err.long");
      const capText = capF.input.value.trim();
      const capacity = Number(capText);
      if (capText === "" || !/^-?\d+$/.test(capText) || capacity < 0 || capacity > 100000) {
        errors.capacity = t("units.err.capacity");
      }
      const { quarters, bad } = parseQuarters(qF.input.value);
      if (bad.length) errors.quarters = t("units.err.quarter", { bad: bad.join(", ") });
      const weekdays = boxes.filter((b) => b.checked).map((b) => Number(b.value));
      return { value: { id, kind, name, capacity, quarters, weekdays }, errors };
    },
  };
  remove.addEventListener("click", () => onRemove(row));
  return row;
}

function suggestId(unitId, taken) {
  let k = 1;
  while (taken.has(`${unitId}-r${k}`)) k += 1;
  return `${unitId}-r${k}`;
}

/** Map a server field such as "1.capacity", "body.1.quarters.0" or "name" to [row, field]. */
export function serverField(path) {
  const parts = String(path).split(".").filter((p) => p !== "body");
  if (parts.length && /^\d+$/.test(parts[0])) {
    const name = parts[1] && FIELDS.includes(parts[1]) ? parts[1] : "name";
    return [Number(parts[0]), name];
  }
  return [null, FIELDS.includes(parts[0]) ? parts[0] : null];
}

export default {
  id: "units",
  hash: "#/units",
  title: { zh: "单位与资源", en: "Units" },
  roles: ["committee", "unit", "community", "viewer"],
  async render(el, ctx) {
    const user = ctx.user;
    const state = {
      community: ctx.params.get("community") || "",
      type: ctx.params.get("type") || "",
      offset: Math.max(0, Number.parseInt(ctx.params.get("offset") || "0", 10) || 0),
      id: ctx.params.get("id") || (user.role === "unit" ? user.unit_id : ""),
    };
    const [communities] = await Promise.all([api("/communities?limit=1000")]);
    const cname = Object.fromEntries(communities.items.map((c) => [c.id, c.name]));

    const syncHash = () => {
      const p = new URLSearchParams();
      for (const k of ["id", "community", "type"]) if (state[k]) p.set(k, state[k]);
      if (state.offset) p.set("offset", String(state.offset));
      const q = p.toString();
      history.replaceState(null, "", `#/units${q ? `?${q}` : ""}`);
    };

    const commSel = select([["", t("units.all")], ...communities.items.map((c) => [c.id, `${c.name} ${c.id}`])], state.community, {
      id: "units-f-community",
    });
    const typeSel = select([["", t("units.all")], ...vocabOptions(UNIT_TYPES)], state.type, { id: "units-f-type" });
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
    let listSeq = 0;
    async function loadList() {
      const mine = ++listSeq;
      const q = new URLSearchParams({ offset: String(state.offset), limit: String(PAGE) });
      if (state.community) q.set("community_id", state.community);
      if (state.type) q.set("type", state.type);
      let page;
      try {
        page = await api(`/units?${q}`);
      } catch (err) {
        if (mine === listSeq) listBox.replaceChildren(notice(errorText(err), "error"));
        return;
      }
      if (mine !== listSeq) return; // a newer filter's answer is coming
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
        {
          offset: state.offset,
          limit: PAGE,
          total: page.total,
          go: (off) => {
            state.offset = off;
            syncHash();
            loadList();
          },
        },
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
  },
};
