// 活动 Activities (placeholder until the page is written)
import { h } from "../ui.js";

export default {
  id: "activities",
  hash: "#/activities",
  title: { zh: "活动", en: "Activities" },
  roles: ["committee", "unit", "community", "viewer"],
  render(el) {
    el.append(h("h1", { id: "h-activities" }, "活动 Activities"));
  },
};
