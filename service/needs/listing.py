"""The work-order list for daily use (``GET /needs``) and its ledger (``GET /needs/ledger.xlsx``).

Both read the same query (:func:`need_query`):

* the filters of today: ``quarter``, ``community_id``, ``grid_id``, ``category``,
  ``status``, ``claimed_by``, ``whistle``;
* ``q`` — a keyword found, in any case, as a plain substring of the number, the id, the
  title, the address (门牌) or the source number (来源编号); ``%``, ``_`` and quotes are
  plain characters;
* ``sort`` = ``due`` | ``priority`` | ``created`` | ``status`` | ``number`` with ``order``
  = ``asc`` | ``desc`` (each key has a natural order: due and status ascending, the
  others newest / highest first). Without ``sort``: unfinished orders (open, claimed,
  in progress) first, each group by due date (none last), then by priority.

The list pages on the server: ``page`` (from 1) and ``page_size`` (≤ 200), or the older
``offset`` / ``limit`` (≤ 1000). The body is a page ``{items, total, offset, limit}``; the
total is also in the ``X-Total-Count`` header. The ledger holds every matching order (no
paging), in the same order. Both are computed in the store
(:meth:`~gongjian.graph.store.GraphStore.find`), and both show each order's complainant
as the reader may see it (:func:`gongjian.service.needs.privacy.present_need`).
Exporting the ledger is recorded in the audit log (who, which filters, how many rows).

These routes serve the list in place of the registry's generic one
(:func:`gongjian.service.registry.views.register_crud`'s ``list_router``).
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from gongjian.core.clock import now_utc
from gongjian.core.errors import GongjianError, InvalidInputError
from gongjian.graph.listing import ListQuery
from gongjian.graph.model import (
    Community,
    Grid,
    Need,
    NeedCategory,
    NeedStatus,
    Subdistrict,
    Unit,
)
from gongjian.graph.store import GraphStore
from gongjian.service.audit import service as audit
from gongjian.service.auth.schemas import User
from gongjian.service.deps import CurrentUser, Page, Paging, State, read_inline
from gongjian.service.downloads import attachment, file_responses
from gongjian.service.list_params import Keyword, filters_dependency
from gongjian.service.needs.importing import XLSX_MEDIA_TYPE
from gongjian.service.needs.ledger import LedgerContext, ledger_filename, ledger_xlsx
from gongjian.service.needs.privacy import present_needs
from gongjian.service.scope import ScopedReads, ScopedStore, unscoped

__all__ = ["MAX_LEDGER_ROWS", "MAX_PAGE_SIZE", "need_paging", "need_query", "router"]

router = APIRouter()
TAG = "needs 民情交办单"

#: the largest page of ``page_size``
MAX_PAGE_SIZE = 200
#: the most rows one ledger holds (a district's quarter is ~20,000)
MAX_LEDGER_ROWS = 50_000

NeedSort = Literal["due", "priority", "created", "status", "number"]


async def need_query(
    filters: Annotated[dict[str, Any], Depends(filters_dependency(Need))],
    q: Keyword = None,
    sort: Annotated[
        NeedSort | None,
        Query(
            description="排序 sort: due 截止日期, priority 优先级, created 登记时间, status 状态, number 编号"
        ),
    ] = None,
    order: Annotated[
        Literal["asc", "desc"] | None, Query(description="升序 asc / 降序 desc")
    ] = None,
) -> ListQuery:
    """The list's filters, keyword and order (shared by the list and the ledger)."""
    return ListQuery(filters=filters, q=q, sort=sort, order=order)


async def need_paging(
    offset: Annotated[int | None, Query(ge=0, le=10_000_000, description="跳过的条数")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="每页条数 (offset 分页)")] = None,
    page: Annotated[int | None, Query(ge=1, le=100_000, description="页码，从 1 起")] = None,
    page_size: Annotated[
        int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数 (page 分页)")
    ] = None,
) -> Paging:
    """``page`` / ``page_size`` when either is given, else ``offset`` / ``limit`` (0 / 50)."""
    if page is not None or page_size is not None:
        if offset is not None:
            raise InvalidInputError(
                "page 与 offset 不能同时使用 (use page or offset, not both)",
                [{"field": "offset", "message": "not with page"}],
            )
        size = page_size or min(limit or 20, MAX_PAGE_SIZE)
        return Paging(offset=((page or 1) - 1) * size, limit=size)
    return Paging(offset=offset or 0, limit=limit or 50)


Query_ = Annotated[ListQuery, Depends(need_query)]


