"""Deterministic synthetic networks for tests and benchmarks.

:func:`generate` builds a plausible sub-district of any size (up to about 2,000
units, 20,000 needs and 800 activities in a few seconds): ~10 units per
community on a planar-ish adjacency (a jittered lattice with some diagonals),
2–4 grids per community, unit types with realistic shares, each unit offering
2–4 resource kinds that fit its type, resource and unit capacities sized to
~1.2× the quarter's demand, open needs in the quarter plus a modest history in
the previous quarter, activities on working days, pairings and party members.

Communities and units get plausible coordinates (WGS-84, around the 星城 seed's
sub-district): communities on the same near-square lattice as their adjacency,
~1 km apart with some jitter, units scattered around their community's centre.
They come from a second stream, ``random.Random(f"geo-{seed}")``, so every other
value is what it was before coordinates existed (benchmarks stay comparable).

Everything comes from one ``random.Random(seed)``: the same arguments give an
identical network. Entities are built without validation for speed (:func:`_construct`); the
generator only produces values that pass validation (the tests validate them).

Length: ~770 lines, of which ~200 are vocabulary tables (titles and kinds per unit
type); the generator itself is one deterministic random stream and reads top to bottom.
"""

from __future__ import annotations

import copy
import enum
import functools
import itertools
import math
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from gongjian.core.gcpause import gc_paused
from gongjian.graph.model import (
    Activity,
    ActivityRole,
    Assignment,
    Community,
    Entity,
    Grid,
    JointType,
    Need,
    NeedCategory,
    NeedStatus,
    Pairing,
    PartyMember,
    Resource,
    Subdistrict,
    Unit,
    UnitType,
    quarter_dates,
)
from gongjian.graph.model import ResourceKind as K
from gongjian.seeds.network import HISTORY_PLAN_ID, SeedNetwork

__all__ = ["KINDS_BY_TYPE", "UNIT_TYPE_SHARES", "generate", "previous_quarter"]

#: share of each unit type among resident units
UNIT_TYPE_SHARES: dict[UnitType, float] = {
    UnitType.enterprise: 0.22,
    UnitType.social_org: 0.12,
    UnitType.property_company: 0.12,
    UnitType.school: 0.09,
    UnitType.kindergarten: 0.07,
    UnitType.government: 0.09,
    UnitType.retirees_centre: 0.05,
    UnitType.hospital: 0.06,
    UnitType.bank: 0.07,
    UnitType.police: 0.05,
    UnitType.other: 0.06,
}

#: resource kinds a unit of each type may offer, with weights (first ones most typical)
KINDS_BY_TYPE: dict[UnitType, tuple[tuple[K, int], ...]] = {
    UnitType.school: (
        (K.venue_learning, 4),
        (K.venue_sports, 4),
        (K.education, 4),
        (K.children, 3),
        (K.fire_safety, 3),
        (K.venue_culture, 2),
        (K.party_building, 1),
    ),
    UnitType.kindergarten: (
        (K.children, 5),
        (K.education, 3),
        (K.venue_learning, 1),
        (K.fire_safety, 1),
    ),
    UnitType.hospital: (
        (K.medical, 6),
        (K.elderly_care, 4),
        (K.education, 1),
        (K.volunteer, 1),
    ),
    UnitType.bank: (
        (K.finance, 5),
        (K.anti_fraud, 5),
        (K.poverty_relief, 1),
        (K.party_building, 1),
    ),
    UnitType.property_company: (
        (K.repair, 6),
        (K.environment, 5),
        (K.security_patrol, 3),
        (K.fire_safety, 2),
    ),
    UnitType.police: (
        (K.security_patrol, 5),
        (K.traffic_safety, 4),
        (K.anti_fraud, 4),
        (K.mediation, 3),
    ),
    UnitType.government: (
        (K.mediation, 3),
        (K.legal_aid, 3),
        (K.environment, 3),
        (K.employment, 2),
        (K.traffic_safety, 2),
        (K.poverty_relief, 2),
        (K.party_building, 2),
        (K.repair, 2),
    ),
    UnitType.retirees_centre: (
        (K.culture_arts, 5),
        (K.venue_culture, 3),
        (K.elderly_care, 3),
        (K.library, 2),
        (K.venue_sports, 1),
    ),
    UnitType.enterprise: (
        (K.volunteer, 4),
        (K.employment, 3),
        (K.repair, 2),
        (K.poverty_relief, 2),
        (K.finance, 1),
        (K.environment, 1),
    ),
    UnitType.social_org: (
        (K.volunteer, 4),
        (K.elderly_care, 3),
        (K.children, 3),
        (K.mediation, 2),
        (K.legal_aid, 2),
        (K.culture_arts, 1),
    ),
    UnitType.other: (
        (K.volunteer, 3),
        (K.library, 2),
        (K.environment, 2),
        (K.culture_arts, 2),
    ),
}

