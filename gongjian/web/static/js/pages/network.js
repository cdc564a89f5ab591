// 共建网络 Cooperation network (placeholder until the page is written)
import { h } from "../ui.js";

export default {
  id: "network",
  hash: "#/network",
  title: { zh: "共建网络", en: "Cooperation network" },
  roles: ["committee", "unit", "community", "viewer"],
  render(el) {
    el.append(h("h1", { id: "h-network" }, "共建网络 Cooperation network"));
  },
};
