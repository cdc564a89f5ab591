// 总览 Dashboard (placeholder until the page is written)
import { h } from "../ui.js";

export default {
  id: "dashboard",
  hash: "#/dashboard",
  title: { zh: "总览", en: "Dashboard" },
  roles: ["committee", "unit", "community", "viewer"],
  render(el) {
    el.append(h("h1", { id: "h-dashboard" }, "总览 Dashboard"));
  },
};
