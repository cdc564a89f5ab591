"""``/suitability``: the suitability table (适配表), read by everyone signed in, replaced
whole by the committee.

* ``GET /suitability`` — the table planning uses, ``ETag: "<version>"``;
* ``PUT /suitability`` (committee) — replace it: ``If-Match`` required (428
  without, 412 stale), rows validated (422 naming the row and the allowed values);
* ``GET /suitability.csv`` / ``PUT /suitability.csv`` (``text/csv``) — the same
  for Excel (see :mod:`gongjian.service.suitability.service`).

Every replace is written to the audit log.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Response

from gongjian.core.errors import InvalidInputError
from gongjian.service.deps import CurrentUser, Store, Write, WriteContext
from gongjian.service.suitability import service
from gongjian.service.suitability.schemas import SuitabilityIn, SuitabilityOut

__all__ = ["router"]

router = APIRouter(tags=["suitability 适配表"])

_CONDITIONAL = {
    412: {"description": "ETag 已过期 stale ETag: 适配表已被他人修改"},
    428: {"description": "缺少 If-Match"},
    422: {"description": "有无效行：`error.message` 指出行号与可选值"},
}
_CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "need_category,resource_kind,unit_type,suitability"
                    "（可带“说明 note”列，上传时忽略）",
                }
            }
        },
    }
}


def _saved(w: WriteContext, table: SuitabilityOut, how: str) -> SuitabilityOut:
    note = f"replace suitability table ({how}): {len(table.rows)} rows, version {table.version}"
    w.saved(note, service.etag(table.version))
    return table


@router.get("/suitability", summary="适配表 The suitability table (with ETag)")
def get_suitability(user: CurrentUser, store: Store, response: Response) -> SuitabilityOut:
    """Which resource kinds, from which unit types, meet each need category (0–100)."""
    del user  # any signed-in role
    table = service.read_table(store=store)
    response.headers["ETag"] = service.etag(table.version)
    return table


@router.put(
    "/suitability",
    summary="修改适配表 Replace the whole suitability table (committee, If-Match)",
    responses=_CONDITIONAL,
)
def put_suitability(body: SuitabilityIn, w: Write) -> SuitabilityOut:
    rows = [r.model_dump() for r in body.rows]
    table = service.replace_table(**w.args, rows=rows)
    return _saved(w, table, "json")


@router.get(
    "/suitability.csv",
    summary="下载适配表 CSV Download the table as CSV (for Excel)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_suitability_csv(user: CurrentUser, store: Store) -> Response:
    del user  # any signed-in role
    table = service.read_table(store=store)
    return Response(
        service.table_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{service.CSV_FILENAME}"',
            "ETag": service.etag(table.version),
            "Cache-Control": "no-store",
        },
    )


@router.put(
    "/suitability.csv",
    summary="上传适配表 CSV Replace the table from CSV (committee, If-Match)",
    openapi_extra=_CSV_BODY,
    responses=_CONDITIONAL,
)
async def put_suitability_csv(w: Write) -> SuitabilityOut:
    content_type = w.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"text/csv", "text/plain", "application/octet-stream"}:
        raise InvalidInputError(
            f"请以 text/csv 上传适配表 (send the table as text/csv, not {content_type!r})"
        )
    data = await w.request.body()

    def work() -> SuitabilityOut:
        # the role is checked before the body is parsed: a unit learns nothing from it
        service.require_editor(w.user)
        return service.replace_table(**w.args, rows=service.parse_csv(data))

    return _saved(w, await anyio.to_thread.run_sync(work), "csv")
