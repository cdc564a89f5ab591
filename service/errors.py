"""One place that maps errors to HTTP responses.

Error bodies always look like ``{"error": {"code", "message", ...details}}``;
``message`` is Chinese with English in brackets, for the people using the console;
with ``Accept-Language`` preferring English, it is the English alone
(:func:`gongjian.core.messages.in_language`).

============================  ======
:class:`NotFoundError`         404
:class:`ConflictError`         409
:class:`PreconditionFailedError` 412
:class:`PayloadTooLargeError`  413
:class:`UnsupportedMediaTypeError` 415
:class:`PreconditionRequiredError` 428
:class:`InvalidInputError`     422 (``errors``: field-level messages)
:class:`StoreUnavailableError` 503 with ``Retry-After``
:class:`UnauthorizedError`     401 with ``WWW-Authenticate: Bearer``
:class:`ForbiddenError`        403
============================  ======
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gongjian.core.errors import (
    ConflictError,
    GongjianError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    StoreUnavailableError,
)
from gongjian.core.messages import field_message, in_language, language
from gongjian.graph.model import ID_PATTERN, QUARTER_PATTERN

__all__ = [
    "ForbiddenError",
    "PayloadTooLargeError",
    "PreconditionRequiredError",
    "TooManyAttemptsError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "document_errors",
    "error_body",
    "first_errors",
    "install_error_handlers",
    "status_of",
]

log = logging.getLogger("gongjian.service")


def first_errors(
    errors: Sequence[Mapping[str, Any]], *, limit: int = 5, count: bool = False
) -> str:
    """The first ``limit`` field errors as ``field: message; …`` for an error's message.

    With ``count`` a longer list ends in ``…（共 N 处）`` so the reader knows there is
    more (the full list travels in the error's ``errors``).

    >>> first_errors([{"field": "name", "message": "必填 (required)"}])
    'name: 必填 (required)'
    >>> first_errors([{"field": f"{i}", "message": "x"} for i in range(4)], limit=2, count=True)
    '0: x; 1: x …（共 4 处）'
    """
    head = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:limit])
    if count and len(errors) > limit:
        head += f" …（共 {len(errors)} 处）"
    return head


class UnauthorizedError(GongjianError):
    """No token, or a token nobody holds."""

    code = "unauthorized"


class ForbiddenError(GongjianError):
    """A valid token acting outside its role or scope."""

    code = "forbidden"


class PreconditionRequiredError(GongjianError):
    """A conditional write sent without ``If-Match`` (HTTP 428)."""

    code = "precondition_required"


class PayloadTooLargeError(GongjianError):
    """An upload larger than ``GONGJIAN_MAX_UPLOAD_BYTES``."""

    code = "payload_too_large"


class UnsupportedMediaTypeError(GongjianError):
    """An upload of a kind the route does not take, by its content (HTTP 415)."""

    code = "unsupported_media_type"


class TooManyAttemptsError(GongjianError):
    """Repeated failed sign-ins: the account is locked for a while (HTTP 429)."""

    code = "too_many_attempts"


_STATUS: list[tuple[type[GongjianError], int]] = [
    (NotFoundError, 404),
    (ConflictError, 409),
    (PreconditionFailedError, 412),
    (PayloadTooLargeError, 413),
    (UnsupportedMediaTypeError, 415),
    (PreconditionRequiredError, 428),
    (InvalidInputError, 422),
    (StoreUnavailableError, 503),
    (UnauthorizedError, 401),
    (ForbiddenError, 403),
    (TooManyAttemptsError, 429),
]


def status_of(exc: GongjianError) -> int:
    """The HTTP status of a project error (400 for any other kind)."""
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **_jsonable(details)}}


def _answer(
    request: Request, body: dict[str, Any], status: int, headers: Any = None
) -> JSONResponse:
    """The error response in the user's language (``Accept-Language``; Chinese by default)."""
    lang = language(request.headers.get("accept-language"))
    err = body["error"]
    err["message"] = in_language(err["message"], lang)
    for item in err.get("errors") or []:
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            item["message"] = in_language(item["message"], lang)
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/json")


def _project_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GongjianError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if status == 503:
        settings = getattr(request.app.state, "settings", None)
        headers["Retry-After"] = str(getattr(settings, "retry_after_seconds", 5))
        log.warning("store unavailable: %s", exc.message)
    elif status == 429:
        headers["Retry-After"] = str(exc.details.get("retry_after", 60))
    elif status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="gongjian"'
    elif status == 412 and "etag" in exc.details:
        headers["ETag"] = str(exc.details["etag"])
    return _answer(request, error_body(exc.code, exc.message, **exc.details), status, headers)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for e in exc.errors():
        if e.get("type") == "json_invalid":
            at = e.get("loc", ("body", 0))[-1]
            errors.append(
                {
                    "field": "(body)",
                    "in": "body",
                    "message": f"JSON 格式错误，约第 {at} 个字符处 (malformed JSON near character {at})",
                }
            )
            continue
        loc = [str(p) for p in e.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header"}:
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        errors.append({"field": ".".join(loc) or where, "in": where, "message": field_message(e)})
    return _answer(
        request,
        error_body(
            "invalid_input",
            f"请求数据无效 (invalid request): {first_errors(errors)}",
            errors=errors,
        ),
        422,
    )


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        400: "请求数据无法解析，请发送 UTF-8 编码的 JSON (the request body could not be parsed;"
        " send UTF-8 JSON)"
        if exc.detail == "There was an error parsing the body"
        else f"请求格式错误 (malformed request): {exc.detail}",
        404: "没有这个地址 (no such path)",
        405: "不支持这个请求方法 (method not allowed)",
        413: "请求数据过大 (request body too large)",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    code = "payload_too_large" if exc.status_code == 413 else "http_error"
    return _answer(
        request, error_body(code, message), exc.status_code, getattr(exc, "headers", None)
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _answer(
        request, error_body("internal", "服务内部错误，已记录 (internal error, logged)"), 500
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(GongjianError, _project_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


# --------------------------------------------------------------------------- OpenAPI


class FieldErrorOut(BaseModel):
    """One field-level problem of a 422 (rows of an import add ``row``)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    field: str | None = Field(default=None, description="出错的字段 the field, e.g. effort")
    in_: str | None = Field(default=None, alias="in", description="body / query / path / header")
    message: str | None = None


class ErrorDetailOut(BaseModel):
    """``code`` for programs, ``message`` for people (中文 (English)); details vary by code."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(description="unauthorized, forbidden, not_found, conflict, …")
    message: str
    errors: list[FieldErrorOut] | None = Field(default=None, description="字段错误 (422)")


class ErrorOut(BaseModel):
    """Every error answer of the service: ``{"error": {"code", "message", …}}``."""

    error: ErrorDetailOut


#: (status, description) of the error answers :func:`document_errors` adds
_ERROR_ANSWERS = {
    "401": "未登录或令牌无效 (no bearer token, or one nobody holds)",
    "403": "角色或范围不允许 (your role or scope does not allow this)",
    "404": "不存在 (not found)",
    "409": "与当前状态冲突：编号已存在、状态不允许或仍被引用 (conflicts with the stored state)",
    "412": "If-Match 已过期，请重新读取 (stale If-Match: read again, then retry)",
    "413": "请求数据过大 (request body too large)",
    "422": "请求数据无效 (invalid request): `error.errors` 列出各字段",
    "428": "缺少 If-Match (If-Match required: send the ETag you read)",
}
_WRITES = frozenset({"post", "put", "patch", "delete"})
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _answers_of(path: str, method: str, operation: dict[str, Any], secured: bool) -> list[str]:
    """The error statuses an operation can answer (beyond the ones FastAPI documents)."""
    wanted = []
    if secured:
        wanted += ["401", "403"]
    if "{" in path:
        wanted.append("404")
    if method in _WRITES:
        wanted.append("409")
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
    if method == "put" or "if-match" in headers:
        wanted += ["412", "428"]
    return wanted


def _with_pattern(schema: dict[str, Any], pattern: str) -> None:
    """Add ``pattern`` to the string branch(es) of a parameter's schema."""
    if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
        schema["pattern"] = pattern
    for branch in schema.get("anyOf", []):
        _with_pattern(branch, pattern)


def _is_id_parameter(name: str) -> bool:
    return name in {"id", "a", "b"} or name.endswith("_id")


def document_errors(schema: dict[str, Any], *, public: frozenset[str]) -> dict[str, Any]:
    """Document the error answers and the id / quarter patterns in an OpenAPI document.

    Every operation but the ``public`` paths answers 401 and 403; one with ``{…}`` in its
    path 404; a write 409; a PUT, or one taking ``If-Match``, 412 and 428; each of them,
    and the 422 FastAPI documents, with the :class:`ErrorOut` body. Routes may describe
    an answer themselves (``responses=``): their description is kept. Path and query
    parameters naming an id or a quarter get the pattern the models check.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    documented = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(documented.pop("$defs", {}), ErrorOut=documented)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in _answers_of(path, method, operation, path not in public):
                responses.setdefault(status, {"description": _ERROR_ANSWERS[status]})
            for status, answer in responses.items():
                if status in _ERROR_ANSWERS:
                    answer.setdefault("description", _ERROR_ANSWERS[status])
                    answer["content"] = {"application/json": {"schema": dict(_ERROR_REF)}}
            operation["responses"] = dict(sorted(responses.items()))
            for parameter in operation.get("parameters", []):
                if parameter["in"] not in {"path", "query"}:
                    continue
                if parameter["name"] == "quarter":
                    _with_pattern(parameter.setdefault("schema", {}), QUARTER_PATTERN)
                elif _is_id_parameter(parameter["name"]):
                    _with_pattern(parameter.setdefault("schema", {}), ID_PATTERN)
    # FastAPI's own 422 body (``detail``) is never sent: the handlers answer ErrorOut
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema["paths"]):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema
