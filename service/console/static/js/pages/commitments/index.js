// 清单 Annual responsibility lists (清单制): 年初列清单 (enter a year's commitments),
// 年中查清单 (each commitment against the data) and 年底述清单 (the year-end report as
// xlsx / PDF) for one unit or community and year.
//
// A unit edits its own list, a community its own, the committee every list; the other
// roles read. The list is saved whole with its version as If-Match (PUT
// /commitments/{kind}/{id}/{year}); a stale version reloads it. State is in the hash:
// #/commitments?tab=plan|check|report&kind=unit|community&id=…&year=….
// Every user-entered text is put into the DOM as text (h() children, input values).

import { api, download } from "../../api.js";
import { addStrings, currentQuarter, errorText, fill, h, JOINTS, label, notice, page, pct, saveFailed, select, t, toast, vocabOptions } from "../../ui.js";

addStrings({
  zh: {
    "k.title": "清单",
    "k.intro": "年初列清单、年中查清单、年底述清单：各驻区单位和社区年初列出承诺事项，年中对照数据查进度，年底生成述职报告。",
    "k.tab.plan": "年初列清单",
    "k.tab.check": "年中查清单",
    "k.tab.report": "年底述清单",
    "k.kind": "对象",
    "k.kind.unit": "驻区单位",
    "k.kind.community": "社区",
    "k.owner": "单位 / 社区",
    "k.year": "年度",
    "k.col.title": "承诺事项",
    "k.col.joint": "五联类别",
    "k.col.measure": "衡量指标",
    "k.col.target": "目标",
    "k.col.due": "完成月份",
    "k.col.note": "说明",
    "k.col.actual": "实际",
    "k.col.share": "完成比例",
    "k.col.status": "状态",
    "k.add": "添加一条",
    "k.save": "保存清单",
    "k.saved": "清单已保存（版本 {v}）",
    "k.stale": "清单已被他人修改，已重新加载，请再次修改。",
    "k.remove": "删除",
    "k.empty": "本年度还没有列承诺事项。",
    "k.readonly": "你可以查看此清单，但不能修改。",
    "k.bad": "请填写承诺事项，目标为 1 以上的整数（满意率不超过 100）。",
    "k.month": "{m}月",
    "k.asof": "截至 {d}",
    "k.figures": "年度数据",
    "k.fig.activities": "活动（场）",
    "k.fig.resolved": "办结交办单（件）",
    "k.fig.claimed": "认领交办单（件）",
    "k.fig.satisfaction": "满意率",
    "k.fig.points": "党员积分",
    "k.xlsx": "下载述清单（Excel）",
    "k.pdf": "下载述清单（PDF，可打印）",
    "k.report.lead": "述清单包括年度数据和每条承诺事项的完成情况，数据与“指标”页一致。",
    "k.st.done": "已完成",
    "k.st.in_progress": "推进中",
    "k.st.overdue": "逾期未完成",
    "k.st.no_data": "暂无数据",
    "k.m.activities": "开展活动（场）",
    "k.m.orders_resolved": "办结交办单（件）",
    "k.m.member_points": "党员积分（分）",
    "k.m.satisfaction": "群众满意率（%）",
  },
  en: {
    "k.title": "Responsibility lists",
    "k.intro": "List commitments at the start of the year, check them against the data at mid-year, report on them at year end.",
    "k.tab.plan": "List (start of year)",
    "k.tab.check": "Check (mid-year)",
    "k.tab.report": "Report (year end)",
    "k.kind": "Owner",
    "k.kind.unit": "Unit",
    "k.kind.community": "Community",
    "k.owner": "Unit / community",
    "k.year": "Year",
    "k.col.title": "Commitment",
    "k.col.joint": "Joint",
    "k.col.measure": "Measure",
    "k.col.target": "Target",
    "k.col.due": "Due month",
    "k.col.note": "Note",
    "k.col.actual": "Actual",
    "k.col.share": "Done",
    "k.col.status": "Status",
    "k.add": "Add a row",
    "k.save": "Save the list",
    "k.saved": "List saved (version {v})",
    "k.stale": "The list was changed by someone else; reloaded, please edit again.",
    "k.remove": "Remove",
    "k.empty": "No commitments listed for this year yet.",
    "k.readonly": "You may read this list but not change it.",
    "k.bad": "Fill in each commitment; targets are whole numbers ≥ 1 (satisfaction ≤ 100).",
    "k.month": "Month {m}",
    "k.asof": "As of {d}",
    "k.figures": "The year's figures",
    "k.fig.activities": "Activities",
    "k.fig.resolved": "Orders resolved",
    "k.fig.claimed": "Orders claimed",
    "k.fig.satisfaction": "Satisfaction",
    "k.fig.points": "Members' points",
    "k.xlsx": "Download the report (Excel)",
    "k.pdf": "Download the report (PDF, printable)",
    "k.report.lead": "The report holds the year's figures and each commitment's result; the figures are the Metrics page's.",
    "k.st.done": "Done",
    "k.st.in_progress": "In progress",
    "k.st.overdue": "Overdue",
    "k.st.no_data": "No data",
    "k.m.activities": "Activities held",
    "k.m.orders_resolved": "Orders resolved",
    "k.m.member_points": "Members' points",
    "k.m.satisfaction": "Satisfaction (%)",
  },
});

