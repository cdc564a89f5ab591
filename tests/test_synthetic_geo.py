"""The synthetic generator's coordinates: plausible, seeded, and drawn from a stream of
their own — every other generated value is what it was before coordinates existed
(pinned below), so the planner benchmarks stay comparable across the change."""

from __future__ import annotations

import hashlib
import json
import math

from gongjian.graph.model import Community, Need, Unit
from gongjian.seeds.synthetic import generate
from tests.api.test_map import inside_ring

#: sha256 over every generated value but lat/lon, for generate(30, 100, 20, seed=1),
#: taken before coordinates were added (and checked for 200/1000/80/7 and 2000/20000/800/1)
PINNED = "2395b1ca55a103f18f268ab9e4f8145cc19c09b34f8e4fba347b68765cca09ad"


#: the work-order desk's fields (issue 13), added after the pin with defaults the
#: generator leaves alone
DESK_FIELDS = {
    "number", "complainant_name", "complainant_phone", "address", "source", "source_no",
    "resolution_note", "cancel_reason", "photos", "supervised", "supervise_deadline",
    "extension", "returns", "reopens", "extensions", "supervisions",
}  # fmt: skip


def _digest_without_coordinates(units: int, needs: int, activities: int, seed: int) -> str:
    net = generate(units, needs, activities, seed=seed)
    h = hashlib.sha256()
    for e in net.entities:
        added = DESK_FIELDS if isinstance(e, Need) else set()
        # ``subdistrict``: the tenancy default (issue 17), which the generator does not set
        d = e.model_dump(mode="json", exclude={"lat", "lon", "subdistrict", *added})
        h.update(type(e).__name__.encode())
        h.update(json.dumps(d, sort_keys=True, ensure_ascii=False).encode())
    parts = (
        net.adjacency,
        [p.model_dump(mode="json") for p in net.pairings],
        [a.model_dump(mode="json") for a in net.assignments],
    )
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()


def test_other_values_are_unchanged_by_the_coordinates() -> None:
    assert _digest_without_coordinates(30, 100, 20, 1) == PINNED


def test_coordinates_are_plausible_and_seeded() -> None:
    net = generate(200, 50, 10, seed=3)
    comms = {e.id: e for e in net.entities if isinstance(e, Community)}
    units = [e for e in net.entities if isinstance(e, Unit)]
    assert all(c.lat is not None and c.lon is not None for c in comms.values())
    for c in comms.values():
        Community.model_validate(c.model_dump())  # within the model's ranges
    # neighbours (adjacency) are about a kilometre apart, never on top of each other
    for a, b in net.adjacency:
        ca, cb = comms[a], comms[b]
        km = math.hypot((ca.lat - cb.lat) * 111, (ca.lon - cb.lon) * 85)
        assert 0.5 < km < 2.5, (a, b, km)
    for u in units:
        Unit.model_validate(u.model_dump())
        home = comms[u.community_id]
        assert abs(u.lat - home.lat) < 0.002 and abs(u.lon - home.lon) < 0.0025
    # every unit lies inside the area the map derives for its own community
    from gongjian.service.map.service import voronoi_cells

    order = sorted(comms)
    cells = dict(
        zip(order, voronoi_cells([(comms[c].lon, comms[c].lat) for c in order]), strict=True)
    )
    outside = [u.id for u in units if not inside_ring((u.lon, u.lat), cells[u.community_id])]
    assert not outside, outside
    again = generate(200, 50, 10, seed=3)
    assert [(e.lat, e.lon) for e in again.entities if isinstance(e, Unit)] == [
        (u.lat, u.lon) for u in units
    ]
    other = generate(200, 50, 10, seed=4)
    assert [e.lat for e in other.entities if isinstance(e, Unit)] != [u.lat for u in units]
