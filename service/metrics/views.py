"""Metrics (指标): rates per unit / community / quarter, load fairness, members' points, summary.

Every route is a GET that any signed-in role may call. The definitions of the
rates (响应率, 办结率, 按期办结率, 满意率) and of load fairness are in
:mod:`gongjian.service.metrics.service`, whose pure functions do the computing; this
module reads the store and checks parameters (422 for bad ones, 404 for unknown
ids). Every rate is ``{numerator, denominator, value}`` with ``value`` null for 0/0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from gongjian.graph.model import (
    Activity,
    Community,
    Need,
    PartyMember,
    Unit,
    now_utc,
    parse_quarter,
)
from gongjian.graph.store import GraphStore
from gongjian.service.deps import CurrentUser
from gongjian.service.metrics.cache import results
from gongjian.service.metrics.service import (
    DESK_ACTIONS,
    Fairness,
    GroupRates,
    MemberPoints,
    RankBy,
    Summary,
    community_rates,
    fairness,
    member_points,
    quarter_rates,
    rank_groups,
    summary,
    unit_loads,
    unit_rates,
)
from gongjian.service.scope import ScopedReads

__all__ = ["router"]

router = APIRouter(prefix="/metrics", tags=["metrics 指标"])

OptionalQuarter = Annotated[
    str | None, Query(max_length=16, description="季度 e.g. 2026Q4 (默认全部 all)")
]
MinCases = Annotated[
    int, Query(ge=0, le=1_000_000, description="参与排名的最少件数 min cases to be ranked")
]
By = Annotated[RankBy, Query(description="排名依据 rate to rank by")]


def _quarter(value: str | None) -> str | None:
    return None if value is None else parse_quarter(value)


def _needs(store: GraphStore, quarter: str | None) -> list[Need]:
    filters: dict[str, Any] = {"quarter": quarter} if quarter is not None else {}
    return store.list(Need, filters=filters, limit=None)


class RankedRates(BaseModel):
    """Rates of the groups (ranked first, in rank order; then the others by id);
    ``rank`` only for groups with ``cases ≥ min_cases``. ``total`` counts every group
    the query matches; ``items`` is the page ``offset`` … ``offset + limit`` of them
    (every one without ``limit``)."""

    quarter: str | None
    min_cases: int
    by: RankBy
    ranked: int
    total: int = 0
    offset: int = 0
    limit: int | None = None
    items: list[GroupRates]

    def page(self, offset: int, limit: int | None, only: str | None = None) -> RankedRates:
        """The page ``offset``/``limit`` of these items (of the one with id ``only``)."""
        items = [g for g in self.items if g.id == only] if only is not None else self.items
        end = None if limit is None else offset + limit
        return self.model_copy(
            update={
                "total": len(items),
                "offset": offset,
                "limit": limit,
                "items": items[offset:end],
            }
        )


@dataclass(frozen=True)
class Ranking:
    """The query of a ranked list (``quarter``, ``min_cases``, ``by``), quarter parsed."""

    quarter: str | None
    min_cases: int
    by: RankBy

    def rank(self, groups: list[GroupRates]) -> RankedRates:
        items = rank_groups(groups, min_cases=self.min_cases, by=self.by)
        return RankedRates(
            quarter=self.quarter,
            min_cases=self.min_cases,
            by=self.by,
            ranked=sum(1 for g in items if g.ranked),
            total=len(items),
            items=items,
        )


def _ranking(
    quarter: OptionalQuarter = None,
    min_cases: MinCases = 5,
    by: By = RankBy.resolution_rate,
) -> Ranking:
    """The ranking parameters both ranked routes take (a FastAPI dependency)."""
    return Ranking(_quarter(quarter), min_cases, by)


RankingQuery = Annotated[Ranking, Depends(_ranking)]


@dataclass(frozen=True)
class Window:
    """The page of a ranked list asked for: ``offset`` items skipped, ``limit`` (None: all)."""

    offset: int
    limit: int | None


def _window(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过前几项 items skipped")] = 0,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="每页项数 page size (默认全部 all)")
    ] = None,
) -> Window:
    return Window(offset, limit)


WindowQuery = Annotated[Window, Depends(_window)]


@router.get("/units", summary="单位指标与排名 Rates and ranking per unit")
def metrics_units(
    user: CurrentUser,
    store: ScopedReads,
    ranking: RankingQuery,
    window: WindowQuery,
    unit_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="只看此单位 one unit only")
    ] = None,
) -> RankedRates:
    """Per unit: cases (needs it claimed or was summoned to), response, resolution, on-time
    and satisfaction rates; ranked by ``by`` over units with at least ``min_cases`` cases.
    Paged with ``offset``/``limit``; ``unit_id`` keeps that unit's row (with its rank)."""
    if unit_id is not None:
        store.get(Unit, unit_id)

    def compute() -> RankedRates:
        needs = _needs(store, ranking.quarter)
        steps = store.desk_steps(list(DESK_ACTIONS))
        return ranking.rank(unit_rates(store.list(Unit, limit=None), needs, steps=steps))

    return results.get(store, ("metrics.units", ranking), compute).page(
        window.offset, window.limit, unit_id
    )


