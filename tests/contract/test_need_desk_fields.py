"""The 12345 desk's fields of a need (issue 13) round-trip on both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from gongjian.graph.model import ExtensionRequest, Need, NeedSource, NeedStatus
from gongjian.graph.store import GraphStore
from tests import factories as f


def _full_need() -> Need:
    at = datetime(2026, 10, 9, 8, 30, tzinfo=UTC)
    return f.need(
        7,
        status=NeedStatus.in_progress,
        claimed_by="u1",
        claimed_at=at,
        started_at=at,
        created_at=at,
        number="XC-2026-000007",
        complainant_name="张三丰 'O\"Brien` =1+1",
        complainant_phone="+86 138-1234-5678",
        address="星城路 12 号 3 单元 <b>501</b>",
        source=NeedSource.hotline,
        source_no="12345-2026-0001",
        resolution_note="已更换灯泡\n并测试",
        cancel_reason="}) DETACH DELETE n //",
        photos=["a1b2c3.jpg", "d4e5f6.png"],
        supervised=True,
        supervise_deadline=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
        extension=ExtensionRequest(
            due=date(2026, 12, 20),
            reason="需要采购零件",
            requested_at=at,
            requested_by="unit-user",
            unit_id="u1",
            state="approved",
            decided_at=at,
            decided_by="committee-user",
            note="同意",
        ),
        returns=2,
        reopens=1,
        extensions=1,
        supervisions=3,
    )


def test_a_need_with_every_desk_field_round_trips(store: GraphStore) -> None:
    store.upsert_many(f.small_network())
    need = _full_need()
    store.upsert(need)
    got = store.get(Need, need.id)
    assert got == need
    assert got.extension is not None and got.extension.state == "approved"
    assert got.source == NeedSource.hotline and got.photos == ["a1b2c3.jpg", "d4e5f6.png"]
    assert [n for n in store.list(Need, limit=None) if n.id == need.id] == [need]


def test_old_needs_load_with_the_defaults(store: GraphStore) -> None:
    store.upsert_many(f.small_network())
    got = store.get(Need, "n1")
    assert got.source == NeedSource.other and got.photos == [] and got.extension is None
    assert (got.returns, got.reopens, got.extensions, got.supervisions) == (0, 0, 0, 0)
    assert got.supervised is False


@pytest.mark.parametrize("phone", ["138abc5678", "=1+1", "12", "1" * 25, "138\n1234 5678"])
def test_a_phone_other_than_digits_plus_dash_spaces_is_refused(phone: str) -> None:
    with pytest.raises(ValidationError, match="联系电话"):
        f.need(1, complainant_phone=phone)


def test_source_labels_are_chinese() -> None:
    assert NeedSource.hotline.label_zh == "12345 热线"
    assert [s.value for s in NeedSource] == ["visit", "grid", "council", "hotline", "other"]
