"""The 12345 desk of a work order (issue 13): order numbers and the timeline of steps.

* **Order numbers** (工单编号) ``XC-2026-000123``: the sub-district code
  (``GONGJIAN_SUBDISTRICT_CODE``, default ``XC``), the year of the order's
  ``created_at`` in Beijing (else of its quarter) and a 6-digit sequence per code
  and year. The sequence is a counter the store increments inside the transaction
  that writes the orders (``create_many``, ``upsert_many``), under that counter's
  write lock, so concurrent creations get distinct, consecutive numbers; both
  stores also keep ``Need.number`` unique. A number once given never changes
  (upserts keep the stored one); orders stored without one are numbered by
  :meth:`DeskRules.number_unnumbered` (called by ``migrate``).
* **Timeline** (办理记录): every step of an order (created, dispatched, claimed …)
  as a :class:`NeedStep` — who, when, what, the note — numbered per order and
  written in the SAME transaction as the change (:meth:`DeskRules.step_need`).

:class:`DeskRules` holds the rules once for both stores over a few primitives each
store implements; :class:`~gongjian.graph.base.StoreBase` inherits it.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from gongjian.core import clock
from gongjian.graph.lifecycle import check_can_take
from gongjian.graph.model import Need, Unit, default_subdistrict, now_utc
from gongjian.graph.outbox import OutboxSpec, outbox_rows
from gongjian.graph.vocab import NeedAction

__all__ = [
    "SYSTEM",
    "DeskRules",
    "NeedStep",
    "StepActor",
    "StepChange",
    "format_number",
    "number_year",
    "subdistrict_code",
]

Tx = TypeVar("Tx")
T = TypeVar("T")


def subdistrict_code() -> str:
    """The sub-district code of order numbers (``GONGJIAN_SUBDISTRICT_CODE``, default ``XC``):
    :func:`~gongjian.graph.model.default_subdistrict`."""
    return default_subdistrict()


def number_year(need: Need) -> int:
    """The year an order is numbered in: of ``created_at`` in Beijing, else of its quarter."""
    if need.created_at is not None:
        return need.created_at.astimezone(clock.SHANGHAI).year
    return int(need.quarter[:4])


def format_number(code: str, year: int, seq: int) -> str:
    """>>> format_number("XC", 2026, 123)
    'XC-2026-000123'
    """
    return f"{code}-{year}-{seq:06d}"


class StepActor(NamedTuple):
    """Who takes a step: user id, the name shown, the role."""

    by: str = ""
    by_name: str = ""
    by_role: str = ""


#: steps the service takes by itself (numbering old orders, a plan's claims without a user)
SYSTEM = StepActor("system", "系统", "system")


class NeedStep(BaseModel):
    """One step of an order's timeline (办理记录)."""

    model_config = ConfigDict(extra="forbid")
    need_id: str
    seq: int = Field(ge=0, description="该交办单的第几步 (0: 登记, synthesised for old orders)")
    at: datetime
    by: str = Field(default="", max_length=200, description="操作人 (user id)")
    by_name: str = Field(default="", max_length=200, description="操作人姓名")
    by_role: str = Field(default="", max_length=20)
    action: NeedAction
    note: str | None = Field(default=None, max_length=2000)
    unit_id: str | None = Field(default=None, description="涉及的单位")


class StepChange(NamedTuple):
    """What a step's change function returns: the new need and the steps to record
    (``(action, note, unit_id)`` each, in order)."""

    need: Need
    steps: Sequence[tuple[NeedAction, str | None, str | None]]


