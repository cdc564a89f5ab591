"""Validation messages in the users' words: pydantic's English turned into Chinese.

pydantic reports ``Input should be greater than 0``; staff read Chinese. Every
field error that reaches a user — a request body, an import row, a seed file — goes
through :func:`field_message`, which writes the common error types as
``中文 (English)`` from the error's own context (limits, allowed values), and keeps
our own validators' messages (already Chinese) without pydantic's ``Value error,``
prefix. An unknown type keeps pydantic's text behind a Chinese lead.

>>> field_message({"type": "greater_than", "msg": "Input should be greater than 0",
...                "ctx": {"gt": 0}})
'应大于 0 (must be greater than 0)'
>>> field_message({"type": "string_too_long", "ctx": {"max_length": 100}, "msg": ""})
'最多 100 个字符 (at most 100 characters)'
>>> field_message({"type": "value_error", "msg": "Value error, 日期不在季度内"})
'日期不在季度内'
>>> field_message({"type": "enum", "ctx": {"expected": "'a' or 'b'"}, "msg": ""})
"应为以下之一：'a' or 'b' (must be one of 'a' or 'b')"

Messages are written once, ``中文 (English)``. :func:`language` picks the user's
language from ``Accept-Language`` (Chinese unless English is preferred) and
:func:`in_language` gives a message in it: Chinese as written (with the English
alongside), English with each ``中文 (English)`` pair replaced by its English.

>>> in_language("Plan 'p1' 不存在 (not found)", "en")
"Plan 'p1' not found"
>>> in_language("请求数据无效 (invalid request): x: 应大于 0 (must be greater than 0)", "en")
'invalid request: x: must be greater than 0'
>>> language("en-GB,en;q=0.9,zh;q=0.5"), language("zh-CN,en;q=0.8"), language(None)
('en', 'zh', 'zh')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["Language", "field_message", "in_language", "language"]

Language = Literal["zh", "en"]

_TEMPLATES: dict[str, str] = {
    "missing": "必填 (required)",
    "greater_than": "应大于 {gt} (must be greater than {gt})",
    "greater_than_equal": "应不小于 {ge} (must be at least {ge})",
    "less_than": "应小于 {lt} (must be less than {lt})",
    "less_than_equal": "应不大于 {le} (must be at most {le})",
    "multiple_of": "应为 {multiple_of} 的倍数 (must be a multiple of {multiple_of})",
    "string_too_short": "至少 {min_length} 个字符 (at least {min_length} characters)",
    "string_too_long": "最多 {max_length} 个字符 (at most {max_length} characters)",
    "too_short": "至少 {min_length} 项 (at least {min_length} items)",
    "too_long": "最多 {max_length} 项 (at most {max_length} items)",
    "string_pattern_mismatch": "格式不对，应符合 {pattern} (must match {pattern})",
    "string_type": "应为文本 (must be a string)",
    "int_type": "应为整数 (must be an integer)",
    "int_parsing": "应为整数 (must be an integer)",
    "int_from_float": "应为整数，不能带小数 (must be a whole number)",
    "float_type": "应为数字 (must be a number)",
    "float_parsing": "应为数字 (must be a number)",
    "bool_type": "应为 true 或 false (must be a boolean)",
    "bool_parsing": "应为 true 或 false (must be a boolean)",
    "enum": "应为以下之一：{expected} (must be one of {expected})",
    "literal_error": "应为以下之一：{expected} (must be one of {expected})",
    "date_type": "应为日期，如 2026-12-01 (must be a date)",
    "date_parsing": "应为日期，如 2026-12-01 (must be a date)",
    "date_from_datetime_parsing": "应为日期，如 2026-12-01 (must be a date)",
    "date_from_datetime_inexact": "应为日期，不带时刻 (must be a date without time)",
    "datetime_type": "应为日期时间，如 2026-12-01T18:00:00+08:00 (must be a date-time)",
    "datetime_parsing": "应为日期时间，如 2026-12-01T18:00:00+08:00 (must be a date-time)",
    "datetime_from_date_parsing": "应为日期时间 (must be a date-time)",
    "extra_forbidden": "不认识的字段 (unknown field)",
    "dict_type": "应为对象 (must be an object)",
    "model_type": "应为对象 (must be an object)",
    "model_attributes_type": "应为对象 (must be an object)",
    "list_type": "应为列表 (must be a list)",
    "set_type": "应为列表 (must be a list)",
    "none_required": "应为空 (must be null)",
    "union_tag_invalid": "类型不对 (unknown kind)",
    "uuid_parsing": "应为 UUID (must be a UUID)",
    "url_parsing": "应为网址 (must be a URL)",
    "url_scheme": "网址协议不对 (URL scheme not allowed)",
}


def field_message(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (a dict of ``ValidationError.errors()``)."""
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if kind in ("value_error", "assertion_error"):
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                return msg[len(prefix) :]
        return msg
    template = _TEMPLATES.get(kind)
    if template is None:
        return f"数据无效 (invalid): {msg}" if msg else "数据无效 (invalid)"
    ctx = dict(error.get("ctx") or {})
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):  # a context without the limit: say what we can
        return f"数据无效 (invalid): {msg}" if msg else "数据无效 (invalid)"


_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
#: a Chinese run (starting with a CJK character; digits, spaces, quotes inside) and its
#: English in round brackets right after it
_PAIR = re.compile(
    rf"[{_CJK}][{_CJK}0-9\s,.'\"%/:：\-]*?\s*\((?P<en>[^(){_CJK}]*[A-Za-z][^(){_CJK}]*)\)"
)


def language(accept_language: str | None) -> Language:
    """``en`` when the header prefers English to Chinese, else ``zh`` (the default)."""
    best: tuple[float, int, Language] | None = None
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang: Language = "en" if primary == "en" else "zh"
        if q > 0 and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, lang)
    return best[2] if best else "zh"


def in_language(message: str, lang: Language) -> str:
    """``message`` (written ``中文 (English)``) in ``lang``; Chinese unchanged."""
    if lang != "en" or not message:
        return message
    return _PAIR.sub(lambda m: m.group("en").strip(), message)
