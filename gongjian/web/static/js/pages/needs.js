// 民情交办单 Work orders (placeholder until the page is written)
import { h } from "../ui.js";

export default {
  id: "needs",
  hash: "#/needs",
  title: { zh: "民情交办单", en: "Work orders" },
  roles: ["committee", "unit", "community", "viewer"],
  render(el) {
    el.append(h("h1", { id: "h-needs" }, "民情交办单 Work orders"));
  },
};
