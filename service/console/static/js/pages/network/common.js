// 共建网络: what the network page's modules share: node categories and colours, the
// edge types, gap reasons, labels in the current language, the chart's readiness.

import { lang } from "../../ui.js";

export const CAT = { Community: 0, Unit: 1, Gap: 2 };
export const CAT_COLORS = ["#2e86c1", "#e08e0b", "#d62728"];
export const EDGE_TYPES = {
  LOCATED_IN: ["驻在", "Located in", "#a0a9b4"],
  PAIRED_WITH: ["结对", "Paired with", "#8e44ad"],
  SERVED: ["服务", "Served", "#2e86c1"],
  COOPERATED_WITH: ["合作", "Cooperated", "#16a085"],
};
export const GAP_REASONS = {
  no_eligible_unit: ["本季度没有单位提供该类资源", "No unit offers this kind this quarter"],
  beyond_distance_limit: ["提供该资源的单位都超出距离限制", "Every unit offering it is beyond the distance limit"],
};


export const en = () => lang() === "en";
export const pair = (vocab, v) => (vocab[v] ? (en() ? vocab[v][1] : vocab[v][0]) : v ?? "—");

/** Resolves with the ECharts instance of a ui.chart() holder once it is drawn. */
export function ready(holder) {
  return new Promise((resolve) => {
    const check = () => (holder.chart ? resolve(holder.chart) : requestAnimationFrame(check));
    check();
  });
}

/** The API path of a node's network within `hops`. */
export const netPath = (nodeKey, hops) => {
  const [labelName, id] = nodeKey.split(":");
  const base = labelName === "Community" ? "communities" : "units";
  return `/network/${base}/${encodeURIComponent(id)}?hops=${hops}`;
};
