"""Publishing a plan (发布计划), journaled so that a crash never freezes the quarter.

A plan's decisions become activity assignments and claims (接单) in the graph,
while the job's record lives in the state file: two stores, no transaction
across them. So a publication is **journaled**:

1. :meth:`~gongjian.service.state.ServiceState.claim_publish` records the intent
   in the state file — ``published_at``, the owner process
   (:func:`~gongjian.service.state.process_tag`) and the plan it supersedes —
   before anything is written to the graph;
2. every graph step is idempotent: the superseded plan's assignments are removed
   by plan id, assignments are keyed by (unit, activity, plan) (written again,
   they stay one), and a need already claimed by the plan's unit counts as
   claimed;
3. the notifications of the publication (``plan.published``, one per unit with its
   tasks and activities) are enqueued in the store's outbox with ids per plan and
   unit, so a step run again adds none twice;
4. storing the ``publish_report`` marks it complete.

A publication whose owner process died (``kill -9``) or gave up (the store
failed) is unfinished; it is completed — all its steps run again — by the next
start (:func:`resume_publications`), by a retry of the same plan, or before
another plan of the quarter is published. A publication in progress in a live
process is waited for in that process and answered 409 from another one. After a
crash at any moment the plan is therefore published completely, or becomes so at
the next start or attempt; the quarter is never stuck.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field

from gongjian.core.errors import ConflictError, GongjianError, NotFoundError, StoreUnavailableError
from gongjian.graph.desk import StepActor
from gongjian.graph.model import Assignment as GraphAssignment
from gongjian.graph.model import Need, ResourceKind
from gongjian.graph.outbox import OutboxRow
from gongjian.graph.store import GraphStore
from gongjian.matching.problem import Plan, Problem, item_key
from gongjian.service.notifications import events as notify
from gongjian.service.plans.service import job_problem
from gongjian.service.state import JobStatus, ServiceState, process_alive, process_tag

__all__ = ["PublishReport", "SkippedDecision", "publish_job", "resume_publications"]

log = logging.getLogger("gongjian.service.plans.publish")

_PUBLISHABLE = (JobStatus.done, JobStatus.cancelled)
#: seconds to wait for a publication this process is running before trying again
WAIT = 120.0
#: claims one call makes at most (a chain of cut-short publications, each completed)
ATTEMPTS = 8


class SkippedDecision(BaseModel):
    """A decision publishing could not write, and why."""

    item: str
    unit: str
    reason: str


class PublishReport(BaseModel):
    """What publishing a plan wrote (also stored on the job, without ``plan_id``/``published_at``)."""

    plan_id: str
    published_at: str | None
    assignments: int = Field(description="活动安排数 activity assignments written")
    claims: int = Field(description="接单数 needs claimed")
    skipped: list[SkippedDecision] = Field(description="跳过的决定及原因 skipped, with reasons")
    superseded: str | None = Field(
        default=None, description="被取代的本季度原计划 the quarter's plan this one replaces"
    )
    removed_assignments: int = Field(
        default=0, description="原计划被撤下的活动安排数 assignments of that plan removed"
    )


# --------------------------------------------------------------------------- this process
_lock = threading.Lock()
#: publications this process is running: job id → set when it ends
_running: dict[str, threading.Event] = {}
_owner: tuple[int, str] | None = None


def _me() -> str:
    """This process's tag (computed once per process; a fork gets its own)."""
    global _owner
    if _owner is None or _owner[0] != os.getpid():
        _owner = (os.getpid(), process_tag())
    return _owner[1]


def _busy(job_id: str, owner: str | None) -> bool:
    """Whether the publication of ``job_id`` recorded for ``owner`` is in progress."""
    if owner is not None and owner == _me():
        return job_id in _running  # this process: only while a thread runs it
    return process_alive(owner)


