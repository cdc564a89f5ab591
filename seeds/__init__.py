"""Seed networks: the Xingcheng (星城街道) demo from the case and synthetic networks."""

from __future__ import annotations

from gongjian.seeds.network import HISTORY_PLAN_ID, SeedNetwork, load_network
from gongjian.seeds.synthetic import generate
from gongjian.seeds.xingcheng import (
    SeedDataError,
    load_xingcheng,
    read_network_dir,
    write_network_dir,
)

__all__ = [
    "HISTORY_PLAN_ID",
    "SeedDataError",
    "SeedNetwork",
    "generate",
    "load_network",
    "load_xingcheng",
    "read_network_dir",
    "write_network_dir",
]