#: kinds that suit each joint type's activity roles
_KINDS_BY_JOINT: dict[JointType, tuple[K, ...]] = {
    JointType.joint_activities: (
        K.culture_arts,
        K.environment,
        K.children,
        K.volunteer,
        K.fire_safety,
    ),
    JointType.joint_organization: (K.party_building, K.volunteer, K.education),
    JointType.shared_resources: (
        K.venue_learning,
        K.venue_culture,
        K.venue_sports,
        K.library,
    ),
    JointType.joint_member_management: (K.party_building, K.volunteer),
    JointType.joint_services: (
        K.medical,
        K.legal_aid,
        K.anti_fraud,
        K.mediation,
        K.security_patrol,
        K.elderly_care,
        K.finance,
    ),
}

#: titles whose need category is narrower than the resource kind drawn (as in the 星城 seed)
_TITLE_CATEGORY: dict[str, NeedCategory] = {
    "地下室消防隐患": NeedCategory.fire_hazard,
    "楼道电动车充电隐患": NeedCategory.fire_hazard,
    "路面破损": NeedCategory.road_damage,
    "路灯不亮": NeedCategory.street_light,
    "下水不通": NeedCategory.drainage,
    "暖气不热": NeedCategory.heating_fault,
    "增设减速带": NeedCategory.traffic_calming,
    "慢病义诊咨询": NeedCategory.health_checkup,
}

#: need titles per category; the effort range and priority range of such orders
_NEED_TITLES: dict[K, tuple[tuple[str, ...], tuple[int, int], tuple[int, int]]] = {
    K.venue_learning: (("市民学校上课场地", "党员学习场地"), (1, 2), (1, 2)),
    K.venue_culture: (("合唱队排练场地", "舞蹈队活动场地"), (1, 2), (1, 2)),
    K.venue_sports: (("门球队训练场地", "居民健身场地不足"), (1, 2), (1, 3)),
    K.library: (("图书室图书更新", "电子阅览室延长开放"), (1, 1), (1, 2)),
    K.medical: (("老年人健康体检", "慢病义诊咨询"), (1, 3), (3, 4)),
    K.education: (("家庭教育讲座", "青少年课后辅导"), (1, 2), (2, 3)),
    K.finance: (("老年人智能支付培训", "社保卡激活咨询"), (1, 2), (2, 3)),
    K.anti_fraud: (("防范电信诈骗宣传", "防范养老诈骗讲座"), (1, 2), (3, 4)),
    K.legal_aid: (("法律咨询", "劳动争议法律援助"), (1, 2), (2, 4)),
    K.mediation: (("邻里漏水纠纷调解", "停车位纠纷调解", "噪音扰民纠纷调解"), (1, 2), (3, 4)),
    K.security_patrol: (("夜间治安巡逻", "外来车辆管控"), (2, 3), (3, 4)),
    K.fire_safety: (("地下室消防隐患", "楼道电动车充电隐患"), (2, 4), (4, 5)),
    K.traffic_safety: (("增设减速带", "学校门口交通疏导"), (1, 3), (3, 4)),
    K.repair: (("路面破损", "路灯不亮", "下水不通", "暖气不热"), (1, 4), (3, 5)),
    K.environment: (("楼道小广告清理", "绿地垃圾清运", "废弃自行车清理"), (1, 3), (2, 4)),
    K.culture_arts: (("文化艺术讲堂", "文艺演出辅导"), (1, 2), (1, 3)),
    K.elderly_care: (("独居老人探访", "高龄老人助餐"), (1, 3), (3, 4)),
    K.children: (("少儿课后托管", "周末亲子活动"), (1, 3), (2, 4)),
    K.employment: (("再就业技能培训", "就业指导"), (1, 3), (2, 4)),
    K.poverty_relief: (("困难家庭慰问", "困难家庭帮扶"), (1, 2), (3, 4)),
    K.party_building: (("在职党员报到活动", "党组织联建活动"), (1, 2), (1, 3)),
    K.volunteer: (("志愿服务进楼门", "学雷锋志愿服务"), (1, 2), (1, 3)),
}

