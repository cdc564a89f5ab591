"""``/commitments``: the annual responsibility lists (清单制) of units and communities.

* ``GET /commitments/{owner_kind}/{owner_id}/{year}`` — the list (``ETag``; version 0
  when nothing is recorded), every signed-in role of the owner's sub-district (404 for
  another's; the city role any);
* ``PUT`` the same path (``If-Match``: ``"0"`` for a first list) — replace the list:
  the committee any, a unit role its own unit's, a community role its own community's;
* ``POST …/items`` — add one commitment (201), ``DELETE …/items/{item_id}`` — remove
  one, same rights (a lost race with another write is re-applied, never lost);
* ``GET …/progress`` — 年中查清单: each commitment against the data;
* ``GET …/report?format=xlsx|pdf`` — 年底述清单, the year-end report.

Definitions are in :mod:`gongjian.service.commitments.service`; every write is audited.
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from gongjian.core.errors import GongjianError
from gongjian.graph.model import Community, Subdistrict, Unit
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User
from gongjian.service.commitments import report, service
from gongjian.service.commitments.schemas import (
    Commitment,
    CommitmentIn,
    CommitmentList,
    CommitmentsIn,
    OwnerKind,
    Progress,
)
from gongjian.service.deps import IF_MATCH_RESPONSES, CurrentUser, IfMatch, Store, audit_note
from gongjian.service.downloads import attachment
from gongjian.service.scope import ScopedReads, unscoped

__all__ = ["router"]

router = APIRouter(prefix="/commitments", tags=["commitments 清单制"])

OwnerId = Annotated[str, Path(min_length=1, max_length=64, description="单位或社区编号")]
Year = Annotated[int, Path(ge=service.MIN_YEAR, le=service.MAX_YEAR, description="年度")]
ItemId = Annotated[str, Path(pattern=r"^k[0-9]{1,4}$", description="条目编号")]
_BASE = "/{owner_kind}/{owner_id}/{year}"


def _etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True)
class Owner:
    """Whose list and which year: the path's ``owner_kind``, ``owner_id`` and ``year``."""

    kind: OwnerKind
    id: str
    year: int

    def of(self) -> dict[str, Any]:
        """The service functions' keyword arguments naming the list."""
        return {"kind": self.kind, "owner_id": self.id, "year": self.year}

    def __str__(self) -> str:
        return f"{self.kind.value} {self.id} {self.year}"


def _owner(owner_kind: OwnerKind, owner_id: OwnerId, year: Year) -> Owner:
    return Owner(owner_kind, owner_id, year)


OwnerPath = Annotated[Owner, Depends(_owner)]


@dataclass(frozen=True)
class ListWrite:
    """What a write to one list takes: whose list, who writes, the store, and the request
    whose audit note says what changed."""

    owner: Owner
    user: User
    store: GraphStore
    request: Request

    @property
    def args(self) -> dict[str, Any]:
        """The keyword arguments of the service's writes: store, user and the list."""
        return {"store": self.store, "user": self.user, **self.owner.of()}

    def note(self, summary: str) -> None:
        audit_note(self.request, summary)


async def _list_write(
    owner: OwnerPath, user: CurrentUser, store: Store, request: Request
) -> ListWrite:
    return ListWrite(owner, user, store, request)


Writing = Annotated[ListWrite, Depends(_list_write)]


@router.get(_BASE, summary="年初列清单 A year's commitments of a unit or community")
def get_commitments(
    user: CurrentUser,
    store: ScopedReads,
    response: Response,
    owner: OwnerPath,
) -> CommitmentList:
    del user  # every signed-in role reads
    out = service.read_list(store=store, **owner.of())
    response.headers["ETag"] = _etag(out.version)
    return out


@router.put(
    _BASE,
    summary="修改清单 Replace a year's commitments (If-Match)",
    responses=IF_MATCH_RESPONSES,
)
def put_commitments(
    body: CommitmentsIn, at: Writing, response: Response, if_match: IfMatch = None
) -> CommitmentList:
    out = service.replace_list(**at.args, items=body.items, if_match=if_match)
    at.note(f"replace commitments of {at.owner}: {len(out.items)} items, version {out.version}")
    response.headers["ETag"] = _etag(out.version)
    return out


@router.post(
    _BASE + "/items", status_code=201, summary="添加承诺事项 Add one commitment to a year's list"
)
def post_commitment(body: CommitmentIn, at: Writing) -> Commitment:
    item = service.add_item(**at.args, item=body)
    at.note(f"add commitment {item.id} of {at.owner}")
    return item


@router.delete(
    _BASE + "/items/{item_id}", status_code=204, summary="删除承诺事项 Remove one commitment"
)
def delete_commitment(item_id: ItemId, at: Writing) -> Response:
    service.remove_item(**at.args, item_id=item_id)
    at.note(f"remove commitment {item_id} of {at.owner}")
    return Response(status_code=204)


@router.get(_BASE + "/progress", summary="年中查清单 Progress of each commitment from the data")
def get_progress(user: CurrentUser, store: ScopedReads, owner: OwnerPath) -> Progress:
    del user
    return service.progress(store=store, **owner.of())


def _org(store: GraphStore, kind: OwnerKind, owner_id: str) -> str:
    """The owner's sub-district's name for the printed title ("" when unknown)."""
    store = unscoped(store)  # the owner is in scope; its sub-district's name is read whole
    try:
        cid = store.get(Unit, owner_id).community_id if kind == OwnerKind.unit else owner_id
        sid = store.get(Community, cid).subdistrict_id
        return store.get(Subdistrict, sid).name if sid else ""
    except GongjianError:
        return ""


_FILES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@router.get(
    _BASE + "/report",
    summary="年底述清单 The year-end report (xlsx or PDF)",
    response_class=Response,
    responses={200: {"content": {t: {} for t in _FILES.values()}}},
)
def get_report(
    user: CurrentUser,
    store: ScopedReads,
    owner: OwnerPath,
    format: Annotated[Literal["xlsx", "pdf"], Query(description="xlsx 或 pdf")] = "xlsx",
) -> Response:
    del user
    p = service.progress(store=store, **owner.of())
    org = _org(store, owner.kind, owner.id)
    data = report.report_xlsx(p, org=org) if format == "xlsx" else report.report_pdf(p, org=org)
    name = report.report_filename(p, format)
    return attachment(data, _FILES[format], name, f"report.{format}", no_store=True)
