"""A plan's human name: 「2026年第四季度计划（第2版）」, the one place it is made.

Staff speak of a quarter's plan and, when the committee re-plans, of its versions;
the version is the plan's place among the quarter's plans, oldest first
(:func:`plan_version`). Exports, the PDF, the API (``name`` on every plan) and the
console show this name instead of ``plan-…`` ids.
"""

from __future__ import annotations

from typing import Any

__all__ = ["plan_name", "plan_version", "quarter_zh", "versions"]

_QUARTER_ZH = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}


def quarter_zh(quarter: str) -> str:
    """``2026Q4`` as staff say it (the text unchanged when it is not a quarter).

    >>> quarter_zh("2026Q4"), quarter_zh("odd")
    ('2026年第四季度', 'odd')
    """
    year, sep, q = quarter.partition("Q")
    if not sep or not year.isdigit() or q not in _QUARTER_ZH:
        return quarter
    return f"{year}年{_QUARTER_ZH[q]}"


def plan_name(quarter: str, version: int | None = None) -> str:
    """The plan's name; with its ``version`` among the quarter's plans when known.

    >>> plan_name("2026Q4", 2)
    '2026年第四季度计划（第2版）'
    >>> plan_name("2026Q4")
    '2026年第四季度计划'
    """
    base = f"{quarter_zh(quarter)}计划"
    return f"{base}（第{version}版）" if version else base


def plan_version(state: Any, job_id: str, quarter: str) -> int | None:
    """The job's place (1 = first) among its quarter's plans, oldest first; None if unknown.

    ``state`` is the service's job store (``list_jobs`` newest first, by insertion).
    """
    ids = [j.id for j in state.list_jobs(quarter=quarter, limit=100_000)]
    if job_id not in ids:
        return None
    return len(ids) - ids.index(job_id)


def versions(jobs: list[Any], state: Any) -> dict[str, int]:
    """``{job id: version}`` for ``jobs`` (one listing per quarter they are in)."""
    out: dict[str, int] = {}
    for quarter in {j.quarter for j in jobs}:
        ids = [j.id for j in state.list_jobs(quarter=quarter, limit=100_000)]
        out.update({jid: len(ids) - i for i, jid in enumerate(ids)})
    return out
