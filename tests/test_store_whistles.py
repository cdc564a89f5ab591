"""The whistle list and the dashboard metrics agree about the same needs, on both stores.

Both read whistles through ``gongjian.graph.whistle.whistle_state``: a naive stored
deadline is Beijing time in both (the metrics used to read it as UTC and missed the
first eight hours of lateness).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from gongjian.graph.model import Need, NeedStatus
from gongjian.graph.store import GraphStore
from gongjian.graph.whistle import whistle_state
from gongjian.service.metrics.service import overdue_whistles
from gongjian.service.needs.service import whistle_view
from tests import factories as f

BEIJING = timezone(timedelta(hours=8))
#: one second after midnight in Beijing, 2026-11-01
NOW = datetime(2026, 10, 31, 16, 0, 1, tzinfo=UTC)
PAST = datetime(2026, 10, 30, 0, 0, tzinfo=UTC)


def _whistle(i: int, **kw: object) -> Need:
    return f.need(10 + i, title=f"吹哨 {i}", whistle=True, summoned=["u1", "u2"], **kw)


def _needs() -> list[Need]:
    reported = {"u1": PAST - timedelta(hours=1), "u2": PAST - timedelta(hours=1)}
    return [
        # naive deadline = Beijing midnight (2026-10-31 16:00 UTC): one second overdue
        _whistle(1, whistle_deadline=datetime(2026, 11, 1, 0, 0)),
        # aware deadline exactly now: not passed yet
        _whistle(2, whistle_deadline=NOW),
        # Beijing midnight written with its offset: overdue like the naive one
        _whistle(3, whistle_deadline=datetime(2026, 11, 1, tzinfo=BEIJING)),
        # naive 08:00 Beijing = 00:00 UTC on 1 November: still ahead
        _whistle(4, whistle_deadline=datetime(2026, 11, 1, 8, 0)),
        # cancelled after the deadline passed: nobody is overdue
        _whistle(5, whistle_deadline=PAST, status=NeedStatus.cancelled),
        # everyone reported in time
        _whistle(6, whistle_deadline=PAST, reports=reported),
        # no deadline
        _whistle(7),
        # u1 reported late (a naive report time, Beijing), u2 in time
        _whistle(
            8,
            whistle_deadline=PAST,
            reports={"u1": datetime(2026, 10, 30, 9, 0), "u2": PAST - timedelta(minutes=1)},
        ),
        # not a whistle at all
        f.need(19, summoned=["u1"], whistle_deadline=PAST),
    ]


def test_whistle_list_and_metrics_agree(store: GraphStore) -> None:
    store.upsert_many([*f.small_network(), *_needs()])
    listed = [whistle_view(n, NOW) for n in store.list(Need, filters={"whistle": True}, limit=None)]
    metrics = {w.need_id: w for w in overdue_whistles(store.list(Need, limit=None), NOW)}

    # the whistle list's overdue filter: units not reported past the deadline
    assert sorted(v.need_id for v in listed if v.overdue) == ["n11", "n13"]
    # the dashboard: needs with a unit that missed the deadline (late reports included)
    assert sorted(metrics) == ["n11", "n13", "n18"]
    for view in listed:
        missed = sorted(u.unit_id for u in view.units if u.state in ("late", "overdue"))
        if view.status == NeedStatus.cancelled:
            missed = []
        assert missed == (metrics[view.need_id].late_units if view.need_id in metrics else [])
        if view.need_id in metrics:
            assert metrics[view.need_id].deadline == view.deadline
    assert metrics["n18"].late_units == ["u1"]
    assert metrics["n11"].deadline == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)


def test_whistle_state_at_the_beijing_midnight_edge() -> None:
    need = _whistle(1, whistle_deadline=datetime(2026, 11, 1, 0, 0))
    before = whistle_state(need, datetime(2026, 10, 31, 16, 0, 0, tzinfo=UTC))
    after = whistle_state(need, datetime(2026, 10, 31, 16, 0, 1, tzinfo=UTC))
    assert [u.state for u in before.units] == ["pending", "pending"] and not before.overdue
    assert after.overdue_units == ["u1", "u2"] and after.late_units == ["u1", "u2"]
    # a naive ``now`` is UTC, as the clock hands it out
    assert whistle_state(need, datetime(2026, 10, 31, 16, 0, 1)).overdue