# --------------------------------------------------------------------------- publishing
def publish_job(store: GraphStore, state: ServiceState, job_id: str) -> PublishReport:
    """Turn a plan's decisions into activity assignments and claims (发布计划).

    Only a ``done`` job, or a ``cancelled`` one that kept a plan, can be published,
    and only once (:class:`ConflictError` otherwise). A quarter has one current plan:
    publishing a re-plan supersedes the quarter's published plan — its activity
    assignments are removed (its claims are real work orders by now and stay; the
    new plan's decisions on needs no longer open are skipped) and it is marked
    ``superseded_by`` in its publish report. Activity role decisions become
    ``Assignment(activity, unit, role=kind, plan_id=job id)``; need decisions are
    claimed for their unit with :meth:`GraphStore.claim_need`. Needs that are no
    longer open, and activities or units that are gone, are skipped and listed.

    A publication of this plan cut short (a crash, a store failure) is completed
    here; one of another plan of the quarter is completed first. One running in
    this process is waited for (for this very plan, its report is the answer);
    one running in another live process is a 409 ("being published").

    Returns
    -------
    PublishReport
        Also stored on the job (without ``plan_id`` and ``published_at``, which the
        job has itself).
    """
    _check_publishable(state, job_id)
    waited = False
    for _ in range(ATTEMPTS):
        with _lock:
            claim = state.claim_publish(job_id, _me(), busy=_busy)
            mine = claim.outcome in ("taken", "resumed")
            if mine:
                _running[job_id] = threading.Event()
            done = _running.get(job_id if mine else claim.other or "")
        if mine:
            try:
                return _run(store, state, job_id, claim.other, claim.journal or {})
            finally:
                with _lock:
                    _running.pop(job_id, None)
                if done is not None:
                    done.set()
        if claim.outcome == "published":
            job = state.get_job(job_id)
            if waited:  # the publication this call waited for: its report is the answer
                return _report(job_id, job.published_at, job.publish_report or {})
            raise ConflictError(
                f"计划 {job_id} 已发布 (already published)", published_at=job.published_at
            )
        if claim.outcome == "recover":
            assert claim.other is not None
            _complete(store, state, claim.other)
            continue
        # busy
        if done is not None and claim.outcome == "busy":  # in this process: wait, try again
            done.wait(WAIT)
            waited = waited or claim.other == job_id
            continue
        other = claim.other
        if other == job_id:
            raise ConflictError(
                f"计划 {job_id} 正在发布，请稍后再试 (the plan is being published; try again"
                " shortly)",
                published_plan=other,
            )
        raise ConflictError(
            f"{state.get_job(job_id).quarter} 季度的计划 {other} 正在发布，请稍后再试 (plan"
            f" {other} of the quarter is being published; try again shortly)",
            published_plan=other,
        )
    raise ConflictError(
        f"计划 {job_id} 暂时无法发布，请稍后再试 (the plan could not be published now; try again)"
    )


def _check_publishable(state: ServiceState, job_id: str) -> Plan:
    job = state.get_job(job_id)
    if job.status not in _PUBLISHABLE or job.plan is None:
        raise ConflictError(
            f"只能发布已完成的计划（当前：{job.status.label_zh}）(only a finished plan can be"
            " published)",
            status=job.status.value,
        )
    plan = Plan.model_validate(job.plan)
    if plan.status == "infeasible":
        raise ConflictError("不可行的计划不能发布 (an infeasible plan cannot be published)")
    return plan


def _complete(store: GraphStore, state: ServiceState, job_id: str) -> None:
    """Complete another plan's publication that was cut short (before superseding it)."""
    log.warning("completing the unfinished publication of plan %s", job_id)
    # completed meanwhile, or being completed by a live process: the caller claims again
    with contextlib.suppress(ConflictError):
        publish_job(store, state, job_id)


def _run(
    store: GraphStore,
    state: ServiceState,
    job_id: str,
    other: str | None,
    journal: dict[str, Any],
) -> PublishReport:
    """Run (or run again) every step of a claimed publication and mark it complete."""
    try:
        plan = _check_publishable(state, job_id)
        removed = int(journal.get("removed") or 0)
        if other is not None:  # the quarter's earlier plan: its activity assignments go
            removed += store.remove_assignments(other)
            state.journal_publish(job_id, removed=removed)
            earlier = state.get_job(other).publish_report or {}
            if earlier.get("superseded_by") != job_id:
                state.update_job(other, publish_report={**earlier, "superseded_by": job_id})
        n_assigned, n_claims, skipped = _publish(store, plan, job_problem(state, job_id), job_id)
        store.enqueue(_notifications(plan, job_id, state.get_job(job_id).quarter, skipped))
        stored = {
            "assignments": n_assigned,
            "claims": n_claims,
            "skipped": [s.model_dump() for s in skipped],
            "superseded": other,
            "removed_assignments": removed,
        }
        state.finish_publish(job_id, stored)
    except BaseException:
        # the journal stays: a retry, another plan's publication or the next start
        # completes it
        state.release_publish(job_id)
        raise
    return _report(job_id, state.get_job(job_id).published_at, stored)


def _report(job_id: str, published_at: str | None, stored: dict[str, Any]) -> PublishReport:
    fields = {k: v for k, v in stored.items() if k in PublishReport.model_fields}
    return PublishReport(plan_id=job_id, published_at=published_at, **fields)


