"""Enumerations whose every value carries its Chinese label.

A member is declared with its label beside it (``school = "school", "学校"``), so a
value cannot be added without one and the label is written once: the domain
vocabularies (:mod:`gongjian.graph.vocab`), user roles and job statuses use it. A
member of one such enumeration may also be declared as a member of another
(``medical = ResourceKind.medical``): the same value with the same label.

>>> class Colour(LabelledEnum):
...     red = "red", "红"
>>> Colour("red").label_zh, str(Colour.red), Colour.red == "red"
('红', 'red', True)
>>> class Paint(LabelledEnum):
...     red = Colour.red
...     blue = "blue", "蓝"
>>> [(p.value, p.label_zh) for p in Paint]
[('red', '红'), ('blue', '蓝')]
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

__all__ = ["LabelledEnum"]


class LabelledEnum(StrEnum):
    """A :class:`StrEnum` whose members are declared as ``name = value, label_zh``
    (or as another labelled enumeration's member)."""

    label_zh: str

    def __new__(cls, value: str, label_zh: str | None = None) -> Self:
        if label_zh is None:
            if not isinstance(value, LabelledEnum):
                raise TypeError(f"{cls.__name__}: {value!r} needs a label")
            label_zh = value.label_zh
        text = str(value)  # the plain value of a member of another enumeration
        member = str.__new__(cls, text)
        member._value_ = text
        member.label_zh = label_zh
        return member
