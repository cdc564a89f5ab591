// 季度计划 · 规划设置: the committee's settings form (quarter, time limit, distance,
// weights with the planner's defaults from /vocab) that runs the planner (POST /plans
// → 202); the viewer gets only the quarter choice.

import { api, ApiError } from "../../api.js";
import { DEFAULTS, errorText, field, h, notice, quarterOptions, select, t, toast } from "../../ui.js";
import { planLabel } from "./common.js";

/** The weights as [[name, default]…] in the planner's order. */
const weightDefaults = () => Object.entries(DEFAULTS.weights);

/**
 * The settings form of page `P`; sets P.quarterSel, P.fillForm(request) and
 * P.submit(extra) (a run, or a re-plan with pins / forbids). Returns {form, viewerBox()}.
 */
export function settings(P) {
  const { s } = P;
  const quarterSel = select(quarterOptions(s.quarter), s.quarter, { name: "quarter", id: "plans-quarter" });
  const quarterField = field(t("plans.quarter"), quarterSel);
  const fields = {};
  const weightBox = h("div", { class: "plans-weights" });
  for (const [w, dflt] of weightDefaults()) {
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
    for (const [w] of weightDefaults()) weights[w] = Number(fields[`weights.${w}`].input.value);
    return {
      quarter: quarterSel.value,
      weights,
      time_limit: Number(limitInput.value),
      max_distance: Number(distInput.value),
    };
  };
  const fillForm = (request) => {
    if (!request) return;
    for (const [w, dflt] of weightDefaults()) fields[`weights.${w}`].input.value = request.weights?.[w] ?? dflt;
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
      toast(t("plans.started", { name: planLabel(job) }), "ok");
      s.explain = null;
      P.showJob(job);
      P.refreshList();
      P.startPolling();
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
      h("button", { type: "button", id: "plans-reset", onclick: () => fillForm({ weights: { ...DEFAULTS.weights } }) }, t("plans.reset")),
    ),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit();
  });

  quarterSel.addEventListener("change", async () => {
    s.quarter = quarterSel.value;
    s.listOffset = 0;
    P.setUrl();
    await P.loadActivities();
    P.refreshList();
  });

  // viewer: only the quarter choice, no run
  const viewerBox = () => h(
    "div",
    { class: "card plans-form" },
    h("h2", {}, t("plans.view")),
    quarterField.wrap,
    notice(t("plans.readonly")),
  );

  P.quarterSel = quarterSel;
  P.fillForm = fillForm;
  P.submit = submit;
  return { form, viewerBox };
}
