"""The run history: every analysis run with its exact inputs and full results, in SQLite (by
default, in the user's data folder) or PostgreSQL (by URL).

    from detente.store import RunStore
    with RunStore() as store:
        summary = store.record(scenario_text, analysis)
        store.list(); store.get(summary.id); store.diff(a, b); store.export(summary.id)

Importing this package is cheap; SQLAlchemy loads when a name below is first used.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Change",
    "NoHistory",
    "RunDiff",
    "RunNotFound",
    "RunRecord",
    "RunStore",
    "RunSummary",
    "StoreError",
    "default_url",
]

_WHERE = {
    "Change": "diff",
    "RunDiff": "diff",
    "NoHistory": "database",
    "RunNotFound": "database",
    "StoreError": "database",
    "default_url": "database",
    "RunRecord": "records",
    "RunSummary": "records",
    "RunStore": "store",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