class DeskRules:
    """Order numbers and the timeline, each written inside the store transaction."""

    # -- primitives (per store) ---------------------------------------------------
    @abstractmethod
    def _write_tx(self, work: Callable[[Any], T]) -> T: ...

    @abstractmethod
    def _read_for_update(self, tx: Any, kind: Any, node_id: str) -> Any: ...

    @abstractmethod
    def _write_entities(self, tx: Any, kind: Any, entities: Sequence[Any]) -> None: ...

    @abstractmethod
    def _outbox_insert(self, tx: Any, rows: Sequence[Any]) -> int: ...

    @abstractmethod
    def _unit_resources(self, tx: Any, unit_id: str) -> list[Any]: ...

    @abstractmethod
    def _claimed_effort(self, tx: Any, unit_id: str, quarter: str) -> int: ...

    @abstractmethod
    def get(self, kind: Any, node_id: str) -> Any: ...

    @abstractmethod
    def _next_sequence(self, tx: Any, name: str, n: int) -> int:
        """Add ``n`` to counter ``name`` (created at 0) under its write lock; the new value."""

    @abstractmethod
    def _stored_numbers(self, tx: Any, ids: Sequence[str]) -> dict[str, str]:
        """The stored order numbers of these need ids (ids without one left out)."""

    @abstractmethod
    def _unnumbered_needs(self, tx: Any) -> list[Need]:
        """Every stored need without a number."""

    @abstractmethod
    def _last_step(self, tx: Any, need_id: str) -> int:
        """The ``seq`` of the need's newest step (0: none)."""

    @abstractmethod
    def _insert_steps(self, tx: Any, steps: Sequence[NeedStep]) -> None:
        """Store steps (their ``(need_id, seq)`` are new)."""

    @abstractmethod
    def _delete_steps(self, tx: Any, need_id: str) -> None:
        """Delete a need's steps (the need is being deleted)."""

    @abstractmethod
    def _select_steps(self, need_id: str) -> list[NeedStep]:
        """A need's steps, oldest first (``seq`` ascending)."""

    @abstractmethod
    def _steps_by_action(self, actions: Sequence[str]) -> list[NeedStep]:
        """Every stored step whose action is one of ``actions`` (any order)."""

    def desk_steps(self, actions: Sequence[NeedAction]) -> list[NeedStep]:
        """Every step of these kinds over all needs, by need then ``seq`` (the metrics)."""
        rows = self._steps_by_action([NeedAction(a).value for a in actions])
        return sorted(rows, key=lambda s: (s.need_id, s.seq))

    # -- numbers --------------------------------------------------------------------
    def _number_needs(self, tx: Any, needs: Sequence[Need]) -> list[Need]:
        """``needs`` with a number each: the given one, else the stored one, else the next
        of the sequence of its code and year (in created / id order)."""
        missing = [n for n in needs if n.number is None]
        if not missing:
            return list(needs)
        stored = self._stored_numbers(tx, sorted({n.id for n in missing}))
        code = subdistrict_code()
        fresh: dict[int, list[Need]] = defaultdict(list)
        seen: set[str] = set()
        for n in missing:
            if n.id not in stored and n.id not in seen:
                seen.add(n.id)
                fresh[number_year(n)].append(n)
        numbers = dict(stored)
        for year in sorted(fresh):
            group = sorted(
                fresh[year], key=lambda n: (n.created_at is not None, n.created_at, n.id)
            )
            last = self._next_sequence(tx, f"need:{code}:{year}", len(group))
            for i, n in enumerate(group):
                numbers[n.id] = format_number(code, year, last - len(group) + 1 + i)
        return [n if n.number else n.model_copy(update={"number": numbers[n.id]}) for n in needs]

    def _with_numbers(self, tx: Any, entities: Sequence[Any]) -> list[Any]:
        """``entities`` with every need numbered (:meth:`_number_needs`), order kept."""
        needs = [e for e in entities if isinstance(e, Need)]
        if not needs:
            return list(entities)
        numbered = iter(self._number_needs(tx, needs))
        return [next(numbered) if isinstance(e, Need) else e for e in entities]

    def number_unnumbered(self) -> int:
        """Give every stored need without a number one (older stores); how many."""

        def work(tx: Any) -> int:
            # one backfill at a time (service workers start together): the counter's lock
            # is taken before the read, so a second one sees the first one's numbers
            self._next_sequence(tx, "need:backfill", 0)
            needs = self._unnumbered_needs(tx)
            if needs:
                self._write_entities(tx, Need, self._number_needs(tx, needs))
            return len(needs)

        return self._write_tx(work)

    # -- timeline -------------------------------------------------------------------
    def _record_steps(
        self,
        tx: Any,
        need_id: str,
        actor: StepActor | None,
        steps: Sequence[tuple[NeedAction, str | None, str | None]],
        at: datetime | None = None,
    ) -> list[NeedStep]:
        """Append steps to a need's timeline inside ``tx`` (the need is write-locked)."""
        if not steps:
            return []
        actor = actor or SYSTEM
        at = at or now_utc()
        seq = self._last_step(tx, need_id)
        rows = [
            NeedStep(
                need_id=need_id,
                seq=seq + 1 + i,
                at=at,
                by=actor.by,
                by_name=actor.by_name,
                by_role=actor.by_role,
                action=action,
                note=note,
                unit_id=unit,
            )
            for i, (action, note, unit) in enumerate(steps)
        ]
        self._insert_steps(tx, rows)
        return rows

    def need_timeline(self, need_id: str) -> list[NeedStep]:
        """Every step of a need, oldest first; an order stored before the timeline existed
        starts with its registration (``created_at``) as step 0."""
        need = self.get(Need, need_id)
        steps = self._select_steps(need_id)
        if need.created_at is not None and not any(s.action == NeedAction.created for s in steps):
            first = NeedStep(need_id=need_id, seq=0, at=need.created_at, action=NeedAction.created)
            steps = [first, *steps]
        return steps

    def step_need(
        self,
        need_id: str,
        change: Callable[[Need], StepChange],
        *,
        actor: StepActor | None = None,
        take_unit: str | None = None,
        override: bool = False,
        outbox: OutboxSpec = None,
    ) -> Need:
        """One step of the desk in ONE transaction: the need read under its write lock,
        ``change`` (the step's rules and permission checks, under that lock) gives the new
        need and the timeline steps; need, steps and outbox rows are written together.

        ``take_unit``: the unit that takes the order in this step (dispatch): its lock
        is taken too and, unless ``override``, its capacity checked as for a claim.
        """

        def work(tx: Any) -> Need:
            need = self._read_for_update(tx, Need, need_id)
            unit = self._read_for_update(tx, Unit, take_unit) if take_unit else None
            new, steps = change(need)
            if unit is not None and not override:
                check_can_take(
                    new,
                    unit,
                    self._unit_resources(tx, unit.id),
                    self._claimed_effort(tx, unit.id, new.quarter),
                )
            new = new.model_copy(update={"version": need.version + 1})
            self._write_entities(tx, Need, [new])
            self._record_steps(tx, need_id, actor, steps)
            self._outbox_insert(tx, outbox_rows(outbox, new))
            return new

        return self._write_tx(work)
