"""What the run history hands back: frozen records, each with ``to_dict()``."""

from __future__ import annotations

import datetime as dt
import math
import secrets
import time
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["RunRecord", "RunSummary", "json_ready", "new_run_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case: URL-safe


def new_run_id(now_ms: int | None = None) -> str:
    """A short, unique, URL-safe run id that sorts by creation time: 10 characters of
    milliseconds since 1970 and 6 random ones (16 in all, Crockford base 32).

    >>> rid = new_run_id(0)
    >>> len(rid), rid[:10]
    (16, '0000000000')
    >>> new_run_id(1) > new_run_id(0)
    True
    """
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    head = "".join(_ALPHABET[(ms >> (5 * k)) & 31] for k in range(9, -1, -1))
    tail = "".join(_ALPHABET[b & 31] for b in secrets.token_bytes(6))
    return head + tail


def json_ready(value: Any) -> Any:
    """``value`` as plain JSON data: NaN and ±inf become None (PostgreSQL's JSONB refuses them,
    and detente's results already write a missing number as null), numpy scalars become floats.

    >>> json_ready({"a": [1.5, float("nan")], "b": (2, None)})
    {'a': [1.5, None], 'b': [2, None]}
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return json_ready(value.item())
    return str(value)


@dataclass(frozen=True)
class RunSummary:
    """One stored run, without its (large) inputs and results."""

    id: str
    created_at: dt.datetime
    status: str
    scenario_id: str
    scenario_title: str
    fingerprint: str
    seed: int | None
    draws: int
    version: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["created_at"] = self.created_at.isoformat()
        return out

    @property
    def summary(self) -> RunSummary:
        return RunSummary(**{f.name: getattr(self, f.name) for f in fields(RunSummary)})


@dataclass(frozen=True)
class RunRecord(RunSummary):
    """One stored run with everything: the exact scenario text, timings, options, results."""

    scenario_text: str = field(repr=False, default="")
    timings: dict[str, float] | None = field(repr=False, default=None)
    options: dict[str, Any] = field(repr=False, default_factory=dict)
    results: dict[str, Any] = field(repr=False, default_factory=dict)
