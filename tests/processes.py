"""Waiting for processes to end (solver children, Ray workers) in tests."""

from __future__ import annotations

import time

import psutil


def gone(pids: list[int], timeout: float = 20.0) -> bool:
    """Whether every process of ``pids`` has ended (a zombie counts as ended) within
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False
