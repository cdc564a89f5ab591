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

    #: which store to use when none is named; ``neo4j`` needs ``neo4j_uri``
    store: Literal["embedded", "neo4j"] = "embedded"
    #: SQLite file of the embedded store
    db: Path = Field(default=Path("gongjian.sqlite"))
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"


def get_settings() -> Settings:
    """Fresh settings from the environment (cheap; call once per process or command)."""
    return Settings()