def _present(needs: list[Need], user: User) -> list[Need]:
    """Each need as ``user`` may read it (the complainant masked where not allowed)."""
    return present_needs(needs, user)


@router.get(
    "/needs",
    tags=[TAG],
    summary="交办单列表 List work orders: search, sort, filter, page (total in X-Total-Count)",
)
async def list_needs(
    user: CurrentUser,
    store: ScopedReads,
    response: Response,
    query: Query_,
    paging: Annotated[Paging, Depends(need_paging)],
) -> Page[Need]:
    items, total = await read_inline(
        store,
        functools.partial(store.find, Need, query, offset=paging.offset, limit=paging.limit),
    )
    response.headers["X-Total-Count"] = str(total)
    return paging.of(_present(items, user), total)


def _names(store: GraphStore, kind: type[Community] | type[Grid] | type[Unit]) -> dict[str, str]:
    return {e.id: e.name for e in store.list(kind, limit=None)}


def _org(store: GraphStore) -> str:
    """The sub-district's name for the title ("" when there is none or several); a
    narrowed reader's own sub-district's."""
    try:
        if isinstance(store, ScopedStore):
            return next((d.name for d in store.subdistricts() if d.id == store.code), "")
        names = {d.name for d in store.list(Subdistrict, limit=None)}
    except GongjianError:
        return ""
    return names.pop() if len(names) == 1 else ""


def filter_words(
    query: ListQuery, communities: dict[str, str], grids: dict[str, str], units: dict[str, str]
) -> list[str]:
    """The query in words for the ledger's title block (``季度 2026Q4`` …)."""
    named: list[tuple[str, str, Callable[[Any], str]]] = [
        ("quarter", "季度", str),
        ("community_id", "社区", lambda v: communities.get(v, v)),
        ("grid_id", "网格", lambda v: grids.get(v, v)),
        ("status", "状态", lambda v: NeedStatus(v).label_zh),
        ("category", "类别", lambda v: NeedCategory(v).label_zh),
        ("claimed_by", "承办单位", lambda v: units.get(v, v)),
        ("whistle", "吹哨", lambda v: "是" if v else "否"),
    ]
    f = query.filters
    words = [f"{zh} {show(f[k])}" for k, zh, show in named if f.get(k) not in (None, "")]
    if query.keyword:
        words.append(f"关键词 “{(query.q or '').strip()}”")
    return words


@router.get(
    "/needs/ledger.xlsx",
    tags=[TAG],
    summary="导出台账 The ledger (xlsx) of every work order the list's filters and keyword match",
    response_class=Response,
    responses=file_responses(
        XLSX_MEDIA_TYPE,
        {413: {"description": f"超过 {MAX_LEDGER_ROWS} 条 (too many rows: narrow the filters)"}},
    ),
)
def export_ledger(
    user: CurrentUser, store: ScopedReads, state: State, request: Request, query: Query_
) -> Response:
    """Every matching order in the list's order (no paging): Chinese headers, dates as
    dates, a title block, printable (landscape, one page wide, header row repeated)."""
    from gongjian.service.errors import PayloadTooLargeError

    needs, total = store.find(Need, query, offset=0, limit=MAX_LEDGER_ROWS)
    if total > MAX_LEDGER_ROWS:
        raise PayloadTooLargeError(
            f"台账最多导出 {MAX_LEDGER_ROWS} 条，当前筛选有 {total} 条，请缩小范围"
            f" (at most {MAX_LEDGER_ROWS} rows; narrow the filters)"
        )
    whole = unscoped(store)  # names of border units too
    communities, grids, units = _names(whole, Community), _names(whole, Grid), _names(whole, Unit)
    stamp = now_utc()
    words = filter_words(query, communities, grids, units)
    ctx = LedgerContext(
        org=_org(store),
        community_names=communities,
        grid_names=grids,
        unit_names=units,
        filters=words,
        exported_at=stamp,
        exported_by=f"{user.name}（{user.role.label_zh}）",
    )
    content = ledger_xlsx(_present(needs, user), ctx)
    audit.record(
        state=state,
        user=user,
        method="GET",
        path=request.url.path,
        status=200,
        summary=f"export ledger: {len(needs)} needs ({'；'.join(words) or '全部'})"[:500],
    )
    name, ascii_name = ledger_filename(stamp)
    return attachment(
        content,
        XLSX_MEDIA_TYPE,
        name,
        ascii_name,
        no_store=True,
        headers={"X-Total-Count": str(total)},
    )
