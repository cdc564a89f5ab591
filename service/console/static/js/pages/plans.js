// 季度计划 Quarterly plan.
//
// The committee chooses a quarter, weights and a time limit and runs the planner
// (POST /plans → 202), then watches the job (GET /plans/{id}, polled with setTimeout:
// status, objective, bound, gap) without the page blocking; 停止 stops it (DELETE).
// A finished plan shows its decisions by unit and by activity with their fit parts
// (GET /plans/{id}/explain), unmet needs with reasons, conflicts, a load-vs-capacity
// chart; pin / forbid decisions and 重新规划 re-plan (previous_plan_id), 发布 publish
// (confirm first), export xlsx / csv / ics. The viewer sees the same read-only.

import { api, download, ApiError } from "../api.js";
import { fill, listAll, quarterLabel, quarterOptions } from "../ui.js";
import { addStrings, chart, errorText, field, h, label, lang, notice, select, t, toast, when, JOINTS, KINDS } from "../ui.js";

const DEFAULT_QUARTER = "2026Q4"; // the seed's open quarter
const WEIGHTS = [
  ["fit", 1],
  ["coverage", 20],
  ["fairness", 2],
  ["joint_coverage", 50],
  ["stability", 10],
];
const PAGE_SIZE = 25;
const LIST_SIZE = 8;

const JOB_STATUS = {
  queued: ["排队中", "Queued", "warn"],
  running: ["求解中", "Solving", "warn"],
  done: ["已完成", "Done", "ok"],
  failed: ["失败", "Failed", "bad"],
  cancelled: ["已取消", "Cancelled", ""],
  interrupted: ["已中断", "Interrupted", "bad"],
};
const PLAN_STATUS = {
  optimal: ["最优", "Optimal", "ok"],
  feasible: ["可行", "Feasible", "ok"],
  infeasible: ["不可行", "Infeasible", "bad"],
  unknown: ["未找到方案", "No solution yet", "warn"],
};
const STAGES = {
  starting: ["启动中", "Starting"],
  compiled: ["已建模", "Model built"],
  quick: ["快速求解", "Quick solve"],
  full: ["完整求解", "Full solve"],
};
const PARTS = {
  kind_match: ["类别匹配", "Kind match"],
  distance: ["距离", "Distance"],
  pairing: ["结对", "Pairing"],
  cooperation: ["以往合作", "Past cooperation"],
};
const REASONS = {
  no_eligible_unit: ["没有符合条件的单位", "No eligible unit"],
  beyond_distance_limit: ["提供该资源的单位都超出距离限制", "Every unit offering it is beyond the distance limit"],
  eligible_units_full: ["符合条件的单位容量已满", "Eligible units are full"],
  lost_to_higher_priority: ["容量让给了优先级更高的需求", "Capacity went to higher-priority needs"],
  net_benefit_negative: ["再增加负荷的均衡代价大于收益", "More load would cost more fairness than it gains"],
};

