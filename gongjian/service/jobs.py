"""Plan jobs (placeholder: being written)."""

from __future__ import annotations

from typing import Any

__all__ = ["JobManager"]


class JobManager:
    def __init__(self, app: Any) -> None:
        self.app = app

    def shutdown(self) -> None:
        pass
