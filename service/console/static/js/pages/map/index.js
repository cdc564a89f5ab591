// 服务一张图 The service map: communities as areas coloured by their coverage gaps,
// units as points coloured by type, drawn offline (ECharts registerMap with the
// GeoJSON of GET /map; no online tiles). A click on a community opens its open work
// orders, a click on a unit opens the unit. At district size the units are one point
// per community (with the count) until a community is expanded, and the table of
// communities under the map (most gaps first) shows LIST_PAGE of them at a time, with a
// pager and a search by name (the map's answer already holds every community).
//
// The committee imports surveyed community outlines (GeoJSON, PUT /map/outlines with the
// outlines' version as If-Match) and downloads them again; imported outlines replace the
// derived Voronoi areas.
//
// Every name reaches the chart as data; tooltips are built with esc().

import { api, download } from "../../api.js";
import { addStrings, chart, errorText, esc, fill, h, label, notice, page, saveFailed, select, t, table, toast, vocabOptions, KINDS, UNIT_TYPES } from "../../ui.js";

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
    "map.list.find": "查找社区",
    "map.list.find.hint": "输入社区名称",
    "map.place": "标注单位位置",
    "map.place.go": "在地图上点选位置",
    "map.place.hint": "请在地图上点击 {name} 的位置（Esc 取消）。",
    "map.place.done": "已更新 {name} 的位置",
    "map.outlines": "社区边界",
    "map.outlines.derived": "社区边界为按社区中心推算的示意范围；可导入实测边界（GeoJSON）。",
    "map.outlines.some": "已导入 {n} 个社区的边界（版本 {v}），其余为推算范围。",
    "map.outlines.import": "导入边界 GeoJSON",
    "map.outlines.export": "下载已导入边界",
    "map.outlines.done": "已导入 {n} 个社区的边界",
    "map.outlines.stale": "边界已被他人修改，已刷新，请重新导入。",
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
    "map.list.find": "Find a community",
    "map.list.find.hint": "Type a community's name",
    "map.place": "Place a unit",
    "map.place.go": "Click its place on the map",
    "map.place.hint": "Click where {name} is on the map (Esc cancels).",
    "map.place.done": "{name} placed",
    "map.outlines": "Community outlines",
    "map.outlines.derived": "Areas are derived from the communities' centres; import surveyed outlines (GeoJSON).",
    "map.outlines.some": "{n} communities have imported outlines (version {v}); the others are derived.",
    "map.outlines.import": "Import outlines (GeoJSON)",
    "map.outlines.export": "Download imported outlines",
    "map.outlines.done": "Imported {n} outlines",
    "map.outlines.stale": "The outlines were changed by someone else; reloaded, please import again.",
  },
});

export default page("map", { zh: "服务一张图", en: "Service map" }, render);

const LABEL_LIMIT = 40;
/** Communities per page of the table under the map. */
export const LIST_PAGE = 20;
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
    geo: { map: name, roam: true, label: { show: false }, itemStyle: { borderColor: "#fff" }, ...focus(areas, state.community) },
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
          // aggregated points: smaller when there are many communities, so areas show
          const dense = areas.length > LABEL_LIMIT;
          return d && d.kind === "units" ? Math.min(40, (dense ? 4 : 8) + Math.sqrt(d.count) * (dense ? 1.5 : 3)) : 11;
        },
        data: points.map((f) => ({
          name: f.id,
          value: f.geometry.coordinates,
          props: f.properties,
          itemStyle: { color: f.properties.kind === "units" ? "rgba(68, 80, 96, 0.75)" : colour(f.properties.type), borderColor: "#fff", borderWidth: 1 },
        })),
      },
      {
        type: "scatter",
        coordinateSystem: "geo",
        name: "labels",
        symbolSize: 0,
        silent: true,
        label: { show: true, formatter: (p) => p.data.label, color: "#1f2933", fontSize: 12, textBorderColor: "#fff", textBorderWidth: 2 },
        // names on the map while they fit; at district size they are in the tooltips
        data: areas.length <= LABEL_LIMIT ? areas.map((f) => ({ name: f.id, label: f.properties.name, value: f.properties.centre })) : [],
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
        if (placing || Date.now() - placedAt < 800) return; // this click places a unit
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
      c.getZr().on("click", (ev) => placeAt(c, ev));
    }),
  );
  // 标注位置: the committee (any unit) or a unit (itself) sets a unit's coordinates by a
  // click, through PUT /units/{id} with its If-Match like any other edit
  let placing = null;
  let placedAt = 0;
  const hint = h("span", { id: "map-place-hint", class: "muted", "aria-live": "polite" });
  const placeable = ctx.user.role === "committee"
    ? points.filter((p) => p.properties.kind === "unit")
    : ctx.user.role === "unit"
      ? points.filter((p) => p.properties.kind === "unit" && p.id === ctx.user.unit_id)
      : [];
  const who = select(placeable.map((p) => [p.id, p.properties.name]), placeable[0] && placeable[0].id, { id: "map-place-unit" });
  const placer = placeable.length
    ? h(
        "div",
        { class: "toolbar", id: "map-place" },
        h("label", { for: "map-place-unit" }, t("map.place"), who),
        h("button", {
          type: "button",
          id: "map-place-go",
          onclick: () => {
            placing = placeable.find((p) => p.id === who.value) || null;
            hint.textContent = placing ? t("map.place.hint", { name: placing.properties.name }) : "";
            holder.el.classList.toggle("placing", !!placing);
          },
        }, t("map.place.go")),
        hint,
      )
    : null;
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && placing) {
      placing = null;
      hint.textContent = "";
      holder.el.classList.remove("placing");
    }
  });
  async function placeAt(c, ev) {
    if (!placing) return;
    const target = placing;
    placing = null;
    placedAt = Date.now();
    holder.el.classList.remove("placing");
    const [lon, lat] = c.convertFromPixel({ geoIndex: 0 }, [ev.offsetX, ev.offsetY]);
    try {
      const res = await api(`/units/${encodeURIComponent(target.id)}`, { raw: true });
      const etag = res.headers.get("etag");
      const { version, ...unit } = await res.json();
      const round = (x) => Math.round(x * 1e6) / 1e6;
      await api(`/units/${encodeURIComponent(target.id)}`, {
        method: "PUT",
        body: { ...unit, lat: round(lat), lon: round(lon) },
        headers: { "If-Match": etag },
      });
      toast(t("map.place.done", { name: target.properties.name }), "ok");
      await render(el, ctx);
    } catch (err) {
      hint.textContent = errorText(err);
    }
  }
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
  const outlines = ctx.user.role === "committee" ? outlineTools(fc, areas, () => render(el, ctx)) : null;
  const rows = [...areas].sort((a, b) => b.properties.gap_share - a.properties.gap_share);
  fill(
    body,
    h("p", { id: "map-summary" }, t("map.summary", { c: areas.length, u: fc.meta.units })),
    fc.meta.aggregated ? notice(t("map.aggregated")) : null,
    expand,
    placer,
    fc.meta.unplaced.length ? notice(t("map.unplaced", { list: fc.meta.unplaced.join("、") })) : null,
    holder.el,
    outlines,
    h("h2", {}, t("map.list")),
    communityList(rows),
  );
}