def _publish(
    store: GraphStore, plan: Plan, problem: Problem | None, job_id: str
) -> tuple[int, int, list[SkippedDecision]]:
    """Write the plan's decisions: (assignments written, needs claimed, skipped).

    Idempotent: run again after a crash, it writes nothing twice and counts what
    the first run wrote.
    """
    kinds: dict[str, str] = {}
    if problem is not None:
        kinds = {item_key(a.id, r.id): r.kind for a in problem.activities for r in a.roles}
    skipped: list[SkippedDecision] = []
    assignments: list[tuple[str, GraphAssignment]] = []
    for a in plan.assignments:
        if a.type != "role":
            continue
        activity_id = a.item.partition("/")[0]
        kind = kinds.get(a.item)
        try:
            role = ResourceKind(kind) if kind else None
        except ValueError:
            role = None
        if role is None:
            skipped.append(
                SkippedDecision(item=a.item, unit=a.unit, reason="角色类别未知 (unknown role kind)")
            )
            continue
        assignments.append(
            (
                a.item,
                GraphAssignment(
                    activity_id=a.activity or activity_id,
                    unit_id=a.unit,
                    role=role,
                    plan_id=job_id,
                ),
            )
        )
    n_assigned = 0
    if assignments:
        try:  # keyed by (unit, activity, plan): written again, they stay one each
            n_assigned = store.add_assignments([g for _, g in assignments])
        except NotFoundError:
            # something was deleted since the plan was made: write what still exists
            for item, g in assignments:
                try:
                    n_assigned += store.add_assignments([g])
                except NotFoundError as exc:
                    skipped.append(SkippedDecision(item=item, unit=g.unit_id, reason=exc.message))
    n_claims = 0
    for a in plan.assignments:
        if a.type != "need":
            continue
        try:
            actor = StepActor(f"plan:{job_id}", "计划发布", "plan")
            store.claim_need(a.item, a.unit, note="计划发布", actor=actor)
        except ConflictError as exc:
            if _claimed_by(store, a.item) == a.unit:  # already: by this plan before a crash
                n_claims += 1
            else:
                skipped.append(SkippedDecision(item=a.item, unit=a.unit, reason=exc.message))
        except NotFoundError as exc:
            skipped.append(SkippedDecision(item=a.item, unit=a.unit, reason=exc.message))
        else:
            n_claims += 1
    return n_assigned, n_claims, skipped


def _notifications(
    plan: Plan, job_id: str, quarter: str, skipped: list[SkippedDecision]
) -> list[OutboxRow]:
    """``plan.published`` per unit: the needs and activities it was given (not skipped)."""
    left_out = {(s.item, s.unit) for s in skipped}
    tasks: dict[str, list[str]] = defaultdict(list)
    activities: dict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        if (a.item, a.unit) in left_out:
            continue
        if a.type == "need":
            tasks[a.unit].append(a.item)
        elif a.type == "role":
            activity = a.activity or a.item.partition("/")[0]
            if activity not in activities[a.unit]:
                activities[a.unit].append(activity)
    return [
        notify.published(job_id, quarter, unit, tasks.get(unit, []), activities.get(unit, []))
        for unit in sorted(set(tasks) | set(activities))
    ]


def _claimed_by(store: GraphStore, need_id: str) -> str | None:
    try:
        return store.get(Need, need_id).claimed_by
    except NotFoundError:
        return None


# --------------------------------------------------------------------------- at start-up
def resume_publications(
    store: GraphStore,
    state: ServiceState,
    *,
    background: bool = True,
    patience: float = 60.0,
) -> threading.Thread | None:
    """Complete the publications a previous process left unfinished (at start-up).

    Those of live processes (other workers) are left to them. With ``background``
    it runs in a daemon thread (returned), so the service answers at once; requests
    for those plans meanwhile wait for it (:func:`publish_job`). While the store is
    unreachable it tries again for ``patience`` seconds; what is left is completed by
    the next attempt to publish.
    """
    pending = [
        job_id for job_id, owner in state.unfinished_publications() if not _busy(job_id, owner)
    ]
    if not pending:
        return None

    def work() -> None:
        deadline = time.monotonic() + patience
        for job_id in pending:
            while True:
                try:
                    report = publish_job(store, state, job_id)
                except StoreUnavailableError as exc:
                    if time.monotonic() > deadline:
                        log.warning("plan %s left unfinished: %s", job_id, exc.message)
                        break
                    time.sleep(2.0)
                    continue
                except GongjianError as exc:
                    log.warning("plan %s: publication not completed: %s", job_id, exc.message)
                except Exception:  # keep the service up; the next attempt completes it
                    log.exception("plan %s: publication not completed", job_id)
                else:
                    log.warning(
                        "completed the publication of plan %s cut short by the previous process:"
                        " %d assignments, %d claims",
                        job_id,
                        report.assignments,
                        report.claims,
                    )
                break

    if not background:
        work()
        return None
    thread = threading.Thread(target=work, name="gongjian-publish-resume", daemon=True)
    thread.start()
    return thread
