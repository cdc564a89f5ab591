// 季度计划: what the views of the plan page share: job and plan tags, figures, the
// confirmation dialog, tabs and the (grouped) paged tables.

import { h, lang, t } from "../../ui.js";

export const PAGE_SIZE = 25;
export const LIST_SIZE = 8;

export const JOB_STATUS = {
  queued: ["排队中", "Queued", "warn"],
  running: ["求解中", "Solving", "warn"],
  done: ["已完成", "Done", "ok"],
  failed: ["失败", "Failed", "bad"],
  cancelled: ["已取消", "Cancelled", ""],
  interrupted: ["已中断", "Interrupted", "bad"],
};
export const PLAN_STATUS = {
  optimal: ["最优", "Optimal", "ok"],
  feasible: ["可行", "Feasible", "ok"],
  infeasible: ["不可行", "Infeasible", "bad"],
  unknown: ["未找到方案", "No solution yet", "warn"],
};
export const STAGES = {
  starting: ["启动中", "Starting"],
  compiled: ["已建模", "Model built"],
  quick: ["快速求解", "Quick solve"],
  full: ["完整求解", "Full solve"],
};
export const PARTS = {
  suitability: ["适配度", "Suitability"],
  kind_match: ["类别匹配", "Kind match"],
  distance: ["距离", "Distance"],
  pairing: ["结对", "Pairing"],
  cooperation: ["以往合作", "Past cooperation"],
  satisfaction: ["以往满意度", "Past satisfaction"],
};
export const REASONS = {
  no_eligible_unit: ["没有符合条件的单位", "No eligible unit"],
  beyond_distance_limit: ["提供该资源的单位都超出距离限制", "Every unit offering it is beyond the distance limit"],
  eligible_units_full: ["符合条件的单位容量已满", "Eligible units are full"],
  lost_to_higher_priority: ["容量让给了优先级更高的需求", "Capacity went to higher-priority needs"],
  net_benefit_negative: ["再增加负荷的均衡代价大于收益", "More load would cost more fairness than it gains"],
};

export const en = () => lang() === "en";
export const pair = (vocab, v) => (vocab[v] ? (en() ? vocab[v][1] : vocab[v][0]) : v ?? "—");
export const num = (x) => (x === null || x === undefined ? "—" : Number(x).toLocaleString(en() ? "en-GB" : "zh-CN"));
/** The key of an (item, unit) decision in the pin / forbid maps. */
export const key = (item, unit) => `${item}\u0000${unit}`;

export function statusTag(job) {
  const [zh, eng, cls] = JOB_STATUS[job.status] || [job.status, job.status, ""];
  return h("span", { class: `tag ${cls}`, dataset: { status: job.status } }, en() ? eng : zh);
}

export function planTag(status) {
  const [zh, eng, cls] = PLAN_STATUS[status] || [status, status, ""];
  return h("span", { class: `tag ${cls}`, dataset: { planStatus: status } }, en() ? eng : zh);
}

/** Figures of a job: the plan's when it has one, else its progress. */
export function figures(job) {
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

export function gapText(f) {
  if (f.status === "optimal") return t("plans.optimal");
  if (f.gap === null || f.gap === undefined) return "—";
  return `${(f.gap * 100).toFixed(2)}%`;
}

/** A plan as people call it: 2026年第四季度计划（第2版）(the server's name), never its id. */
export function planLabel(job) {
  if (!job) return "—";
  if (en()) return job.version ? `${job.quarter} plan (version ${job.version})` : `${job.quarter} plan`;
  return job.name || `${job.quarter} 计划`;
}

export const finished = (job) => !["queued", "running"].includes(job.status);


/** A modal confirmation (a <dialog>); resolves true when confirmed. */
export function confirmDialog(host, message, okText) {
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
export function tabs(items, prefix) {
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
export function groupedTable(columns, groups, rowAttrs, tableId) {
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

/** A table of rows with an optional pager; the row of plan `currentId` is marked. */
export function tableOf(cols, rows, pager, currentId) {
  const body = rows.length
    ? rows.map((r) => h("tr", { class: r.id === currentId ? "gj-current" : null }, cols.map((c) => h("td", {}, c.value(r)))))
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
