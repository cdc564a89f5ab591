"""Read models of the graph: the planner's snapshot and the cooperation network.

Re-exported by :mod:`gongjian.graph.model`, where callers import them.
"""

from __future__ import annotations

from pydantic import BaseModel

from gongjian.graph.model import (
    Activity,
    Community,
    Need,
    Pairing,
    Quarter,
    Resource,
    Unit,
)
from gongjian.graph.suitability import SuitabilityTable

__all__ = ["NetEdge", "NetNode", "Network", "Snapshot"]


class Snapshot(BaseModel):
    """What the planner needs for one quarter, read from the graph in one go.

    * ``resources``: resources available in that quarter.
    * ``needs``: the quarter's needs with status ``open``.
    * ``activities``: the quarter's activities.
    * ``history``: ``(unit_id, community_id, count)`` — how often the unit served
      that community before this quarter (claimed needs + activity assignments).
    * ``carried``: needs of earlier quarters still ``open`` (carried over into this
      quarter's plan); empty unless the reader fills it.
    * ``followups``: ``(unit_id, need category, follow-ups, sum of satisfaction)`` of
      the needs the unit took before this quarter and that were followed up with a
      satisfaction score; empty unless the reader fills it.
    * ``suitability``: the committee's suitability table as stored, when the reader
      fills it (:func:`~gongjian.matching.from_graph.planning_snapshot`); None: the
      shipped default.
    """

    quarter: Quarter
    communities: list[Community]
    adjacency: list[tuple[str, str]]
    units: list[Unit]
    resources: list[Resource]
    needs: list[Need]
    activities: list[Activity]
    pairings: list[Pairing]
    history: list[tuple[str, str, int]]
    carried: list[Need] = []
    followups: list[tuple[str, str, int, int]] = []
    suitability: SuitabilityTable | None = None

    def normalised(self) -> Snapshot:
        """The same snapshot with every list sorted, for comparisons across stores."""
        return Snapshot(
            quarter=self.quarter,
            communities=sorted(self.communities, key=lambda c: c.id),
            adjacency=sorted(tuple(sorted(p)) for p in self.adjacency),  # type: ignore[misc]
            units=sorted(self.units, key=lambda u: u.id),
            resources=sorted(self.resources, key=lambda r: r.id),
            needs=sorted(self.needs, key=lambda n: n.id),
            activities=sorted(self.activities, key=lambda a: a.id),
            pairings=sorted(self.pairings, key=lambda p: (p.unit_id, p.community_id)),
            history=sorted(self.history),
            carried=sorted(self.carried, key=lambda n: n.id),
            followups=sorted(self.followups),
        )


class NetNode(BaseModel):
    """A node of a cooperation network; ``key`` is ``"<label>:<id>"``."""

    key: str
    id: str
    label: str
    name: str
    hops: int


class NetEdge(BaseModel):
    """An undirected, aggregated edge between two node keys (``source < target``).

    Types: ``LOCATED_IN`` and ``PAIRED_WITH`` (unit–community, weight 1), ``SERVED``
    (unit–community: needs the unit claimed there + activities there it was assigned to),
    ``COOPERATED_WITH`` (unit–unit: activities both were assigned to).
    """

    source: str
    target: str
    type: str
    weight: int


class Network(BaseModel):
    """A cooperation network around a unit or community (nodes within ``hops``)."""

    center: str
    hops: int
    nodes: list[NetNode]
    edges: list[NetEdge]
