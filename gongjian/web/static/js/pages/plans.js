// 季度计划 Quarterly plan (placeholder until the page is written)
import { h } from "../ui.js";

export default {
  id: "plans",
  hash: "#/plans",
  title: { zh: "季度计划", en: "Quarterly plan" },
  roles: ["committee", "viewer"],
  render(el) {
    el.append(h("h1", { id: "h-plans" }, "季度计划 Quarterly plan"));
  },
};