export default page("commitments", { zh: "清单", en: "Lists" }, render);

const MEASURES = ["activities", "orders_resolved", "member_points", "satisfaction"];
const TABS = ["plan", "check", "report"];

function canEdit(user, kind, id) {
  if (user.role === "committee") return true;
  if (user.role === "unit") return kind === "unit" && user.unit_id === id;
  if (user.role === "community") return kind === "community" && user.community_id === id;
  return false;
}

async function owners(kind) {
  const path = kind === "unit" ? "/units" : "/communities";
  const out = [];
  for (let offset = 0; ; offset += 1000) {
    const pageOf = await api(`${path}?limit=1000&offset=${offset}`);
    out.push(...pageOf.items.map((x) => [x.id, x.name]));
    if (out.length >= pageOf.total || !pageOf.items.length) return out;
  }
}

async function render(el, ctx) {
  const u = ctx.user;
  const thisYear = Number(String(currentQuarter() || new Date().getFullYear()).slice(0, 4));
  const own = u.role === "unit" ? ["unit", u.unit_id] : u.role === "community" ? ["community", u.community_id] : null;
  const state = {
    tab: TABS.includes(ctx.params.get("tab")) ? ctx.params.get("tab") : "plan",
    kind: ctx.params.get("kind") || (own ? own[0] : "unit"),
    id: ctx.params.get("id") || (own ? own[1] : ""),
    year: Number(ctx.params.get("year")) || thisYear,
  };
  if (!["unit", "community"].includes(state.kind)) state.kind = "unit";
  const go = (change) => {
    const next = { ...state, ...change };
    ctx.go(`#/commitments?${new URLSearchParams({ tab: next.tab, kind: next.kind, id: next.id, year: String(next.year) })}`);
  };
  if (!state.id && own && own[0] === state.kind) state.id = own[1];
  const list = await owners(state.kind);
  if (!state.id || !list.some(([id]) => id === state.id)) state.id = list.length ? list[0][0] : "";
  const kindSel = select([["unit", t("k.kind.unit")], ["community", t("k.kind.community")]], state.kind, { id: "k-kind" });
  kindSel.addEventListener("change", () => go({ kind: kindSel.value, id: "" }));
  const ownerSel = select(list, state.id, { id: "k-owner" });
  ownerSel.addEventListener("change", () => go({ id: ownerSel.value }));
  const years = [];
  for (let y = thisYear - 3; y <= thisYear + 1; y += 1) years.push([y, String(y)]);
  const yearSel = select(years, state.year, { id: "k-year" });
  yearSel.addEventListener("change", () => go({ year: Number(yearSel.value) }));
  const bar = h(
    "div",
    { class: "gj-tabs", role: "tablist", id: "k-tabs" },
    TABS.map((id) =>
      h("button", { type: "button", role: "tab", id: `k-tab-${id}`, "aria-selected": id === state.tab ? "true" : "false", onclick: () => go({ tab: id }) }, t(`k.tab.${id}`)),
    ),
  );
  const body = h("div", { id: "k-body", role: "tabpanel", "aria-labelledby": `k-tab-${state.tab}` });
  fill(
    el,
    h("h1", { id: "h-commitments" }, t("k.title")),
    h("p", { class: "muted" }, t("k.intro")),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "k-kind" }, t("k.kind"), kindSel),
      h("label", { for: "k-owner" }, t("k.owner"), ownerSel),
      h("label", { for: "k-year" }, t("k.year"), yearSel),
    ),
    bar,
    body,
  );
  if (!state.id) return fill(body, notice(t("none")));
  const base = `/commitments/${state.kind}/${encodeURIComponent(state.id)}/${state.year}`;
  if (state.tab === "plan") return planTab(body, base, canEdit(u, state.kind, state.id), () => render(el, ctx));
  const progress = await api(`${base}/progress`);
  if (state.tab === "check") return checkTab(body, progress);
  return reportTab(body, base, progress);
}

