"""Generator of large GAP instances by the published rules (types C, D and E).

* Chu & Beasley (1997), types C and D: ``w_ij ~ U[5, 25]``, ``c_ij ~ U[10, 50]``
  (C); ``w_ij ~ U[1, 100]``, ``c_ij = 111 - w_ij + e_ij`` with ``e_ij ~ U[-10, 10]``
  (D); capacities ``b_i = floor(0.8 * sum_j w_ij / m)`` for both.
* Laguna, Kelly, González-Velarde & Glover (1995) as used by Yagiura, Ibaraki &
  Glover (2004), type E: ``w_ij = 1 - 10 ln x_ij`` with ``x_ij ~ U(0, 1]``,
  ``c_ij = 1000 / w_ij - 10 y_ij`` with ``y_ij ~ U[0, 1]`` (both truncated to
  integers), ``b_i = floor(0.8 * sum_j w_ij / m)``.

Instances are minimisation problems, written in OR-Library format by
:func:`write_orlibrary` (``m n``, the cost rows, the weight rows, the
capacities).  The same ``(kind, m, n, seed)`` always gives the same instance.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

__all__ = ["generate", "generate_files", "write_orlibrary"]


def generate(kind: str, m: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One instance of type ``kind`` (``"C"``, ``"D"`` or ``"E"``) with ``m`` agents, ``n`` items.

    Returns ``(cost[m, n], weight[m, n], capacity[m])`` as ``int64`` arrays.
    """
    kind = kind.upper()
    # one stream per (kind, m, n, seed): instances of different shapes are independent
    tag = zlib.crc32(f"{kind}:{m}:{n}".encode())
    rng = np.random.default_rng([int(seed), tag])
    if kind == "C":
        w = rng.integers(5, 26, size=(m, n))
        c = rng.integers(10, 51, size=(m, n))
    elif kind == "D":
        w = rng.integers(1, 101, size=(m, n))
        c = 111 - w + rng.integers(-10, 11, size=(m, n))
    elif kind == "E":
        x = 1.0 - rng.random((m, n))  # (0, 1]
        wf = 1.0 - 10.0 * np.log(x)
        w = np.floor(wf).astype(np.int64)
        c = np.floor(1000.0 / wf - 10.0 * rng.random((m, n))).astype(np.int64)
    else:
        raise ValueError(f"unknown GAP instance type {kind!r} (C, D or E)")
    w = w.astype(np.int64)
    c = c.astype(np.int64)
    b = np.floor(0.8 * w.sum(axis=1) / m).astype(np.int64)
    return c, w, b


def write_orlibrary(
    path: str | Path, cost: np.ndarray, weight: np.ndarray, cap: np.ndarray
) -> Path:
    """Write an instance in OR-Library format (see module docstring)."""
    path = Path(path)
    m, n = cost.shape
    lines = [f"{m} {n}"]
    lines += [" ".join(map(str, row)) for row in cost.tolist()]
    lines += [" ".join(map(str, row)) for row in weight.tolist()]
    lines.append(" ".join(map(str, cap.tolist())))
    path.write_text("\n".join(lines) + "\n")
    return path


def generate_files(
    out_dir: str | Path,
    kinds: list[str],
    agents: list[int],
    items: list[int],
    seed: int,
) -> list[Path]:
    """Write one file per (kind, agents, items) into ``out_dir``; names like ``e40900-s1``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for kind in kinds:
        for m in agents:
            for n in items:
                c, w, b = generate(kind, m, n, seed)
                files.append(write_orlibrary(out / f"{kind.lower()}{m}{n}-s{seed}", c, w, b))
    return files
