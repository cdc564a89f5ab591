// 季度计划 · 发布与导出: the plan's toolbar (发布 publish after a confirmation, export
// xlsx / csv / ics) and the publish report (written, claimed, skipped, superseded).

import { api, download } from "../../api.js";
import { errorText, h, notice, t, toast, when } from "../../ui.js";
import { confirmDialog, planLabel, tableOf } from "./common.js";

/** The toolbar of a finished plan: publish (committee, once) and the exports. */
export function planToolbar(P, job, plan) {
  const id = job.id;
  const canPublish = P.committee && !job.published_at && plan.status !== "infeasible";
  const toolbar = h(
    "div",
    { class: "toolbar plans-actions" },
    canPublish ? h("button", { type: "button", class: "primary", id: "plans-publish", onclick: () => publish(P) }, t("plans.publish")) : null,
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
              const name = await download(`/plans/${encodeURIComponent(id)}/export?format=${fmt}`, `${planLabel(job)}.${fmt}`);
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
  return toolbar;
}

/** What publishing did (null until the plan is published). */
export function publishReport(P, job) {
  const { unitNames } = P;
  const report = job.publish_report
    ? h(
        "div",
        { class: "card plans-report", id: "plans-report" },
        notice(
          t("plans.report", { a: job.publish_report.assignments, c: job.publish_report.claims, s: (job.publish_report.skipped || []).length }),
          "ok",
        ),
        job.publish_report.superseded
          ? notice(t("plans.report.superseded", { n: job.publish_report.removed_assignments || 0 }))
          : null,
        job.publish_report.superseded_by
          ? notice(t("plans.report.superseded_by"), "error")
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
                undefined,
                P.s.job?.id,
              ),
            )
          : null,
      )
    : null;
  return report;
}

/** 发布: confirm, POST /plans/{id}/publish, then show the job again. */
export async function publish(P) {
  const { s, msgBox } = P;
  const job = s.job;
  if (!job) return;
  const ok = await confirmDialog(P.el, t("plans.publish.confirm", { name: planLabel(job) }), t("plans.publish.ok"));
  if (!ok) return;
  msgBox.replaceChildren();
  try {
    await api(`/plans/${encodeURIComponent(job.id)}/publish`, { method: "POST" });
    toast(t("plans.publish.done"), "ok");
    await P.refreshJob();
    P.refreshList();
  } catch (err) {
    msgBox.replaceChildren(notice(errorText(err), "error"));
    toast(errorText(err), "error");
    try {
      await P.refreshJob();
      P.refreshList();
    } catch {
      /* the message above says what went wrong */
    }
  }
}