@router.get("/communities", summary="社区指标与排名 Rates and ranking per community")
def metrics_communities(
    user: CurrentUser, store: ScopedReads, ranking: RankingQuery, window: WindowQuery
) -> RankedRates:
    """Per community: cases (needs raised in it) and the rates; ranked and paged as for
    units."""

    def compute() -> RankedRates:
        needs = _needs(store, ranking.quarter)
        return ranking.rank(community_rates(store.list(Community, limit=None), needs))

    return results.get(store, ("metrics.communities", ranking), compute).page(
        window.offset, window.limit
    )


class QuarterRates(BaseModel):
    """Rates of every quarter that has needs, in time order (not ranked)."""

    items: list[GroupRates]


@router.get("/quarters", summary="各季度指标 Rates per quarter")
def metrics_quarters(user: CurrentUser, store: ScopedReads) -> QuarterRates:
    """Per quarter with needs: cases and the rates, in time order."""
    return results.get(
        store, "metrics.quarters", lambda: QuarterRates(items=quarter_rates(_needs(store, None)))
    )


@router.get("/fairness", summary="负荷均衡 Load fairness of a quarter")
def metrics_fairness(
    user: CurrentUser,
    store: ScopedReads,
    quarter: Annotated[str, Query(max_length=16, description="季度 e.g. 2026Q4")],
) -> Fairness:
    """Per unit load (needs' effort + role effort per activity) against capacity; max load
    ratio, Gini coefficient of load ratios, idle and overloaded units."""
    q = parse_quarter(quarter)

    def compute() -> Fairness:
        loads = unit_loads(
            store.list(Unit, limit=None),
            _needs(store, q),
            store.list(Activity, filters={"quarter": q}, limit=None),
            store.assignments(),
            quarter=q,
        )
        return fairness(q, loads)

    return results.get(store, ("metrics.fairness", q), compute)


@router.get("/members", summary="在职党员积分 In-service party members' points")
def metrics_members(
    user: CurrentUser,
    store: ScopedReads,
    community_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    unit_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> MemberPoints:
    """Members (of a community of registration and/or a unit of work) ranked by points, with
    totals per community and per unit."""
    filters: dict[str, Any] = {}
    if community_id is not None:
        store.get(Community, community_id)
        filters["community_id"] = community_id
    if unit_id is not None:
        store.get(Unit, unit_id)
        filters["unit_id"] = unit_id
    return member_points(
        store.list(PartyMember, filters=filters, limit=None),
        store.list(Unit, limit=None),
        store.list(Community, limit=None),
        limit=limit,
    )


@router.get("/summary", summary="看板总览 Dashboard headline figures")
def metrics_summary(
    user: CurrentUser, store: ScopedReads, quarter: OptionalQuarter = None
) -> Summary:
    """Overall rates, need coverage, load fairness (with a quarter), overdue whistles."""
    q = _quarter(quarter)
    return summary(
        quarter=q,
        units=store.list(Unit, limit=None),
        communities=store.list(Community, limit=None),
        needs=_needs(store, q),
        activities=store.list(Activity, filters={"quarter": q} if q else None, limit=None),
        assignments=store.assignments(),
        members=store.list(PartyMember, limit=None),
        now=now_utc(),
    )
