"""Run store calls on real threads at once, for the race tests of both stores."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from gongjian.core.errors import ConflictError, PreconditionFailedError


def run_threads(workers: list[Callable[[], Any]]) -> None:
    """Start one thread per worker and wait for all of them."""
    threads = [threading.Thread(target=w) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def race(
    workers: list[Callable[[], Any]],
    *,
    lose: tuple[type[Exception], ...] = (ConflictError, PreconditionFailedError),
) -> tuple[list[Any], list[Exception], list[BaseException]]:
    """Run every worker at once; (results, ``lose`` errors, other errors)."""
    won: list[Any] = []
    lost: list[Exception] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def run(work: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            won.append(work())
        except lose as exc:
            lost.append(exc)
        except BaseException as exc:  # anything else breaks the contract
            errors.append(exc)

    run_threads([partial(run, w) for w in workers])
    return won, lost, errors