// 社区一览: the communities, most gaps first, LIST_PAGE at a time; typing narrows them by
// name (on the rows already loaded with the map)
function communityList(rows) {
  const columns = [
    { label: t("map.col.name"), value: (f) => h("a", { href: `#/needs?status=open&community=${encodeURIComponent(f.id)}` }, f.properties.name) },
    { label: t("map.col.open"), value: (f) => String(f.properties.open_needs) },
    { label: t("map.col.gaps"), value: (f) => `${f.properties.gaps}（${Math.round(f.properties.gap_share * 100)}%）` },
    { label: t("map.col.units"), value: (f) => String(f.properties.units) },
  ];
  const find = h("input", { type: "search", id: "map-list-find", placeholder: t("map.list.find.hint"), autocomplete: "off" });
  const box = h("div", { id: "map-list-box" });
  let offset = 0;
  const show = () => {
    const word = find.value.trim().toLowerCase();
    const matching = word ? rows.filter((f) => f.properties.name.toLowerCase().includes(word)) : rows;
    const shown = matching.slice(offset, offset + LIST_PAGE);
    const go = (off) => {
      offset = off;
      show();
    };
    const wrap = table(columns, shown, { offset, limit: LIST_PAGE, total: matching.length, go });
    const tbl = wrap.querySelector("table");
    tbl.id = "map-list";
    tbl.dataset.total = String(matching.length);
    tbl.dataset.offset = String(offset);
    if (shown.length) tbl.querySelectorAll("tbody tr").forEach((tr, i) => (tr.dataset.community = shown[i].id));
    box.replaceChildren(wrap);
  };
  find.addEventListener("input", () => {
    offset = 0;
    show();
  });
  show();
  return h(
    "div",
    {},
    rows.length > LIST_PAGE ? h("div", { class: "toolbar" }, h("label", { for: "map-list-find" }, t("map.list.find"), find)) : null,
    box,
  );
}

// An expanded community is brought into view: centred, zoomed to about its share of the
// area (its units are a few metres apart at the whole district's scale).
function focus(areas, community) {
  const f = community && areas.length > 9 && areas.find((a) => a.id === community);
  return f ? { center: f.properties.centre, zoom: Math.min(12, Math.sqrt(areas.length) * 0.7) } : {};
}

// 导入社区边界: a GeoJSON file straight to PUT /map/outlines (validated by the server, whose
// 422 names the feature and the unknown communities), guarded by the outlines' version
function outlineTools(fc, areas, reload) {
  const imported = areas.filter((f) => f.properties.outline === "imported").length;
  const msg = h("div", { id: "map-outlines-msg", "aria-live": "polite" });
  const file = h("input", { type: "file", id: "map-outlines-file", accept: ".geojson,.json,application/geo+json,application/json", hidden: true });
  file.addEventListener("change", async () => {
    const f = file.files[0];
    file.value = "";
    if (!f) return;
    try {
      const out = await api("/map/outlines", {
        method: "PUT",
        form: f,
        headers: { "Content-Type": "application/geo+json", "If-Match": `"${fc.meta.outlines_version}"` },
      });
      toast(t("map.outlines.done", { n: out.features.length }), "ok");
      await reload();
    } catch (err) {
      return saveFailed(err, msg, t("map.outlines.stale"), reload);
    }
  });
  return h(
    "div",
    { id: "map-outlines" },
    h("h2", {}, t("map.outlines")),
    h("p", { class: "muted", id: "map-outlines-state" }, imported ? t("map.outlines.some", { n: imported, v: fc.meta.outlines_version }) : t("map.outlines.derived")),
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "button", id: "map-outlines-import", onclick: () => file.click() }, t("map.outlines.import")),
      imported
        ? h("button", { type: "button", id: "map-outlines-export", onclick: () => download("/map/outlines", "community-outlines.geojson").catch((err) => toast(errorText(err), "error")) }, t("map.outlines.export"))
        : null,
      file,
    ),
    msg,
  );
}
