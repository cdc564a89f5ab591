"""One settings object for the whole project (environment prefix ``GONGJIAN_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Settings read from ``GONGJIAN_*`` environment variables (and ``.env``)."""

    model_config = SettingsConfigDict(env_prefix="GONGJIAN_", env_file=".env", extra="ignore")

    #: which store to use when none is named; unset: Neo4j if ``neo4j_uri`` is set, else
    #: embedded; ``neo4j`` needs ``neo4j_uri``
    store: Literal["embedded", "neo4j"] | None = None
    #: SQLite file of the embedded store
    db: Path = Field(default=Path("gongjian.sqlite"))
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    #: seconds to wait for a Bolt connection
    neo4j_connect_timeout: float = Field(default=5.0, gt=0, le=120)
    #: seconds a transaction is retried (transient errors, lost connections) before giving
    #: up; the service then answers 503, so keep it short
    neo4j_retry_seconds: float = Field(default=5.0, ge=0, le=300)
    #: SQLite file of the service's own state: users (hashed tokens), audit log, plan jobs
    state_db: Path = Field(default=Path("gongjian-service.sqlite"))
    #: largest accepted upload (bytes) for Excel / CSV imports
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    #: wall-clock cap (seconds) of reading one import file (then 413); the
    #: row, cell, string and size limits are in ``gongjian.service.needs.import_format``
    import_max_seconds: float = Field(default=8.0, gt=0, le=600)
    #: the sub-district code of order numbers (XC-2026-000123); read by
    #: :func:`gongjian.graph.desk.subdistrict_code` (letters and digits, else XC)
    subdistrict_code: str = "XC"
    #: seconds a client should wait before retrying when the store is unreachable (503)
    retry_after_seconds: int = Field(default=5, ge=1)

    #: start the next plan job's solver child ahead while idle (its imports, ~1 s of CPU,
    #: done before the job comes); off where plans are rare and CPU or memory is short
    spare_solver: bool = True

    # -- notifications (gongjian.service.notifications) ---------------------------------
    #: the console's address, for the links in messages
    console_url: str = "http://127.0.0.1:8000/"
    #: run the delivery worker inside ``gongjian serve`` (else: ``gongjian notify run``)
    notify_worker: bool = True
    #: seconds between two looks at the outbox when it was empty
    notify_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    #: tries of one delivery before it is dead
    notify_max_attempts: int = Field(default=6, ge=1, le=50)
    #: back-off before the n-th retry: this × 2^(n-1) seconds, at most notify_backoff_max
    notify_backoff_seconds: float = Field(default=5.0, gt=0, le=3600)
    notify_backoff_max: float = Field(default=3600.0, gt=0)
    #: how long a worker holds a row it is sending; a row of a killed worker is sent
    #: again after this (keep it well above notify_timeout_seconds: a row is only sent
    #: while more than a timeout of its lease is left)
    notify_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: deliveries a worker sends at once
    notify_senders: int = Field(default=4, ge=1, le=32)
    #: timeout of one HTTP / SMTP delivery
    notify_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    #: seconds between two scans for due dates and the daily digest
    notify_scan_seconds: float = Field(default=300.0, gt=0)
    #: Beijing hour from which the committee's daily digest goes out
    notify_digest_hour: int = Field(default=8, ge=0, le=23)

    def store_kind(self) -> Literal["embedded", "neo4j"]:
        """The store these settings select."""
        if self.store is not None:
            return self.store
        return "neo4j" if self.neo4j_uri else "embedded"


def get_settings() -> Settings:
    """Fresh settings from the environment (cheap; call once per process or command)."""
    return Settings()