function monthOptions() {
  return Array.from({ length: 12 }, (_, i) => [i + 1, t("k.month", { m: i + 1 })]);
}

async function planTab(body, base, editable, reload) {
  const res = await api(base, { raw: true });
  const etag = res.headers.get("etag");
  const listed = await res.json();
  const rows = listed.items.map((i) => ({ ...i }));
  const msg = h("div", { id: "k-msg", "aria-live": "polite" });
  const tbody = h("tbody", {});
  const draw = () => {
    if (!rows.length) {
      fill(tbody, h("tr", {}, h("td", { colspan: 7, class: "muted" }, t("k.empty"))));
      return;
    }
    fill(
      tbody,
      rows.map((r, n) => {
        if (!editable) {
          return h(
            "tr",
            { dataset: { item: r.id } },
            h("td", {}, r.title),
            h("td", {}, label(JOINTS, r.joint_type)),
            h("td", {}, t(`k.m.${r.measure}`)),
            h("td", {}, String(r.target)),
            h("td", {}, t("k.month", { m: r.due_month })),
            h("td", {}, r.note || ""),
          );
        }
        const title = h("input", { class: "k-title", maxlength: 100, required: true, "aria-label": t("k.col.title") });
        title.value = r.title || "";
        title.addEventListener("input", () => (r.title = title.value));
        const joint = select(vocabOptions(JOINTS), r.joint_type, { class: "k-joint", "aria-label": t("k.col.joint") });
        joint.addEventListener("change", () => (r.joint_type = joint.value));
        const measure = select(MEASURES.map((m) => [m, t(`k.m.${m}`)]), r.measure, { class: "k-measure", "aria-label": t("k.col.measure") });
        measure.addEventListener("change", () => (r.measure = measure.value));
        const target = h("input", { class: "k-target", type: "number", min: 1, max: 100000, step: 1, required: true, "aria-label": t("k.col.target") });
        target.value = String(r.target ?? "");
        target.addEventListener("input", () => (r.target = target.value === "" ? null : Number(target.value)));
        const due = select(monthOptions(), r.due_month, { class: "k-due", "aria-label": t("k.col.due") });
        due.addEventListener("change", () => (r.due_month = Number(due.value)));
        const note = h("input", { class: "k-note", maxlength: 300, "aria-label": t("k.col.note") });
        note.value = r.note || "";
        note.addEventListener("input", () => (r.note = note.value));
        const remove = h("button", { type: "button", class: "k-remove", onclick: () => (rows.splice(n, 1), draw()) }, t("k.remove"));
        return h("tr", { dataset: { item: r.id || "" } }, h("td", {}, title), h("td", {}, joint), h("td", {}, measure), h("td", {}, target), h("td", {}, due), h("td", {}, note), h("td", {}, remove));
      }),
    );
  };
  draw();
  const cols = ["k.col.title", "k.col.joint", "k.col.measure", "k.col.target", "k.col.due", "k.col.note"];
  const tableEl = h(
    "div",
    { class: "table-wrap" },
    h("table", { id: "k-list" }, h("thead", {}, h("tr", {}, cols.map((k) => h("th", { scope: "col" }, t(k))), editable ? h("th", {}) : null)), tbody),
  );
  const save = async () => {
    const bad = rows.some((r) => !String(r.title || "").trim() || !Number.isInteger(r.target) || r.target < 1 || (r.measure === "satisfaction" && r.target > 100));
    if (bad) return fill(msg, notice(t("k.bad"), "error"));
    const items = rows.map(({ id, title, joint_type, measure, target, due_month, note }) => ({
      ...(id ? { id } : {}),
      title: title.trim(),
      joint_type,
      measure,
      target,
      due_month,
      note: note && note.trim() ? note.trim() : null,
    }));
    try {
      const out = await api(base, { method: "PUT", body: { items }, headers: { "If-Match": etag } });
      toast(t("k.saved", { v: out.version }), "ok");
      await reload();
    } catch (err) {
      return saveFailed(err, msg, t("k.stale"), reload);
    }
  };
  fill(
    body,
    editable ? null : notice(t("k.readonly")),
    tableEl,
    editable
      ? h(
          "div",
          { class: "toolbar" },
          h("button", { type: "button", id: "k-add", onclick: () => (rows.push({ title: "", joint_type: "joint_activities", measure: "activities", target: 1, due_month: 12, note: "" }), draw()) }, t("k.add")),
          h("button", { type: "button", class: "primary", id: "k-save", onclick: save }, t("k.save")),
        )
      : null,
    msg,
  );
}

