// 活动 Activities: a quarter calendar coloured by the five joints.
//
// Three month grids of the chosen quarter (weeks as rows, days as cells) with each
// activity (GET /activities?quarter=…) as a chip in its joint type's colour
// (`tag joint <joint_type>`), a legend that filters, and a list view (the default on
// small screens). A click opens the activity's details (GET /activities/{id}): its
// community, roles, and the units assigned to it (GET /assignments: published plans,
// earlier quarters' history and manual assignments).

import { api } from "../api.js";
import { currentQuarter, fill, listAll, quarterLabel, quarterOptions, page } from "../ui.js";
import { addStrings, errorText, field, h, label, lang, notice, select, t, JOINTS, KINDS } from "../ui.js";


addStrings({
  zh: {
    "activities.title": "活动",
    "activities.intro": "按季度查看五联活动：颜色表示五联类型，点击活动查看社区、角色与已安排的单位。",
    "activities.quarter": "季度",
    "activities.joint": "五联类型",
    "activities.community": "社区",
    "activities.all": "全部",
    "activities.view": "视图",
    "activities.calendar": "日历",
    "activities.list": "列表",
    "activities.count": "{q}共 {n} 项活动",
    "activities.shown": "，显示 {n} 项",
    "activities.legend": "图例（点击筛选）",
    "activities.legend.label": "图例（点击筛选）：",
    "activities.plan": "{n} 项活动已安排单位（来自已发布的计划与登记的分工）。",
    "activities.noplan": "本季度的活动尚未安排单位（发布计划后显示）。",
    "activities.none": "本季度没有活动。",
    "activities.date": "日期",
    "activities.roles": "角色",
    "activities.units": "单位数",
    "activities.units.range": "{min}–{max} 家",
    "activities.brand": "品牌项目",
    "activities.assigned": "已安排单位",
    "activities.assigned.none": "尚未安排",
    "activities.assigned.n": "已安排 {n} 家单位",
    "activities.mine": "本单位参加",
    "activities.close": "关闭",
    "activities.today": "今天",
    "activities.role.count": "{kind} × {n}",
    "activities.weekdays": "一,二,三,四,五,六,日",
    "activities.weekday": "周{d}",
  },
  en: {
    "activities.title": "Activities",
    "activities.intro": "The quarter's five-joint activities: the colour is the joint type; click an activity for its community, roles and assigned units.",
    "activities.quarter": "Quarter",
    "activities.joint": "Joint type",
    "activities.community": "Community",
    "activities.all": "All",
    "activities.view": "View",
    "activities.calendar": "Calendar",
    "activities.list": "List",
    "activities.count": "{q}: {n} activities",
    "activities.shown": ", {n} shown",
    "activities.legend": "Legend (click to filter)",
    "activities.legend.label": "Legend (click to filter):",
    "activities.plan": "{n} activities have assigned units (published plans and recorded assignments).",
    "activities.noplan": "No units are assigned to this quarter's activities yet (publish a plan).",
    "activities.none": "No activities this quarter.",
    "activities.date": "Date",
    "activities.roles": "Roles",
    "activities.units": "Units",
    "activities.units.range": "{min}–{max}",
    "activities.brand": "Programme",
    "activities.assigned": "Assigned units",
    "activities.assigned.none": "Not assigned yet",
    "activities.assigned.n": "{n} units assigned",
    "activities.mine": "Your unit takes part",
    "activities.close": "Close",
    "activities.today": "Today",
    "activities.role.count": "{kind} × {n}",
    "activities.weekdays": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
    "activities.weekday": "{d}",
  },
});

const en = () => lang() === "en";
const pad = (n) => String(n).padStart(2, "0");