addStrings({
  zh: {
    "plans.intro": "按季度为驻区单位分配民情需求与五联活动角色：设定权重后运行求解，查看说明，固定或禁止个别分配后重新规划，确认无误再发布。",
    "plans.readonly": "只读：您可以查看各季度的计划、说明与导出文件，不能运行或发布计划。",
    "plans.settings": "规划设置",
    "plans.quarter": "季度",
    "plans.weights": "目标权重",
    "plans.weights.help": "权重越大，求解时越重视该目标（非负整数）。",
    "plans.w.fit": "匹配度",
    "plans.w.fit.hint": "资源类别、距离、结对与以往合作的匹配分之和",
    "plans.w.coverage": "覆盖",
    "plans.w.coverage.hint": "按优先级计，满足的民情需求越多越好",
    "plans.w.fairness": "均衡",
    "plans.w.fairness.hint": "避免个别单位负荷过重",
    "plans.w.joint_coverage": "五联覆盖",
    "plans.w.joint_coverage.hint": "每个社区的每类五联活动都有单位参加",
    "plans.w.stability": "稳定",
    "plans.w.stability.hint": "重新规划时尽量少改动上一计划",
    "plans.time_limit": "求解时限（秒）",
    "plans.time_limit.hint": "1–600 秒；到时给出当前最好的方案",
    "plans.max_distance": "最大距离（社区步数）",
    "plans.max_distance.hint": "单位只服务相邻 n 步以内的社区",
    "plans.run": "运行",
    "plans.reset": "恢复默认",
    "plans.stop": "停止",
    "plans.status": "求解状态",
    "plans.none": "尚未选择计划：运行一个新计划，或从下方列表中打开。",
    "plans.objective": "目标值",
    "plans.bound": "上界",
    "plans.gap": "差距",
    "plans.elapsed": "用时",
    "plans.seconds": "{s} 秒",
    "plans.optimal": "已证明最优",
    "plans.queue": "排队第 {n} 位",
    "plans.stage": "阶段：{stage}",
    "plans.started": "计划 {id} 已开始求解",
    "plans.stopped": "已停止计划 {id}",
    "plans.finished": "计划 {id} 求解完成",
    "plans.history": "本季度的计划",
    "plans.col.id": "编号",
    "plans.col.created": "创建时间",
    "plans.col.status": "状态",
    "plans.col.published": "发布",
    "plans.col.based": "基于",
    "plans.open": "打开",
    "plans.current": "当前",
    "plans.published": "已发布",
    "plans.published_at": "已于 {at} 发布",
    "plans.publish": "发布",
    "plans.publish.confirm": "发布后，计划中的活动安排将写入活动，需求将由对应单位认领（接单）；本季度原先发布的计划（如有）的活动安排将被取代。每个计划只能发布一次。确定发布计划 {id} 吗？",
    "plans.publish.ok": "确认发布",
    "plans.publish.done": "计划已发布",
    "plans.report": "发布结果：写入活动安排 {a} 项，认领需求 {c} 项，跳过 {s} 项。",
    "plans.report.superseded": "本计划取代了本季度原先发布的计划 {id}：其 {n} 项活动安排已撤下，已认领的交办单保持不变。",
    "plans.report.superseded_by": "本计划已被计划 {id} 取代，其活动安排已撤下。",
    "plans.skipped": "跳过的决定",
    "plans.export": "导出",
    "plans.export.label": "导出：",
    "plans.filter": "筛选分配",
    "plans.filter.hint": "输入事项、编号或单位名称",
    "plans.detail": "{q}共建计划",
    "plans.view": "查看计划",
    "plans.export.xlsx": "Excel 表格",
    "plans.export.csv": "CSV",
    "plans.export.ics": "日历 ics",
    "plans.downloaded": "已下载 {name}",
    "plans.parts": "目标构成",
    "plans.loads": "单位负荷与容量",
    "plans.load": "负荷",
    "plans.capacity": "容量",
    "plans.tab.unit": "按单位",
    "plans.tab.activity": "按活动",
    "plans.tab.unmet": "未满足需求 ({n})",
    "plans.tab.conflicts": "冲突 ({n})",
    "plans.tab.text": "说明全文",
    "plans.col.unit": "单位",
    "plans.col.item": "事项",
    "plans.col.type": "类型",
    "plans.col.effort": "工作量",
    "plans.col.score": "匹配分",
    "plans.col.why": "匹配说明",
    "plans.col.actions": "调整",
    "plans.col.reason": "原因",
    "plans.col.detail": "详情",
    "plans.col.role": "角色",
    "plans.type.need": "需求",
    "plans.type.role": "活动角色",
    "plans.pin": "固定",
    "plans.forbid": "禁止",
    "plans.pinned": "已固定",
    "plans.group.load": "负荷 {load} / {cap}",
    "plans.group.needs": "民情需求",
    "plans.selection": "调整：固定 {p} 项，禁止 {f} 项",
    "plans.selection.none": "在下表中点“固定”或“禁止”可调整分配，然后重新规划。",
    "plans.clear": "清空",
    "plans.replan": "重新规划",
    "plans.replan.hint": "以当前计划为基础（稳定权重使改动尽量少）",
    "plans.conflicts.help": "以下硬性规则不能同时满足，计划不可行：",
    "plans.conflict.items": "涉及事项：{items}",
    "plans.conflict.units": "涉及单位：{units}",
    "plans.failed": "求解失败：{error}",
    "plans.noplan": "该任务没有得到计划。",
    "plans.p.fit": "匹配度",
    "plans.p.coverage": "覆盖",
    "plans.p.fairness": "均衡扣分",
    "plans.p.joint_coverage": "五联覆盖",
    "plans.p.changes": "变动扣分",
    "plans.decisions": "分配 {n} 项",
    "plans.unmet.count": "未满足 {n} 项",
  },
  en: {
    "plans.intro": "Assign residents' needs and five-joint activity roles to resident units for a quarter: set the weights and run the solver, read the explanation, pin or forbid single decisions and re-plan, then publish.",
    "plans.readonly": "Read only: you can see each quarter's plans, explanations and exports, but not run or publish plans.",
    "plans.settings": "Planning settings",
    "plans.quarter": "Quarter",
    "plans.weights": "Objective weights",
    "plans.weights.help": "The larger a weight, the more the solver cares about that goal (non-negative integers).",
    "plans.w.fit": "Fit",
    "plans.w.fit.hint": "Sum of fit scores: resource kind, distance, pairing, past cooperation",
    "plans.w.coverage": "Coverage",
    "plans.w.coverage.hint": "Meet as many needs as possible, weighted by priority",
    "plans.w.fairness": "Fairness",
    "plans.w.fairness.hint": "Keep any unit from being overloaded",
    "plans.w.joint_coverage": "Joint coverage",
    "plans.w.joint_coverage.hint": "Every community gets each of the five joint types",
    "plans.w.stability": "Stability",
    "plans.w.stability.hint": "When re-planning, change the previous plan as little as possible",
    "plans.time_limit": "Time limit (s)",
    "plans.time_limit.hint": "1–600 s; the best plan found by then is kept",
    "plans.max_distance": "Max distance (community steps)",
    "plans.max_distance.hint": "Units serve communities at most n steps away",
    "plans.run": "Run",
    "plans.reset": "Defaults",
    "plans.stop": "Stop",
    "plans.status": "Solver status",
    "plans.none": "No plan selected: run a new plan or open one from the list below.",
    "plans.objective": "Objective",
    "plans.bound": "Bound",
    "plans.gap": "Gap",
    "plans.elapsed": "Elapsed",
    "plans.seconds": "{s} s",
    "plans.optimal": "Proven optimal",
    "plans.queue": "Position {n} in the queue",
    "plans.stage": "Stage: {stage}",
    "plans.started": "Plan {id} is being solved",
    "plans.stopped": "Plan {id} stopped",
    "plans.finished": "Plan {id} is finished",
    "plans.history": "Plans of this quarter",
    "plans.col.id": "ID",
    "plans.col.created": "Created",
    "plans.col.status": "Status",
    "plans.col.published": "Published",
    "plans.col.based": "Based on",
    "plans.open": "Open",
    "plans.current": "Current",
    "plans.published": "Published",
    "plans.published_at": "Published {at}",
    "plans.publish": "Publish",
    "plans.publish.confirm": "Publishing writes the plan's activity assignments and has the units claim their needs; it replaces the activity assignments of the quarter's earlier published plan, if any. A plan is published only once. Publish plan {id}?",
    "plans.publish.ok": "Publish",
    "plans.publish.done": "The plan is published",
    "plans.report": "Published: {a} activity assignments written, {c} needs claimed, {s} skipped.",
    "plans.report.superseded": "This plan replaces {id}, the quarter's earlier published plan: its {n} activity assignments were withdrawn; needs already claimed stay claimed.",
    "plans.report.superseded_by": "This plan was replaced by plan {id}; its activity assignments were withdrawn.",
    "plans.skipped": "Skipped decisions",
    "plans.export": "Export",
    "plans.export.label": "Export:",
    "plans.filter": "Filter decisions",
    "plans.filter.hint": "Item, id or unit name",
    "plans.detail": "Joint-building plan, {q}",
    "plans.view": "View plans",
    "plans.export.xlsx": "Excel",
    "plans.export.csv": "CSV",
    "plans.export.ics": "Calendar ics",
    "plans.downloaded": "Downloaded {name}",
    "plans.parts": "Objective terms",
    "plans.loads": "Unit load against capacity",
    "plans.load": "Load",
    "plans.capacity": "Capacity",
    "plans.tab.unit": "By unit",
    "plans.tab.activity": "By activity",
    "plans.tab.unmet": "Unmet needs ({n})",
    "plans.tab.conflicts": "Conflicts ({n})",
    "plans.tab.text": "Full account",
    "plans.col.unit": "Unit",
    "plans.col.item": "Item",
    "plans.col.type": "Type",
    "plans.col.effort": "Effort",
    "plans.col.score": "Fit",
    "plans.col.why": "Why",
    "plans.col.actions": "Adjust",
    "plans.col.reason": "Reason",
    "plans.col.detail": "Detail",
    "plans.col.role": "Role",
    "plans.type.need": "Need",
    "plans.type.role": "Activity role",
    "plans.pin": "Pin",
    "plans.forbid": "Forbid",
    "plans.pinned": "Pinned",
    "plans.group.load": "Load {load} / {cap}",
    "plans.group.needs": "Residents' needs",
    "plans.selection": "Adjustments: {p} pinned, {f} forbidden",
    "plans.selection.none": "Use “Pin” or “Forbid” in the table below to adjust decisions, then re-plan.",
    "plans.clear": "Clear",
    "plans.replan": "Re-plan",
    "plans.replan.hint": "Starts from the current plan (the stability weight keeps changes few)",
    "plans.conflicts.help": "These hard rules cannot all hold, so the request is infeasible:",
    "plans.conflict.items": "Items: {items}",
    "plans.conflict.units": "Units: {units}",
    "plans.failed": "The solve failed: {error}",
    "plans.noplan": "This job produced no plan.",
    "plans.p.fit": "Fit",
    "plans.p.coverage": "Coverage",
    "plans.p.fairness": "Fairness cost",
    "plans.p.joint_coverage": "Joint coverage",
    "plans.p.changes": "Change cost",
    "plans.decisions": "{n} decisions",
    "plans.unmet.count": "{n} unmet",
  },
});

