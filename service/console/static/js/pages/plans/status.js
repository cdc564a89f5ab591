// 季度计划 · 求解状态: the status card of the current job (status, objective, bound,
// gap, elapsed, a progress bar over the time limit, the live chart of objective and
// bound), polled with setTimeout while it runs; 停止 stops it.

import { api } from "../../api.js";
import { errorText, fill, h, notice, quarterLabel, t, toast } from "../../ui.js";
import { STAGES, figures, finished, gapText, num, pair, planLabel, planTag, statusTag } from "./common.js";
import { progressChart, progressShare } from "./progress.js";

/** The status card of page `P`; sets P.renderStatus(), P.startPolling(), P.refreshJob(). */
export function statusCard(P) {
  const { s } = P;
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
    if (job.status === "running") {
      // the server's elapsed at the last poll, plus the time since (no clock skew)
      f.elapsed = (f.elapsed || 0) + Math.max(0, (Date.now() - (s.polledAt || Date.now())) / 1000);
    }
    const progress = progressShare(job, f.elapsed);
    const stopped = ["cancelled", "failed", "interrupted"].includes(job.status);
    const bar = h("span", { style: `width:${Math.round(progress * 100)}%` });
    const running = !finished(job);
    fill(
      statusBody,
      h(
        "div",
        { class: "row plans-status-head" },
        h("strong", { id: "plans-current-id", dataset: { planId: job.id } }, planLabel(job)),
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
      progressChart(s, job),
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
      running && P.committee ? h("button", { type: "button", class: "danger", id: "plans-stop", onclick: stop }, t("plans.stop")) : null,
    );
  }

  async function stop() {
    if (!s.job) return;
    try {
      const job = await api(`/plans/${encodeURIComponent(s.job.id)}`, { method: "DELETE" });
      toast(t("plans.stopped", { name: planLabel(job) }));
      P.showJob(job);
      P.refreshList();
    } catch (err) {
      toast(errorText(err), "error");
      if (s.job) refreshJob();
    }
  }

  // ---------------------------------------------------------------- polling
  // While a job runs the console reads GET /plans/{id}/status (no plan: a few hundred
  // bytes, 304 while nothing changed) and reads the whole job, plan included, once it
  // has finished: a district plan is megabytes, and reading it every half second took
  // CPU from the solver on the same machine.
  function startPolling() {
    clearTimeout(s.timer);
    s.pollStart = Date.now();
    let n = 0;
    let etag = null;
    const tick = async () => {
      if (!P.el.isConnected || !s.job) return;
      n += 1;
      const id = s.job.id;
      try {
        const res = await api(`/plans/${encodeURIComponent(id)}/status`, {
          raw: true,
          headers: etag ? { "If-None-Match": etag } : {},
        });
        if (!P.el.isConnected || !s.job || s.job.id !== id) return;
        if (res === undefined) {
          renderStatus(); // unchanged: the clock still runs
        } else {
          etag = res.headers.get("etag");
          const brief = await res.json();
          if (!P.el.isConnected || !s.job || s.job.id !== id) return;
          if (finished(brief)) {
            const job = await api(`/plans/${encodeURIComponent(id)}`);
            if (!P.el.isConnected || !s.job || s.job.id !== id) return;
            s.polledAt = Date.now();
            P.showJob(job);
            toast(t("plans.finished", { name: planLabel(job) }), "ok");
            P.refreshList();
            return;
          }
          s.polledAt = Date.now();
          P.showJob(brief);
        }
      } catch (err) {
        if (!P.el.isConnected) return;
        toast(errorText(err), "error");
      }
      // the solver reports up to four times a second: follow it closely
      s.timer = setTimeout(tick, n < 120 ? 500 : 1200);
    };
    s.timer = setTimeout(tick, 300);
  }

  async function refreshJob() {
    const job = await api(`/plans/${encodeURIComponent(s.job.id)}`);
    P.showJob(job);
    return job;
  }

  P.renderStatus = renderStatus;
  P.startPolling = startPolling;
  P.refreshJob = refreshJob;
  return statusCard;
}
