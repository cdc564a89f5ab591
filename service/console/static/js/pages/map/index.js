// 服务一张图 The service map: communities as areas coloured by their coverage gaps,
// units as points coloured by type, drawn offline (ECharts registerMap with the
// GeoJSON of GET /map; no online tiles). A click on a community opens its open work
// orders, a click on a unit opens the unit. At district size the units are one point
// per community (with the count) until a community is expanded.
//
// Every name reaches the chart as data; tooltips are built with esc().

import { api } from "../../api.js";
import { addStrings, chart, esc, fill, h, label, notice, page, select, t, vocabOptions, KINDS, UNIT_TYPES } from "../../ui.js";

addStrings({
  zh: {
    "map.title": "服务一张图",
    "map.intro": "辖区内的社区与驻区单位：社区颜色表示“本社区内没有合适单位承接”的交办单比例，点表示单位。点击社区查看其待认领交办单，点击单位查看单位详情。",
    "map.kind": "资源类别",
    "map.all": "全部",
    "map.loading": "正在加载地图…",
    "map.summary": "{c} 个社区，{u} 家单位",
    "map.aggregated": "单位较多，按社区汇总显示；选择一个社区可展开其单位。",
    "map.expand": "展开社区",
    "map.none": "（不展开）",
    "map.unplaced": "没有坐标、未能显示的社区：{list}",
    "map.legend": "缺口比例",
    "map.tip.community": "{name}<br/>待认领交办单 {open} 件，其中本社区无合适单位 {gaps} 件<br/>驻区单位 {units} 家",
    "map.tip.unit": "{name}<br/>{type}<br/>可提供：{offers}",
    "map.tip.agg": "{name}<br/>单位 {n} 家（点击展开）",
    "map.approx": "（位置为社区中心，近似）",
    "map.list": "社区一览",
    "map.col.name": "社区",
    "map.col.open": "待认领",
    "map.col.gaps": "本社区无合适单位",
    "map.col.units": "单位数",
  },
  en: {
    "map.title": "Service map",
    "map.intro": "Communities and units of the area: a community's colour is the share of its open work orders that no unit in it suits; points are units. Click a community for its open orders, a unit for its page.",
    "map.kind": "Resource kind",
    "map.all": "All",
    "map.loading": "Loading the map…",
    "map.summary": "{c} communities, {u} units",
    "map.aggregated": "Many units: shown per community; pick a community to expand its units.",
    "map.expand": "Expand community",
    "map.none": "(none)",
    "map.unplaced": "Communities without coordinates, not drawn: {list}",
    "map.legend": "Gap share",
    "map.tip.community": "{name}<br/>{open} open orders, {gaps} with no suitable unit inside<br/>{units} units",
    "map.tip.unit": "{name}<br/>{type}<br/>Offers: {offers}",
    "map.tip.agg": "{name}<br/>{n} units (click to expand)",
    "map.approx": " (at the community's centre, approximate)",
    "map.list": "Communities",
    "map.col.name": "Community",
    "map.col.open": "Open",
    "map.col.gaps": "No suitable unit inside",
    "map.col.units": "Units",
  },
});

export default page("map", { zh: "服务一张图", en: "Service map" }, render);

const UNIT_COLOURS = ["#1f6feb", "#8e44ad", "#16a085", "#d35400", "#2c3e50", "#b9770e", "#c0392b", "#27ae60"];

function fmt(key, vars) {
  // t() fills {placeholders}; values are escaped here because the tooltip is HTML
  const safe = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, esc(v)]));
  return t(key, safe);
}