#: activity titles: by joint type for the party-organisation joints, else by the first role's kind
_ACTIVITY_TITLES: dict[JointType, tuple[str, ...]] = {
    JointType.joint_organization: ("结对共建联席会", "主题党日联学", "党组织联建签约"),
    JointType.joint_member_management: ("在职党员双报到", "党员积分评议", "党员进社区志愿服务"),
}
_ACTIVITY_TITLES_BY_KIND: dict[K, str] = {
    K.venue_learning: "市民学校开课",
    K.venue_culture: "文化场馆开放日",
    K.venue_sports: "体育场馆开放日",
    K.library: "图书阅览开放周",
    K.medical: "义诊进社区",
    K.education: "市民课堂",
    K.finance: "金融知识进社区",
    K.anti_fraud: "防诈骗宣讲",
    K.legal_aid: "法律咨询日",
    K.mediation: "矛盾纠纷调解日",
    K.security_patrol: "平安巡防",
    K.fire_safety: "消防安全小手拉大手",
    K.traffic_safety: "交通安全宣传",
    K.repair: "便民维修日",
    K.environment: "环境清洁日",
    K.culture_arts: "文艺演出",
    K.elderly_care: "敬老服务日",
    K.children: "少儿活动日",
    K.employment: "就业招聘会",
    K.poverty_relief: "帮困慰问",
    K.party_building: "党建联建活动",
    K.volunteer: "志愿服务日",
}

_PLACE_A = "星燕凤东西南北向迎和安康福兴华文明新长青金银春秋"
_PLACE_B = "城山凰风阳平宁乐园苑里桥湖林泉苗光河"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰萍红建国志文斌辉鹏飞慧琳燕梅丹波宁凯浩亮婷雪晨欣怡佳瑶嘉俊宇峰"
_COMPANY = "恒信达通源泰丰盛联创华瑞宏博汇鑫隆"
_BANKS = ("工商银行", "建设银行", "农业银行", "中国银行", "邮储银行", "交通银行")
_CN_DIGITS = "零一二三四五六七八九"

#: the lattice's north-west corner (near the 星城 seed) and its spacing in degrees
_ORIGIN = (39.76, 115.94)
_SPACING = (0.009, 0.0115)  # ~1 km north–south and east–west at this latitude


def _community_places(geo: random.Random, n: int) -> list[tuple[float, float]]:
    """``(lat, lon)`` per community: row-major on the adjacency's lattice, jittered."""
    cols = max(1, math.ceil(math.sqrt(n)))
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        lat = _ORIGIN[0] - (r + geo.uniform(-0.15, 0.15)) * _SPACING[0]
        lon = _ORIGIN[1] + (c + geo.uniform(-0.15, 0.15)) * _SPACING[1]
        out.append((round(lat, 6), round(lon, 6)))
    return out


def _near(geo: random.Random, centre: tuple[float, float]) -> tuple[float, float]:
    """A point within 20 % of the lattice spacing of ``centre`` (so inside the area the
    map derives for its community: neighbours' centres are at least 70 % apart)."""
    lat = centre[0] + geo.uniform(-0.2, 0.2) * _SPACING[0]
    lon = centre[1] + geo.uniform(-0.2, 0.2) * _SPACING[1]
    return round(lat, 6), round(lon, 6)


# dates that are not working days although they fall on Mon–Fri (main public holidays)
_HOLIDAYS = frozenset(
    [(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5)] + [(10, d) for d in range(1, 8)]
)


