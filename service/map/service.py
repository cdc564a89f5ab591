"""服务一张图: the service map as GeoJSON — communities as areas, units as points.

The case report builds 「服务'一张图'」, all service resources of the area on one
map. This module turns the graph into one GeoJSON ``FeatureCollection`` (WGS-84
lon/lat, RFC 7946) that the console draws offline with ECharts ``registerMap``:

* **Communities** are polygons. Without a surveyed outline, a community's area is
  its Voronoi cell among the communities' centres (``scipy.spatial.Voronoi`` on
  the points mirrored across the sub-district's box, so every cell is bounded),
  clipped to that box: a plausible map in which no area hides another. A community
  without coordinates is listed under ``unplaced``.
  An outline the committee imported (:mod:`gongjian.service.map.outlines`) is drawn
  instead, exactly as imported (``outline: "imported"``); a community with an
  imported outline but no coordinates is placed at its outline's centre.
* **Units** are points at their coordinates; a unit without them is drawn at its
  community's centre and marked ``approximate``.
* **Coverage**: per community its open work orders and how many of them have no
  suitable unit *in that community* (a unit offering, in the order's quarter, a
  kind the suitability table rates above 0 for the order's category) — the gaps
  the committee would fill by pairing. ``kind`` narrows both to the orders that
  kind can serve.
* At district size (more than :data:`POINT_LIMIT` units) the units are aggregated:
  one point per community with its unit count, and ``?community=`` expands one.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from gongjian.graph.model import Community, Need, Resource, SuitabilityTable, Unit
from gongjian.graph.store import GraphStore
from gongjian.graph.vocab import ResourceKind
from gongjian.service.map.outlines import stored_outlines

__all__ = ["POINT_LIMIT", "service_map", "voronoi_cells"]

#: above this many units the map shows one aggregated point per community
POINT_LIMIT = 500
#: margin around the communities' centres, as a share of the box's size
MARGIN = 0.35


def _box(points: np.ndarray) -> tuple[float, float, float, float]:
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 0.004)  # ~400 m at least, also for one community
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def voronoi_cells(points: list[tuple[float, float]]) -> list[list[list[float]]]:
    """One closed ring ``[[lon, lat], …]`` per point: its Voronoi cell inside the box.

    >>> cells = voronoi_cells([(0.0, 0.0), (1.0, 0.0)])
    >>> [len(c) >= 4 and c[0] == c[-1] for c in cells]
    [True, True]
    >>> max(x for x, _ in cells[0]) == min(x for x, _ in cells[1]) == 0.5
    True
    """
    from scipy.spatial import Voronoi

    pts = np.asarray(points, dtype=float)
    if len(pts) == 0:
        return []
    x0, y0, x1, y1 = _box(pts)
    if len(pts) == 1:
        return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
    # mirror every point across the four sides: the original cells are then bounded
    # by exactly the box (the classic bounded-Voronoi construction)
    mirrored = [
        pts,
        np.column_stack([2 * x0 - pts[:, 0], pts[:, 1]]),
        np.column_stack([2 * x1 - pts[:, 0], pts[:, 1]]),
        np.column_stack([pts[:, 0], 2 * y0 - pts[:, 1]]),
        np.column_stack([pts[:, 0], 2 * y1 - pts[:, 1]]),
    ]
    # tiny jitter-free tie-break: identical centres would share a cell
    vor = Voronoi(np.vstack(mirrored))
    reach = _reach(pts)
    rings = []
    for i in range(len(pts)):
        region = vor.regions[vor.point_region[i]]
        verts = vor.vertices[[v for v in region if v >= 0]]
        centre = verts.mean(axis=0)
        order = np.argsort(np.arctan2(verts[:, 1] - centre[1], verts[:, 0] - centre[0]))
        cell = [(float(x), float(y)) for x, y in verts[order]]
        if reach is not None:
            # an edge community's cell would run to the box's corner: keep it near its centre
            px, py = pts[i]
            cell = _clip(cell, px - reach, py - reach, px + reach, py + reach)
        ring = [[round(x, 6), round(y, 6)] for x, y in cell]
        rings.append([*ring, ring[0]])
    return rings


def _reach(pts: np.ndarray) -> float | None:
    """How far (per axis) a derived cell may reach from its centre: 1.2× the median
    distance to the nearest other centre (interior cells of an even spread are smaller)."""
    if len(pts) < 3:
        return None
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(pts).query(pts, k=2)
    nearest = float(np.median(dist[:, 1]))
    return 1.2 * nearest if nearest > 0 else None


def _clip(
    poly: list[tuple[float, float]], x0: float, y0: float, x1: float, y1: float
) -> list[tuple[float, float]]:
    """A convex polygon clipped to a box (Sutherland–Hodgman, one side at a time)."""

    def side(
        points: list[tuple[float, float]], inside: Callable[[tuple[float, float]], bool], cut: Any
    ) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for k, cur in enumerate(points):
            prev = points[k - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
        return out

    def at_x(x: float) -> Any:
        return lambda a, b: (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))

    def at_y(y: float) -> Any:
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)

    for inside, cut in (
        (lambda p: p[0] >= x0, at_x(x0)),
        (lambda p: p[0] <= x1, at_x(x1)),
        (lambda p: p[1] >= y0, at_y(y0)),
        (lambda p: p[1] <= y1, at_y(y1)),
    ):
        poly = side(poly, inside, cut)
    return poly


def _suitable_kinds(table: SuitabilityTable, category: str, unit_type: str) -> set[str]:
    return {
        k.value
        for k in ResourceKind
        if (v := table.lookup(category, k.value, unit_type)) is not None and v > 0
    }


def _covered(
    need: Need,
    units: Iterable[Unit],
    offers: dict[str, list[Resource]],
    kinds_for: Callable[[str, str], set[str]],
) -> bool:
    for u in units:
        kinds = kinds_for(need.category.value, u.type.value)
        if any(
            r.kind.value in kinds and r.available_in(need.quarter) for r in offers.get(u.id, [])
        ):
            return True
    return False


def service_map(
    *,
    store: GraphStore,
    table: SuitabilityTable,
    kind: str | None = None,
    community: str | None = None,
    personal: bool = True,
) -> dict[str, Any]:
    """The map as a GeoJSON FeatureCollection with ``meta`` (see the module docstring).

    ``personal=False`` leaves out the units' contact persons (roles that may not
    see personal data).
    """
    communities = store.list(Community, limit=None)
    units = store.list(Unit, limit=None)
    resources = store.list(Resource, limit=None)
    needs = store.list(Need, filters={"status": "open"}, limit=None)
    offers: dict[str, list[Resource]] = defaultdict(list)
    for r in resources:
        offers[r.unit_id].append(r)
    if kind is not None:
        # the orders this kind can serve, from some unit type
        needs = [
            n
            for n in needs
            if any(
                (table.lookup(n.category.value, kind, t.value) or 0) > 0
                for t in {u.type for u in units}
            )
        ]
    # the suitable kinds of a (category, unit type): a few hundred pairs, looked up once
    kinds_for = functools.cache(
        lambda category, unit_type: _suitable_kinds(table, category, unit_type)
    )
    outlines, outlines_version = stored_outlines(store)
    located = [c for c in communities if c.lat is not None and c.lon is not None]
    cells = dict(
        zip(
            (c.id for c in located),
            voronoi_cells([(c.lon, c.lat) for c in located]),  # type: ignore[misc]
            strict=True,
        )
    )
    placed = [c for c in communities if c.id in cells or c.id in outlines]
    centre: dict[str, tuple[float, float]] = {
        c.id: (c.lon, c.lat) if c.id in cells else _outline_centre(outlines[c.id])  # type: ignore[misc]
        for c in placed
    }
    extent = [centre[c] for c in centre] + [
        (float(p[0]), float(p[1]))
        for cid, g in outlines.items()
        if cid in centre
        for p in _positions(g)
    ]
    by_community: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_community[u.community_id].append(u)
    open_by: dict[str, list[Need]] = defaultdict(list)
    for n in needs:
        open_by[n.community_id].append(n)

    features: list[dict[str, Any]] = []
    for c in placed:
        geometry = outlines.get(c.id) or {"type": "Polygon", "coordinates": [cells[c.id]]}
        open_needs = open_by.get(c.id, [])
        # needs of one category and quarter in one community share the answer
        covered: dict[tuple[str, str], bool] = {}
        gaps = 0
        for n in open_needs:
            key = (n.category.value, n.quarter)
            if key not in covered:
                covered[key] = _covered(n, by_community.get(c.id, []), offers, kinds_for)
            gaps += not covered[key]
        features.append(
            {
                "type": "Feature",
                "id": c.id,
                "geometry": geometry,
                "properties": {
                    "kind": "community",
                    "id": c.id,
                    "name": c.name,
                    "units": len(by_community.get(c.id, [])),
                    "open_needs": len(open_needs),
                    "gaps": gaps,
                    "gap_share": round(gaps / len(open_needs), 4) if open_needs else 0.0,
                    "outline": "imported" if c.id in outlines else "derived",
                    "centre": [round(centre[c.id][0], 6), round(centre[c.id][1], 6)],
                },
            }
        )
    aggregated = len(units) > POINT_LIMIT and community is None
    if aggregated:
        for c in placed:
            n = len(by_community.get(c.id, []))
            if n:
                features.append(
                    _point(
                        f"agg-{c.id}",
                        centre[c.id],
                        kind="units",
                        community_id=c.id,
                        name=c.name,
                        count=n,
                    )
                )
    else:
        for u in units:
            if community is not None and u.community_id != community:
                continue
            at, approximate = (u.lon, u.lat), False
            if u.lat is None or u.lon is None:
                if u.community_id not in centre:
                    continue
                at, approximate = centre[u.community_id], True
            props: dict[str, Any] = {
                "kind": "unit",
                "id": u.id,
                "name": u.name,
                "type": u.type.value,
                "community_id": u.community_id,
                "offers": sorted({r.kind.value for r in offers.get(u.id, [])}),
                "approximate": approximate,
            }
            if personal and u.contact:
                props["contact"] = u.contact
            features.append(_point(u.id, at, **props))
    return {
        "type": "FeatureCollection",
        "features": features,
        "meta": {
            "communities": len(communities),
            "units": len(units),
            "aggregated": aggregated,
            "unplaced": sorted(c.id for c in communities if c.id not in centre),
            "kind": kind,
            "bbox": list(_box(np.asarray(extent, dtype=float))) if extent else None,
            "outlines_version": outlines_version,
        },
    }


def _positions(geometry: dict[str, Any]) -> Iterable[list[float]]:
    """Every outer-ring position of a Polygon or MultiPolygon."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for polygon in polygons:
        yield from polygon[0][:-1]


def _outline_centre(geometry: dict[str, Any]) -> tuple[float, float]:
    """The mean of an outline's outer-ring positions (inside any convex outline)."""
    pts = np.asarray([p[:2] for p in _positions(geometry)], dtype=float)
    return float(pts[:, 0].mean()), float(pts[:, 1].mean())


def _point(fid: str, at: tuple[float | None, float | None], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": [at[0], at[1]]},
        "properties": props,
    }
