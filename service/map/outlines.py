"""Community outlines (社区边界) imported as GeoJSON, kept beside the graph.

The map derives a community's area from the communities' centres (Voronoi cells,
:mod:`gongjian.service.map.service`) until the committee imports surveyed outlines:
a GeoJSON ``FeatureCollection`` whose features are ``Polygon`` or ``MultiPolygon``
geometries, each naming its community in ``properties`` by id (``id`` or
``community_id``) or by its Chinese name (``name``, ``名称`` or ``社区``).

Validation (422 in Chinese, naming the feature): the geometry type, every position
a ``[lon, lat]`` pair of finite numbers within WGS-84's ranges, every ring closed
(first position = last) with at least four positions, the number of features and
positions bounded, each community at most once, and every community known — the
unknown ones are listed, and nothing is imported then.

A committee imports the outlines of its own sub-district's communities (issue 17): a
name is looked up among them first (a name two sub-districts share is its own), and a
file naming a community of another sub-district is refused whole (403, the communities
listed, nothing imported); ``replace=True`` replaces its own sub-district's outlines and
keeps the others'. The city role imports none (it writes no registry data).

The outlines are one settings document (:data:`OUTLINES_DOCUMENT`, versioned like
the suitability table): an import merges the new outlines into the stored ones
(``replace=True`` drops the sub-district's outlines not in the file) and is written
only if the stored version is the one the client's ``If-Match`` names, checked in the
write's own transaction: the merge is computed from the version read and written only
if that is still the stored one, so a concurrent import of another sub-district is
never lost (the later one gets 412 and retries on the new version). ``GET /map`` then
draws an imported outline exactly as imported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from gongjian.core.errors import InvalidInputError, PreconditionFailedError
from gongjian.graph.model import Community
from gongjian.graph.store import GraphStore
from gongjian.service.auth.permissions import require_committee
from gongjian.service.auth.schemas import User
from gongjian.service.errors import ForbiddenError
from gongjian.service.registry.service import expected_version

__all__ = [
    "MAX_FEATURES",
    "MAX_OUTLINE_BYTES",
    "MAX_POSITIONS",
    "OUTLINES_DOCUMENT",
    "import_outlines",
    "parse_outlines",
    "require_importer",
    "stored_outlines",
]

OUTLINES_DOCUMENT = "map_outlines"
#: an upload larger than this is refused before it is parsed
MAX_OUTLINE_BYTES = 4 * 1024 * 1024
MAX_FEATURES = 5_000
MAX_POSITIONS = 400_000
_ID_KEYS = ("community_id", "id")
_NAME_KEYS = ("name", "名称", "社区", "community")


def stored_outlines(store: GraphStore) -> tuple[dict[str, dict[str, Any]], int]:
    """The imported outlines by community id (GeoJSON geometries) and their version."""
    doc = store.get_document(OUTLINES_DOCUMENT)
    if doc is None:
        return {}, 0
    return json.loads(doc.body)["outlines"], doc.version


def _bad(where: str, what: str) -> InvalidInputError:
    return InvalidInputError(f"{where}：{what}", [{"field": where, "message": what}])


def _ring(ring: Any, where: str, count: list[int]) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise _bad(where, "环至少要有 4 个坐标点 (a ring needs at least 4 positions)")
    for i, pos in enumerate(ring):
        if (
            not isinstance(pos, list)
            or len(pos) not in (2, 3)
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
        ):
            raise _bad(
                where, f"第 {i + 1} 个坐标不是 [经度, 纬度] (position {i + 1} is not [lon, lat])"
            )
        lon, lat = pos[0], pos[1]
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise _bad(where, f"第 {i + 1} 个坐标不是有限数 (position {i + 1} is not finite)")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _bad(
                where,
                f"第 {i + 1} 个坐标 [{lon}, {lat}] 超出经纬度范围（经度 −180–180，纬度 −90–90）"
                " (out of WGS-84 range)",
            )
    if ring[0][:2] != ring[-1][:2]:
        raise _bad(where, "环未闭合：首尾坐标须相同 (ring not closed: first ≠ last position)")
    count[0] += len(ring)
    if count[0] > MAX_POSITIONS:
        raise InvalidInputError(
            f"坐标点过多，上限 {MAX_POSITIONS} 个 (more than {MAX_POSITIONS} positions)"
        )


def _polygon(rings: Any, where: str, count: list[int]) -> None:
    if not isinstance(rings, list) or not rings:
        raise _bad(where, "多边形至少要有一个环 (a polygon needs a ring)")
    for k, ring in enumerate(rings):
        _ring(ring, f"{where} 第 {k + 1} 环", count)


def _geometry(geometry: Any, where: str, count: list[int]) -> dict[str, Any]:
    if not isinstance(geometry, dict):
        raise _bad(where, "缺少 geometry (no geometry)")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        _polygon(coords, where, count)
    elif kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise _bad(where, "MultiPolygon 至少要有一个多边形 (no polygons)")
        for p, polygon in enumerate(coords):
            _polygon(polygon, f"{where} 第 {p + 1} 块", count)
    else:
        raise _bad(
            where,
            f"边界须为 Polygon 或 MultiPolygon，不能是 {str(kind)[:40]!r}"
            " (outlines are Polygon or MultiPolygon)",
        )
    return {"type": kind, "coordinates": coords}


def _label(props: dict[str, Any]) -> tuple[str | None, str | None]:
    ident = next((str(props[k]) for k in _ID_KEYS if props.get(k) not in (None, "")), None)
    name = next((str(props[k]) for k in _NAME_KEYS if props.get(k) not in (None, "")), None)
    return ident, name


def parse_outlines(
    data: bytes, communities: Sequence[Community], others: Sequence[Community] = ()
) -> dict[str, dict[str, Any]]:
    """The outlines of an uploaded FeatureCollection by community id, validated.

    ``communities`` are those the importer may outline; a feature naming one of
    ``others`` (another sub-district's) refuses the whole file (403).
    """
    if len(data) > MAX_OUTLINE_BYTES:
        raise InvalidInputError(
            f"边界文件过大，上限 {MAX_OUTLINE_BYTES // (1024 * 1024)} MiB"
            f" (outline file over {MAX_OUTLINE_BYTES} bytes)"
        )
    try:
        fc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidInputError(
            f"不是有效的 GeoJSON（JSON 解析失败）(not valid JSON): {exc}"
        ) from None
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
        raise InvalidInputError(
            "须为 GeoJSON FeatureCollection (expected a GeoJSON FeatureCollection)"
        )
    features = fc.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInputError("FeatureCollection 中没有边界 (no features)")
    if len(features) > MAX_FEATURES:
        raise InvalidInputError(f"边界过多，上限 {MAX_FEATURES} 个 (more than {MAX_FEATURES})")
    by_id = {c.id: c for c in communities}
    by_name: dict[str, list[Community]] = {}
    for c in communities:
        by_name.setdefault(c.name, []).append(c)
    foreign_ids = {c.id for c in others}
    foreign_names = {c.name for c in others}
    out: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    foreign: list[str] = []
    count = [0]
    for i, f in enumerate(features):
        where = f"第 {i + 1} 个边界"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise _bad(where, "不是 GeoJSON Feature (not a Feature)")
        props = f.get("properties") if isinstance(f.get("properties"), dict) else {}
        ident, name = _label(props)
        if ident is None and isinstance(f.get("id"), str | int):
            ident = str(f["id"])
        if ident is None and name is None:
            raise _bad(where, "properties 中须有社区编号 id 或名称 name (name the community)")
        where = f"{where}（{name or ident}）"
        geometry = _geometry(f.get("geometry"), where, count)
        if ident is not None and ident in by_id:
            cid = ident
        elif name is not None and len(by_name.get(name, [])) == 1:
            cid = by_name[name][0].id
        elif name is not None and len(by_name.get(name, [])) > 1:
            raise _bad(where, f"有多个社区名为 {name}，请用社区编号 id (name is ambiguous)")
        elif ident in foreign_ids or name in foreign_names:
            foreign.append(str(name or ident))
            continue
        else:
            unknown.append(str(name or ident))
            continue
        if cid in out:
            raise _bad(where, f"社区 {by_id[cid].name} 的边界重复 (community given twice)")
        out[cid] = geometry
    if foreign:
        listed = "、".join(foreign[:20]) + ("等" if len(foreign) > 20 else "")
        raise ForbiddenError(
            f"有 {len(foreign)} 个边界的社区属于其他街道：{listed}；无权导入其他街道社区的边界，"
            "未导入任何边界 (communities of another sub-district; nothing imported)",
            communities=foreign[:100],
        )
    if unknown:
        listed = "、".join(unknown[:20]) + ("等" if len(unknown) > 20 else "")
        raise InvalidInputError(
            f"有 {len(unknown)} 个边界的社区不存在：{listed}；未导入任何边界"
            f" (unknown communities; nothing imported)",
            [{"field": "community", "message": u} for u in unknown[:100]],
        )
    return out


def require_importer(user: User) -> None:
    """Only the committee imports outlines (403 for every other role)."""
    require_committee(user, "导入社区边界")


def import_outlines(
    *,
    store: GraphStore,
    user: User,
    data: bytes,
    if_match: str | None,
    replace: bool = False,
) -> tuple[int, int]:
    """Import an uploaded FeatureCollection (committee); ``(outlines imported, version)``.

    Only the communities of the committee's sub-district may be named (403 for
    another's, nothing imported); ``replace`` drops the sub-district's other outlines
    and keeps every other sub-district's. The merge is read at the version
    ``If-Match`` names and written only if it is still the stored one (412
    otherwise), checked in the write's transaction.
    """
    require_importer(user)
    version = expected_version(if_match)
    everyone = store.list(Community, limit=None)
    code = user.subdistrict
    own = [c for c in everyone if code is None or c.subdistrict == code]
    mine = {c.id for c in own}
    outlines = parse_outlines(data, own, [c for c in everyone if c.id not in mine])
    current, stored_version = stored_outlines(store)
    if version is not None and version != stored_version:
        raise PreconditionFailedError(
            f"社区边界已被他人修改（当前版本 {stored_version}），请刷新后重试"
            " (outlines changed since you read them; reload and try again)",
            etag=f'"{stored_version}"',
        )
    kept = {cid: g for cid, g in current.items() if not (replace and cid in mine)}
    merged = {**kept, **outlines}
    body = json.dumps({"outlines": merged}, ensure_ascii=False, separators=(",", ":"))
    new_version = store.put_document(
        OUTLINES_DOCUMENT, body, expected_version=stored_version if version is None else version
    )
    return len(outlines), new_version