// ------------------------------------------------------------------ small helpers
const en = () => lang() === "en";
const pair = (vocab, v) => (vocab[v] ? (en() ? vocab[v][1] : vocab[v][0]) : v ?? "—");
const num = (x) => (x === null || x === undefined ? "—" : Number(x).toLocaleString(en() ? "en-GB" : "zh-CN"));
const key = (item, unit) => `${item}\u0000${unit}`;



function statusTag(job) {
  const [zh, eng, cls] = JOB_STATUS[job.status] || [job.status, job.status, ""];
  return h("span", { class: `tag ${cls}`, dataset: { status: job.status } }, en() ? eng : zh);
}

function planTag(status) {
  const [zh, eng, cls] = PLAN_STATUS[status] || [status, status, ""];
  return h("span", { class: `tag ${cls}`, dataset: { planStatus: status } }, en() ? eng : zh);
}

/** Figures of a job: the plan's when it has one, else its progress. */
function figures(job) {
  const p = job.plan || job.progress || {};
  const prog = job.progress || {};
  return {
    status: p.status ?? null,
    objective: p.objective ?? null,
    bound: p.bound ?? null,
    gap: p.gap ?? null,
    elapsed: prog.elapsed ?? null,
    stage: prog.stage ?? null,
  };
}

function gapText(f) {
  if (f.status === "optimal") return t("plans.optimal");
  if (f.gap === null || f.gap === undefined) return "—";
  return `${(f.gap * 100).toFixed(2)}%`;
}

const finished = (job) => !["queued", "running"].includes(job.status);


/** A modal confirmation (a <dialog>); resolves true when confirmed. */
function confirmDialog(host, message, okText) {
  return new Promise((resolve) => {
    const dlg = h(
      "dialog",
      { class: "gj-dialog", "aria-labelledby": "plans-dlg-msg" },
      h("p", { id: "plans-dlg-msg" }, message),
      h(
        "div",
        { class: "row gj-dialog-actions" },
        h("button", { type: "button", value: "cancel", id: "plans-dlg-cancel", onclick: () => dlg.close("cancel") }, t("cancel")),
        h("button", { type: "button", class: "primary", id: "plans-dlg-ok", onclick: () => dlg.close("ok") }, okText),
      ),
    );
    dlg.addEventListener("close", () => {
      dlg.remove();
      resolve(dlg.returnValue === "ok");
    });
    host.append(dlg);
    dlg.showModal();
    dlg.querySelector("#plans-dlg-cancel").focus();
  });
}

/** Tabs: [{id, label, render() → node}] → element; the first is shown. */
function tabs(items, prefix) {
  const bar = h("div", { class: "gj-tabs", role: "tablist" });
  const panels = h("div", {});
  const show = (id) => {
    for (const b of bar.children) b.setAttribute("aria-selected", b.dataset.tab === id ? "true" : "false");
    for (const p of panels.children) p.hidden = p.dataset.tab !== id;
  };
  for (const it of items) {
    bar.append(
      h(
        "button",
        {
          type: "button",
          role: "tab",
          id: `${prefix}-tab-${it.id}`,
          "aria-controls": `${prefix}-panel-${it.id}`,
          dataset: { tab: it.id },
          onclick: () => show(it.id),
        },
        it.label,
      ),
    );
    panels.append(
      h("div", { role: "tabpanel", id: `${prefix}-panel-${it.id}`, "aria-labelledby": `${prefix}-tab-${it.id}`, dataset: { tab: it.id } }, it.render()),
    );
  }
  show(items[0].id);
  return h("div", { class: "gj-tabbox" }, bar, panels);
}

/**
 * A table of rows in groups, paged by rows; a group's header row is repeated at the
 * top of a page. groups: [{header: node, rows: [...]}]; columns: [{label, value(row)}].
 */
function groupedTable(columns, groups, rowAttrs, tableId) {
  const flat = groups.flatMap((g) => g.rows.map((r) => ({ g, r })));
  const wrap = h("div", {});
  const draw = (offset) => {
    const body = h("tbody", {});
    let last = null;
    for (const { g, r } of flat.slice(offset, offset + PAGE_SIZE)) {
      if (g !== last) {
        body.append(h("tr", { class: "gj-group" }, h("th", { colspan: columns.length, scope: "rowgroup" }, g.header)));
        last = g;
      }
      body.append(h("tr", rowAttrs(r), columns.map((c) => h("td", {}, c.value(r)))));
    }
    if (!flat.length) body.append(h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, t("none"))));
    const tbl = h(
      "div",
      { class: "table-wrap" },
      h("table", { id: tableId }, h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))), body),
    );
    const parts = [tbl];
    if (flat.length > PAGE_SIZE) {
      const to = Math.min(offset + PAGE_SIZE, flat.length);
      parts.push(
        h(
          "div",
          { class: "pager" },
          h("button", { type: "button", disabled: offset <= 0, onclick: () => draw(Math.max(0, offset - PAGE_SIZE)) }, t("prev")),
          h("span", {}, t("page.of", { from: offset + 1, to, total: flat.length })),
          h("button", { type: "button", disabled: to >= flat.length, onclick: () => draw(offset + PAGE_SIZE) }, t("next")),
        ),
      );
    }
    wrap.replaceChildren(...parts);
  };
  draw(0);
  return wrap;
}

