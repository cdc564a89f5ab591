"""The best objective and proven bound of a solve while it runs.

Every engine tells a :class:`SolveProgress` what it finds as it finds it: a
CP-SAT solution (:class:`gongjian.matching.cpsat.SolutionFeed`),
a better bound (CP-SAT's ``best_bound_callback``, the flow relaxation, the
Lagrangian bound), an improvement of a large-neighbourhood window. The progress
keeps the best of each — the highest objective and the lowest bound, both valid
for the one problem — so the series it reports is monotone however many solves
(stages) feed it.

Reports are throttled to one per ``interval`` seconds: a change is reported at
once when the last report is that old (so the first figures go out without
delay), otherwise by a timer thread when the interval is up; :meth:`SolveProgress.flush`
reports what is left.

OR-Tools is not imported here (the CP-SAT callbacks are in :mod:`gongjian.matching.cpsat`):
the service imports this module at start-up, and OR-Tools with pandas costs ~1 s.

>>> seen = []
>>> p = SolveProgress(seen.append, interval=0)
>>> p.bound(110); p.objective(100); p.objective(90); p.bound(120); p.flush()
>>> seen[-1].objective, seen[-1].bound, round(seen[-1].gap, 3)
(100, 110, 0.1)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from pydantic import BaseModel

__all__ = ["ProgressPoint", "SolveProgress", "gap_of"]


def gap_of(objective: int | None, bound: int | None) -> float | None:
    """``(bound - objective) / |objective|`` (the plans' gap), None without both."""
    if objective is None or bound is None:
        return None
    return round(max(0.0, (bound - objective) / max(1, abs(objective))), 9)


class ProgressPoint(BaseModel):
    """One point of the series: seconds since the solve began, best objective, bound, gap."""

    t: float
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None


class SolveProgress:
    """Best objective and bound seen so far; ``sink`` gets them, at most every ``interval`` s.

    Thread-safe: CP-SAT calls its callbacks from its own threads.
    """

    def __init__(
        self,
        sink: Callable[[ProgressPoint], None] | None = None,
        *,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._lock = threading.Lock()
        self._best: int | None = None
        self._bound: int | None = None
        self._dirty = False
        self._last = -math.inf  # clock of the last report
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ engines call these
    def objective(self, value: float | int | None) -> None:
        """A plan worth ``value`` exists (ignored unless better than the best so far)."""
        if value is None or not math.isfinite(value):
            return
        v = math.floor(value + 1e-6)
        with self._lock:
            if self._best is None or v > self._best:
                self._best = v
                self._dirty = True
        self._kick()

    def bound(self, value: float | int | None) -> None:
        """No plan is worth more than ``value`` (ignored unless lower than the bound so far)."""
        if value is None or not math.isfinite(value):
            return
        v = math.floor(value + 1e-6)
        with self._lock:
            if self._bound is None or v < self._bound:
                self._bound = v
                self._dirty = True
        self._kick()

    # ------------------------------------------------------------ readers
    def point(self) -> ProgressPoint:
        """Where the solve is now (the bound never below the objective: both are proven)."""
        with self._lock:
            best, bound = self._best, self._bound
        if best is not None and bound is not None and bound < best:
            bound = best  # a bound rounded below the plan that proves it optimal
        return ProgressPoint(
            t=round(self._clock() - self._start, 3),
            objective=best,
            bound=bound,
            gap=gap_of(best, bound),
        )

    def flush(self) -> None:
        """Report now if anything changed since the last report."""
        with self._lock:
            dirty, self._dirty = self._dirty, False
            if dirty:
                self._last = self._clock()
        if dirty and self._sink is not None:
            self._sink(self.point())

    def close(self) -> None:
        """Stop the timer thread and report what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        self.flush()

    def _kick(self) -> None:
        """Report a change now if the last report is old enough, else leave it to the timer."""
        if self._sink is None:
            return
        with self._lock:
            due = self._clock() - self._last >= self._interval
            if not due and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="gongjian-solve-progress", daemon=True
                )
                self._thread.start()
        if due:
            self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._interval / 2):
            with self._lock:
                due = self._clock() - self._last >= self._interval
            if due:
                self.flush()
