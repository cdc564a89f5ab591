// 共建网络 · 缺口与中心单位: the coverage gaps of the quarter (grouped by community) and
// the most central units; each entry shows or expands its node in the graph.

import { api } from "../../api.js";
import { errorText, field, fill, h, label, notice, quarterLabel, select, t, KINDS } from "../../ui.js";
import { GAP_REASONS, en, pair } from "./common.js";

/**
 * The side cards of network page `N` ({s, names, focus(key), expand(key)}):
 * returns {gapCard, centralCard, bySel, loadGaps(), loadCentral()}.
 */
export function sidePanels(N) {
  const { s, names, focus, expand } = N;
  const gapBox = h("div", { id: "network-gaps" }, h("p", { class: "muted small" }, t("loading")));
  const gapCard = h("div", { class: "card net-gaps" }, h("h2", {}, t("network.gaps")), h("p", { class: "muted small" }, t("network.gaps.help")), gapBox);
  const bySel = select(
    [
      ["degree", t("network.by.degree")],
      ["betweenness", t("network.by.betweenness")],
    ],
    "degree",
    { id: "network-central-by", name: "by" },
  );
  const centralBox = h("div", { id: "network-central" });
  const centralCard = h(
    "div",
    { class: "card net-central" },
    h("div", { class: "net-card-head" }, h("h2", {}, t("network.central")), field(t("network.central.by"), bySel).wrap),
    centralBox,
  );

  async function loadGaps() {
    gapBox.replaceChildren(h("p", { class: "muted small", id: "network-gaps-loading" }, t("loading")));
    try {
      s.gaps = await api(`/network/gaps?quarter=${encodeURIComponent(s.quarter)}`);
    } catch (err) {
      s.gaps = null;
      gapBox.replaceChildren(notice(errorText(err), "error"));
      s.gapByCommunity = new Map();
      return;
    }
    s.gapByCommunity = new Map();
    for (const g of s.gaps.gaps) {
      if (!s.gapByCommunity.has(g.community_id)) s.gapByCommunity.set(g.community_id, []);
      s.gapByCommunity.get(g.community_id).push(g);
    }
    const groups = [...s.gapByCommunity.entries()].sort(([a], [b]) => a.localeCompare(b));
    fill(
      gapBox,
      h("p", { class: "small", id: "network-gap-count" }, t("network.gaps.count", { q: quarterLabel(s.gaps.quarter), n: s.gaps.count, c: groups.length, open: s.gaps.open_needs })),
      groups.length
        ? h(
            "ul",
            { class: "net-gap-list" },
            groups.map(([cid, gaps]) =>
              h(
                "li",
                { dataset: { community: cid } },
                h(
                  "div",
                  { class: "net-gap-head" },
                  h("span", { class: "net-dot gap", "aria-hidden": "true" }),
                  h("strong", {}, names[`Community:${cid}`] || cid),
                  h("small", { class: "muted" }, cid),
                  h("button", { type: "button", class: "small", onclick: () => (s.nodes.has(`Community:${cid}`) ? focus(`Community:${cid}`) : expand(`Community:${cid}`)) }, t("network.show")),
                ),
                h(
                  "ul",
                  {},
                  gaps.map((g) =>
                    h(
                      "li",
                      { dataset: { need: g.need_id } },
                      h("span", { class: "net-gap-title" }, g.title),
                      " ",
                      h("span", { class: "tag" }, label(KINDS, g.category)),
                      " ",
                      h("small", { class: "muted" }, `${t("network.priority", { p: g.priority })} · ${en() ? pair(GAP_REASONS, g.reason) : g.reason_zh}`),
                    ),
                  ),
                ),
              ),
            ),
          )
        : notice(t("network.gaps.none"), "ok"),
    );
  }

  async function loadCentral() {
    try {
      const data = await api(`/network/central?limit=10&by=${encodeURIComponent(bySel.value)}`);
      const body = data.units.map((c) =>
        h(
          "tr",
          { dataset: { unit: c.id } },
          h("td", {}, c.rank),
          h("td", {}, h("button", { type: "button", class: "linkish", onclick: () => (s.nodes.has(`Unit:${c.id}`) ? focus(`Unit:${c.id}`) : expand(`Unit:${c.id}`)) }, c.name)),
          h("td", { class: "num" }, c.degree),
          h("td", { class: "num" }, c.neighbours),
          h("td", { class: "num" }, c.betweenness.toFixed(3)),
        ),
      );
      centralBox.replaceChildren(
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "network-central-table" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["rank", "unit", "degree", "neighbours", "betweenness"].map((k) => h("th", { scope: "col", title: t(`network.col.${k}.full`) }, t(`network.col.${k}`))),
              ),
            ),
            h("tbody", {}, body.length ? body : h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("none")))),
          ),
        ),
      );
    } catch (err) {
      centralBox.replaceChildren(notice(errorText(err), "error"));
    }
  }

  return { gapCard, centralCard, bySel, loadGaps, loadCentral };
}
