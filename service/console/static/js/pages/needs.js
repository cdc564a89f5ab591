// 民情交办单 Work orders: the filterable, paged list with the actions each role may take
// (接单 claim, 开始办理 start, 办结 resolve, 回访 follow-up, 撤销 cancel, 吹哨 whistle, 报到
// report), entering a new need, the whistle list, and the xlsx / csv import with its
// row-by-row report.
//
// `#/needs?view=list|whistles|new|import` picks the view; list filters come from the hash
// too (`status`, `quarter`, `community`, `category`, `claimed_by`, `offset`), e.g.
// `#/needs?status=open`; the whistle list takes `overdue=true|false`.
import { api, download } from "../api.js";
import {
  KINDS,
  STATUSES,
  addStrings,
  currentQuarter,
  errorText,
  field,
  h,
  label,
  lang,
  notice,
  select,
  t,
  table,
  toast,
  vocabOptions,
  when,
} from "../ui.js";

addStrings({
  zh: {
    "needs.title": "民情交办单",
    "needs.lead": "居民反映的诉求转为交办单，由驻区单位认领办理，社区回访满意度。",
    "needs.tab.list": "交办单列表",
    "needs.tab.whistles": "吹哨清单",
    "needs.tab.new": "登记交办单",
    "needs.tab.import": "批量导入",
    "needs.f.quarter": "季度",
    "needs.f.community": "社区",
    "needs.f.status": "状态",
    "needs.f.category": "类别",
    "needs.f.claimed": "认领单位",
    "needs.f.all": "全部",
    "needs.f.reset": "清除筛选",
    "needs.quick.open": "待认领",
    "needs.quick.mine": "本单位承接的",
    "needs.quick.community": "本社区的",
    "needs.c.id": "编号",
    "needs.c.title": "标题",
    "needs.c.category": "类别",
    "needs.c.community": "社区",
    "needs.c.quarter": "季度",
    "needs.c.priority": "优先级",
    "needs.c.due": "截止日期",
    "needs.c.status": "状态",
    "needs.c.unit": "认领单位",
    "needs.c.satisfaction": "满意度",
    "needs.c.actions": "操作",
    "needs.whistle": "吹哨",
    "needs.noaction": "—",
    "needs.a.claim": "接单",
    "needs.a.claimFor": "代认领",
    "needs.a.start": "开始办理",
    "needs.a.resolve": "办结",
    "needs.a.followup": "回访",
    "needs.a.cancel": "撤销",
    "needs.a.whistle": "吹哨",
    "needs.a.report": "报到",
    "needs.done.claim": "已接单：{id}",
    "needs.done.start": "已开始办理：{id}",
    "needs.done.resolve": "已办结：{id}",
    "needs.done.followup": "已回访：{id}",
    "needs.done.cancel": "已撤销：{id}",
    "needs.done.whistle": "已吹哨：{id}",
    "needs.done.report": "已报到：{id}",
    "needs.refused": "{action}未成功",
    "needs.refused.claimed": "交办单 {id} 已由 {unit} 认领，其他单位不能再接。",
    "needs.refused.other": "交办单 {id}：{msg}",
    "needs.refused.refreshed": "列表已刷新为最新状态。",
    "needs.refused.server": "服务器说明：{msg}",
    "needs.dlg.claimFor": "代单位认领 · {title}",
    "needs.dlg.unit": "认领单位",
    "needs.dlg.followup": "回访 · {title}",
    "needs.dlg.satisfaction": "居民满意度",
    "needs.dlg.note": "回访记录（可选）",
    "needs.dlg.cancel": "撤销交办单 · {title}",
    "needs.dlg.cancel.body": "撤销后该交办单不再办理，也不能恢复。确定撤销吗？",
    "needs.dlg.whistle": "吹哨 · {title}",
    "needs.dlg.whistle.body": "召集相关单位在截止时间前报到，共同处置这件事。",
    "needs.dlg.deadline": "报到截止时间（北京时间）",
    "needs.dlg.units": "召集单位",
    "needs.dlg.ok": "确定",
    "needs.err.pick": "请选择",
    "needs.err.units": "至少选择一个单位",
    "needs.err.future": "截止时间应晚于现在",
    "needs.sat.1": "1 很不满意",
    "needs.sat.2": "2 不满意",
    "needs.sat.3": "3 一般",
    "needs.sat.4": "4 满意",
    "needs.sat.5": "5 很满意",
    "needs.pri.1": "1 低",
    "needs.pri.2": "2 较低",
    "needs.pri.3": "3 一般",
    "needs.pri.4": "4 较高",
    "needs.pri.5": "5 紧急",
    "needs.new.title": "登记交办单",
    "needs.new.help": "把居民反映的诉求登记为交办单，登记后驻区单位即可认领。带 * 的为必填项。",
    "needs.new.title.f": "标题 *",
    "needs.new.category": "类别 *",
    "needs.new.community": "社区 *",
    "needs.new.grid": "网格",
    "needs.new.quarter": "季度 *",
    "needs.new.quarter.hint": "如 2026Q4",
    "needs.new.effort": "工作量",
    "needs.new.effort.hint": "整数 1–1000",
    "needs.new.priority": "优先级",
    "needs.new.due": "截止日期",
    "needs.new.description": "情况说明",
    "needs.new.submit": "登记",
    "needs.new.nogrid": "（不指定）",
    "needs.new.saved": "已登记交办单“{title}”（{id}）。",
    "needs.new.invalid": "有 {n} 处需要修改，请查看标红的输入框。未提交。",
    "needs.new.server": "服务器未接受：{msg}",
    "needs.err.required": "必填",
    "needs.err.long": "最长 {n} 个字",
    "needs.err.quarter": "季度格式应为 2026Q1",
    "needs.err.int": "应为 {lo}–{hi} 的整数",
    "needs.err.category": "请选择类别",
    "needs.w.need": "交办单",
    "needs.w.deadline": "报到截止",
    "needs.w.units": "召集单位及报到情况",
    "needs.w.overdue": "逾期",
    "needs.w.filter": "报到情况",
    "needs.w.onlyOverdue": "有逾期未报到",
    "needs.w.noOverdue": "无逾期",
    "needs.w.none": "暂无吹哨交办单",
    "needs.w.noneMatch": "没有符合条件的吹哨交办单",
    "needs.w.count": "{n} 家逾期未报到",
    "needs.ws.reported": "已报到",
    "needs.ws.late": "迟报到",
    "needs.ws.pending": "待报到",
    "needs.ws.overdue": "逾期未报到",
    "needs.ws.cancelled": "已撤销",
    "needs.i.title": "批量导入交办单",
    "needs.i.help": "先下载模板，按表头填写（每行一件交办单；示例行不会导入），再上传 xlsx 或 UTF-8 编码的 CSV 文件。默认只要有一行有误就整份不导入，并列出每一处错误。",
    "needs.i.template": "下载导入模板（xlsx）",
    "needs.i.file": "导入文件（xlsx / csv）",
    "needs.i.skip": "跳过有误的行，导入其余行",
    "needs.i.dry": "只校验，不导入（试运行）",
    "needs.i.submit": "上传",
    "needs.i.nofile": "请选择要上传的文件",
    "needs.i.working": "正在上传并校验…",
    "needs.i.rejected": "有 {n} 行数据有误，未导入任何交办单。请按下表修改后重新上传，或勾选“跳过有误的行”。",
    "needs.i.ok": "导入完成：已导入 {imported} 件交办单。",
    "needs.i.okSkipped": "导入完成：已导入 {imported} 件，跳过有误的 {skipped} 行（见下表）。",
    "needs.i.dryOk": "校验完成（试运行，未写入）：共 {rows} 行，{valid} 行可导入。",
    "needs.i.failed": "文件未能导入：{msg}",
    "needs.i.row": "行号",
    "needs.i.field": "字段",
    "needs.i.reason": "原因",
    "needs.i.summary": "共 {rows} 行 · 有效 {valid} 行 · 格式 {format}",
    "needs.i.warnings": "提示",
    "needs.i.downloaded": "已下载 {name}",
    "needs.created": "新登记",
    "needs.late": "已过截止日期",
  },
  en: {
    "needs.title": "Work orders",
    "needs.lead": "Residents' requests become work orders; resident units claim and handle them, and the community follows up on satisfaction.",
    "needs.tab.list": "Work orders",
    "needs.tab.whistles": "Whistles",
    "needs.tab.new": "New work order",
    "needs.tab.import": "Import",
    "needs.f.quarter": "Quarter",
    "needs.f.community": "Community",
    "needs.f.status": "Status",
    "needs.f.category": "Category",
    "needs.f.claimed": "Claimed by",
    "needs.f.all": "All",
    "needs.f.reset": "Clear filters",
    "needs.quick.open": "Open",
    "needs.quick.mine": "Claimed by my unit",
    "needs.quick.community": "My community",
    "needs.c.id": "ID",
    "needs.c.title": "Title",
    "needs.c.category": "Category",
    "needs.c.community": "Community",
    "needs.c.quarter": "Quarter",
    "needs.c.priority": "Priority",
    "needs.c.due": "Due",
    "needs.c.status": "Status",
    "needs.c.unit": "Claimed by",
    "needs.c.satisfaction": "Satisfaction",
    "needs.c.actions": "Actions",
    "needs.whistle": "Whistle",
    "needs.noaction": "—",
    "needs.a.claim": "Claim",
    "needs.a.claimFor": "Claim for…",
    "needs.a.start": "Start",
    "needs.a.resolve": "Resolve",
    "needs.a.followup": "Follow up",
    "needs.a.cancel": "Cancel",
    "needs.a.whistle": "Whistle",
    "needs.a.report": "Report",
    "needs.done.claim": "Claimed: {id}",
    "needs.done.start": "Started: {id}",
    "needs.done.resolve": "Resolved: {id}",
    "needs.done.followup": "Followed up: {id}",
    "needs.done.cancel": "Cancelled: {id}",
    "needs.done.whistle": "Whistled: {id}",
    "needs.done.report": "Reported: {id}",
    "needs.refused": "{action}: refused",
    "needs.refused.claimed": "Work order {id} is already claimed by {unit}; no other unit can take it.",
    "needs.refused.other": "Work order {id}: {msg}",
    "needs.refused.refreshed": "The list now shows the latest state.",
    "needs.refused.server": "The server says: {msg}",
    "needs.dlg.claimFor": "Claim for a unit · {title}",
    "needs.dlg.unit": "Unit",
    "needs.dlg.followup": "Follow up · {title}",
    "needs.dlg.satisfaction": "Residents' satisfaction",
    "needs.dlg.note": "Follow-up note (optional)",
    "needs.dlg.cancel": "Cancel work order · {title}",
    "needs.dlg.cancel.body": "A cancelled work order is no longer handled and cannot be reopened. Cancel it?",
    "needs.dlg.whistle": "Whistle · {title}",
    "needs.dlg.whistle.body": "Summon the units concerned to report by the deadline and handle it together.",
    "needs.dlg.deadline": "Report by (Beijing time)",
    "needs.dlg.units": "Units summoned",
    "needs.dlg.ok": "OK",
    "needs.err.pick": "Choose one",
    "needs.err.units": "Choose at least one unit",
    "needs.err.future": "The deadline must be in the future",
    "needs.sat.1": "1 very dissatisfied",
    "needs.sat.2": "2 dissatisfied",
    "needs.sat.3": "3 neutral",
    "needs.sat.4": "4 satisfied",
    "needs.sat.5": "5 very satisfied",
    "needs.pri.1": "1 low",
    "needs.pri.2": "2 lower",
    "needs.pri.3": "3 normal",
    "needs.pri.4": "4 high",
    "needs.pri.5": "5 urgent",
    "needs.new.title": "New work order",
    "needs.new.help": "Enter a residents' request as a work order; units can claim it right away. Fields with * are required.",
    "needs.new.title.f": "Title *",
    "needs.new.category": "Category *",
    "needs.new.community": "Community *",
    "needs.new.grid": "Grid",
    "needs.new.quarter": "Quarter *",
    "needs.new.quarter.hint": "e.g. 2026Q4",
    "needs.new.effort": "Effort",
    "needs.new.effort.hint": "Whole number 1–1000",
    "needs.new.priority": "Priority",
    "needs.new.due": "Due date",
    "needs.new.description": "Description",
    "needs.new.submit": "Enter",
    "needs.new.nogrid": "(none)",
    "needs.new.saved": "Work order “{title}” ({id}) entered.",
    "needs.new.invalid": "{n} field(s) need attention (marked red). Nothing was sent.",
    "needs.new.server": "The server did not accept it: {msg}",
    "needs.err.required": "Required",
    "needs.err.long": "At most {n} characters",
    "needs.err.quarter": "Quarters look like 2026Q1",
    "needs.err.int": "A whole number {lo}–{hi}",
    "needs.err.category": "Choose a category",
    "needs.w.need": "Work order",
    "needs.w.deadline": "Report by",
    "needs.w.units": "Summoned units and reports",
    "needs.w.overdue": "Overdue",
    "needs.w.filter": "Reports",
    "needs.w.onlyOverdue": "With overdue units",
    "needs.w.noOverdue": "None overdue",
    "needs.w.none": "No whistled work orders",
    "needs.w.noneMatch": "No whistled work orders match",
    "needs.w.count": "{n} unit(s) overdue",
    "needs.ws.reported": "Reported",
    "needs.ws.late": "Reported late",
    "needs.ws.pending": "Pending",
    "needs.ws.overdue": "Overdue",
    "needs.ws.cancelled": "Cancelled",
    "needs.i.title": "Import work orders",
    "needs.i.help": "Download the template, fill in one work order per row (the example row is never imported), then upload the xlsx or a UTF-8 CSV. By default one bad row stops the whole file, and every error is listed.",
    "needs.i.template": "Download the template (xlsx)",
    "needs.i.file": "File to import (xlsx / csv)",
    "needs.i.skip": "Skip bad rows and import the rest",
    "needs.i.dry": "Check only, do not import (dry run)",
    "needs.i.submit": "Upload",
    "needs.i.nofile": "Choose a file to upload",
    "needs.i.working": "Uploading and checking…",
    "needs.i.rejected": "{n} row(s) have errors; nothing was imported. Fix them as listed below and upload again, or tick “skip bad rows”.",
    "needs.i.ok": "Imported {imported} work order(s).",
    "needs.i.okSkipped": "Imported {imported} work order(s); skipped {skipped} bad row(s) (listed below).",
    "needs.i.dryOk": "Checked (dry run, nothing written): {rows} row(s), {valid} would be imported.",
    "needs.i.failed": "The file could not be imported: {msg}",
    "needs.i.row": "Row",
    "needs.i.field": "Field",
    "needs.i.reason": "Reason",
    "needs.i.summary": "{rows} row(s) · {valid} valid · format {format}",
    "needs.i.warnings": "Notes",
    "needs.i.downloaded": "Downloaded {name}",
    "needs.created": "New",
    "needs.late": "Past the due date",
  },
});