/** Today as YYYY-MM-DD in Asia/Shanghai. */
function today() {
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function monthTitle(y, m) {
  return en() ? new Date(Date.UTC(y, m, 1)).toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" }) : `${y}年${m + 1}月`;
}

function weekdayOf(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const wd = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return t("activities.weekdays").split(",")[wd];
}

function dateText(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const wd = t("activities.weekday", { d: weekdayOf(iso) });
  return en() ? `${wd} ${d} ${new Date(Date.UTC(y, m - 1, 1)).toLocaleString("en-GB", { month: "short", timeZone: "UTC" })} ${y}` : `${y}年${m}月${d}日 ${wd}`;
}

export default page("activities", { zh: "活动", en: "Activities" }, render);

async function render(el, ctx) {
  const user = ctx.user;
  const s = {
    quarter: ctx.params.get("quarter") || currentQuarter(),
    joint: ctx.params.get("joint") || "",
    community: ctx.params.get("community") || "",
    view: ctx.params.get("view") || (window.matchMedia("(max-width: 760px)").matches ? "list" : "calendar"),
    items: [],
    plan: null, // {id, byActivity: Map(activity id → [{item, unit, unit_name, role}])}
  };
  const communities = await listAll("/communities");
  const cname = Object.fromEntries(communities.map((c) => [c.id, c.name]));

  const setUrl = () => {
    const q = new URLSearchParams({ quarter: s.quarter });
    if (s.joint) q.set("joint", s.joint);
    if (s.community) q.set("community", s.community);
    q.set("view", s.view);
    history.replaceState(null, "", `#/activities?${q}`);
  };

  // ---------------------------------------------------------------- controls
  const quarterSel = select(quarterOptions(s.quarter), s.quarter, { id: "activities-quarter", name: "quarter" });
  const jointSel = select([["", t("activities.all")], ...Object.keys(JOINTS).map((k) => [k, label(JOINTS, k)])], s.joint, { id: "activities-joint", name: "joint" });
  const commSel = select([["", t("activities.all")], ...communities.map((c) => [c.id, c.name])], s.community, { id: "activities-community", name: "community" });
  const viewBtn = (v) =>
    h(
      "button",
      {
        type: "button",
        id: `activities-view-${v}`,
        "aria-pressed": s.view === v ? "true" : "false",
        onclick: () => {
          s.view = v;
          setUrl();
          for (const b of viewGroup.querySelectorAll("button")) b.setAttribute("aria-pressed", b.id === `activities-view-${v}` ? "true" : "false");
          draw();
        },
      },
      t(`activities.${v}`),
    );
  const viewGroup = h("div", { class: "act-seg", role: "group", "aria-label": t("activities.view") }, viewBtn("calendar"), viewBtn("list"));
  const controls = h(
    "div",
    { class: "card act-controls" },
    h(
      "div",
      { class: "toolbar" },
      field(t("activities.quarter"), quarterSel).wrap,
      field(t("activities.joint"), jointSel).wrap,
      field(t("activities.community"), commSel).wrap,
      h("span", { class: "act-spacer" }),
      viewGroup,
    ),
  );
  const legend = h("div", { class: "act-legend", id: "activities-legend", "aria-label": t("activities.legend") });
  const summary = h("p", { class: "muted small act-summary", id: "activities-summary", "aria-live": "polite" });
  const body = h("div", { id: "activities-body" });
  el.append(h("h1", { id: "h-activities" }, t("activities.title")), h("p", { class: "muted act-intro" }, t("activities.intro")), controls, legend, summary, body);

  // ---------------------------------------------------------------- data
  async function loadPlan() {
    // every assignment (published plans, history, manual): GET /assignments
    s.plan = null;
    try {
      const [rows, units] = await Promise.all([api("/assignments"), listAll("/units")]);
      const names = new Map(units.map((u) => [u.id, u.name]));
      const byActivity = new Map();
      for (const a of rows) {
        if (!byActivity.has(a.activity_id)) byActivity.set(a.activity_id, []);
        byActivity.get(a.activity_id).push({ unit: a.unit_id, unit_name: names.get(a.unit_id) || a.unit_id, kind: a.role, plan: a.plan_id });
      }
      s.plan = { byActivity };
    } catch {
      s.plan = null; // assignments unreadable: the details say nothing is assigned
    }
  }

  async function load() {
    fill(body, h("p", { class: "muted" }, t("loading")));
    try {
      const [items] = await Promise.all([listAll(`/activities?quarter=${encodeURIComponent(s.quarter)}`), loadPlan()]);
      s.items = items.sort((a, b) => (a.date === b.date ? a.id.localeCompare(b.id) : a.date.localeCompare(b.date)));
    } catch (err) {
      s.items = [];
      fill(body, notice(errorText(err), "error"));
      return;
    }
    draw();
  }

  const visible = () => s.items.filter((a) => (!s.joint || a.joint_type === s.joint) && (!s.community || a.community_id === s.community));
  const assignedOf = (a) => s.plan?.byActivity.get(a.id) || [];
  const planNote = () => {
    const n = s.items.filter((a) => assignedOf(a).length).length;
    return n ? t("activities.plan", { n }) : t("activities.noplan");
  };
  const mine = (a) => Boolean(user.unit_id) && assignedOf(a).some((x) => x.unit === user.unit_id);

  function chip(a) {
    const isMine = mine(a);
    return h(
      "button",
      {
        type: "button",
        class: `tag joint ${a.joint_type} act-chip${isMine ? " mine" : ""}`,
        dataset: { activity: a.id, joint: a.joint_type },
        title: `${a.title} · ${label(JOINTS, a.joint_type)} · ${cname[a.community_id] || a.community_id}${isMine ? ` · ${t("activities.mine")}` : ""}`,
        onclick: () => openDetails(a.id),
      },
      isMine ? "★ " : "",
      a.title,
    );
  }

  function drawLegend() {
    const counts = {};
    for (const a of s.items) counts[a.joint_type] = (counts[a.joint_type] || 0) + 1;
    fill(
      legend,
      h("span", { class: "muted small" }, t("activities.legend.label")),
      Object.keys(JOINTS).map((k) =>
        h(
          "button",
          {
            type: "button",
            class: `act-legend-item${s.joint && s.joint !== k ? " off" : ""}`,
            dataset: { joint: k },
            "aria-pressed": s.joint === k ? "true" : "false",
            onclick: () => {
              s.joint = s.joint === k ? "" : k;
              jointSel.value = s.joint;
              setUrl();
              draw();
            },
          },
          h("span", { class: `tag joint ${k}` }, label(JOINTS, k)),
          h("small", {}, String(counts[k] || 0)),
        ),
      ),
    );
  }

  function draw() {
    drawLegend();
    const items = visible();
    fill(
      summary,
      t("activities.count", { q: quarterLabel(s.quarter), n: s.items.length }),
      items.length !== s.items.length ? t("activities.shown", { n: items.length }) : "",
      " · ",
      planNote(),
    );
    if (!s.items.length) {
      fill(body, notice(t("activities.none")));
      return;
    }
    fill(body, s.view === "list" ? listView(items) : calendarView(items));
  }

  function calendarView(items) {
    const m = /^(\d{4})Q([1-4])$/.exec(s.quarter);
    const year = Number(m[1]);
    const first = (Number(m[2]) - 1) * 3;
    const byDate = new Map();
    for (const a of items) {
      if (!byDate.has(a.date)) byDate.set(a.date, []);
      byDate.get(a.date).push(a);
    }
    const now = today();
    const heads = t("activities.weekdays").split(",");
    const months = [0, 1, 2].map((i) => {
      const mo = first + i;
      const lead = (new Date(Date.UTC(year, mo, 1)).getUTCDay() + 6) % 7;
      const days = new Date(Date.UTC(year, mo + 1, 0)).getUTCDate();
      const cells = [];
      for (let k = 0; k < lead; k += 1) cells.push(null);
      for (let d = 1; d <= days; d += 1) cells.push(d);
      while (cells.length % 7) cells.push(null);
      const weeks = [];
      for (let k = 0; k < cells.length; k += 7) weeks.push(cells.slice(k, k + 7));
      const count = items.filter((a) => a.date.startsWith(`${year}-${pad(mo + 1)}`)).length;
      return h(
        "div",
        { class: "card act-month", dataset: { month: `${year}-${pad(mo + 1)}` } },
        h("h2", {}, monthTitle(year, mo), " ", h("small", { class: "muted" }, `(${count})`)),
        h(
          "table",
          { class: "cal" },
          h("thead", {}, h("tr", {}, heads.map((w, idx) => h("th", { scope: "col", class: idx >= 5 ? "weekend" : null }, w)))),
          h(
            "tbody",
            {},
            weeks.map((week) =>
              h(
                "tr",
                {},
                week.map((d, idx) => {
                  if (d === null) return h("td", { class: "out" });
                  const iso = `${year}-${pad(mo + 1)}-${pad(d)}`;
                  const acts = byDate.get(iso) || [];
                  return h(
                    "td",
                    { class: `${idx >= 5 ? "weekend" : ""}${iso === now ? " today" : ""}${acts.length ? " busy" : ""}`, dataset: { date: iso } },
                    h("span", { class: "cal-day", title: iso === now ? t("activities.today") : null }, d),
                    acts.map(chip),
                  );
                }),
              ),
            ),
          ),
        ),
      );
    });
    return h("div", { class: "act-months", id: "activities-calendar" }, months);
  }

  function listView(items) {
    const groups = new Map();
    for (const a of items) {
      const k = a.date.slice(0, 7);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(a);
    }
    return h(
      "div",
      { class: "act-list", id: "activities-list" },
      [...groups.entries()].map(([k, acts]) => {
        const [y, mo] = k.split("-").map(Number);
        return h(
          "div",
          { class: "card" },
          h("h2", {}, monthTitle(y, mo - 1)),
          h(
            "ul",
            {},
            acts.map((a) => {
              const n = new Set(assignedOf(a).map((x) => x.unit)).size;
              return h(
                "li",
                { class: `act-row joint-${a.joint_type}`, dataset: { activity: a.id } },
                h("span", { class: "act-date" }, h("strong", {}, a.date.slice(8).replace(/^0/, "")), h("small", {}, t("activities.weekday", { d: weekdayOf(a.date) }))),
                h(
                  "span",
                  { class: "act-main" },
                  h("button", { type: "button", class: "linkish act-open", onclick: () => openDetails(a.id) }, a.title),
                  h(
                    "span",
                    { class: "act-meta" },
                    h("span", { class: `tag joint ${a.joint_type}` }, label(JOINTS, a.joint_type)),
                    h("small", { class: "muted" }, cname[a.community_id] || a.community_id),
                    h("small", { class: "muted" }, n ? t("activities.assigned.n", { n }) : t("activities.assigned.none")),
                    mine(a) ? h("span", { class: "tag ok" }, `★ ${t("activities.mine")}`) : null,
                  ),
                ),
              );
            }),
          ),
        );
      }),
    );
  }

  // ---------------------------------------------------------------- details
  async function openDetails(id) {
    let a;
    try {
      a = await api(`/activities/${encodeURIComponent(id)}`);
    } catch (err) {
      fill(summary, notice(errorText(err), "error"));
      return;
    }
    const assigned = assignedOf(a);
    const roleRows = a.roles.map((r) => {
      const units = assigned.filter((x) => x.kind === r.kind);
      return h(
        "li",
        {},
        h("span", { class: "tag" }, t("activities.role.count", { kind: label(KINDS, r.kind), n: r.count })),
        " ",
        units.length
          ? units.map((x) => h("span", { class: `act-unit${x.unit === user.unit_id ? " mine" : ""}` }, x.unit_name || x.unit))
          : h("small", { class: "muted" }, t("activities.assigned.none")),
      );
    });
    const dlg = h(
      "dialog",
      { class: "gj-dialog act-dialog", id: "activities-detail", "aria-labelledby": "activities-detail-h" },
      h("div", { class: `act-dialog-band joint ${a.joint_type}` }),
      h(
        "div",
        { class: "act-dialog-inner" },
      h("h2", { id: "activities-detail-h" }, a.title),
      h("p", {}, h("span", { class: `tag joint ${a.joint_type}` }, label(JOINTS, a.joint_type)), " ", h("small", { class: "muted" }, a.id)),
      h(
        "dl",
        { class: "act-dl" },
        h("dt", {}, t("activities.date")),
        h("dd", {}, dateText(a.date)),
        h("dt", {}, t("activities.community")),
        h("dd", { dataset: { field: "community" } }, `${cname[a.community_id] || a.community_id} (${a.community_id})`),
        a.brand ? [h("dt", {}, t("activities.brand")), h("dd", {}, a.brand)] : null,
        h("dt", {}, t("activities.units")),
        h("dd", {}, t("activities.units.range", { min: a.min_units, max: a.max_units })),
        h("dt", {}, `${t("activities.roles")} / ${t("activities.assigned")}`),
        h("dd", {}, h("ul", { class: "act-roles", dataset: { field: "roles" } }, roleRows)),
      ),
      h("p", { class: "muted small" }, planNote()),
      h("div", { class: "row gj-dialog-actions" }, h("button", { type: "button", class: "primary", id: "activities-detail-close", onclick: () => dlg.close() }, t("activities.close"))),
      ),
    );
    dlg.addEventListener("close", () => dlg.remove());
    dlg.addEventListener("click", (ev) => {
      if (ev.target === dlg) dlg.close(); // a click on the backdrop
    });
    el.append(dlg);
    dlg.showModal();
    dlg.querySelector("#activities-detail-close").focus();
  }

  // ---------------------------------------------------------------- events
  quarterSel.addEventListener("change", () => {
    s.quarter = quarterSel.value;
    setUrl();
    load();
  });
  jointSel.addEventListener("change", () => {
    s.joint = jointSel.value;
    setUrl();
    draw();
  });
  commSel.addEventListener("change", () => {
    s.community = commSel.value;
    setUrl();
    draw();
  });
  setUrl();
  await load();
}
