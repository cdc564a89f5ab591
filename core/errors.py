"""The project's own exceptions.

Stores translate driver and database errors into these at their boundary, so
the CLI and the service map them to messages / HTTP codes in one place.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "GongjianError",
    "InvalidInputError",
    "NotFoundError",
    "PreconditionFailedError",
    "StoreUnavailableError",
]


class GongjianError(Exception):
    """Base class of every error the project raises on purpose."""

    #: short machine-readable code, also used in API error bodies
    code = "error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFoundError(GongjianError):
    """A node with that label and id does not exist."""

    code = "not_found"

    def __init__(self, label: str, node_id: str) -> None:
        super().__init__(f"{label} '{node_id}' 不存在 (not found)", label=label, id=node_id)
        self.label = label
        self.node_id = node_id


class ConflictError(GongjianError):
    """The request contradicts the stored state (already claimed, illegal transition, in use)."""

    code = "conflict"


class InvalidInputError(GongjianError):
    """Input that fails validation; ``errors`` lists ``{field, message}`` items."""

    code = "invalid_input"

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message, errors=errors or [])
        self.errors = errors or []


class StoreUnavailableError(GongjianError):
    """The graph database cannot be reached (图数据库不可用)."""

    code = "store_unavailable"


class PreconditionFailedError(GongjianError):
    """A conditional write whose precondition (an ETag) no longer holds (HTTP 412)."""

    code = "precondition_failed"