function figures(p) {
  const f = p.figures;
  const items = [
    ["k.fig.activities", String(f.activities)],
    ["k.fig.resolved", String(f.orders_resolved)],
    ["k.fig.claimed", String(f.orders_claimed)],
    ["k.fig.satisfaction", f.satisfaction === null ? "—" : `${pct(f.satisfaction)}（${f.satisfied} / ${f.rated}）`],
    ["k.fig.points", String(f.member_points)],
  ];
  return h(
    "div",
    { id: "k-figures" },
    h("h2", {}, t("k.figures"), " ", h("small", { class: "muted" }, t("k.asof", { d: p.as_of }))),
    h("dl", { class: "k-figures" }, items.map(([k, v]) => [h("dt", {}, t(k)), h("dd", { dataset: { figure: k.slice(6) } }, v)])),
  );
}

function checkTab(body, p) {
  const cols = ["k.col.title", "k.col.joint", "k.col.measure", "k.col.target", "k.col.actual", "k.col.share", "k.col.due", "k.col.status"];
  const rows = p.items.map((i) =>
    h(
      "tr",
      { dataset: { item: i.item.id, status: i.status } },
      h("td", {}, i.item.title),
      h("td", {}, label(JOINTS, i.item.joint_type)),
      h("td", {}, t(`k.m.${i.item.measure}`)),
      h("td", {}, String(i.item.target)),
      h("td", { class: "k-actual" }, i.actual === null ? "—" : String(i.actual)),
      h("td", {}, i.share === null ? "—" : h("span", {}, h("progress", { max: 1, value: Math.min(1, i.share) }), " ", pct(i.share))),
      h("td", {}, t("k.month", { m: i.item.due_month })),
      h("td", {}, h("span", { class: `badge k-st-${i.status}` }, t(`k.st.${i.status}`))),
    ),
  );
  fill(
    body,
    figures(p),
    p.items.length
      ? h("div", { class: "table-wrap" }, h("table", { id: "k-progress" }, h("thead", {}, h("tr", {}, cols.map((k) => h("th", { scope: "col" }, t(k))))), h("tbody", {}, rows)))
      : notice(t("k.empty")),
  );
}

function reportTab(body, base, p) {
  const get = (format) => download(`${base}/report?format=${format}`, `report.${format}`).catch((err) => toast(errorText(err), "error"));
  fill(
    body,
    h("p", { class: "muted" }, t("k.report.lead")),
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "button", id: "k-xlsx", onclick: () => get("xlsx") }, t("k.xlsx")),
      h("button", { type: "button", id: "k-pdf", onclick: () => get("pdf") }, t("k.pdf")),
    ),
    figures(p),
  );
}