const PAGE = 20;

/** The table pager of a filtered list view: a page move updates the hash and reloads. */
const pagerOf = (f, page, sync, load) => ({
  offset: f.offset,
  limit: PAGE,
  total: page.total,
  go: (off) => {
    f.offset = off;
    sync();
    load();
  },
});
/** A message for the next list view (after a new need is entered). */
let flash = null;
const QUARTER_RE = /^(\d{4})Q([1-4])$/;
const STATUS_CLASS = {
  open: "warn",
  claimed: "info",
  in_progress: "info",
  resolved: "ok",
  followed_up: "ok",
  cancelled: "muted",
};
const WSTATE_CLASS = { reported: "ok", late: "warn", pending: "", overdue: "bad", cancelled: "muted" };
const FIELD_ZH = {
  id: ["编号", "ID"],
  title: ["标题", "Title"],
  category: ["类别", "Category"],
  community_id: ["社区", "Community"],
  grid_id: ["网格", "Grid"],
  quarter: ["季度", "Quarter"],
  effort: ["工作量", "Effort"],
  priority: ["优先级", "Priority"],
  due: ["截止日期", "Due date"],
  description: ["描述", "Description"],
  status: ["状态", "Status"],
};

const colon = () => (lang() === "en" ? ": " : "：");

/** Give each cell its column's name (data-label), for the card layout on phones. */
function labelCells(wrap) {
  const tableEl = wrap.querySelector("table");
  tableEl.classList.add("needs-table");
  const names = [...tableEl.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const tr of tableEl.querySelectorAll("tbody tr")) {
    [...tr.children].forEach((td, i) => {
      if (!td.hasAttribute("colspan")) td.dataset.label = names[i] || "";
    });
  }
}

