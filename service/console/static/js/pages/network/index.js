// 共建网络 Cooperation network.
//
// An interactive ECharts graph (force layout) of communities and units and their
// cooperation, starting from a community or unit (GET /network/communities/{id} or
// /network/units/{id}?hops=…). Clicking a node (in the chart or in the node list)
// expands its neighbours: that node's network is fetched and merged. Filters by joint
// type (communities hosting activities of that type, units assigned to them in the
// published plan) and by resource kind (units offering it: GET /resources?kind=…);
// coverage gaps (GET /network/gaps) are shown in red with a list beside the graph;
// the most central units (GET /network/central); export as GraphML / JSON.
//
// At district size (more than AGGREGATE_UNITS units) the page starts from the overview
// (GET /network/overview): one node per community, sized by its units, the cooperation
// between communities summed; clicking a community expands it into its units
// (…/overview?expand=c01) and clicking it again folds it. Units are picked with a
// type-ahead there (no page lists every unit). The layout (layout.js) is deterministic:
// each community with its units around it, no node over another. A loading sign shows
// until the graph is there.
//
// The page (controls, the graph, expanding nodes) is here; side.js has the gaps and
// central units, filters.js the joint / kind filters.

import { api, download } from "../../api.js";
import { currentQuarter, fill, listAll, quarterOptions, page } from "../../ui.js";
import { chart, errorText, esc, field, h, label, notice, select, t, toast, JOINTS, KINDS } from "../../ui.js";
import { CAT, CAT_COLORS, EDGE_TYPES, en, netPath, pair, ready } from "./common.js";
import { fitScale, layoutGroups } from "./layout.js";
import { typeahead } from "../../typeahead.js";
import { loadFilters } from "./filters.js";
import { sidePanels } from "./side.js";
import "./strings.js";

export default page("network", { zh: "共建网络", en: "Network" }, render);

/** above this many units the page starts from the overview by community */
export const AGGREGATE_UNITS = 300;
/** room around the graph in the chart: unit names are right of their node, communities' under */
const PAD = { top: 28, bottom: 36, left: 36, right: 96 };
/** the start that is the overview by community */
const OVERVIEW = "overview";
/** the node list is open at first up to this many nodes */
const LIST_OPEN = 60;

