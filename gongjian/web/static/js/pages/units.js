// 单位与资源 Units and resources (placeholder until the page is written)
import { h } from "../ui.js";

export default {
  id: "units",
  hash: "#/units",
  title: { zh: "单位与资源", en: "Units and resources" },
  roles: ["committee", "unit", "community", "viewer"],
  render(el) {
    el.append(h("h1", { id: "h-units" }, "单位与资源 Units and resources"));
  },
};
