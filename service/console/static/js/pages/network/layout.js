// 共建网络 · 布局: a deterministic layout in which no node hides another.
//
// Nodes are grouped by community: the community in the middle of its group, the units
// located in it on rings around it (as many per ring as fit without touching). Groups
// go on a circle when they are few (every gap checked), else in rows; in both, no two
// groups' discs meet. Positions are in layout units in which every node has its own
// size; ECharts fits them into the chart, so the caller scales the symbols by
// `fitScale()` (never above 1) and the nodes keep apart at any chart size.
//
//   const { pos } = layoutGroups(nodes);   // nodes: {key, id, kind, group, size, labelWidth}
//   pos.get(key) → [x, y]

/** the least free space between two nodes, or two groups, in layout units */
export const GAP = 8;
/** the height of a community's label under it */
const LABEL_H = 18;
/** at most this many groups go on a circle */
const CIRCLE_MAX = 14;

const byKey = (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** How many nodes of diameter `d` fit on a ring of radius `rho`, `gap` apart. */
function ringCapacity(rho, d, gap) {
  let k = Math.max(1, Math.floor((2 * Math.PI * rho) / (d + gap)));
  while (k > 1 && 2 * rho * Math.sin(Math.PI / k) < d + gap) k -= 1;
  return k;
}

/** One group laid out around (0, 0): {pos: Map(key → [x, y]), r: the radius of its disc}. */
function layoutGroup(g) {
  const pos = new Map();
  const c = g.center ? g.center.size : 0;
  const u = Math.max(0, ...g.units.map((n) => n.size));
  let radius = c / 2;
  if (g.center) pos.set(g.center.key, [0, 0]);
  const units = [...g.units].sort(byKey);
  // the first ring clears the community's name under it
  let rho = g.center ? c / 2 + LABEL_H + GAP + u / 2 : units.length > 1 ? (u + GAP) / 2 : 0;
  let i = 0;
  while (i < units.length) {
    const k = rho === 0 ? 1 : Math.min(ringCapacity(rho, u, GAP), units.length - i);
    for (let j = 0; j < k; j += 1) {
      const a = -Math.PI / 2 + (2 * Math.PI * j) / k;
      pos.set(units[i + j].key, [rho * Math.cos(a), rho * Math.sin(a)]);
    }
    radius = Math.max(radius, rho + u / 2);
    i += k;
    rho = rho === 0 ? u + GAP : rho + u + GAP;
  }
  // room for the community's name under it
  const label = g.center ? Math.hypot((g.center.labelWidth || 0) / 2, c / 2 + LABEL_H) : 0;
  return { pos, r: Math.max(radius, label, 1) + GAP / 2 };
}

/** Centres of discs of radii `rs` on one circle, neighbours GAP apart; null if any two meet. */
function onCircle(rs) {
  const n = rs.length;
  if (n === 1) return [[0, 0]];
  const need = (i) => rs[i] + rs[(i + 1) % n] + GAP;
  const turn = (R) => rs.reduce((sum, _, i) => sum + 2 * Math.asin(Math.min(1, need(i) / (2 * R))), 0);
  let lo = Math.max(...rs.map((_, i) => need(i) / 2));
  let hi = lo * 2 + rs.reduce((a, b) => a + 2 * b + GAP, 0);
  for (let it = 0; it < 60; it += 1) {
    const mid = (lo + hi) / 2;
    if (turn(mid) > 2 * Math.PI) lo = mid;
    else hi = mid;
  }
  const R = hi;
  const steps = rs.map((_, i) => 2 * Math.asin(Math.min(1, need(i) / (2 * R))));
  const spare = (2 * Math.PI - steps.reduce((a, b) => a + b, 0)) / n; // spread the rest evenly
  const out = [];
  let a = -Math.PI / 2;
  for (let i = 0; i < n; i += 1) {
    out.push([R * Math.cos(a), R * Math.sin(a)]);
    a += steps[i] + spare;
  }
  for (let i = 0; i < n; i += 1)
    for (let j = i + 1; j < n; j += 1)
      if (Math.hypot(out[i][0] - out[j][0], out[i][1] - out[j][1]) < rs[i] + rs[j] + GAP - 1e-6) return null;
  return out;
}

/** Centres of discs of radii `rs` in rows (left to right, rows `aspect` times wider than tall). */
function inRows(rs, aspect) {
  const area = rs.reduce((a, r) => a + (2 * r + GAP) ** 2, 0);
  const width = Math.max(Math.sqrt(area * aspect), ...rs.map((r) => 2 * r + GAP));
  const out = [];
  let x = 0;
  let y = 0;
  let row = [];
  let rowH = 0;
  const flush = () => {
    for (const i of row) out[i][1] = y + rowH / 2;
    y += rowH;
    row = [];
    rowH = 0;
    x = 0;
  };
  rs.forEach((r, i) => {
    const d = 2 * r + GAP;
    if (x > 0 && x + d > width) flush();
    out[i] = [x + d / 2, 0];
    row.push(i);
    rowH = Math.max(rowH, d);
    x += d;
  });
  flush();
  return out;
}

/**
 * Positions of `nodes` ({key, id, kind: "Community"|"Unit", group: a unit's community id,
 * size, labelWidth}); `aspect` is the chart's width / height. Returns {pos, groups}.
 */
export function layoutGroups(nodes, aspect = 1.6) {
  const groups = new Map();
  const groupOf = (id) => {
    if (!groups.has(id)) groups.set(id, { id, center: null, units: [] });
    return groups.get(id);
  };
  for (const n of nodes) {
    if (n.kind === "Community") groupOf(n.id).center = n;
    else groupOf(n.group || "").units.push(n);
  }
  const list = [...groups.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((g) => ({ g, ...layoutGroup(g) }));
  const rs = list.map((x) => x.r);
  const centres = (list.length <= CIRCLE_MAX && onCircle(rs)) || inRows(rs, aspect);
  const pos = new Map();
  list.forEach((x, i) => {
    const [cx, cy] = centres[i];
    for (const [key, [px, py]] of x.pos) pos.set(key, [cx + px, cy + py]);
  });
  return { pos, groups: list.length };
}

/**
 * The scale at which ECharts draws positions `pts` ([x, y]) in a box `w` × `h`
 * (it fits their bounding box, keeping its aspect), capped at 1.
 */
export function fitScale(pts, w, h) {
  if (pts.length < 2) return 1;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const bw = Math.max(...xs) - Math.min(...xs);
  const bh = Math.max(...ys) - Math.min(...ys);
  const k = Math.min(bw ? w / bw : Infinity, bh ? h / bh : Infinity);
  return Number.isFinite(k) ? Math.min(1, k) : 1;
}