// ------------------------------------------------------------------ the page
export default {
  id: "plans",
  hash: "#/plans",
  title: { zh: "季度计划", en: "Plans" },
  roles: ["committee", "viewer"],
  async render(el, ctx) {
    const committee = ctx.user.role === "committee";
    const s = {
      quarter: ctx.params.get("quarter") || DEFAULT_QUARTER,
      job: null,
      explain: null,
      pins: new Map(),
      forbids: new Map(),
      listOffset: 0,
      timer: null,
      pollStart: 0,
    };
    const [units, communities] = await Promise.all([listAll("/units"), listAll("/communities")]);
    const unitNames = Object.fromEntries(units.map((u) => [u.id, u.name]));
    const communityNames = Object.fromEntries(communities.map((c) => [c.id, c.name]));
    let activities = {};

    const setUrl = () => {
      const q = new URLSearchParams({ quarter: s.quarter });
      if (s.job) q.set("id", s.job.id);
      history.replaceState(null, "", `#/plans?${q}`);
    };

    // ---------------------------------------------------------------- settings form
    const quarterSel = select(quarterOptions(s.quarter), s.quarter, { name: "quarter", id: "plans-quarter" });
    const quarterField = field(t("plans.quarter"), quarterSel);
    const fields = {};
    const weightBox = h("div", { class: "plans-weights" });
    for (const [w, dflt] of WEIGHTS) {
      const input = h("input", { type: "number", min: 0, max: 100000, step: 1, value: dflt, name: `w-${w}`, id: `plans-w-${w}`, required: true, inputmode: "numeric" });
      const f = field(t(`plans.w.${w}`), input, t(`plans.w.${w}.hint`));
      fields[`weights.${w}`] = f;
      weightBox.append(f.wrap);
    }
    const limitInput = h("input", { type: "number", min: 1, max: 600, step: 1, value: 10, name: "time_limit", id: "plans-time-limit", required: true });
    fields.time_limit = field(t("plans.time_limit"), limitInput, t("plans.time_limit.hint"));
    const distInput = h("input", { type: "number", min: 0, max: 50, step: 1, value: 2, name: "max_distance", id: "plans-max-distance", required: true });
    fields.max_distance = field(t("plans.max_distance"), distInput, t("plans.max_distance.hint"));
    fields.quarter = quarterField;
    const formMsg = h("div", { "aria-live": "polite" });
    const runBtn = h("button", { type: "submit", class: "primary", id: "plans-run" }, t("plans.run"));

    const readForm = () => {
      const weights = {};
      for (const [w] of WEIGHTS) weights[w] = Number(fields[`weights.${w}`].input.value);
      return {
        quarter: quarterSel.value,
        weights,
        time_limit: Number(limitInput.value),
        max_distance: Number(distInput.value),
      };
    };
    const fillForm = (request) => {
      if (!request) return;
      for (const [w, dflt] of WEIGHTS) fields[`weights.${w}`].input.value = request.weights?.[w] ?? dflt;
      limitInput.value = request.time_limit ?? 10;
      distInput.value = request.max_distance ?? 2;
    };

    const submit = async (extra = {}) => {
      for (const f of Object.values(fields)) f.set("");
      formMsg.replaceChildren();
      const body = { ...readForm(), ...extra };
      runBtn.disabled = true;
      try {
        const job = await api("/plans", { method: "POST", body });
        toast(t("plans.started", { id: job.id }), "ok");
        s.explain = null;
        showJob(job);
        refreshList();
        startPolling();
      } catch (err) {
        if (err instanceof ApiError && err.status === 422) {
          const fe = err.fieldErrors();
          let placed = false;
          for (const [name, msg] of Object.entries(fe)) {
            if (fields[name]) {
              fields[name].set(msg);
              placed = true;
            }
          }
          if (!placed || Object.keys(fe).some((k) => !fields[k])) formMsg.replaceChildren(notice(errorText(err), "error"));
        } else {
          formMsg.replaceChildren(notice(errorText(err), "error"));
        }
        toast(errorText(err), "error");
      } finally {
        runBtn.disabled = false;
      }
    };

    const form = h(
      "form",
      { class: "card plans-form", id: "plans-form", "aria-labelledby": "plans-settings-h", novalidate: true },
      h("h2", { id: "plans-settings-h" }, t("plans.settings")),
      quarterField.wrap,
      h("div", { class: "row" }, fields.time_limit.wrap, fields.max_distance.wrap),
      h("fieldset", {}, h("legend", {}, t("plans.weights")), h("p", { class: "muted small" }, t("plans.weights.help")), weightBox),
      formMsg,
      h(
        "div",
        { class: "row" },
        runBtn,
        h("button", { type: "button", id: "plans-reset", onclick: () => fillForm({ weights: Object.fromEntries(WEIGHTS) }) }, t("plans.reset")),
      ),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submit();
    });

    quarterSel.addEventListener("change", async () => {
      s.quarter = quarterSel.value;
      s.listOffset = 0;
      setUrl();
      await loadActivities();
      refreshList();
    });

    // viewer: only the quarter choice, no run
    const viewerBox = () => h(
      "div",
      { class: "card plans-form" },
      h("h2", {}, t("plans.view")),
      quarterField.wrap,
      notice(t("plans.readonly")),
    );

    // ---------------------------------------------------------------- status card
    const statusBody = h("div", { id: "plans-status-body" }, h("p", { class: "muted" }, t("plans.none")));
    const statusCard = h(
      "div",
      { class: "card plans-status", id: "plans-status", "aria-live": "polite", "aria-labelledby": "plans-status-h" },
      h("h2", { id: "plans-status-h" }, t("plans.status")),
      statusBody,
    );

    const kpi = (name, labelText, value, raw) =>
      h("div", { class: "plans-kpi" }, h("span", { class: "muted" }, labelText), h("strong", { dataset: { field: name, value: raw ?? "" } }, value));

    function renderStatus() {
      const job = s.job;
      if (!job) {
        statusBody.replaceChildren(h("p", { class: "muted" }, t("plans.none")));
        return;
      }
      const f = figures(job);
      const limit = Number(job.request?.time_limit) || 10;
      let progress;
      if (finished(job)) progress = 1;
      else if (job.status === "queued") progress = 0.03;
      else {
        // while solving: the time since the job started (the server's stage times lag)
        const since = job.started_at ? (Date.now() - Date.parse(job.started_at)) / 1000 : (Date.now() - s.pollStart) / 1000;
        f.elapsed = Math.max(f.elapsed || 0, Number.isFinite(since) ? since : 0);
        progress = Math.min(0.95, 0.05 + f.elapsed / limit);
      }
      const stopped = ["cancelled", "failed", "interrupted"].includes(job.status);
      const bar = h("span", { style: `width:${Math.round(progress * 100)}%` });
      const running = !finished(job);
      fill(
        statusBody,
        h(
          "div",
          { class: "row plans-status-head" },
          h("code", { id: "plans-current-id", dataset: { planId: job.id } }, job.id),
          statusTag(job),
          f.status ? planTag(f.status) : null,
          job.published_at ? h("span", { class: "tag ok", id: "plans-published-tag" }, t("plans.published")) : null,
        ),
        h(
          "div",
          { class: "plans-kpis" },
          kpi("objective", t("plans.objective"), num(f.objective), f.objective),
          kpi("bound", t("plans.bound"), num(f.bound), f.bound),
          kpi("gap", t("plans.gap"), gapText(f), f.gap),
          kpi("elapsed", t("plans.elapsed"), f.elapsed === null ? "—" : t("plans.seconds", { s: Number(f.elapsed).toFixed(1) }), f.elapsed),
        ),
        h(
          "div",
          {
            class: `progress plans-progress${running ? " busy" : ""}${stopped ? " stopped" : ""}`,
            role: "progressbar",
            "aria-valuemin": 0,
            "aria-valuemax": 100,
            "aria-valuenow": Math.round(progress * 100),
            "aria-label": t("plans.status"),
          },
          bar,
        ),
        h(
          "p",
          { class: "muted small plans-stage" },
          f.stage ? t("plans.stage", { stage: pair(STAGES, f.stage) }) : "",
          job.queue_position ? ` · ${t("plans.queue", { n: job.queue_position })}` : "",
          ` · ${quarterLabel(job.quarter)}`,
        ),
        job.error ? notice(t("plans.failed", { error: job.error }), "error") : null,
        running && committee ? h("button", { type: "button", class: "danger", id: "plans-stop", onclick: stop }, t("plans.stop")) : null,
      );
    }

    async function stop() {
      if (!s.job) return;
      try {
        const job = await api(`/plans/${encodeURIComponent(s.job.id)}`, { method: "DELETE" });
        toast(t("plans.stopped", { id: job.id }));
        showJob(job);
        refreshList();
      } catch (err) {
        toast(errorText(err), "error");
        if (s.job) refreshJob();
      }
    }

    // ---------------------------------------------------------------- polling
    function startPolling() {
      clearTimeout(s.timer);
      s.pollStart = Date.now();
      let n = 0;
      const tick = async () => {
        if (!el.isConnected || !s.job) return;
        n += 1;
        const id = s.job.id;
        try {
          const job = await api(`/plans/${encodeURIComponent(id)}`);
          if (!el.isConnected || !s.job || s.job.id !== id) return;
          showJob(job);
          if (finished(job)) {
            toast(t("plans.finished", { id }), "ok");
            refreshList();
            return;
          }
        } catch (err) {
          if (!el.isConnected) return;
          toast(errorText(err), "error");
        }
        s.timer = setTimeout(tick, n < 10 ? 400 : 1200);
      };
      s.timer = setTimeout(tick, 300);
    }

    async function refreshJob() {
      const job = await api(`/plans/${encodeURIComponent(s.job.id)}`);
      showJob(job);
      return job;
    }

    // ---------------------------------------------------------------- earlier plans
    const listBox = h("div", { id: "plans-list" });
    const listCard = h("div", { class: "card" }, h("h2", { id: "plans-history-h" }, t("plans.history")), listBox);

    async function refreshList() {
      try {
        const page = await api(`/plans?quarter=${encodeURIComponent(s.quarter)}&offset=${s.listOffset}&limit=${LIST_SIZE}`);
        const current = s.job?.id;
        const cols = [
          {
            label: t("plans.col.id"),
            value: (j) =>
              h(
                "button",
                { type: "button", class: "linkish", dataset: { open: j.id }, onclick: () => openPlan(j.id), "aria-current": j.id === current ? "true" : null },
                j.id,
              ),
          },
          { label: t("plans.col.created"), value: (j) => when(j.created_at) },
          { label: t("plans.col.status"), value: (j) => h("span", { class: "row nowrap" }, statusTag(j), j.progress?.status ? planTag(j.progress.status) : null) },
          { label: t("plans.objective"), value: (j) => num(j.progress?.objective) },
          { label: t("plans.gap"), value: (j) => (j.progress ? gapText(j.progress) : "—") },
          { label: t("plans.col.published"), value: (j) => (j.published_at ? h("span", { class: "tag ok" }, t("plans.published")) : "—") },
          { label: t("plans.col.based"), value: (j) => j.request?.previous_plan_id || "—" },
        ];
        listBox.replaceChildren(
          tableOf(cols, page.items, {
            offset: page.offset,
            limit: page.limit,
            total: page.total,
            go: (o) => {
              s.listOffset = o;
              refreshList();
            },
          }),
        );
      } catch (err) {
        listBox.replaceChildren(notice(errorText(err), "error"));
      }
    }

    function tableOf(cols, rows, pager) {
      const body = rows.length
        ? rows.map((r) => h("tr", { class: r.id === s.job?.id ? "gj-current" : null }, cols.map((c) => h("td", {}, c.value(r)))))
        : [h("tr", {}, h("td", { colspan: cols.length, class: "muted" }, t("none")))];
      const wrap = h(
        "div",
        {},
        h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c.label)))), h("tbody", {}, body))),
      );
      if (pager && pager.total > pager.limit) {
        const to = Math.min(pager.offset + pager.limit, pager.total);
        wrap.append(
          h(
            "div",
            { class: "pager" },
            h("button", { type: "button", disabled: pager.offset <= 0, onclick: () => pager.go(Math.max(0, pager.offset - pager.limit)) }, t("prev")),
            h("span", {}, t("page.of", { from: pager.offset + 1, to, total: pager.total })),
            h("button", { type: "button", disabled: to >= pager.total, onclick: () => pager.go(pager.offset + pager.limit) }, t("next")),
          ),
        );
      }
      return wrap;
    }

    async function openPlan(id) {
      clearTimeout(s.timer);
      try {
        const job = await api(`/plans/${encodeURIComponent(id)}`);
        s.explain = null;
        s.pins = new Map((job.request?.pins || []).map((p) => [key(p.item, p.unit), p]));
        s.forbids = new Map((job.request?.forbids || []).map((p) => [key(p.item, p.unit), p]));
        if (committee) fillForm(job.request);
        if (job.quarter !== s.quarter) {
          s.quarter = job.quarter;
          quarterSel.value = job.quarter;
          await loadActivities();
        }
        showJob(job);
        refreshList();
        if (!finished(job)) startPolling();
      } catch (err) {
        toast(errorText(err), "error");
        msgBox.replaceChildren(notice(errorText(err), "error"));
      }
    }

    async function loadActivities() {
      try {
        const list = await listAll(`/activities?quarter=${encodeURIComponent(s.quarter)}`);
        activities = Object.fromEntries(list.map((a) => [a.id, a]));
      } catch {
        activities = {};
      }
    }

    // ---------------------------------------------------------------- plan details
    const msgBox = h("div", { id: "plans-msg", "aria-live": "assertive" });
    const detail = h("div", { id: "plans-detail" });

    function showJob(job) {
      const before = s.job;
      s.job = job;
      setUrl();
      renderStatus();
      const changed = !before || before.id !== job.id || before.status !== job.status || before.published_at !== job.published_at;
      if (!changed && detail.childElementCount) return;
      if (before && before.id !== job.id) msgBox.replaceChildren();
      if (finished(job) && job.plan) renderDetail();
      else if (finished(job)) detail.replaceChildren(h("div", { class: "card" }, notice(job.error ? t("plans.failed", { error: job.error }) : t("plans.noplan"), "error")));
      else detail.replaceChildren();
    }

    async function renderDetail() {
      const job = s.job;
      const id = job.id;
      if (!s.explain || s.explain.plan_id !== id) {
        try {
          s.explain = await api(`/plans/${encodeURIComponent(id)}/explain`);
        } catch (err) {
          detail.replaceChildren(notice(errorText(err), "error"));
          return;
        }
      }
      if (s.job?.id !== id || !el.isConnected) return;
      const ex = s.explain;
      const plan = job.plan;
      const loads = Object.fromEntries((plan.loads || []).map((l) => [l.unit, l]));

      // toolbar: publish + exports
      const canPublish = committee && !job.published_at && plan.status !== "infeasible";
      const toolbar = h(
        "div",
        { class: "toolbar plans-actions" },
        canPublish ? h("button", { type: "button", class: "primary", id: "plans-publish", onclick: publish }, t("plans.publish")) : null,
        job.published_at ? h("span", { class: "tag ok plans-published" }, t("plans.published_at", { at: when(job.published_at) })) : null,
        h("span", { class: "muted plans-export-label" }, t("plans.export.label")),
        ["xlsx", "csv", "ics"].map((fmt) =>
          h(
            "button",
            {
              type: "button",
              id: `plans-export-${fmt}`,
              onclick: async () => {
                try {
                  const name = await download(`/plans/${encodeURIComponent(id)}/export?format=${fmt}`, `${id}.${fmt}`);
                  toast(t("plans.downloaded", { name }), "ok");
                } catch (err) {
                  toast(errorText(err), "error");
                }
              },
            },
            t(`plans.export.${fmt}`),
          ),
        ),
      );

      const report = job.publish_report
        ? h(
            "div",
            { class: "card plans-report", id: "plans-report" },
            notice(
              t("plans.report", { a: job.publish_report.assignments, c: job.publish_report.claims, s: (job.publish_report.skipped || []).length }),
              "ok",
            ),
            job.publish_report.superseded
              ? notice(t("plans.report.superseded", { id: job.publish_report.superseded, n: job.publish_report.removed_assignments || 0 }))
              : null,
            job.publish_report.superseded_by
              ? notice(t("plans.report.superseded_by", { id: job.publish_report.superseded_by }), "error")
              : null,
            (job.publish_report.skipped || []).length
              ? h(
                  "details",
                  {},
                  h("summary", {}, t("plans.skipped")),
                  tableOf(
                    [
                      { label: t("plans.col.item"), value: (r) => r.item },
                      { label: t("plans.col.unit"), value: (r) => unitNames[r.unit] || r.unit },
                      { label: t("plans.col.reason"), value: (r) => r.reason },
                    ],
                    job.publish_report.skipped,
                  ),
                )
              : null,
          )
        : null;

      // charts: loads and objective terms
      const loadRows = (plan.loads || [])
        .map((l) => ({ ...l, name: unitNames[l.unit] || l.unit, ratio: l.capacity ? l.load / l.capacity : 0 }))
        .sort((a, b) => a.ratio - b.ratio);
      const loadChart = chart(
        {
          tooltip: {
            trigger: "axis",
            axisPointer: { type: "shadow" },
            formatter: (ps) => {
              const r = loadRows[ps[0].dataIndex];
              return `${r.name}<br>${t("plans.load")} ${r.load} / ${t("plans.capacity")} ${r.capacity} (${Math.round(r.ratio * 100)}%)`;
            },
          },
          legend: { data: [t("plans.load"), t("plans.capacity")], top: 0 },
          grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: {
            type: "category",
            data: loadRows.map((r) => r.name),
            axisLabel: { width: 110, overflow: "truncate", fontSize: 11 },
          },
          series: [
            {
              name: t("plans.capacity"),
              type: "bar",
              data: loadRows.map((r) => r.capacity),
              barWidth: 12,
              itemStyle: { color: "#e5e8ec", borderRadius: 3 },
              z: 1,
            },
            {
              name: t("plans.load"),
              type: "bar",
              barGap: "-100%",
              itemStyle: { color: "#2e86c1" },
              barWidth: 12,
              data: loadRows.map((r) => ({
                value: r.load,
                itemStyle: { color: r.ratio >= 0.9 ? "#c0392b" : r.ratio >= 0.7 ? "#e67e22" : "#2e86c1", borderRadius: 3 },
              })),
              label: { show: true, position: "right", fontSize: 10, formatter: (p) => `${p.value}/${loadRows[p.dataIndex].capacity}` },
              z: 2,
            },
          ],
        },
        "chart plans-load-chart",
      );
      loadChart.el.style.height = `${Math.max(260, loadRows.length * 22 + 60)}px`;
      loadChart.el.setAttribute("aria-label", t("plans.loads"));
      loadChart.el.id = "plans-load-chart";

      const op = plan.objective_parts || {};
      const terms = [
        ["fit", op.fit || 0],
        ["coverage", op.coverage || 0],
        ["fairness", -(op.fairness || 0)],
        ["joint_coverage", op.joint_coverage || 0],
        ["changes", -(op.changes || 0)],
      ];
      const partsChart = chart(
        {
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
          xAxis: { type: "category", data: terms.map(([k]) => t(`plans.p.${k}`)), axisLabel: { interval: 0, fontSize: 11 } },
          yAxis: { type: "value" },
          series: [
            {
              type: "bar",
              barWidth: "45%",
              data: terms.map(([, v]) => ({ value: v, itemStyle: { color: v < 0 ? "#c0392b" : "#16a085", borderRadius: 3 } })),
              label: { show: true, position: "top", fontSize: 11 },
            },
          ],
        },
        "chart plans-parts-chart",
      );
      partsChart.el.setAttribute("aria-label", t("plans.parts"));

      // decisions
      const allDecisions = ex.decisions || [];
      let query = "";
      const matchesQuery = (d) => {
        if (!query) return true;
        const q = query.toLowerCase();
        return [d.item, d.unit, d.item_title, d.unit_name, unitNames[d.unit], itemTitle(d)].some((x) => String(x || "").toLowerCase().includes(q));
      };
      const actionCell = (d) => {
        if (!committee) return "";
        const k = key(d.item, d.unit);
        const pinBtn = h("button", { type: "button", class: "small", dataset: { act: "pin" }, "aria-pressed": s.pins.has(k) ? "true" : "false" }, t("plans.pin"));
        const forbidBtn = h("button", { type: "button", class: "small danger", dataset: { act: "forbid" }, "aria-pressed": s.forbids.has(k) ? "true" : "false" }, t("plans.forbid"));
        const toggle = (which) => {
          const mine = which === "pin" ? s.pins : s.forbids;
          const other = which === "pin" ? s.forbids : s.pins;
          if (mine.has(k)) mine.delete(k);
          else {
            mine.set(k, { item: d.item, unit: d.unit });
            other.delete(k);
          }
          syncSelection();
        };
        pinBtn.addEventListener("click", () => toggle("pin"));
        forbidBtn.addEventListener("click", () => toggle("forbid"));
        return h("span", { class: "row nowrap" }, pinBtn, forbidBtn);
      };
      const partsCell = (d) =>
        h(
          "span",
          { class: "plans-parts", title: (d.parts_zh || []).map((p) => `${p.name_zh} ${p.value}`).join("，") },
          (d.parts_zh || []).map((p) =>
            h(
              "span",
              { class: `tag ${p.value > 0 ? "ok" : p.value < 0 ? "bad" : "zero"}`, dataset: { part: p.part } },
              `${en() ? pair(PARTS, p.part) : p.name_zh} ${p.value > 0 ? "+" : ""}${p.value}`,
            ),
          ),
        );
      const itemTitle = (d) => {
        if (d.type === "role") {
          const [aid, rid] = d.item.split("/");
          const a = activities[aid];
          const idx = Number(String(rid).replace(/^r/, "")) - 1;
          const role = a?.roles?.[idx];
          if (a && role) return `${a.title} · ${label(KINDS, role.kind)}`;
        }
        return d.item_title || d.item;
      };
      const itemCell = (d) =>
        h("span", {}, itemTitle(d), " ", h("small", { class: "muted" }, d.item), d.pinned ? h("span", { class: "tag warn" }, ` ${t("plans.pinned")}`) : null);
      const rowAttrs = (d) => ({
        dataset: { item: d.item, unit: d.unit, type: d.type },
        class: s.forbids.has(key(d.item, d.unit)) ? "gj-forbidden" : s.pins.has(key(d.item, d.unit)) ? "gj-pinned" : null,
      });

      const common = [
        { label: t("plans.col.effort"), value: (d) => d.effort },
        { label: t("plans.col.score"), value: (d) => h("strong", {}, d.score) },
        { label: t("plans.col.why"), value: partsCell },
      ];
      if (committee) common.push({ label: t("plans.col.actions"), value: actionCell });

      const byUnit = () => {
        const groups = new Map();
        for (const d of allDecisions.filter(matchesQuery)) {
          if (!groups.has(d.unit)) groups.set(d.unit, []);
          groups.get(d.unit).push(d);
        }
        const list = [...groups.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([u, rows]) => {
            const l = loads[u] || { load: rows.reduce((x, d) => x + d.effort, 0), capacity: 0 };
            const ratio = l.capacity ? Math.min(1, l.load / l.capacity) : 0;
            return {
              header: h(
                "span",
                { class: "plans-group" },
                h("strong", {}, unitNames[u] || rows[0].unit_name || u),
                h("small", { class: "muted" }, u),
                h("span", { class: "plans-meter", "aria-hidden": "true" }, h("span", { style: `width:${Math.round(ratio * 100)}%` })),
                h("small", {}, t("plans.group.load", { load: l.load, cap: l.capacity })),
              ),
              rows,
            };
          });
        return groupedTable(
          [
            { label: t("plans.col.item"), value: itemCell },
            { label: t("plans.col.type"), value: (d) => (d.type === "need" ? t("plans.type.need") : t("plans.type.role")) },
            ...common,
          ],
          list,
          rowAttrs,
          "plans-by-unit",
        );
      };

      const byActivity = () => {
        const groups = new Map();
        for (const d of allDecisions.filter(matchesQuery)) {
          const g = d.type === "role" ? d.activity || d.item.split("/")[0] : "__needs";
          if (!groups.has(g)) groups.set(g, []);
          groups.get(g).push(d);
        }
        const order = [...groups.keys()].sort((a, b) => {
          if (a === "__needs") return 1;
          if (b === "__needs") return -1;
          return String(activities[a]?.date || a).localeCompare(String(activities[b]?.date || b));
        });
        const list = order.map((g) => {
          const rows = groups.get(g).sort((x, y) => x.item.localeCompare(y.item));
          if (g === "__needs") return { header: h("strong", {}, t("plans.group.needs")), rows };
          const a = activities[g];
          return {
            header: h(
              "span",
              { class: "plans-group" },
              a ? h("span", { class: `tag joint ${a.joint_type}` }, label(JOINTS, a.joint_type)) : null,
              h("strong", {}, a ? a.title : g),
              h("small", { class: "muted" }, a ? `${a.date} · ${communityNames[a.community_id] || a.community_id}` : g),
            ),
            rows,
          };
        });
        const roleOf = (d) => {
          if (d.type !== "role") return h("span", {}, d.item_title || d.item, " ", h("small", { class: "muted" }, d.item));
          const [aid, rid] = d.item.split("/");
          const a = activities[aid];
          const role = a?.roles?.[Number(String(rid).replace(/^r/, "")) - 1];
          return h("span", {}, role ? label(KINDS, role.kind) : d.item_title || d.item, " ", h("small", { class: "muted" }, d.item));
        };
        return groupedTable(
          [
            { label: `${t("plans.col.role")} / ${t("plans.type.need")}`, value: roleOf },
            { label: t("plans.col.unit"), value: (d) => h("span", {}, unitNames[d.unit] || d.unit_name || d.unit, d.pinned ? h("span", { class: "tag warn" }, ` ${t("plans.pinned")}`) : null) },
            ...common,
          ],
          list,
          rowAttrs,
          "plans-by-activity",
        );
      };

      const unmetTab = () => {
        const rows = ex.unmet || [];
        let offset = 0;
        const box = h("div", { id: "plans-unmet" });
        const draw = () =>
          box.replaceChildren(
            tableOf(
              [
                { label: t("plans.col.item"), value: (u) => h("span", {}, u.title || u.item, " ", h("small", { class: "muted" }, u.item)) },
                {
                  label: t("plans.col.reason"),
                  value: (u) => h("span", { class: "tag warn", dataset: { reason: u.reason } }, en() ? pair(REASONS, u.reason) : u.reason_zh || pair(REASONS, u.reason)),
                },
                { label: t("plans.col.detail"), value: (u) => u.detail || "—" },
              ],
              rows.slice(offset, offset + PAGE_SIZE),
              {
                offset,
                limit: PAGE_SIZE,
                total: rows.length,
                go: (o) => {
                  offset = o;
                  draw();
                },
              },
            ),
          );
        draw();
        return box;
      };

      const conflictsTab = () =>
        h(
          "div",
          { id: "plans-conflicts" },
          h("p", {}, t("plans.conflicts.help")),
          h(
            "ul",
            { class: "plans-conflicts" },
            (ex.conflicts || []).map((c) =>
              h(
                "li",
                { class: "notice error" },
                h("strong", {}, en() ? c.message_en : c.message_zh),
                " ",
                h("small", { class: "muted" }, c.code),
                c.items?.length ? h("div", { class: "small" }, t("plans.conflict.items", { items: c.items.join("、") })) : null,
                c.units?.length ? h("div", { class: "small" }, t("plans.conflict.units", { units: c.units.map((u) => unitNames[u] || u).join("、") })) : null,
              ),
            ),
          ),
        );

      const unitBox = h("div", {});
      const activityBox = h("div", {});
      const filterInput = h("input", { type: "search", id: "plans-filter", name: "filter", autocomplete: "off", placeholder: t("plans.filter.hint") });
      filterInput.addEventListener("input", () => {
        query = filterInput.value.trim();
        fill(unitBox, byUnit());
        fill(activityBox, byActivity());
        if (committee) syncSelection();
      });
      const filterField = field(t("plans.filter"), filterInput);
      filterField.wrap.classList.add("plans-filter");
      const tabItems = [];
      if ((ex.conflicts || []).length) tabItems.push({ id: "conflicts", label: t("plans.tab.conflicts", { n: ex.conflicts.length }), render: conflictsTab });
      tabItems.push(
        { id: "unit", label: t("plans.tab.unit"), render: () => fill(unitBox, byUnit()) || unitBox },
        { id: "activity", label: t("plans.tab.activity"), render: () => fill(activityBox, byActivity()) || activityBox },
        { id: "unmet", label: t("plans.tab.unmet", { n: (ex.unmet || []).length }), render: unmetTab },
        { id: "text", label: t("plans.tab.text"), render: () => h("pre", { class: "plans-text", id: "plans-text" }, ex.text_zh) },
      );

      // the adjustment bar (committee)
      const selText = h("span", { id: "plans-selection" });
      const syncSelection = () => {
        const p = s.pins.size;
        const f = s.forbids.size;
        selText.textContent = p || f ? t("plans.selection", { p, f }) : t("plans.selection.none");
        for (const tr of detail.querySelectorAll("tr[data-item]")) {
          const k = key(tr.dataset.item, tr.dataset.unit);
          tr.classList.toggle("gj-pinned", s.pins.has(k));
          tr.classList.toggle("gj-forbidden", s.forbids.has(k));
          const pb = tr.querySelector('button[data-act="pin"]');
          const fb = tr.querySelector('button[data-act="forbid"]');
          if (pb) pb.setAttribute("aria-pressed", s.pins.has(k) ? "true" : "false");
          if (fb) fb.setAttribute("aria-pressed", s.forbids.has(k) ? "true" : "false");
        }
      };
      const adjust = committee
        ? h(
            "div",
            { class: "plans-adjust", id: "plans-adjust" },
            selText,
            h(
              "button",
              {
                type: "button",
                onclick: () => {
                  s.pins.clear();
                  s.forbids.clear();
                  syncSelection();
                },
              },
              t("plans.clear"),
            ),
            h(
              "button",
              {
                type: "button",
                class: "primary",
                id: "plans-replan",
                title: t("plans.replan.hint"),
                onclick: () =>
                  submit({
                    quarter: job.quarter,
                    pins: [...s.pins.values()],
                    forbids: [...s.forbids.values()],
                    previous_plan_id: job.id,
                  }),
              },
              t("plans.replan"),
            ),
          )
        : null;

      fill(
        detail,
        h(
          "div",
          { class: "card plans-detail-card" },
          h(
            "div",
            { class: "plans-detail-head" },
            h("h2", { id: "plans-detail-h" }, t("plans.detail", { q: quarterLabel(job.quarter) })),
            h("span", { class: "muted" }, `${t("plans.decisions", { n: allDecisions.length })} · ${t("plans.unmet.count", { n: (ex.unmet || []).length })}`),
          ),
          toolbar,
        ),
        report,
        h(
          "div",
          { class: "plans-charts" },
          h("div", { class: "card" }, h("h2", {}, t("plans.loads")), loadChart.el),
          h("div", { class: "card" }, h("h2", {}, t("plans.parts")), partsChart.el),
        ),
        h("div", { class: "card" }, adjust, filterField.wrap, tabs(tabItems, "plans")),
      );
      if (committee) syncSelection();
    }

    async function publish() {
      const job = s.job;
      if (!job) return;
      const ok = await confirmDialog(el, t("plans.publish.confirm", { id: job.id }), t("plans.publish.ok"));
      if (!ok) return;
      msgBox.replaceChildren();
      try {
        await api(`/plans/${encodeURIComponent(job.id)}/publish`, { method: "POST" });
        toast(t("plans.publish.done"), "ok");
        await refreshJob();
        refreshList();
      } catch (err) {
        msgBox.replaceChildren(notice(errorText(err), "error"));
        toast(errorText(err), "error");
        try {
          await refreshJob();
          refreshList();
        } catch {
          /* the message above says what went wrong */
        }
      }
    }

    // ---------------------------------------------------------------- layout
    el.append(
      h("h1", { id: "h-plans" }, t("plans.title")),
      h("p", { class: "muted plans-intro" }, t("plans.intro")),
      h("div", { class: "plans-top" }, committee ? form : viewerBox(), h("div", { class: "plans-side" }, statusCard, listCard)),
      msgBox,
      detail,
    );
    await loadActivities();
    refreshList();
    const wanted = ctx.params.get("id");
    if (wanted) await openPlan(wanted);
  },
};

addStrings({ zh: { "plans.title": "季度计划" }, en: { "plans.title": "Quarterly plan" } });