async function render(el, ctx) {
  const user = ctx.user;
  // the loading sign shows from the first moment until a graph is drawn
  const loadingEl = h("div", { class: "net-loading", id: "network-loading", role: "status", style: "position:absolute;inset:40px 0 auto 0;text-align:center;padding:12px;color:#627083;font-weight:600;z-index:2;pointer-events:none" }, t("network.loading"));
  el.append(loadingEl);
  const [communities, unitPage] = await Promise.all([listAll("/communities"), api("/units?limit=1")]);
  const district = unitPage.total > AGGREGATE_UNITS;
  const units = district ? [] : await listAll("/units");
  const names = {};
  for (const c of communities) names[`Community:${c.id}`] = c.name;
  for (const u of units) names[`Unit:${u.id}`] = u.name;

  const fallbackStart = user.unit_id ? `Unit:${user.unit_id}` : user.community_id ? `Community:${user.community_id}` : district ? OVERVIEW : communities[0] ? `Community:${communities[0].id}` : "";
  const s = {
    start: ctx.params.get("start") || fallbackStart,
    hops: Number(ctx.params.get("hops")) || (user.unit_id ? 1 : 2),
    quarter: ctx.params.get("quarter") || currentQuarter(),
    joint: ctx.params.get("joint") || "",
    kind: ctx.params.get("kind") || "",
    only: false,
    nodes: new Map(), // key → node
    edges: new Map(), // "a|b" → {source, target, types: {type: weight}, weight}
    gaps: null,
    gapByCommunity: new Map(),
    jointMatch: null, // Set of node keys, or null (no filter)
    kindMatch: null,
    selected: null,
    planCache: new Map(),
    expanded: new Set(), // communities expanded in the overview
  };
  const known = (key) => key === OVERVIEW || Boolean(names[key]) || (district && key.startsWith("Unit:"));
  if (!known(s.start) && fallbackStart) s.start = fallbackStart;
  const overview = () => s.start === OVERVIEW;

  const setUrl = () => {
    const q = new URLSearchParams({ start: s.start, hops: String(s.hops), quarter: s.quarter });
    if (s.joint) q.set("joint", s.joint);
    if (s.kind) q.set("kind", s.kind);
    history.replaceState(null, "", `#/network?${q}`);
  };

  // ---------------------------------------------------------------- controls
  const startSel = h(
    "select",
    { id: "network-start", name: "start" },
    h("option", { value: OVERVIEW, selected: s.start === OVERVIEW }, t("network.overview")),
    h("optgroup", { label: t("network.communities") }, communities.map((c) => h("option", { value: `Community:${c.id}`, selected: s.start === `Community:${c.id}` }, `${c.name} (${c.id})`))),
    district ? null : h("optgroup", { label: t("network.units") }, units.map((u) => h("option", { value: `Unit:${u.id}`, selected: s.start === `Unit:${u.id}` }, `${u.name} (${u.id})`))),
  );
  // a district's units are found by typing
  const unitPick = district
    ? typeahead({
        path: "/units",
        id: "network-start-unit",
        value: s.start.startsWith("Unit:") ? s.start.slice(5) : "",
        placeholder: t("network.start.unit"),
        onPick: (it) => {
          if (!it) return;
          s.start = `Unit:${it.id}`;
          names[s.start] = it.name;
          startSel.value = "";
          loadStart();
        },
      })
    : null;
  const hopsSel = select([1, 2, 3].map((n) => [n, t("network.hops.n", { n })]), s.hops, { id: "network-hops", name: "hops" });
  const quarterSel = select(quarterOptions(s.quarter), s.quarter, { id: "network-quarter", name: "quarter" });
  const jointSel = select([["", t("network.all")], ...Object.keys(JOINTS).map((k) => [k, label(JOINTS, k)])], s.joint, { id: "network-joint", name: "joint" });
  const kindSel = select([["", t("network.all")], ...Object.keys(KINDS).map((k) => [k, label(KINDS, k)])], s.kind, { id: "network-kind", name: "kind" });
  const onlyBox = h("input", { type: "checkbox", id: "network-only", name: "only" });
  const exportBtn = (fmt) =>
    h(
      "button",
      {
        type: "button",
        id: `network-export-${fmt}`,
        onclick: async () => {
          try {
            const name = await download(`/network/export?format=${fmt}`, `gongjian-network.${fmt}`);
            toast(t("network.downloaded", { name }), "ok");
          } catch (err) {
            toast(errorText(err), "error");
          }
        },
      },
      t(`network.export.${fmt}`),
    );

  const controls = h(
    "div",
    { class: "card net-controls" },
    h(
      "div",
      { class: "toolbar" },
      field(t("network.start"), startSel).wrap,
      unitPick ? h("label", { for: "network-start-unit" }, t("network.start.unit"), unitPick.el) : null,
      field(t("network.hops"), hopsSel).wrap,
      field(t("network.quarter"), quarterSel).wrap,
      field(t("network.joint"), jointSel).wrap,
      field(t("network.kind"), kindSel).wrap,
      h("label", { class: "net-check", for: "network-only" }, onlyBox, t("network.only")),
      h("span", { class: "net-spacer" }),
      h("button", { type: "button", id: "network-reset", onclick: () => loadStart() }, t("network.reset")),
      exportBtn("graphml"),
      exportBtn("json"),
    ),
  );

  // ---------------------------------------------------------------- chart
  const holder = chart({ series: [] }, "chart tall net-chart");
  holder.el.id = "network-chart";
  holder.el.setAttribute("aria-label", t("network.chart"));
  const summary = h("p", { class: "muted small net-summary", id: "network-summary", "aria-live": "polite" });
  const selectedLine = h("p", { class: "small net-selected", id: "network-selected", "aria-live": "polite" });
  const edgeLegend = h(
    "div",
    { class: "net-edge-legend small muted", id: "network-legend" },
    h("span", { class: "net-swatch" }, h("span", { class: "net-dot community" }), t("network.cat.community")),
    h("span", { class: "net-swatch" }, h("span", { class: "net-dot unit" }), t("network.cat.unit")),
    h("span", { class: "net-swatch" }, h("span", { class: "net-dot gap" }), t("network.cat.gap")),
    h("span", { class: "net-legend-sep" }, `${t("network.edges.legend")}${en() ? ":" : "："}`),
    Object.entries(EDGE_TYPES).map(([k, v]) => h("span", { class: "net-swatch" }, h("i", { style: `background:${v[2]}` }), pair(EDGE_TYPES, k))),
    h("span", {}, `（${t("network.width")}）`),
  );
  const nodeList = h("ul", { class: "net-node-list", id: "network-node-list" });
  const nodeSummary = h("summary", {});
  const nodeDetails = h("details", { class: "net-nodes" }, nodeSummary, nodeList);
  let listTouched = false;
  nodeSummary.addEventListener("click", () => (listTouched = true));
  const chartCard = h("div", { class: "card net-chart-card", style: "position:relative" }, summary, loadingEl, holder.el, edgeLegend, selectedLine, nodeDetails);
  const loading = (on) => {
    loadingEl.hidden = !on;
    holder.el.setAttribute("aria-busy", on ? "true" : "false");
  };

  const { gapCard, centralCard, bySel, loadGaps, loadCentral } = sidePanels({ s, names, focus, expand });

  el.append(
    h("h1", { id: "h-network" }, t("network.title")),
    h("p", { class: "muted net-intro" }, t("network.intro")),
    controls,
    h("div", { class: "net-layout" }, chartCard, h("div", { class: "net-side" }, gapCard, centralCard)),
  );

  const inst = await ready(holder);

  // ---------------------------------------------------------------- graph data
  function merge(net, expandedKey) {
    let added = 0;
    for (const n of net.nodes) {
      const old = s.nodes.get(n.key);
      if (!old) {
        s.nodes.set(n.key, { ...n, expanded: false });
        added += 1;
      } else if (n.hops < old.hops && !expandedKey) old.hops = n.hops;
      if (!names[n.key]) names[n.key] = n.name;
    }
    for (const e of net.edges) {
      const [a, b] = e.source < e.target ? [e.source, e.target] : [e.target, e.source];
      const k = `${a}|${b}`;
      const cur = s.edges.get(k) || { source: a, target: b, types: {}, weight: 0 };
      if (cur.types[e.type] === undefined) {
        cur.types[e.type] = e.weight;
        cur.weight += e.weight;
      }
      s.edges.set(k, cur);
    }
    if (expandedKey && s.nodes.has(expandedKey)) s.nodes.get(expandedKey).expanded = true;
    return added;
  }

  const matches = (n) => {
    if (s.kindMatch && n.label === "Unit" && !s.kindMatch.has(n.key)) return false;
    if (s.jointMatch && !s.jointMatch.has(n.key)) return false;
    return true;
  };
  const filtering = () => Boolean(s.kindMatch || s.jointMatch);

  function degreeMap(edges) {
    const d = new Map();
    for (const e of edges) {
      d.set(e.source, (d.get(e.source) || 0) + e.weight);
      d.set(e.target, (d.get(e.target) || 0) + e.weight);
    }
    return d;
  }

  function draw() {
    let nodes = [...s.nodes.values()];
    if (s.only && filtering()) nodes = nodes.filter(matches);
    const shown = new Set(nodes.map((n) => n.key));
    const edges = [...s.edges.values()].filter((e) => shown.has(e.source) && shown.has(e.target));
    const deg = degreeMap(edges);
    // smaller screens: smaller nodes (the graph stays in view)
    const W = inst.getWidth() || 900;
    const H = inst.getHeight() || 560;
    const scale = Math.max(0.4, Math.min(1, W / 900));
    const sizeOf = (n) => {
      const d = deg.get(n.key) || 0;
      if (n.label !== "Community") return 14 + Math.min(18, Math.sqrt(d) * 3);
      return overview() ? Math.min(64, 22 + 4 * Math.sqrt(n.units || 0)) : 30 + Math.min(16, Math.sqrt(d) * 2);
    };
    const sized = nodes.map((n) => ({
      key: n.key,
      id: n.id,
      kind: n.label,
      group: n.community_id || "",
      size: sizeOf(n) * (0.6 + 0.4 * scale),
      labelWidth: n.label === "Community" ? 12 * [...(names[n.key] || n.name)].length + 8 : 0,
    }));
    const { pos } = layoutGroups(sized, (W - PAD.left - PAD.right) / (H - PAD.top - PAD.bottom));
    // ECharts fits the positions into the chart: the symbols shrink with them
    const k = fitScale([...pos.values()], W - PAD.left - PAD.right, H - PAD.top - PAD.bottom);
    const data = nodes.map((n, i) => {
      const gap = n.label === "Community" && s.gapByCommunity.has(n.id);
      const ok = matches(n);
      const d = deg.get(n.key) || 0;
      const isCommunity = n.label === "Community";
      const size = sized[i].size * k;
      const [x, y] = pos.get(n.key);
      return {
        x,
        y,
        name: n.key,
        title: names[n.key] || n.name,
        nodeId: n.id,
        kind: n.label,
        hops: n.hops,
        units: n.units,
        expanded: n.expanded,
        match: ok,
        category: gap ? CAT.Gap : CAT[n.label] ?? CAT.Unit,
        symbol: isCommunity ? "roundRect" : "circle",
        symbolSize: Math.max(2, Math.round(size * 10) / 10),
        value: d,
        itemStyle: {
          opacity: ok ? 1 : 0.18,
          borderColor: n.key === s.start ? "#1f2933" : n.expanded ? "#ffffff" : "rgba(255,255,255,.8)",
          borderWidth: n.key === s.start ? 3 : n.expanded ? 2.5 : 1,
          shadowBlur: gap ? 12 : 0,
          shadowColor: gap ? "rgba(214,39,40,.55)" : "transparent",
        },
        label: {
          // on a phone only the communities are labelled (a tap shows a unit's name)
          show: isCommunity || (scale >= 0.7 && k >= 0.5),
          position: isCommunity ? "bottom" : "right",
          fontSize: isCommunity ? 12 : 11,
          fontWeight: isCommunity ? 600 : 400,
          color: gap ? "#b21f1f" : "#1f2933",
          opacity: ok ? 1 : 0.35,
        },
      };
    });
    const maxW = Math.max(1, ...edges.map((e) => e.weight));
    const links = edges.map((e) => {
      const top = Object.entries(e.types).sort((a, b) => b[1] - a[1])[0][0];
      const dim = !(matches(s.nodes.get(e.source)) && matches(s.nodes.get(e.target)));
      return {
        source: e.source,
        target: e.target,
        value: e.weight,
        types: e.types,
        lineStyle: {
          width: 1 + (5 * Math.sqrt(e.weight)) / Math.sqrt(maxW),
          color: EDGE_TYPES[top]?.[2] || "#a0a9b4",
          opacity: dim ? 0.06 : 0.45,
          curveness: 0.08,
        },
      };
    });
    inst.setOption(
      {
        color: CAT_COLORS,
        tooltip: {
          confine: true,
          formatter: (p) => {
            if (p.dataType === "edge") {
              const a = names[p.data.source] || p.data.source;
              const b = names[p.data.target] || p.data.target;
              const parts = Object.entries(p.data.types)
                .map(([k, w]) => `${esc(pair(EDGE_TYPES, k))} ${esc(w)}`)
                .join("，");
              return `${esc(a)} — ${esc(b)}<br>${parts}`;
            }
            const d = p.data;
            const lines = [`<b>${esc(d.title)}</b> <span style="color:#627083">${esc(d.nodeId)}</span>`];
            if (overview()) {
              lines.push(esc(d.kind === "Community" ? t("network.tip.units", { n: d.units }) : t("network.cat.unit")));
            } else {
              lines.push(esc(d.kind === "Community" ? t("network.cat.community") : t("network.cat.unit")) + " · " + esc(t("network.tip.hops", { n: d.hops })));
            }
            const gaps = d.kind === "Community" ? s.gapByCommunity.get(d.nodeId) : null;
            if (gaps) lines.push(`<span style="color:#d62728">${esc(t("network.gaps"))}: ${gaps.map((g) => esc(g.title)).join("、")}</span>`);
            if (!d.match) lines.push(esc(t("network.tip.nofilter")));
            if (overview() && d.kind === "Community") lines.push(`<i>${esc(t(d.expanded ? "network.tip.fold" : "network.tip.click"))}</i>`);
            else if (!overview() && !d.expanded) lines.push(`<i>${esc(t("network.tip.click"))}</i>`);
            return lines.join("<br>");
          },
        },
        series: [
          {
            id: "network",
            type: "graph",
            layout: "none",
            // nodes appear where they belong (no flight from the previous graph's places)
            animation: false,
            roam: true,
            draggable: true,
            ...PAD,
            categories: [{ name: t("network.cat.community") }, { name: t("network.cat.unit") }, { name: t("network.cat.gap") }],
            data,
            links,
            label: { formatter: (p) => p.data.title },
            // a label that would cover another is hidden (the tooltip names every node)
            labelLayout: (p) => ({ hideOverlap: data[p.dataIndex]?.kind !== "Community" || k < 0.9 }),
            emphasis: { focus: "adjacency", lineStyle: { opacity: 0.9 }, label: { show: true } },
            lineStyle: { opacity: 0.55 },
            scaleLimit: { min: 0.3, max: 4 },
          },
        ],
      },
      { replaceMerge: ["series"] },
    );
    holder.el.dataset.nodes = String(data.length);
    holder.el.dataset.edges = String(links.length);
    holder.el.dataset.mode = overview() ? "overview" : "hops";
    holder.el.dataset.communities = String(nodes.filter((n) => n.label === "Community").length);
    holder.el.dataset.expanded = [...s.expanded].sort().join(",");
    if (!listTouched) nodeDetails.open = nodes.length <= LIST_OPEN;
    loading(false);
    const expanded = nodes.filter((n) => n.expanded).length;
    fill(
      summary,
      t("network.summary", { n: data.length, e: links.length, x: expanded }),
      filtering() ? ` · ${t("network.matching", { m: nodes.filter(matches).length })}` : "",
    );
    drawList(nodes);
  }

  function drawList(nodes) {
    nodeSummary.textContent = t("network.nodes", { n: nodes.length });
    const sorted = [...nodes].sort((a, b) => (a.label === b.label ? (names[a.key] || a.name).localeCompare(names[b.key] || b.name, "zh-CN") : a.label === "Community" ? -1 : 1));
    nodeList.replaceChildren(
      ...sorted.map((n) => {
        const gap = n.label === "Community" && s.gapByCommunity.has(n.id);
        return h(
          "li",
          { dataset: { key: n.key }, class: [matches(n) ? null : "dim", gap ? "gap" : null].filter(Boolean).join(" ") || null },
          h("span", { class: `net-dot ${gap ? "gap" : n.label.toLowerCase()}`, "aria-hidden": "true" }),
          h("button", { type: "button", class: "linkish", onclick: () => focus(n.key) }, names[n.key] || n.name),
          h(
            "button",
            {
              type: "button",
              class: "small net-expand",
              dataset: { expand: n.key },
              disabled: overview() ? n.label !== "Community" : n.expanded,
              "aria-label": `${overview() && n.expanded ? t("network.fold") : t("network.expand")} ${names[n.key] || n.name}`,
              onclick: () => expand(n.key),
            },
            overview() ? (n.label !== "Community" ? "—" : n.expanded ? t("network.fold") : t("network.expand")) : n.expanded ? t("network.is_expanded") : t("network.expand"),
          ),
        );
      }),
    );
  }

  function focus(nodeKey) {
    const n = s.nodes.get(nodeKey);
    if (!n) return;
    s.selected = nodeKey;
    const neighbours = [...s.edges.values()].filter((e) => e.source === nodeKey || e.target === nodeKey).length;
    selectedLine.textContent = t("network.selected", {
      name: names[nodeKey] || n.name,
      type: n.label === "Community" ? t("network.cat.community") : t("network.cat.unit"),
      n: neighbours,
    });
    inst.dispatchAction({ type: "downplay", seriesIndex: 0 });
    inst.dispatchAction({ type: "highlight", seriesIndex: 0, name: nodeKey });
    inst.dispatchAction({ type: "showTip", seriesIndex: 0, name: nodeKey });
  }

  // ---------------------------------------------------------------- the overview
  async function loadOverview() {
    const q = new URLSearchParams();
    for (const c of [...s.expanded].sort()) q.append("expand", c);
    const qs = q.toString();
    return api(`/network/overview${qs ? `?${qs}` : ""}`);
  }

  function setOverview(net) {
    s.nodes.clear();
    s.edges.clear();
    for (const n of net.nodes) {
      s.nodes.set(n.key, { ...n, hops: 0 });
      if (!names[n.key]) names[n.key] = n.name;
    }
    for (const e of net.edges) s.edges.set(`${e.source}|${e.target}`, { source: e.source, target: e.target, types: e.types, weight: e.weight });
  }

  /** Expand a community of the overview into its units, or fold it back. */
  async function toggleCommunity(n) {
    const fold = s.expanded.has(n.id);
    if (fold) s.expanded.delete(n.id);
    else s.expanded.add(n.id);
    loading(true);
    try {
      const seq = s.seq;
      const net = await loadOverview();
      if (seq !== s.seq) return;
      setOverview(net);
      draw();
      focus(n.key);
      const name = names[n.key] || n.name;
      toast(fold ? t("network.folded", { name }) : t("network.expanded.units", { name, n: n.units }), "ok");
    } catch (err) {
      if (fold) s.expanded.add(n.id);
      else s.expanded.delete(n.id);
      loading(false);
      toast(errorText(err), "error");
    }
  }

  async function expand(nodeKey) {
    const n = s.nodes.get(nodeKey);
    if (overview()) {
      if (n && n.label === "Community") return toggleCommunity(n);
      if (n) return focus(nodeKey);
      // a unit from outside the overview (central units): its own network
      s.start = nodeKey;
      startSel.value = "";
      return loadStart();
    }
    if (n && n.expanded) {
      focus(nodeKey);
      return;
    }
    try {
      const seq = s.seq;
      const net = await api(netPath(nodeKey, 1));
      if (seq !== s.seq) return; // the graph was restarted meanwhile
      const wasThere = s.nodes.has(nodeKey);
      if (!wasThere) {
        // a node from outside the graph (gap list, central units): add it first
        const self = net.nodes.find((x) => x.key === nodeKey);
        if (self) s.nodes.set(nodeKey, { ...self, hops: s.hops + 1, expanded: false });
      }
      const added = merge(
        { nodes: net.nodes.map((x) => ({ ...x, hops: (s.nodes.get(nodeKey)?.hops ?? 0) + x.hops })), edges: net.edges },
        nodeKey,
      );
      draw();
      focus(nodeKey);
      const name = names[nodeKey] || nodeKey;
      toast(added ? t("network.expanded", { name, n: added }) : t("network.nothing_new", { name }), "ok");
    } catch (err) {
      toast(errorText(err), "error");
    }
  }

  async function loadStart() {
    const seq = (s.seq = (s.seq || 0) + 1);
    setUrl();
    loading(true);
    hopsSel.disabled = overview();
    try {
      if (overview()) {
        const net = await loadOverview();
        if (seq !== s.seq) return;
        s.selected = null;
        selectedLine.textContent = "";
        setOverview(net);
        draw();
        return;
      }
      const net = await api(netPath(s.start, s.hops));
      if (seq !== s.seq) return; // a newer start was chosen meanwhile
      s.nodes.clear();
      s.edges.clear();
      s.selected = null;
      selectedLine.textContent = "";
      merge(net);
      const center = s.nodes.get(s.start);
      if (center) center.expanded = true;
      // every node within hops-1 has had all its neighbours fetched
      for (const n of s.nodes.values()) if (n.hops < s.hops) n.expanded = true;
      draw();
    } catch (err) {
      loading(false);
      fill(summary, notice(errorText(err), "error"));
    }
  }

  // ---------------------------------------------------------------- events
  inst.on("click", (p) => {
    if (p.dataType === "node") expand(p.data.name);
  });
  startSel.addEventListener("change", () => {
    if (!startSel.value) return;
    s.start = startSel.value;
    s.expanded.clear();
    if (unitPick) unitPick.set("", "");
    loadStart();
  });
  hopsSel.addEventListener("change", () => {
    s.hops = Number(hopsSel.value);
    loadStart();
  });
  quarterSel.addEventListener("change", async () => {
    s.quarter = quarterSel.value;
    setUrl();
    await Promise.all([loadGaps(), loadFilters(s)]);
    draw();
  });
  jointSel.addEventListener("change", async () => {
    s.joint = jointSel.value;
    setUrl();
    await loadFilters(s);
    draw();
  });
  kindSel.addEventListener("change", async () => {
    s.kind = kindSel.value;
    setUrl();
    await loadFilters(s);
    draw();
  });
  onlyBox.addEventListener("change", () => {
    s.only = onlyBox.checked;
    draw();
  });
  bySel.addEventListener("change", loadCentral);

  // the graph first: the gaps and the central units (slow at district size) are asked
  // once it is drawn, and colour it when they come
  await loadStart();
  await Promise.all([loadGaps(), loadFilters(s), loadCentral()]);
  draw();
}
