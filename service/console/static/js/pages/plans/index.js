// 季度计划 Quarterly plan: the page shell.
//
// The committee chooses a quarter, weights and a time limit and runs the planner
// (POST /plans → 202), then watches the job (GET /plans/{id}, polled with setTimeout:
// status, objective, bound, gap) without the page blocking; 停止 stops it (DELETE).
// A finished plan shows its decisions by unit and by activity with their fit parts
// (GET /plans/{id}/explain), unmet needs with reasons, conflicts, a load-vs-capacity
// chart; pin / forbid decisions and 重新规划 re-plan (previous_plan_id), 发布 publish
// (confirm first), export xlsx / csv / ics. The viewer sees the same read-only.
//
// One module per view, all sharing the page object `P` built here: its state `s`,
// the names of units and communities, the quarter's activities, the message and detail
// boxes, and the functions the views call on one another (P.showJob, P.openPlan,
// P.refreshList, P.submit, …), each set by the module that owns it:
//   run.js (settings form), status.js (solver status, polling), history.js (the
//   quarter's plans), publish.js (publish, exports, report), charts.js, decisions.js
//   (by unit / by activity, pin and forbid), unmet.js (unmet needs, conflicts).

import { api } from "../../api.js";
import { currentQuarter, errorText, fill, h, listAll, notice, quarterLabel, t, toast, page } from "../../ui.js";
import "./strings.js";
import { finished, key } from "./common.js";
import { loadChart, partsChart } from "./charts.js";
import { decisionsCard } from "./decisions.js";
import { historyCard } from "./history.js";
import { planToolbar, publishReport } from "./publish.js";
import { settings } from "./run.js";
import { statusCard } from "./status.js";
import { loadLegend } from "../../loadscale.js";

export default page("plans", { zh: "季度计划", en: "Plans" }, render, ["committee", "viewer"]);

async function render(el, ctx) {
  const committee = ctx.user.role === "committee";
  const s = {
    quarter: ctx.params.get("quarter") || currentQuarter(),
    job: null,
    explain: null,
    pins: new Map(),
    forbids: new Map(),
    listOffset: 0,
    timer: null,
    pollStart: 0,
  };
  const [units, communities] = await Promise.all([listAll("/units"), listAll("/communities")]);
  const P = {
    el,
    ctx,
    committee,
    s,
    unitNames: Object.fromEntries(units.map((u) => [u.id, u.name])),
    communityNames: Object.fromEntries(communities.map((c) => [c.id, c.name])),
    activities: {},
    msgBox: h("div", { id: "plans-msg", "aria-live": "assertive" }),
    detail: h("div", { id: "plans-detail" }),
  };
  const { msgBox, detail } = P;

  P.setUrl = () => {
    const q = new URLSearchParams({ quarter: s.quarter });
    if (s.job) q.set("id", s.job.id);
    history.replaceState(null, "", `#/plans?${q}`);
  };

  P.loadActivities = async () => {
    try {
      const list = await listAll(`/activities?quarter=${encodeURIComponent(s.quarter)}`);
      P.activities = Object.fromEntries(list.map((a) => [a.id, a]));
    } catch {
      P.activities = {};
    }
  };

  P.openPlan = async (id) => {
    clearTimeout(s.timer);
    try {
      const job = await api(`/plans/${encodeURIComponent(id)}`);
      s.explain = null;
      s.pins = new Map((job.request?.pins || []).map((p) => [key(p.item, p.unit), p]));
      s.forbids = new Map((job.request?.forbids || []).map((p) => [key(p.item, p.unit), p]));
      if (committee) P.fillForm(job.request);
      if (job.quarter !== s.quarter) {
        s.quarter = job.quarter;
        P.quarterSel.value = job.quarter;
        await P.loadActivities();
      }
      P.showJob(job);
      P.refreshList();
      if (!finished(job)) P.startPolling();
    } catch (err) {
      toast(errorText(err), "error");
      msgBox.replaceChildren(notice(errorText(err), "error"));
    }
  };

  P.showJob = (job) => {
    const before = s.job;
    s.job = job;
    P.setUrl();
    P.renderStatus();
    const changed = !before || before.id !== job.id || before.status !== job.status || before.published_at !== job.published_at;
    if (!changed && detail.childElementCount) return;
    if (before && before.id !== job.id) msgBox.replaceChildren();
    if (finished(job) && job.plan) renderDetail(P);
    else if (finished(job)) detail.replaceChildren(h("div", { class: "card" }, notice(job.error ? t("plans.failed", { error: job.error }) : t("plans.noplan"), "error")));
    else detail.replaceChildren();
  };

  const { form, viewerBox } = settings(P);
  const status = statusCard(P);
  const list = historyCard(P);
  el.append(
    h("h1", { id: "h-plans" }, t("plans.title")),
    h("p", { class: "muted plans-intro" }, t("plans.intro")),
    h("div", { class: "plans-top" }, committee ? form : viewerBox(), h("div", { class: "plans-side" }, status, list)),
    msgBox,
    detail,
  );
  await P.loadActivities();
  P.refreshList();
  const wanted = ctx.params.get("id");
  if (wanted) await P.openPlan(wanted);
}

/** The finished plan of P.s.job: head and toolbar, publish report, charts, decisions. */
async function renderDetail(P) {
  const { s, el, detail } = P;
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
  const toolbar = planToolbar(P, job, plan);
  const report = publishReport(P, job);
  const load = loadChart(P, plan);
  const parts = partsChart(plan);
  const decisions = decisionsCard(P, job, ex, loads);
  fill(
    detail,
    h(
      "div",
      { class: "card plans-detail-card" },
      h(
        "div",
        { class: "plans-detail-head" },
        h("h2", { id: "plans-detail-h" }, t("plans.detail", { q: quarterLabel(job.quarter) })),
        h("span", { class: "muted" }, `${t("plans.decisions", { n: (ex.decisions || []).length })} · ${t("plans.unmet.count", { n: (ex.unmet || []).length })}`),
      ),
      toolbar,
    ),
    report,
    h(
      "div",
      { class: "plans-charts" },
      h("div", { class: "card" }, h("h2", {}, t("plans.loads")), load.el, loadLegend("plans-load-legend")),
      h("div", { class: "card" }, h("h2", {}, t("plans.parts")), parts.el),
    ),
    decisions.card,
  );
  if (P.committee) decisions.syncSelection();
}