def previous_quarter(quarter: str) -> str:
    """``2026Q1`` → ``2025Q4``."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def _cn_number(n: int) -> str:
    """Small Chinese numerals for school names (1–99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return f"{head}十{_CN_DIGITS[ones] if ones else ''}"


def _working_days(quarter: str) -> list[date]:
    start, end = quarter_dates(quarter)
    days = []
    d = start
    while d <= end:
        if d.isoweekday() <= 5 and (d.month, d.day) not in _HOLIDAYS:
            days.append(d)
        d += timedelta(days=1)
    return days


def _all_days(quarter: str) -> list[date]:
    start, end = quarter_dates(quarter)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _adjacency(rng: random.Random, n: int) -> list[tuple[int, int]]:
    """A connected, planar-ish graph on ``n`` nodes with degree 2–6 (when n ≥ 3).

    Nodes sit on a near-square lattice (row-major); lattice edges connect
    horizontal and vertical neighbours, and each cell gets at most one diagonal
    (with probability 0.35), which keeps the graph planar and degrees ≤ 6 …
    except that a lone node in a short last row gets an extra diagonal.
    """
    if n <= 1:
        return []
    cols = max(1, math.ceil(math.sqrt(n)))
    edges: set[tuple[int, int]] = set()

    def pos(i: int) -> tuple[int, int]:
        return divmod(i, cols)

    def idx(r: int, c: int) -> int | None:
        i = r * cols + c
        return i if 0 <= c < cols and 0 <= i < n else None

    degree = [0] * n

    def add(a: int, b: int) -> None:
        edges.add((min(a, b), max(a, b)))
        degree[a] += 1
        degree[b] += 1

    for i in range(n):
        r, c = pos(i)
        for j in (idx(r, c + 1), idx(r + 1, c)):
            if j is not None:
                add(i, j)
    for i in range(n):
        # at most one diagonal per lattice cell, keeping the graph planar and degrees ≤ 6
        r, c = pos(i)
        b, cc, d = idx(r, c + 1), idx(r + 1, c), idx(r + 1, c + 1)
        if b is None or cc is None or d is None or rng.random() >= 0.35:
            continue
        x, y = (i, d) if rng.random() < 0.5 else (b, cc)
        if degree[x] < 6 and degree[y] < 6:
            add(x, y)
    if n >= 3:
        for i in range(n):
            if degree[i] < 2:
                r, c = pos(i)
                # a node with one lattice neighbour: join it to a diagonal / next neighbour
                for cand in (idx(r - 1, c + 1), idx(r - 1, c - 1), idx(r, c - 2), idx(r - 2, c)):
                    if cand is None or cand == i:
                        continue
                    if (min(i, cand), max(i, cand)) not in edges and degree[cand] < 6:
                        add(i, cand)
                        break
    return sorted(edges)


def _fill_roles(
    rng: random.Random,
    wanted: list[tuple[K, int]],
    offered: dict[K, list[int]],
    weekdays: dict[tuple[int, K], tuple[int, ...]],
    weekday: int,
) -> list[tuple[K, list[int]]] | None:
    """Distinct units for each role, open on ``weekday``; counts shrink to what is possible.

    None when some role finds no unit at all.
    """
    used: set[int] = set()
    out = []
    for kind, count in wanted:
        chosen: list[int] = []
        providers = offered[kind]
        start = rng.randrange(len(providers))
        for n in range(len(providers)):
            i = providers[(start + n) % len(providers)]
            if len(chosen) == count:
                break
            wd = weekdays[(i, kind)]
            if i not in used and (not wd or weekday in wd):
                chosen.append(i)
                used.add(i)
        if not chosen:
            return None
        out.append((kind, chosen))
    return out


M = TypeVar("M", bound=BaseModel)


def _construct(cls: type[M], **values: Any) -> M:
    """``cls.model_construct(**values)``, its defaults filled from a table built once.

    pydantic's ``model_construct`` inspects the signature of every default factory
    (``list``, ``dict``, …) on every call: at district size that was most of the
    generator's time and, with the cyclic GC off, over a gigabyte of garbage.
    """
    obj = cls.__new__(cls)
    given = set(values)
    fields: dict[str, Any] = {}
    for name, default, factory, takes_data in _defaults_of(cls):
        if name in values:
            fields[name] = values[name]
        elif factory is not None:
            fields[name] = factory(fields) if takes_data else factory()
        elif default is not _REQUIRED:
            fields[name] = default if isinstance(default, _IMMUTABLE) else copy.deepcopy(default)
    object.__setattr__(obj, "__dict__", fields)
    object.__setattr__(obj, "__pydantic_fields_set__", given)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


_REQUIRED = object()
_IMMUTABLE = (type(None), bool, int, float, str, enum.Enum, date)


@functools.cache
def _defaults_of(cls: type[BaseModel]) -> tuple[tuple[str, Any, Any, bool], ...]:
    """Per field of ``cls``: name, default (or ``_REQUIRED``), factory, factory takes data."""
    assert not cls.__pydantic_post_init__ and cls.model_config.get("extra") != "allow"
    out = []
    for name, f in cls.model_fields.items():
        assert f.alias is None or f.alias == name, f"{cls.__name__}.{name} has an alias"
        if f.default_factory is not None:
            out.append(
                (name, None, f.default_factory, bool(f.default_factory_takes_validated_data))
            )
        else:
            out.append((name, _REQUIRED if f.is_required() else f.default, None, False))
    return tuple(out)


def _weighted_sample(rng: random.Random, items: list[K], weights: list[int], k: int) -> list[K]:
    """``k`` distinct items, drawn by weight (stable order)."""
    pool, w = list(items), list(weights)
    out: list[K] = []
    for _ in range(min(k, len(pool))):
        i = rng.choices(range(len(pool)), w)[0]
        out.append(pool.pop(i))
        w.pop(i)
    return out


def generate(
    units: int,
    needs: int,
    activities: int,
    seed: int = 1,
    quarter: str = "2026Q4",
) -> SeedNetwork:
    """A synthetic network with exactly ``units`` units, ``needs`` open needs and
    ``activities`` activities in ``quarter``.

    On top of those come ~10 % history needs (resolved or followed up) and ~5 %
    history activities with their assignments in the previous quarter. The same
    arguments always give the same network.
    """
    # tens of thousands of small objects: the cyclic GC only slows this down
    with gc_paused():
        return _generate(units, needs, activities, seed, quarter)


def _generate(units: int, needs: int, activities: int, seed: int, quarter: str) -> SeedNetwork:
    if units < 1 or needs < 0 or activities < 0:
        raise ValueError("units must be ≥ 1, needs and activities ≥ 0")
    quarter_dates(quarter)  # validates the quarter
    rng = random.Random(seed)
    geo = random.Random(f"geo-{seed}")  # coordinates only: ``rng`` draws as before
    prev = previous_quarter(quarter)
    entities: list[Entity] = []

    # ---- sub-district, communities, adjacency, grids
    sd_id = "sd01"
    entities.append(_construct(Subdistrict, id=sd_id, name="星城街道"))
    n_comm = max(1, round(units / 10))
    places = [a + b for a in _PLACE_A for b in _PLACE_B]
    rng.shuffle(places)
    comm_ids = [f"c{i + 1:04d}" for i in range(n_comm)]
    comm_names: list[str] = []
    comm_place: dict[str, str] = {}
    for i, cid in enumerate(comm_ids):
        base = places[i % len(places)]
        comm_place[cid] = base
        comm_names.append(f"{base}社区" if i < len(places) else f"{base}第{i // len(places)}社区")
    comm_name_of = dict(zip(comm_ids, comm_names, strict=True))
    brands = ("邻里守望", "银龄互助", "书香社区", "平安楼门", "绿色家园", "红色引擎", "小手拉大手")
    comm_at = dict(zip(comm_ids, _community_places(geo, n_comm), strict=True))
    for cid, name in zip(comm_ids, comm_names, strict=True):
        stars = rng.choices([2, 3, 4, 5], [2, 5, 3, 1])[0]
        brand = rng.choice(brands) if rng.random() < 0.6 else None
        lat, lon = comm_at[cid]
        entities.append(
            _construct(
                Community,
                id=cid,
                name=name,
                subdistrict_id=sd_id,
                brand=brand,
                stars=stars,
                lat=lat,
                lon=lon,
            )
        )
    adjacency = [(comm_ids[a], comm_ids[b]) for a, b in _adjacency(rng, n_comm)]
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in adjacency:
        neighbours[a].append(b)
        neighbours[b].append(a)

    def person() -> str:
        given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
        return rng.choice(_SURNAMES) + given

    grids_of: dict[str, list[str]] = {}
    for cid, cname in zip(comm_ids, comm_names, strict=True):
        ids = []
        for k in range(1, rng.randint(2, 4) + 1):
            gid = f"{cid}-g{k}"
            ids.append(gid)
            entities.append(
                _construct(
                    Grid, id=gid, name=f"{cname}第{k}网格", community_id=cid, keeper=person()
                )
            )
        grids_of[cid] = ids

    # ---- units: ~10 per community, types by share
    types = list(UNIT_TYPE_SHARES)
    shares = [UNIT_TYPE_SHARES[t] for t in types]
    unit_ids = [f"u{i + 1:05d}" for i in range(units)]
    unit_comm = [comm_ids[i % n_comm] for i in range(units)]
    rng.shuffle(unit_comm)
    unit_type = rng.choices(types, shares, k=units)
    type_counter: dict[UnitType, int] = defaultdict(int)
    unit_names: list[str] = []
    for i in range(units):
        t = unit_type[i]
        type_counter[t] += 1
        n = type_counter[t]
        unit_names.append(_unit_name(rng, t, n, comm_place[unit_comm[i]]))

    # ---- resource kinds per unit
    unit_kinds: list[list[K]] = []
    for i in range(units):
        table = KINDS_BY_TYPE[unit_type[i]]
        kinds = _weighted_sample(
            rng, [k for k, _ in table], [w for _, w in table], rng.randint(2, 4)
        )
        unit_kinds.append(kinds)
    # when each declared resource is available (weekdays; quarters always include ``quarter``)
    weekday_choices: tuple[tuple[int, ...], ...] = (
        (),
        (),
        (),
        (1, 2, 3, 4, 5),
        (1, 3, 5),
        (2, 4),
        (1, 2, 3, 4, 5, 6),
    )
    res_weekdays: dict[tuple[int, K], tuple[int, ...]] = {}
    res_quarters: dict[tuple[int, K], list[str]] = {}
    for i, kinds in enumerate(unit_kinds):
        for k in kinds:
            wd = rng.choice(weekday_choices)
            if k in (K.venue_sports, K.venue_culture, K.venue_learning) and rng.random() < 0.3:
                wd = (5, 6, 7)  # school venues: Friday afternoon and weekends
            res_weekdays[(i, k)] = wd
            roll = rng.random()
            res_quarters[(i, k)] = (
                [] if roll < 0.7 else sorted({prev, quarter} if roll < 0.85 else {quarter})
            )
    offered: dict[K, list[int]] = defaultdict(list)  # kind → unit indices
    for i, kinds in enumerate(unit_kinds):
        for k in kinds:
            offered[k].append(i)
    offered_kinds = [k for k in K if offered.get(k)]
    supply_cum = list(itertools.accumulate(len(offered[k]) for k in offered_kinds))
    units_in: dict[str, list[int]] = defaultdict(list)
    for i, cid in enumerate(unit_comm):
        units_in[cid].append(i)

    def nearby_provider(kind: K, cid: str) -> int:
        """A unit offering ``kind``: in the community, else a neighbour, else anywhere."""
        local = [i for i in units_in[cid] if kind in unit_kinds[i]]
        if local and rng.random() < 0.7:
            return rng.choice(local)
        near = [i for c in neighbours[cid] for i in units_in[c] if kind in unit_kinds[i]]
        if near and rng.random() < 0.8:
            return rng.choice(near)
        return rng.choice(offered[kind])

    # ---- needs in the quarter (open) and history (previous quarter)
    working = _working_days(quarter)
    prev_days = _all_days(prev)
    q_days = _all_days(quarter)
    need_entities: list[Need] = []
    demand: dict[K, int] = defaultdict(int)
    n_hist = needs // 10
    for j in range(needs + n_hist):
        history = j >= needs
        cat = rng.choices(offered_kinds, cum_weights=supply_cum)[0]
        titles, effort_range, prio_range = _NEED_TITLES[cat]
        cid = rng.choice(comm_ids)
        effort = rng.randint(*effort_range)
        title = rng.choice(titles)
        fields: dict[str, Any] = {
            "id": f"n{j + 1:06d}",
            "title": title,
            "category": _TITLE_CATEGORY.get(title) or NeedCategory(cat.value),
            "community_id": cid,
            "grid_id": rng.choice(grids_of[cid]),
            "quarter": prev if history else quarter,
            "effort": effort,
            "priority": rng.randint(*prio_range),
            "due": rng.choice(prev_days if history else q_days[len(q_days) // 6 :]),
            "status": NeedStatus.open,
            "claimed_by": None,
            "satisfaction": None,
            "whistle": cat in (K.fire_safety, K.repair) and rng.random() < 0.05,
            "description": None,
        }
        if history:
            done = rng.random() < 0.6
            fields["status"] = NeedStatus.followed_up if done else NeedStatus.resolved
            fields["claimed_by"] = unit_ids[nearby_provider(cat, cid)]
            fields["satisfaction"] = rng.choices([5, 4, 3, 2], [50, 35, 12, 3])[0] if done else None
        else:
            demand[cat] += effort
        need_entities.append(_construct(Need, **fields))

    # ---- activities in the quarter (+ a few in the previous quarter, with assignments)
    prev_working = _working_days(prev)
    joint_types = list(JointType)
    activity_entities: list[Activity] = []
    assignments: list[Assignment] = []
    n_hist_act = activities // 20
    for j in range(activities + n_hist_act):
        history = j >= activities
        jt = joint_types[j % len(joint_types)] if j < 5 else rng.choice(joint_types)
        suitable = [k for k in _KINDS_BY_JOINT[jt] if len(offered.get(k, ())) >= 1]
        candidates = suitable or offered_kinds
        n_roles = min(len(candidates), rng.choices([1, 2, 3], [4, 4, 2])[0])
        kinds = rng.sample(candidates, n_roles)
        wanted = [(k, min(rng.choices([1, 2], [3, 1])[0], len(offered[k]))) for k in kinds]
        days = prev_working if history else working
        day, fill = rng.choice(days), None
        for _attempt in range(12):
            fill = _fill_roles(rng, wanted, offered, res_weekdays, day.isoweekday())
            if fill is not None:
                break
            day = rng.choice(days)
        if fill is None:  # fall back to one unit of the first kind on a day it is open
            k = wanted[0][0]
            i0 = offered[k][0]
            wd0 = res_weekdays[(i0, k)]
            day = next((d for d in days if not wd0 or d.isoweekday() in wd0), days[0])
            fill = [(k, [i0])]
        roles = []
        for k, chosen in fill:
            roles.append(_construct(ActivityRole, kind=k, count=len(chosen)))
            if not history:
                demand[k] += len(chosen) * 2
        total = sum(r.count for r in roles)
        cid = rng.choice(comm_ids)
        aid = f"a{j + 1:05d}"
        if jt in _ACTIVITY_TITLES:
            title = rng.choice(_ACTIVITY_TITLES[jt])
        else:
            title = _ACTIVITY_TITLES_BY_KIND[fill[0][0]]
        activity_entities.append(
            _construct(
                Activity,
                id=aid,
                title=f"{comm_name_of[cid]}{title}",
                joint_type=jt,
                quarter=prev if history else quarter,
                date=day,
                community_id=cid,
                roles=roles,
                min_units=min(total, rng.choice((1, total))),
                max_units=total + rng.randint(0, 2),
                brand=None,
            )
        )
        if history:
            for k, chosen in fill:
                for u in chosen:
                    assignments.append(
                        _construct(
                            Assignment,
                            activity_id=aid,
                            unit_id=unit_ids[u],
                            role=k,
                            plan_id=HISTORY_PLAN_ID,
                        )
                    )

    # ---- capacities: per kind ~1.2× demand spread over its providers, unit ~0.92× sum
    resource_entities: list[Resource] = []
    unit_res_cap = [0] * units
    res_caps: dict[tuple[int, K], int] = {}
    for k in offered_kinds:
        providers = offered[k]
        target = demand.get(k, 0) * 1.2
        weights = [rng.uniform(0.5, 1.5) for _ in providers]
        total_w = sum(weights)
        for i, w in zip(providers, weights, strict=True):
            cap = max(1, math.ceil(target * w / total_w))
            res_caps[(i, k)] = cap
            unit_res_cap[i] += cap
    r_no = 0
    for i in range(units):
        for k in unit_kinds[i]:
            r_no += 1
            resource_entities.append(
                _construct(
                    Resource,
                    id=f"r{r_no:06d}",
                    unit_id=unit_ids[i],
                    kind=k,
                    name=f"{unit_names[i]}{k.label_zh}",
                    capacity=res_caps[(i, k)],
                    quarters=res_quarters[(i, k)],
                    weekdays=list(res_weekdays[(i, k)]),
                )
            )

    unit_entities = []
    for i in range(units):
        cap = max(2, round(unit_res_cap[i] * 0.92))
        lat, lon = _near(geo, comm_at[unit_comm[i]])
        unit_entities.append(
            _construct(
                Unit,
                id=unit_ids[i],
                name=unit_names[i],
                type=unit_type[i],
                community_id=unit_comm[i],
                capacity=min(cap, 100_000),
                brand=None,
                contact=person() if rng.random() < 0.5 else None,
                lat=lat,
                lon=lon,
            )
        )

    # ---- pairings: each community with 1–3 units (own, then neighbours')
    pairings: list[Pairing] = []
    for cid in comm_ids:
        pool = list(units_in[cid]) or [i for c in neighbours[cid] for i in units_in[c]]
        if not pool:
            pool = list(range(units))
        for i in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
            pairings.append(_construct(Pairing, unit_id=unit_ids[i], community_id=cid))

    # ---- in-service party members: ~2 per unit
    members = []
    for m in range(2 * units):
        i = rng.randrange(units)
        home = unit_comm[i]
        if rng.random() < 0.5:
            home = rng.choice(neighbours[home] or comm_ids)
        members.append(
            _construct(
                PartyMember,
                id=f"m{m + 1:06d}",
                name=person(),
                unit_id=unit_ids[i],
                community_id=home,
                points=rng.randint(0, 60) * 5,
            )
        )

    entities.extend(unit_entities)
    entities.extend(resource_entities)
    entities.extend(need_entities)
    entities.extend(activity_entities)
    entities.extend(members)
    return SeedNetwork(entities, adjacency, pairings, assignments)


def _unit_name(rng: random.Random, t: UnitType, n: int, place: str) -> str:
    company = "".join(rng.sample(_COMPANY, 2))
    match t:
        case UnitType.school:
            return f"{place}第{_cn_number((n + 1) // 2 % 99 or 99)}{'中学' if n % 2 else '小学'}"
        case UnitType.kindergarten:
            return f"{place}第{n}幼儿园"
        case UnitType.hospital:
            return f"{place}社区卫生服务站" if n % 2 else f"燕化医院{place}分院"
        case UnitType.bank:
            return f"{rng.choice(_BANKS)}{place}支行"
        case UnitType.property_company:
            return f"{company}物业"
        case UnitType.police:
            return f"{place}派出所" if n % 3 else f"{place}交警中队"
        case UnitType.government:
            return f"{place}{rng.choice(('城管执法队', '综治中心', '司法所', '社保所', '消防站'))}"
        case UnitType.retirees_centre:
            return f"{place}离退休活动站"
        case UnitType.enterprise:
            return f"{company}{rng.choice(('科技', '商贸', '建设', '餐饮'))}有限公司"
        case UnitType.social_org:
            return f"{place}{rng.choice(('社工服务中心', '志愿者协会', '公益服务社'))}"
        case _:
            return f"{place}{rng.choice(('文化站', '便民服务站', '图书馆'))}"
