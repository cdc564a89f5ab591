"""Who sees a complainant (诉求人): full to the committee and the raising community,
masked for everyone else.

A work order keeps the complainant's name, phone and door address (门牌). The
committee and the community the order was raised in call the resident back, so they
see them in full; a unit only needs to know where the work is and whom to ask for, so
it sees ``张**``, ``138****5678`` and the street without the door number; the viewer
and another community see the same masked copy. Every read path that returns or
exports a need puts it through :func:`present_need` (GET /needs, GET /needs/{id}, the
life-cycle steps' answers, /me/todo, /me/tasks.xlsx, the ledger), so what a role may
not see never leaves the server.

>>> mask_phone("13812345678"), mask_phone("+86 138-1234-5678"), mask_phone("010-12345")
('138****5678', '+86 138****5678', '010-****45')
>>> mask_name("张三丰"), mask_name("欧阳"), mask_name("Li Lei")
('张**', '欧*', 'L**')
>>> mask_address("幸福路12号3栋201室"), mask_address("三里屯南路三号楼"), mask_address("星城东区")
('幸福路****', '三里屯南路****', '星城****')
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.routing import APIRoute

from gongjian.graph.model import Need
from gongjian.service.auth.schemas import User, UserRole

__all__ = [
    "COMPLAINANT_FIELDS",
    "PresentingRoute",
    "mask_address",
    "mask_name",
    "mask_phone",
    "masked_for",
    "present_need",
    "present_needs",
    "presented",
    "sees_complainant",
]

#: the personal fields of a work order (what masking covers)
COMPLAINANT_FIELDS = ("complainant_name", "complainant_phone", "address")

_MASK = "*"
#: what hides the door number of an address: a fixed width, so its length says nothing
_ADDRESS_MASK = "****"
#: where the door part of an address begins: a digit (ASCII or full-width), or Chinese
#: numerals naming a building, entrance or room (三号楼, 十二栋 — not 三里屯)
_DOOR_RE = re.compile(r"[0-9０-９]|[一二三四五六七八九十百零〇两]+(?:号|栋|幢|楼|单元|室|层)")

N = TypeVar("N", bound=Need)


def mask_phone(phone: str | None) -> str | None:
    """The phone with all but its first three and last four digits as ``*``; the
    separators of a short number stay where they are, a country code is kept.

    >>> mask_phone("138 1234 5678"), mask_phone("12345"), mask_phone("1234"), mask_phone("")
    ('138****5678', '1****5', '****', '')
    """
    if phone is None:
        return None
    text = phone.strip()
    prefix = ""
    if text.startswith("+"):  # +86: the country code is not personal
        code, _, rest = text.partition(" ")
        if rest:
            prefix, text = code + " ", rest
    digits = [c for c in text if c.isdigit()]
    if len(digits) >= 11:  # a mobile number (or longer): 3 + **** + 4, separators dropped
        return f"{prefix}{''.join(digits[:3])}****{''.join(digits[-4:])}"
    if len(digits) <= 4:  # nothing to keep of a number this short
        return prefix + "".join(_MASK if c.isdigit() else c for c in text)
    # a landline: keep the first three and last two digits (one each of a short number)
    keep_head, keep_tail = (3, 2) if len(digits) >= 8 else (1, 1)
    out, seen = [], 0
    total = len(digits)
    masked_run = False  # one fixed-width mask per run of hidden digits
    for c in text:
        if not c.isdigit():
            out.append(c)
            masked_run = False
            continue
        seen += 1
        if seen <= keep_head or seen > total - keep_tail:
            out.append(c)
            masked_run = False
        elif not masked_run:
            out.append(_MASK * 4)  # a fixed width: the mask does not count the digits
            masked_run = True
    return prefix + "".join(out)


def mask_name(name: str | None) -> str | None:
    """The first character of the name and one ``*`` per further character, two at
    most (a long name does not show its length).

    >>> mask_name("张"), mask_name(None)
    ('*', None)
    """
    if name is None:
        return None
    text = name.strip()
    if len(text) <= 1:
        return _MASK * len(text)
    return text[0] + _MASK * min(len(text) - 1, 2)  # at most two: the length says little


def mask_address(address: str | None) -> str | None:
    """The address up to its door part (the first number), the rest as ``****``; an
    address without a number keeps its first half.

    >>> mask_address(None), mask_address("")
    (None, '')
    """
    if address is None:
        return None
    text = address.strip()
    if not text:
        return text
    door = _DOOR_RE.search(text)
    if door is not None:
        return text[: door.start()] + _ADDRESS_MASK
    keep = max(1, (len(text) + 1) // 2)
    return text[:keep] + _ADDRESS_MASK


def sees_complainant(user: User, need: Need) -> bool:
    """Whether ``user`` may see the complainant of ``need`` in full: the committee, and
    the community the need was raised in."""
    if user.role == UserRole.committee:
        return True
    return (
        user.role == UserRole.community
        and user.community_id is not None
        and user.community_id == need.community_id
    )


def masked_for(need: N) -> N:
    """A copy of ``need`` with the complainant fields masked (for any reader but those
    :func:`sees_complainant` names)."""
    masks = {
        "complainant_name": mask_name,
        "complainant_phone": mask_phone,
        "address": mask_address,
    }
    update = {
        f: mask(getattr(need, f)) for f, mask in masks.items() if f in type(need).model_fields
    }
    return need.model_copy(update=update)


def present_need(need: N, user: User) -> N:
    """``need`` as ``user`` may read it: unchanged for the committee and the raising
    community, a masked copy for everyone else (the stored need is never changed)."""
    return need if sees_complainant(user, need) else masked_for(need)


def present_needs(needs: list[N], user: User) -> list[N]:
    """Every need of a list as ``user`` may read it (:func:`present_need`)."""
    return [present_need(n, user) for n in needs]


def presented(value: Any, user: User | None) -> Any:
    """An endpoint's answer as ``user`` may read it: a need, a list of needs or a page of
    them (``items``) go through :func:`present_need`; anything else is unchanged. Without
    a user every need is masked (what nobody may see is never shown by mistake)."""

    def one(need: Need) -> Need:
        return masked_for(need) if user is None else present_need(need, user)

    if isinstance(value, Need):
        return one(value)
    if isinstance(value, list) and value and all(isinstance(v, Need) for v in value):
        return [one(v) for v in value]
    items = getattr(value, "items", None)
    if isinstance(items, list) and items and all(isinstance(v, Need) for v in items):
        return value.model_copy(update={"items": [one(v) for v in items]})
    return value


def _reader(kwargs: dict[str, Any]) -> User | None:
    """The signed-in user among an endpoint's arguments: ``user``, else the ``user`` of
    an argument bundling it (a need step's ``at``); None (mask everything) if neither."""
    user = kwargs.get("user")
    if isinstance(user, User):
        return user
    bundled = [v.user for v in kwargs.values() if isinstance(getattr(v, "user", None), User)]
    return bundled[0] if len(bundled) == 1 else None


def _presenting(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` whose answer goes through :func:`presented` for the user it serves
    (:func:`_reader`); the signature (what FastAPI reads) and sync / async stay the same."""
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            return presented(await endpoint(*args, **kwargs), _reader(kwargs))

        return run_async

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        return presented(endpoint(*args, **kwargs), _reader(kwargs))

    return run


class PresentingRoute(APIRoute):
    """A route whose answers show needs as the signed-in user may read them: the
    ``route_class`` of a router whose routes return needs (the life-cycle steps), so
    that no route of it can forget the masking."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _presenting(endpoint), **kwargs)