function fill(box, ...kids) {
  box.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

function statusTag(status) {
  return h("span", { class: `tag needs-st ${STATUS_CLASS[status] || ""}`, dataset: { status } }, label(STATUSES, status));
}

function newId() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `n-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Beijing wall-clock "YYYY-MM-DDTHH:MM" of a Date. */
function beijingLocal(date) {
  return new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16);
}

/** A modal dialog; `onOk()` returns true (close) or false (stay, messages shown). */
function openDialog(host, title, body, onOk, okLabel) {
  const dlg = h("dialog", { class: "needs-dialog", "aria-labelledby": "needs-dlg-title" });
  const msg = h("div", { class: "needs-dlg-msg", "aria-live": "polite" });
  const ok = h("button", { type: "submit", class: "primary", id: "needs-dlg-ok" }, okLabel || t("needs.dlg.ok"));
  const cancel = h("button", { type: "button", id: "needs-dlg-cancel", onclick: () => dlg.close() }, t("close"));
  const form = h(
    "form",
    { novalidate: true },
    h("h2", { id: "needs-dlg-title" }, title),
    body,
    msg,
    h("div", { class: "needs-dlg-actions" }, ok, cancel),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    ok.disabled = true;
    try {
      if (await onOk(msg)) dlg.close();
    } finally {
      ok.disabled = false;
    }
  });
  dlg.append(form);
  dlg.addEventListener("close", () => dlg.remove());
  host.append(dlg);
  dlg.showModal();
  const first = form.querySelector("select, input, textarea");
  if (first) first.focus();
  return dlg;
}

export default {
  id: "needs",
  hash: "#/needs",
  title: { zh: "民情交办单", en: "Work orders" },
  roles: ["committee", "unit", "community", "viewer"],
  async render(el, ctx) {
    const user = ctx.user;
    const p = ctx.params;
    const canEnter = user.role === "committee" || user.role === "community";
    let view = p.get("view") || "list";
    if ((view === "new" || view === "import") && !canEnter) view = "list";
    if (!["list", "whistles", "new", "import"].includes(view)) view = "list";

    const [units, communities, quarters] = await Promise.all([
      api("/units?limit=1000"),
      api("/communities?limit=1000"),
      api("/metrics/quarters").catch(() => ({ items: [] })),
    ]);
    const unitName = Object.fromEntries(units.items.map((u) => [u.id, u.name]));
    const commName = Object.fromEntries(communities.items.map((c) => [c.id, c.name]));
    const uname = (id) => (id ? `${unitName[id] || id} (${id})` : "—");
    const quarterIds = [...new Set([...quarters.items.map((q) => q.id), currentQuarter()])].sort().reverse();

    const tabs = [
      ["list", t("needs.tab.list")],
      ["whistles", t("needs.tab.whistles")],
      ...(canEnter ? [["new", t("needs.tab.new")], ["import", t("needs.tab.import")]] : []),
    ];
    el.append(
      h("h1", { id: "h-needs" }, t("needs.title")),
      h("p", { class: "muted needs-lead" }, t("needs.lead")),
      h(
        "nav",
        { class: "needs-tabs", "aria-label": t("needs.title") },
        tabs.map(([id, text]) =>
          h("a", { href: `#/needs?view=${id}`, "aria-current": id === view ? "page" : null, dataset: { view: id } }, text),
        ),
      ),
    );
    const body = h("div", { class: "needs-body", dataset: { view } });
    el.append(body);
    if (view === "whistles") return whistlesView(body);
    if (view === "new") return newView(body);
    if (view === "import") return importView(body);
    return listView(body);

    // ------------------------------------------------------------------ list
    async function listView(box) {
      const f = {
        quarter: p.get("quarter") || "",
        community: p.get("community") ?? (user.role === "community" ? user.community_id : ""),
        status: p.get("status") || "",
        category: p.get("category") || "",
        claimed_by: p.get("claimed_by") || "",
        offset: Math.max(0, Number.parseInt(p.get("offset") || "0", 10) || 0),
      };
      const created = p.get("created");
      const rowMsgs = new Map();
      const pageNotice = h("div", { class: "needs-notice", id: "needs-notice", "aria-live": "polite" });
      if (flash) {
        pageNotice.append(notice(flash, "ok"));
        flash = null;
      }
      const sync = () => {
        const q = new URLSearchParams();
        for (const k of ["quarter", "community", "status", "category", "claimed_by"]) if (f[k]) q.set(k, f[k]);
        if (user.role === "community" && !f.community) q.set("community", "");
        if (f.offset) q.set("offset", String(f.offset));
        const s = q.toString();
        history.replaceState(null, "", `#/needs${s ? `?${s}` : ""}`);
      };
      const sel = {
        quarter: select([["", t("needs.f.all")], ...quarterIds.map((q) => [q, q])], f.quarter, { id: "needs-f-quarter" }),
        community: select([["", t("needs.f.all")], ...communities.items.map((c) => [c.id, `${c.name} ${c.id}`])], f.community, {
          id: "needs-f-community",
        }),
        status: select([["", t("needs.f.all")], ...vocabOptions(STATUSES)], f.status, { id: "needs-f-status" }),
        category: select([["", t("needs.f.all")], ...vocabOptions(KINDS)], f.category, { id: "needs-f-category" }),
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
      const listBox = h("div", { class: "needs-list", id: "needs-list" });
      fill(
        box,
        h(
          "div",
          { class: "toolbar needs-filters" },
          Object.entries(sel).map(([k, s]) => h("label", { for: s.id }, t(labels[k]), s)),
        ),
        h("div", { class: "needs-quick" }, quick),
        pageNotice,
        listBox,
      );

      let seq = 0;
      async function load() {
        const mine = ++seq;
        const q = new URLSearchParams({ offset: String(f.offset), limit: String(PAGE) });
        if (f.quarter) q.set("quarter", f.quarter);
        if (f.community) q.set("community_id", f.community);
        if (f.status) q.set("status", f.status);
        if (f.category) q.set("category", f.category);
        if (f.claimed_by) q.set("claimed_by", f.claimed_by);
        let page;
        try {
          page = await api(`/needs?${q}`);
        } catch (err) {
          if (mine === seq) fill(listBox, notice(errorText(err), "error"));
          return;
        }
        if (mine !== seq) return; // a newer filter's answer is coming
        if (!page.items.length && page.total && f.offset) {
          f.offset = 0;
          sync();
          return load();
        }
        const rows = page.items;
        const today = beijingLocal(new Date()).slice(0, 10);
        const tbl = table(
          [
            { label: t("needs.c.id"), value: (n) => h("span", { class: "needs-id" }, n.id) },
            {
              label: t("needs.c.title"),
              value: (n) =>
                h(
                  "div",
                  { class: "needs-title-cell" },
                  h("span", { class: "needs-title", title: n.description || "" }, n.title),
                  n.whistle ? h("span", { class: "tag bad needs-whistle-tag" }, t("needs.whistle")) : null,
                  n.id === created ? h("span", { class: "tag ok" }, t("needs.created")) : null,
                  n.description ? h("small", { class: "muted needs-desc" }, n.description) : null,
                ),
            },
            { label: t("needs.c.category"), value: (n) => label(KINDS, n.category) },
            { label: t("needs.c.community"), value: (n) => commName[n.community_id] || n.community_id },
            { label: t("needs.c.quarter"), value: (n) => n.quarter },
            { label: t("needs.c.priority"), value: (n) => h("span", { class: `needs-pri p${n.priority}` }, String(n.priority)) },
            {
              label: t("needs.c.due"),
              value: (n) =>
                n.due && n.due < today && ["open", "claimed", "in_progress"].includes(n.status)
                  ? h("span", { class: "needs-late", title: t("needs.late") }, n.due)
                  : n.due || "—",
            },
            { label: t("needs.c.status"), value: (n) => statusTag(n.status) },
            { label: t("needs.c.unit"), value: (n) => (n.claimed_by ? uname(n.claimed_by) : "—") },
            { label: t("needs.c.satisfaction"), value: (n) => (n.satisfaction ? `${n.satisfaction} / 5` : "—") },
            { label: t("needs.c.actions"), value: (n) => actions(n) },
          ],
          rows,
          pagerOf(f, page, sync, load),
        );
        labelCells(tbl);
        const trs = [...tbl.querySelectorAll("tbody tr")];
        trs.forEach((tr, i) => {
          const n = rows[i];
          if (!n) return;
          tr.dataset.need = n.id;
          tr.dataset.status = n.status;
          if (n.id === created) tr.classList.add("needs-created");
          const m = rowMsgs.get(n.id);
          if (m) {
            tr.classList.add(`needs-row-${m.kind}`);
            tr.after(
              h(
                "tr",
                { class: `needs-msg ${m.kind}`, dataset: { msgFor: n.id } },
                h("td", { colspan: 11 }, h("div", { class: `notice ${m.kind}`, role: m.kind === "error" ? "alert" : "status" }, m.text, m.detail ? h("small", { class: "needs-msg-detail" }, m.detail) : null)),
              ),
            );
          }
        });
        // messages about needs that are no longer on this page go to the page notice
        fill(listBox, tbl);
        listBox.dataset.total = String(page.total);
      }

      function actions(n) {
        const list = [];
        const uid = user.unit_id;
        const own = user.role === "community" && user.community_id === n.community_id;
        const committee = user.role === "committee";
        const openish = ["open", "claimed", "in_progress"].includes(n.status);
        if (user.role === "unit") {
          if (n.status === "open") list.push(["claim", t("needs.a.claim"), () => run(n, "claim", null, t("needs.a.claim")), "primary"]);
          if (n.status === "claimed" && n.claimed_by === uid) list.push(["start", t("needs.a.start"), () => run(n, "start", null, t("needs.a.start")), "primary"]);
          if (n.status === "in_progress" && n.claimed_by === uid) list.push(["resolve", t("needs.a.resolve"), () => run(n, "resolve", null, t("needs.a.resolve")), "primary"]);
          if (n.whistle && n.summoned.includes(uid) && !(uid in (n.reports || {})) && n.status !== "cancelled") {
            list.push(["report", t("needs.a.report"), () => run(n, "report", null, t("needs.a.report")), ""]);
          }
        }
        if (committee) {
          if (n.status === "open") list.push(["claim-for", t("needs.a.claimFor"), () => claimFor(n), ""]);
          if (n.status === "claimed") list.push(["start", t("needs.a.start"), () => run(n, "start", null, t("needs.a.start")), ""]);
          if (n.status === "in_progress") list.push(["resolve", t("needs.a.resolve"), () => run(n, "resolve", null, t("needs.a.resolve")), ""]);
        }
        if ((own || committee) && n.status === "resolved") list.push(["followup", t("needs.a.followup"), () => followUp(n), "primary"]);
        if (committee && openish) list.push(["whistle", t("needs.a.whistle"), () => whistle(n), ""]);
        if ((own || committee) && openish) list.push(["cancel", t("needs.a.cancel"), () => cancelNeed(n), "danger"]);
        if (!list.length) return h("span", { class: "muted" }, t("needs.noaction"));
        return h(
          "div",
          { class: "needs-actions" },
          list.map(([id, text, fn, cls]) => h("button", { type: "button", class: cls, dataset: { action: id }, onclick: fn }, text)),
        );
      }

      /** Do an action; on refusal show why next to the row and in the notice; refresh. */
      async function run(n, action, payload, actionLabel) {
        const path = `/needs/${encodeURIComponent(n.id)}/${action}`;
        const opts = { method: "POST" };
        if (payload) opts.body = payload;
        try {
          await api(path, opts);
          const text = t(`needs.done.${action === "follow-up" ? "followup" : action}`, { id: n.id });
          rowMsgs.set(n.id, { kind: "ok", text });
          toast(text, "ok");
          fill(pageNotice);
          await load();
          return { ok: true };
        } catch (err) {
          const holder = err.details && err.details.claimed_by;
          let reason;
          if (action === "claim" && holder && (err.status === 409 || err.status === 403)) {
            reason = t("needs.refused.claimed", { id: n.id, unit: uname(holder) });
          } else {
            reason = t("needs.refused.other", { id: n.id, msg: errorText(err) });
          }
          if (err.status === 422) return { ok: false, err };
          const head = t("needs.refused", { action: actionLabel });
          const text = `${head}${colon()}${reason}`;
          const detail = t("needs.refused.server", { msg: err.message });
          rowMsgs.set(n.id, { kind: "error", text, detail });
          fill(
            pageNotice,
            h(
              "div",
              { class: "notice error", role: "alert", id: "needs-refusal" },
              h("strong", {}, `${head}${colon()}`),
              reason,
              " ",
              t("needs.refused.refreshed"),
              h("small", { class: "needs-msg-detail" }, detail),
            ),
          );
          await load();
          return { ok: false, err, shown: true };
        }
      }

      function dialogFail(res, msg, fieldsMap) {
        if (res.ok || res.shown) return true;
        const errs = (res.err.details && res.err.details.errors) || [];
        let mapped = false;
        for (const e of errs) {
          const key = String(e.field).split(".")[0];
          if (fieldsMap[key]) {
            fieldsMap[key](e.message);
            mapped = true;
          }
        }
        fill(msg, notice(mapped ? res.err.message : errorText(res.err), "error"));
        return false;
      }

      function claimFor(n) {
        const unitF = field(t("needs.dlg.unit"), select([["", t("needs.err.pick")], ...units.items.map((u) => [u.id, `${u.name} (${u.id})`])], "", { id: "needs-dlg-unit" }));
        openDialog(box, t("needs.dlg.claimFor", { title: n.title }), unitF.wrap, async (msg) => {
          unitF.set("");
          if (!unitF.input.value) {
            unitF.set(t("needs.err.pick"));
            return false;
          }
          const res = await run(n, "claim", { unit_id: unitF.input.value }, t("needs.a.claimFor"));
          return dialogFail(res, msg, { unit_id: unitF.set });
        });
      }

      function followUp(n) {
        const satF = field(
          t("needs.dlg.satisfaction"),
          select([["", t("needs.err.pick")], ...[5, 4, 3, 2, 1].map((s) => [String(s), t(`needs.sat.${s}`)])], "", { id: "needs-dlg-sat" }),
        );
        const noteF = field(t("needs.dlg.note"), h("textarea", { id: "needs-dlg-note", maxlength: 500, rows: 3 }));
        openDialog(box, t("needs.dlg.followup", { title: n.title }), [satF.wrap, noteF.wrap], async (msg) => {
          satF.set("");
          if (!satF.input.value) {
            satF.set(t("needs.err.pick"));
            return false;
          }
          const payload = { satisfaction: Number(satF.input.value) };
          if (noteF.input.value.trim()) payload.note = noteF.input.value.trim();
          const res = await run(n, "follow-up", payload, t("needs.a.followup"));
          return dialogFail(res, msg, { satisfaction: satF.set, note: noteF.set });
        });
      }

      function cancelNeed(n) {
        openDialog(
          box,
          t("needs.dlg.cancel", { title: n.title }),
          h("p", {}, t("needs.dlg.cancel.body")),
          async (msg) => dialogFail(await run(n, "cancel", null, t("needs.a.cancel")), msg, {}),
          t("needs.a.cancel"),
        );
      }

      function whistle(n) {
        const soon = new Date(Date.now() + 3 * 86400 * 1000);
        const dl = beijingLocal(soon).slice(0, 11) + "18:00";
        const deadlineF = field(t("needs.dlg.deadline"), h("input", { type: "datetime-local", id: "needs-dlg-deadline", value: dl }));
        const boxes = units.items.map((u) =>
          h("input", { type: "checkbox", value: u.id, checked: (n.summoned || []).includes(u.id) || u.id === n.claimed_by }),
        );
        const unitsErr = h("span", { class: "field-error", "aria-live": "polite" });
        const group = h(
          "fieldset",
          { class: "needs-units-pick" },
          h("legend", {}, t("needs.dlg.units")),
          h(
            "div",
            { class: "needs-units-grid" },
            boxes.map((b, i) => h("label", { class: "needs-check" }, b, h("span", {}, `${units.items[i].name} `, h("small", { class: "muted" }, units.items[i].id)))),
          ),
          unitsErr,
        );
        openDialog(box, t("needs.dlg.whistle", { title: n.title }), [h("p", { class: "muted" }, t("needs.dlg.whistle.body")), deadlineF.wrap, group], async (msg) => {
          deadlineF.set("");
          unitsErr.textContent = "";
          const v = deadlineF.input.value;
          const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
          let bad = false;
          if (!v) {
            deadlineF.set(t("needs.err.required"));
            bad = true;
          } else if (new Date(`${v}:00+08:00`).getTime() <= Date.now()) {
            deadlineF.set(t("needs.err.future"));
            bad = true;
          }
          if (!chosen.length) {
            unitsErr.textContent = t("needs.err.units");
            bad = true;
          }
          if (bad) return false;
          const res = await run(n, "whistle", { deadline: `${v}:00+08:00`, units: chosen }, t("needs.a.whistle"));
          return dialogFail(res, msg, { deadline: deadlineF.set, units: (m) => (unitsErr.textContent = m) });
        });
      }

      await load();
    }

    // ------------------------------------------------------------------ whistles
    async function whistlesView(box) {
      const f = { overdue: p.get("overdue") || "", offset: Math.max(0, Number.parseInt(p.get("offset") || "0", 10) || 0) };
      const overdueSel = select(
        [
          ["", t("needs.f.all")],
          ["true", t("needs.w.onlyOverdue")],
          ["false", t("needs.w.noOverdue")],
        ],
        f.overdue,
        { id: "needs-w-overdue" },
      );
      const listBox = h("div", { id: "needs-whistles" });
      const msgBox = h("div", { "aria-live": "polite" });
      overdueSel.addEventListener("change", () => {
        f.overdue = overdueSel.value;
        f.offset = 0;
        sync();
        load();
      });
      const sync = () => {
        const q = new URLSearchParams({ view: "whistles" });
        if (f.overdue) q.set("overdue", f.overdue);
        if (f.offset) q.set("offset", String(f.offset));
        history.replaceState(null, "", `#/needs?${q}`);
      };
      fill(box, h("div", { class: "toolbar" }, h("label", { for: "needs-w-overdue" }, t("needs.w.filter"), overdueSel)), msgBox, listBox);

      async function report(w) {
        try {
          await api(`/needs/${encodeURIComponent(w.need_id)}/report`, { method: "POST" });
          toast(t("needs.done.report", { id: w.need_id }), "ok");
          fill(msgBox);
        } catch (err) {
          fill(msgBox, notice(errorText(err), "error"));
        }
        await load();
      }

      let seq = 0;
      async function load() {
        const mine = ++seq;
        const q = new URLSearchParams({ offset: String(f.offset), limit: String(PAGE) });
        if (f.overdue) q.set("overdue", f.overdue);
        let page;
        try {
          page = await api(`/whistles?${q}`);
        } catch (err) {
          if (mine === seq) fill(listBox, notice(errorText(err), "error"));
          return;
        }
        if (mine !== seq) return; // a newer filter's answer is coming
        const rows = page.items;
        const tbl = table(
          [
            {
              label: t("needs.w.need"),
              value: (w) => h("div", {}, h("span", { class: "needs-id" }, w.need_id), " ", h("span", {}, w.title)),
            },
            { label: t("needs.c.community"), value: (w) => commName[w.community_id] || w.community_id },
            { label: t("needs.c.status"), value: (w) => statusTag(w.status) },
            { label: t("needs.c.unit"), value: (w) => (w.claimed_by ? uname(w.claimed_by) : "—") },
            { label: t("needs.w.deadline"), value: (w) => when(w.deadline) },
            {
              label: t("needs.w.units"),
              value: (w) =>
                w.units.length
                  ? h(
                      "div",
                      { class: "needs-wunits" },
                      w.units.map((u) =>
                        h(
                          "span",
                          { class: `tag ${WSTATE_CLASS[u.state] || ""}`, dataset: { unit: u.unit_id, state: u.state }, title: u.reported_at ? when(u.reported_at) : "" },
                          `${unitName[u.unit_id] || u.unit_id} · ${t(`needs.ws.${u.state}`)}`,
                        ),
                      ),
                    )
                  : "—",
            },
            {
              label: t("needs.w.overdue"),
              value: (w) => (w.overdue ? h("strong", { class: "needs-overdue-count" }, t("needs.w.count", { n: w.overdue_units.length })) : "—"),
            },
            user.role === "unit" && {
              label: t("needs.c.actions"),
              value: (w) => {
                const me = w.units.find((u) => u.unit_id === user.unit_id);
                if (me && !me.reported_at && me.state !== "cancelled") {
                  return h("button", { type: "button", class: "primary", dataset: { action: "report" }, onclick: () => report(w) }, t("needs.a.report"));
                }
                return h("span", { class: "muted" }, "—");
              },
            },
          ].filter(Boolean),
          rows,
          pagerOf(f, page, sync, load),
        );
        labelCells(tbl);
        tbl.querySelector("table").classList.add("needs-wtable");
        tbl.querySelectorAll("tbody tr").forEach((tr, i) => {
          const w = rows[i];
          if (!w) return;
          tr.dataset.need = w.need_id;
          if (w.overdue) tr.classList.add("needs-overdue");
        });
        if (!rows.length) fill(listBox, h("p", { class: "muted" }, t(f.overdue ? "needs.w.noneMatch" : "needs.w.none")));
        else fill(listBox, tbl);
      }
      await load();
    }

    // ------------------------------------------------------------------ new need
    async function newView(box) {
      const fixed = user.role === "community" ? user.community_id : null;
      const grids = await api("/grids?limit=1000");
      const titleF = field(t("needs.new.title.f"), h("input", { id: "needs-n-title", maxlength: 200, autocomplete: "off" }));
      const catF = field(t("needs.new.category"), select([["", t("needs.err.pick")], ...vocabOptions(KINDS)], "", { id: "needs-n-category" }));
      const commF = field(
        t("needs.new.community"),
        select(
          fixed ? [[fixed, `${commName[fixed] || fixed} ${fixed}`]] : [["", t("needs.err.pick")], ...communities.items.map((c) => [c.id, `${c.name} ${c.id}`])],
          fixed || "",
          { id: "needs-n-community", disabled: Boolean(fixed) },
        ),
      );
      const gridSel = h("select", { id: "needs-n-grid" });
      const gridF = field(t("needs.new.grid"), gridSel);
      const fillGrids = () => {
        const c = commF.input.value;
        gridSel.replaceChildren(
          h("option", { value: "" }, t("needs.new.nogrid")),
          ...grids.items.filter((g) => g.community_id === c).map((g) => h("option", { value: g.id }, `${g.name} (${g.id})`)),
        );
      };
      fillGrids();
      commF.input.addEventListener("change", fillGrids);
      const qF = field(t("needs.new.quarter"), h("input", { id: "needs-n-quarter", value: currentQuarter(), list: "needs-quarters", autocomplete: "off" }), t("needs.new.quarter.hint"));
      const qList = h("datalist", { id: "needs-quarters" }, quarterIds.map((q) => h("option", { value: q })));
      const effortF = field(t("needs.new.effort"), h("input", { id: "needs-n-effort", type: "number", min: 1, max: 1000, step: 1, value: 1 }), t("needs.new.effort.hint"));
      const priF = field(t("needs.new.priority"), select([1, 2, 3, 4, 5].map((n) => [String(n), t(`needs.pri.${n}`)]), "3", { id: "needs-n-priority" }));
      const dueF = field(t("needs.new.due"), h("input", { id: "needs-n-due", type: "date" }));
      const descF = field(t("needs.new.description"), h("textarea", { id: "needs-n-description", rows: 4, maxlength: 2000 }));
      const fields = {
        title: titleF,
        category: catF,
        community_id: commF,
        grid_id: gridF,
        quarter: qF,
        effort: effortF,
        priority: priF,
        due: dueF,
        description: descF,
      };
      const status = h("div", { class: "needs-form-status", "aria-live": "polite" });
      const submit = h("button", { type: "submit", class: "primary", id: "needs-n-submit" }, t("needs.new.submit"));
      const form = h(
        "form",
        { class: "card needs-form", id: "needs-new", novalidate: true, "aria-labelledby": "needs-new-title" },
        h("h2", { id: "needs-new-title" }, t("needs.new.title")),
        h("p", { class: "muted" }, t("needs.new.help")),
        h(
          "div",
          { class: "needs-form-grid" },
          h("div", { class: "needs-span-2" }, titleF.wrap),
          catF.wrap,
          commF.wrap,
          gridF.wrap,
          qF.wrap,
          effortF.wrap,
          priF.wrap,
          dueF.wrap,
          h("div", { class: "needs-span-all" }, descF.wrap),
        ),
        qList,
        status,
        h("p", {}, submit),
      );
      const intIn = (text, lo, hi) => /^\d+$/.test(text.trim()) && +text >= lo && +text <= hi;
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        for (const fl of Object.values(fields)) fl.set("");
        fill(status);
        const errors = {};
        const title = titleF.input.value.trim();
        if (!title) errors.title = t("needs.err.required");
        else if (title.length > 200) errors.title = t("needs.err.long", { n: 200 });
        if (!catF.input.value) errors.category = t("needs.err.category");
        if (!commF.input.value) errors.community_id = t("needs.err.pick");
        const quarter = qF.input.value.trim().toUpperCase();
        const qm = QUARTER_RE.exec(quarter);
        if (!quarter) errors.quarter = t("needs.err.required");
        else if (!qm || +qm[1] < 2000 || +qm[1] > 2100) errors.quarter = t("needs.err.quarter");
        if (!intIn(effortF.input.value, 1, 1000)) errors.effort = t("needs.err.int", { lo: 1, hi: 1000 });
        if (descF.input.value.length > 2000) errors.description = t("needs.err.long", { n: 2000 });
        const keys = Object.keys(errors);
        if (keys.length) {
          for (const k of keys) fields[k].set(errors[k]);
          fill(status, notice(t("needs.new.invalid", { n: keys.length }), "error"));
          fields[keys[0]].input.focus();
          return;
        }
        const need = {
          id: newId(),
          title,
          category: catF.input.value,
          community_id: commF.input.value,
          grid_id: gridSel.value || null,
          quarter,
          effort: Number(effortF.input.value),
          priority: Number(priF.input.value),
          due: dueF.input.value || null,
          description: descF.input.value.trim() || null,
        };
        submit.disabled = true;
        try {
          const saved = await api("/needs", { method: "POST", body: need });
          const text = t("needs.new.saved", { title: saved.title, id: saved.id });
          toast(text, "ok");
          flash = text;
          const q = new URLSearchParams({ community: saved.community_id, quarter: saved.quarter, created: saved.id });
          ctx.go(`#/needs?${q}`);
        } catch (err) {
          submit.disabled = false;
          let first = null;
          for (const e of (err.details && err.details.errors) || []) {
            const key = String(e.field).split(".")[0];
            if (fields[key]) {
              fields[key].set(e.message);
              first = first || fields[key];
            }
          }
          fill(status, notice(t("needs.new.server", { msg: errorText(err) }), "error"));
          if (first) first.input.focus();
        }
      });
      fill(box, form);
      titleF.input.focus();
    }

    // ------------------------------------------------------------------ import
    async function importView(box) {
      const tplBtn = h("button", { type: "button", id: "needs-template" }, t("needs.i.template"));
      tplBtn.addEventListener("click", async () => {
        tplBtn.disabled = true;
        try {
          const name = await download("/templates/needs.xlsx", "needs-template.xlsx");
          toast(t("needs.i.downloaded", { name }), "ok");
        } catch (err) {
          toast(errorText(err), "error");
        } finally {
          tplBtn.disabled = false;
        }
      });
      const fileF = field(t("needs.i.file"), h("input", { type: "file", id: "needs-i-file", accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" }));
      const skip = h("input", { type: "checkbox", id: "needs-i-skip" });
      const dry = h("input", { type: "checkbox", id: "needs-i-dry" });
      const submit = h("button", { type: "submit", class: "primary", id: "needs-i-submit" }, t("needs.i.submit"));
      const result = h("div", { class: "needs-i-result", id: "needs-i-result", "aria-live": "polite" });
      const form = h(
        "form",
        { class: "card needs-import", id: "needs-import", novalidate: true, "aria-labelledby": "needs-i-title" },
        h("h2", { id: "needs-i-title" }, t("needs.i.title")),
        h("p", { class: "muted" }, t("needs.i.help")),
        h("p", {}, tplBtn),
        h(
          "div",
          { class: "needs-i-row" },
          fileF.wrap,
          h(
            "div",
            { class: "needs-i-opts" },
            h("label", { class: "needs-inline", for: "needs-i-skip" }, skip, t("needs.i.skip")),
            h("label", { class: "needs-inline", for: "needs-i-dry" }, dry, t("needs.i.dry")),
          ),
        ),
        h("p", {}, submit),
      );
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        fileF.set("");
        const file = fileF.input.files && fileF.input.files[0];
        if (!file) {
          fileF.set(t("needs.i.nofile"));
          return;
        }
        const fd = new FormData();
        fd.append("file", file, file.name);
        const q = new URLSearchParams();
        if (skip.checked) q.set("skip_errors", "true");
        if (dry.checked) q.set("dry_run", "true");
        submit.disabled = true;
        fill(result, h("p", { class: "muted" }, t("needs.i.working")));
        try {
          const report = await api(`/needs/import${q.toString() ? `?${q}` : ""}`, { method: "POST", form: fd });
          showReport(report, null);
        } catch (err) {
          showReport(null, err);
        } finally {
          submit.disabled = false;
        }
      });

      function fieldName(f) {
        const pair = FIELD_ZH[f];
        if (!pair) return f;
        return `${lang() === "en" ? pair[1] : pair[0]} (${f})`;
      }

      function errorsTable(errors) {
        const tbl = table(
          [
            { label: t("needs.i.row"), value: (e) => h("strong", {}, String(e.row ?? "—")) },
            { label: t("needs.i.field"), value: (e) => fieldName(e.field) },
            { label: t("needs.i.reason"), value: (e) => e.message },
          ],
          errors,
        );
        tbl.id = "needs-i-errors";
        tbl.querySelectorAll("tbody tr").forEach((tr, i) => {
          if (errors[i]) {
            tr.dataset.row = String(errors[i].row ?? "");
            tr.dataset.field = errors[i].field;
          }
        });
        return tbl;
      }

      function showReport(report, err) {
        if (err) {
          const rep = err.details && err.details.report;
          if (err.status === 422 && rep) {
            const bad = new Set(rep.errors.map((e) => e.row)).size;
            fill(
              result,
              h("div", { class: "notice error", role: "alert", id: "needs-i-rejected" }, t("needs.i.rejected", { n: bad })),
              h("p", { class: "muted" }, t("needs.i.summary", rep)),
              errorsTable(rep.errors),
              warnings(rep.warnings),
            );
            return;
          }
          const errs = (err.details && err.details.errors) || [];
          fill(
            result,
            h("div", { class: "notice error", role: "alert", id: "needs-i-failed" }, t("needs.i.failed", { msg: errorText(err) })),
            errs.length && errs.some((e) => e.row !== undefined) ? errorsTable(errs) : null,
          );
          return;
        }
        let head;
        if (report.dry_run) head = t("needs.i.dryOk", report);
        else if (report.skipped) head = t("needs.i.okSkipped", report);
        else head = t("needs.i.ok", report);
        fill(
          result,
          h("div", { class: "notice ok", role: "status", id: "needs-i-ok" }, head),
          h("p", { class: "muted" }, t("needs.i.summary", report)),
          report.errors.length ? errorsTable(report.errors) : null,
          warnings(report.warnings),
        );
      }

      function warnings(list) {
        if (!list || !list.length) return null;
        return h("div", { class: "notice" }, h("strong", {}, `${t("needs.i.warnings")}${colon()}`), h("ul", {}, list.map((w) => h("li", {}, w))));
      }

      fill(box, form, result);
    }
  },
};