async function render(el, ctx) {
  const state = { kind: ctx.params.get("kind") || "", community: ctx.params.get("community") || "" };
  const body = h("div", { id: "map-body" }, notice(t("map.loading")));
  const kind = select([["", t("map.all")], ...vocabOptions(KINDS)], state.kind, { id: "map-f-kind" });
  const go = () => {
    const q = new URLSearchParams(Object.entries(state).filter(([, v]) => v));
    ctx.go(`#/map${q.toString() ? `?${q}` : ""}`);
  };
  kind.addEventListener("change", () => {
    state.kind = kind.value;
    go();
  });
  fill(
    el,
    h("h1", { id: "h-map" }, t("map.title")),
    h("p", { class: "muted" }, t("map.intro")),
    h("div", { class: "toolbar" }, h("label", { for: "map-f-kind" }, t("map.kind"), kind)),
    body,
  );
  const query = new URLSearchParams(Object.entries(state).filter(([, v]) => v));
  const fc = await api(`/map${query.toString() ? `?${query}` : ""}`);
  const areas = fc.features.filter((f) => f.properties.kind === "community");
  const points = fc.features.filter((f) => f.properties.kind !== "community");
  const name = `gongjian-${Date.now()}`;
  window.echarts.registerMap(name, { type: "FeatureCollection", features: areas.map((f) => ({ ...f, properties: { ...f.properties, name: f.id } })) });
  const types = [...new Set(points.filter((p) => p.properties.kind === "unit").map((p) => p.properties.type))].sort();
  const colour = (type) => UNIT_COLOURS[types.indexOf(type) % UNIT_COLOURS.length];
  const byId = Object.fromEntries(areas.map((f) => [f.id, f.properties]));
  const option = {
    tooltip: {
      trigger: "item",
      formatter: (p) => {
        if (p.seriesType === "map") {
          const c = byId[p.name];
          return c ? fmt("map.tip.community", { name: c.name, open: c.open_needs, gaps: c.gaps, units: c.units }) : "";
        }
        const d = p.data && p.data.props;
        if (!d) return "";
        if (d.kind === "units") return fmt("map.tip.agg", { name: d.name, n: d.count });
        const offers = d.offers.map((k) => label(KINDS, k)).join("、") || "—";
        return fmt("map.tip.unit", { name: d.name, type: label(UNIT_TYPES, d.type), offers }) + (d.approximate ? esc(t("map.approx")) : "");
      },
    },
    visualMap: {
      min: 0,
      max: 1,
      seriesIndex: 0,
      text: ["100%", "0%"],
      calculable: false,
      inRange: { color: ["#e3f4ea", "#fcf1de", "#fbe5e3", "#c0392b"] },
      left: 8,
      bottom: 8,
      formatter: (v) => `${Math.round(v * 100)}%`,
    },
    geo: { map: name, roam: true, label: { show: false }, itemStyle: { borderColor: "#fff" } },
    series: [
      {
        type: "map",
        geoIndex: 0,
        name: "communities",
        data: areas.map((f) => ({ name: f.id, value: f.properties.gap_share })),
      },
      {
        type: "scatter",
        coordinateSystem: "geo",
        name: "units",
        symbolSize: (v, p) => {
          const d = p && p.data && p.data.props;
          return d && d.kind === "units" ? Math.min(40, 8 + Math.sqrt(d.count) * 3) : 11;
        },
        data: points.map((f) => ({
          name: f.id,
          value: f.geometry.coordinates,
          props: f.properties,
          itemStyle: { color: f.properties.kind === "units" ? "#627083" : colour(f.properties.type), borderColor: "#fff", borderWidth: 1 },
        })),
      },
      {
        type: "scatter",
        coordinateSystem: "geo",
        name: "labels",
        symbolSize: 0,
        silent: true,
        label: { show: true, formatter: (p) => p.data.label, color: "#1f2933", fontSize: 12 },
        data: areas.map((f) => ({ name: f.id, label: f.properties.name, value: centroid(f.geometry.coordinates[0]) })),
      },
    ],
  };
  const holder = chart(option, "chart tall map-chart");
  holder.el.id = "map-chart";
  holder.el.dataset.communities = String(areas.length);
  holder.el.dataset.points = String(points.length);
  holder.el.setAttribute("aria-label", t("map.summary", { c: areas.length, u: fc.meta.units }));
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const c = holder.chart;
      if (!c) return;
      c.on("click", (p) => {
        if (p.seriesType === "map") return ctx.go(`#/needs?status=open&community=${encodeURIComponent(p.name)}`);
        const d = p.data && p.data.props;
        if (!d) return;
        if (d.kind === "units") {
          state.community = d.community_id;
          return go();
        }
        ctx.go(`#/units?id=${encodeURIComponent(d.id)}`);
      });
      window.__gongjianMap = c; // for tests: the chart's option and events
    }),
  );
  const expand = fc.meta.aggregated || state.community
    ? h(
        "label",
        { for: "map-f-community" },
        t("map.expand"),
        (() => {
          const s = select([["", t("map.none")], ...areas.map((f) => [f.id, f.properties.name])], state.community, { id: "map-f-community" });
          s.addEventListener("change", () => {
            state.community = s.value;
            go();
          });
          return s;
        })(),
      )
    : null;
  const rows = [...areas].sort((a, b) => b.properties.gap_share - a.properties.gap_share);
  fill(
    body,
    h("p", { id: "map-summary" }, t("map.summary", { c: areas.length, u: fc.meta.units })),
    fc.meta.aggregated ? notice(t("map.aggregated")) : null,
    expand,
    fc.meta.unplaced.length ? notice(t("map.unplaced", { list: fc.meta.unplaced.join("、") })) : null,
    holder.el,
    h("h2", {}, t("map.list")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "map-list" },
        h("thead", {}, h("tr", {}, ["map.col.name", "map.col.open", "map.col.gaps", "map.col.units"].map((k) => h("th", { scope: "col" }, t(k))))),
        h(
          "tbody",
          {},
          rows.map((f) =>
            h(
              "tr",
              { dataset: { community: f.id } },
              h("td", {}, h("a", { href: `#/needs?status=open&community=${encodeURIComponent(f.id)}` }, f.properties.name)),
              h("td", {}, String(f.properties.open_needs)),
              h("td", {}, `${f.properties.gaps}（${Math.round(f.properties.gap_share * 100)}%）`),
              h("td", {}, String(f.properties.units)),
            ),
          ),
        ),
      ),
    ),
  );
}

function centroid(ring) {
  const pts = ring.slice(0, -1);
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}
