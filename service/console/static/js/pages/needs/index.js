// 民情交办单 Work orders: the filterable, paged list with the actions each role may take
// (接单 claim, 开始办理 start, 办结 resolve, 回访 follow-up, 撤销 cancel, 吹哨 whistle, 报到
// report), entering a new need, the whistle list, and the xlsx / csv import with its
// row-by-row report.
//
// `#/needs/{id}` is one order's detail page (detail.js, steps.js);
// `#/needs?view=list|whistles|new|import` picks the view; list filters come from the hash
// too (`status`, `quarter`, `community`, `category`, `claimed_by`, `q`, `sort`, `order`,
// `offset`, `size`), e.g. `#/needs?status=open&q=路灯`; the whistle list takes
// `overdue=true|false`.
//
// The page shell (tabs, the view routing, the units / communities / quarters every view
// names) is here; one module per view: list.js (with filters.js, actions.js,
// dialogs.js), whistles.js, new.js, import.js.
import { api } from "../../api.js";
import { currentQuarter, h, listAll, t, page } from "../../ui.js";
import { nameOf, rememberNames } from "../../typeahead.js";
import "./strings.js";
import { detailView } from "./detail.js";
import { importView } from "./import.js";
import { listView } from "./list.js";
import { newView } from "./new.js";
import { whistlesView } from "./whistles.js";

export default page("needs", { zh: "民情交办单", en: "Work orders" }, render);

async function render(el, ctx) {
  const user = ctx.user;
  const p = ctx.params;
  const canEnter = user.role === "committee" || user.role === "community";
  let view = p.get("view") || "list";
  if ((view === "new" || view === "import") && !canEnter) view = "list";
  if (!["list", "whistles", "new", "import"].includes(view)) view = "list";

  // units are many (2,000 in a district): never loaded whole — pickers search the API
  // (typeahead.js) and views fetch the names of the units they show (loadNames)
  const communityItems = await listAll("/communities");
  // the quarters with data come from the metrics (slow on a district's store): asked for
  // only once a view has shown its list (quarterList()), the quarter filter gains them then
  let quarters = null;
  const quarterList = () =>
    (quarters ??= api("/metrics/quarters")
      .then((q) => q.items.map((x) => x.id), () => [])
      .then((ids) => [...new Set([...ids, currentQuarter()])].sort().reverse()));
  const communities = { items: communityItems };
  rememberNames("/communities", communityItems);
  const commName = Object.fromEntries(communityItems.map((c) => [c.id, c.name]));
  // a unit's name once loaded (its id until then); `unitName[id]` reads the same cache
  const unitName = new Proxy({}, { get: (_, id) => (typeof id === "string" ? nameOf("/units", id) : undefined) });
  const uname = (id) => (id ? nameOf("/units", id) : "—");
  const quarterIds = [currentQuarter()];
  // the detail page's 派单 dialog (steps.js) still lists every unit: only it loads them all
  // (every page of them, so none is missing); the list views search instead
  const units = { items: ctx.rest ? await listAll("/units") : [] };
  if (ctx.rest) rememberNames("/units", units.items);
  // what every view names: communities, quarters, unit names
  const P = { user, p, ctx, units, communities, unitName, commName, uname, quarterIds, quarterList };

  const tabs = [
    ["list", t("needs.tab.list")],
    ["whistles", t("needs.tab.whistles")],
    ...(canEnter ? [["new", t("needs.tab.new")], ["import", t("needs.tab.import")]] : []),
  ];
  el.append(
    h("h1", { id: "h-needs" }, t("needs.title")),
    h("p", { class: "muted needs-lead" }, t("needs.lead")),
    h(
      "nav",
      { class: "needs-tabs", "aria-label": t("needs.title") },
      tabs.map(([id, text]) =>
        h("a", { href: `#/needs?view=${id}`, "aria-current": id === view && !ctx.rest ? "page" : null, dataset: { view: id } }, text),
      ),
    ),
  );
  const body = h("div", { class: "needs-body", dataset: { view: ctx.rest ? "detail" : view } });
  el.append(body);
  if (ctx.rest) return detailView(P, body, ctx.rest);
  if (view === "whistles") return whistlesView(P, body);
  if (view === "new") return newView(P, body);
  if (view === "import") return importView(P, body);
  return listView(P, body);
}
