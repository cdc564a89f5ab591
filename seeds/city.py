"""A city: ``n`` sub-districts of ``m`` units each, seeded (built on the district generator).

Sub-district ``k`` (from 1) is :func:`gongjian.seeds.synthetic.generate` with seed
``seed * 1000 + k``; its sub-district id and code is ``SD<k>`` (two digits: the
Subdistrict node's id and every entity's ``subdistrict``, so a store scopes by it)
and every other id gets the prefix ``s<k>-`` (references too), so sub-districts never
share an id and the whole city loads into one store (:func:`city_network`). Its
coordinates are moved ``k`` steps along a grid of 0.05° (the district generator puts
every sub-district at the same place), so the sub-districts lie side by side.
"""

from __future__ import annotations

from typing import Any

from gongjian.seeds.network import SeedNetwork
from gongjian.seeds.synthetic import generate

__all__ = ["city_network", "generate_city", "subdistrict_id"]


#: degrees between neighbouring sub-districts, and sub-districts per row of the grid
STEP, ROW = 0.05, 4


def subdistrict_id(k: int) -> str:
    """The id and code of sub-district ``k`` (``SD01``)."""
    return f"SD{k:02d}"


def _rename(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_rename(v, ids) for v in value]
    if isinstance(value, tuple):
        return tuple(_rename(v, ids) for v in value)
    if isinstance(value, dict):
        return {k: _rename(v, ids) for k, v in value.items()}
    return value


def _subdistrict(
    k: int, units: int, needs: int, activities: int, seed: int, quarter: str
) -> SeedNetwork:
    net = generate(
        units=units, needs=needs, activities=activities, seed=seed * 1000 + k, quarter=quarter
    )
    sd = subdistrict_id(k)
    ids = {e.id: f"s{k:02d}-{e.id}" for e in net.entities}
    for e in net.entities:
        if type(e).__name__ == "Subdistrict":
            ids[e.id] = sd
    entities = []
    for e in net.entities:
        data = _rename(e.model_dump(), ids)
        if type(e).__name__ == "Subdistrict":
            data["name"] = f"{data['name']}{k}"
        if "subdistrict" in data:
            data["subdistrict"] = sd
        if data.get("lat") is not None and data.get("lon") is not None:
            data["lat"] = round(data["lat"] + STEP * ((k - 1) // ROW), 6)
            data["lon"] = round(data["lon"] + STEP * ((k - 1) % ROW), 6)
        entities.append(type(e).model_validate(data))
    return SeedNetwork(
        entities=entities,
        adjacency=[_rename(p, ids) for p in net.adjacency],
        pairings=[type(p).model_validate(_rename(p.model_dump(), ids)) for p in net.pairings],
        assignments=[type(a).model_validate(_rename(a.model_dump(), ids)) for a in net.assignments],
    )


def generate_city(
    subdistricts: int,
    units: int,
    needs: int,
    activities: int,
    seed: int = 1,
    quarter: str = "2026Q4",
) -> dict[str, SeedNetwork]:
    """``{sub-district id: its network}`` for ``subdistricts`` sub-districts (same args, same city)."""
    if subdistricts < 1:
        raise ValueError("subdistricts must be ≥ 1")
    return {
        subdistrict_id(k): _subdistrict(k, units, needs, activities, seed, quarter)
        for k in range(1, subdistricts + 1)
    }


def city_network(city: dict[str, SeedNetwork]) -> SeedNetwork:
    """The whole city as one network (to load into either store)."""
    nets = list(city.values())
    return SeedNetwork(
        entities=[e for n in nets for e in n.entities],
        adjacency=[p for n in nets for p in n.adjacency],
        pairings=[p for n in nets for p in n.pairings],
        assignments=[a for n in nets for a in n.assignments],
    )
