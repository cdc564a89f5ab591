"""An acknowledged write to the embedded store survives ``kill -9`` of the writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Need, NeedStatus, Unit

WRITER = textwrap.dedent(
    """
    import sys
    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.graph.model import Community, Unit
    store = EmbeddedStore(sys.argv[1])
    store.migrate()
    store.upsert(Community(id="c1", name="第一社区"))
    i = 0
    while True:
        i += 1
        store.upsert(Unit(id=f"u{i}", name=f"单位{i}", type="enterprise", community_id="c1"))
        print(f"u{i}", flush=True)  # acknowledged: upsert returned
    """
)


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "durable.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    acked: list[str] = []
    for line in proc.stdout:
        acked.append(line.strip())
        if len(acked) >= 150:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    store = EmbeddedStore(db)
    store.migrate()
    stored = {u.id for u in store.list(Unit, limit=None)}
    assert set(acked) <= stored
    # the writer ran on after the 150th line; whatever it wrote is whole and in order
    assert stored == {f"u{i}" for i in range(1, len(stored) + 1)}
    for u in store.list(Unit, limit=None):
        assert u.community_id == "c1" and u.name.startswith("单位")
    assert store.stats()["LOCATED_IN"] == len(stored)
    store.close()


def test_claim_survives_a_new_process(tmp_path: Path) -> None:
    from tests import factories as f

    db = tmp_path / "claims.sqlite"
    store = EmbeddedStore(db)
    store.migrate()
    store.upsert_many(f.small_network())
    store.claim_need("n1", "u1", override=True)
    # no close(): the next reader is another process, as after a crash
    code = (
        "from gongjian.graph.embedded import EmbeddedStore;"
        "from gongjian.graph.model import Need;"
        f"s = EmbeddedStore({str(db)!r}); n = s.get(Need, 'n1'); print(n.status.value, n.claimed_by)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["claimed", "u1"]
    assert store.get(Need, "n1").status == NeedStatus.claimed
