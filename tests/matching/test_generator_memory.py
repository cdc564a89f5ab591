"""The district benchmark's first phase: the synthetic generator's memory is its network's.

pydantic's ``model_construct`` inspected every default factory's signature on every
call, and with the cyclic GC off while generating, a district network left over a
gigabyte of garbage behind (bench district peaked at 2.7 GB). The generator builds
its entities from a defaults table instead; the garbage would show here at 1/20 size.
"""

from __future__ import annotations

import gc
import tracemalloc

from gongjian.graph.model import Need
from gongjian.seeds.synthetic import generate


def test_generate_leaves_no_garbage_and_fills_defaults() -> None:
    gc.collect()
    tracemalloc.start()
    try:
        net = generate(units=100, needs=1000, activities=40, seed=5)
        gc.collect()  # what the generator left that is not the network
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # what is traced at the end is the network; the peak stays close to it
    assert peak < 2 * kept + (4 << 20), (peak >> 20, kept >> 20)
    needs = [e for e in net.entities if isinstance(e, Need)]
    for need in needs[:50]:
        # what pydantic's model_construct makes of the same given values
        ref = Need.model_construct(**{k: getattr(need, k) for k in need.model_fields_set})
        assert need.model_dump() == ref.model_dump()
        assert need.model_fields_set == ref.model_fields_set
        Need.model_validate(need.model_dump())
    # default factories are called per entity: no list shared between two needs
    assert needs[0].summoned == [] and needs[0].summoned is not needs[1].summoned
