"""The run-history schema: one table, one row per completed run (SQLAlchemy 2 typed ORM).

The Alembic migrations in ``migrations/versions`` create exactly this schema; a test checks
that they agree (``alembic.autogenerate.compare_metadata`` finds no difference).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "JSONDoc", "Run"]

#: JSON everywhere, JSONB on PostgreSQL (indexable, compact, validated by the server).
JSONDoc = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Run(Base):
    """One completed analysis: its exact inputs, how it was run, and everything it produced."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    scenario_id: Mapped[str] = mapped_column(String(200))
    scenario_title: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(100))
    scenario_text: Mapped[str] = mapped_column(Text)
    # Seeds from fresh OS entropy are 128-bit integers: kept as decimal text, exactly.
    seed: Mapped[str | None] = mapped_column(String(64))
    draws: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(64))
    seconds: Mapped[float] = mapped_column(Float)
    timings: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    options: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    results: Mapped[dict[str, Any]] = mapped_column(JSONDoc)

    __table_args__ = (
        Index("ix_runs_created_at", "created_at"),
        Index("ix_runs_scenario_id", "scenario_id"),
        Index("ix_runs_fingerprint", "fingerprint"),
    )
