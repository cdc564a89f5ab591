// One colour scale for a unit's load against its capacity, shared by the dashboard's
// load chart and the plan's load chart, with the legend that explains it.

import { h, lang } from "./ui.js";

/** Bands of load / capacity, upper bound included: colour and label. */
export const LOAD_BANDS = [
  { max: 0.7, color: "#1e8449", zh: "宽松（≤70%）", en: "Light (≤70%)" },
  { max: 0.9, color: "#b9770e", zh: "偏高（70%–90%）", en: "High (70–90%)" },
  { max: 1, color: "#d35400", zh: "接近满负荷（90%–100%）", en: "Near full (90–100%)" },
  { max: Infinity, color: "#c0392b", zh: "超负荷（>100%）", en: "Over capacity (>100%)" },
];
export const NO_CAPACITY = { color: "#9aa5b1", zh: "未登记容量", en: "No capacity recorded" };

/** The colour of a load of `load` against `capacity` (grey without a capacity). */
export function loadColour(load, capacity) {
  if (!capacity) return NO_CAPACITY.color;
  const ratio = load / capacity;
  return LOAD_BANDS.find((b) => ratio <= b.max + 1e-9).color;
}

/** The legend of the scale (a row of swatches with their bands). */
export function loadLegend(id) {
  const label = (b) => (lang() === "en" ? b.en : b.zh);
  return h(
    "div",
    { class: "load-legend row small muted", id, role: "list" },
    [...LOAD_BANDS, NO_CAPACITY].map((b) =>
      h("span", { class: "load-legend-item", role: "listitem" }, h("span", { class: "load-swatch", style: `display:inline-block;width:0.8em;height:0.8em;border-radius:2px;margin-right:0.3em;background:${b.color}` }), label(b)),
    ),
  );
}
