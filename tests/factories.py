"""One factory per entity, with Chinese text; tests build data with these."""

from __future__ import annotations

from datetime import date
from typing import Any

from gongjian.graph.model import (
    Activity,
    ActivityRole,
    Community,
    Entity,
    Grid,
    Need,
    PartyMember,
    Resource,
    Subdistrict,
    Unit,
)


def subdistrict(**kw: Any) -> Subdistrict:
    return Subdistrict(**{"id": "sd1", "name": "星城街道", **kw})


def community(i: int = 1, **kw: Any) -> Community:
    return Community(
        **{"id": f"c{i}", "name": f"第{i}社区", "subdistrict_id": "sd1", "brand": "红色管家", **kw}
    )


def grid(i: int = 1, community_id: str = "c1", **kw: Any) -> Grid:
    return Grid(
        **{
            "id": f"g{i}",
            "name": f"{i}号网格",
            "community_id": community_id,
            "keeper": "王芳",
            **kw,
        }
    )


def unit(i: int = 1, community_id: str = "c1", **kw: Any) -> Unit:
    return Unit(
        **{
            "id": f"u{i}",
            "name": f"星城第{i}中学",
            "type": "school",
            "community_id": community_id,
            **kw,
        }
    )


def resource(i: int = 1, unit_id: str = "u1", **kw: Any) -> Resource:
    return Resource(
        **{
            "id": f"r{i}",
            "unit_id": unit_id,
            "kind": "venue_sports",
            "name": "操场与门球场",
            "capacity": 12,
            "quarters": ["2026Q3", "2026Q4"],
            "weekdays": [6, 7],
            **kw,
        }
    )


def need(i: int = 1, community_id: str = "c1", **kw: Any) -> Need:
    return Need(
        **{
            "id": f"n{i}",
            "title": "小区路灯不亮，夜间出行不便",
            "category": "repair",
            "community_id": community_id,
            "quarter": "2026Q4",
            "effort": 2,
            "priority": 4,
            "due": date(2026, 11, 30),
            **kw,
        }
    )


def activity(i: int = 1, community_id: str = "c1", **kw: Any) -> Activity:
    return Activity(
        **{
            "id": f"a{i}",
            "title": "重阳节敬老义诊",
            "joint_type": "joint_services",
            "quarter": "2026Q4",
            "date": date(2026, 10, 29),
            "community_id": community_id,
            "roles": [ActivityRole(kind="medical", count=2), ActivityRole(kind="volunteer")],
            "min_units": 1,
            "max_units": 3,
            **kw,
        }
    )


def member(i: int = 1, unit_id: str = "u1", community_id: str = "c1", **kw: Any) -> PartyMember:
    return PartyMember(
        **{
            "id": f"m{i}",
            "name": "李建国",
            "unit_id": unit_id,
            "community_id": community_id,
            "points": 35,
            **kw,
        }
    )


def small_network() -> list[Entity]:
    """Two communities, three units, resources, needs, an activity, a member."""
    return [
        subdistrict(),
        community(1),
        community(2, name="第二社区"),
        grid(1),
        unit(1),
        unit(2, community_id="c2", name="燕化医院星城分院", type="hospital"),
        unit(3, name="工商银行星城分行", type="bank"),
        resource(1),
        resource(2, unit_id="u2", kind="medical", name="三进义诊", capacity=6),
        resource(3, unit_id="u3", kind="anti_fraud", name="反诈讲座", capacity=4, quarters=[]),
        need(1, grid_id="g1"),
        need(2, category="medical", title="老年人健康体检"),
        need(
            3, community_id="c2", category="anti_fraud", title="防范电信诈骗宣传", quarter="2026Q3"
        ),
        activity(1),
        member(1),
    ]
