"""Reading raw scenario data defensively, before (or despite) the schema.

The cross-reference checks run on the YAML data as loaded, whose structure may itself be broken:
these read a value as a list, a mapping or a finite number where it is one, and as nothing
otherwise (the schema reports what it is instead), so that a check never fails on a broken
neighbour.
"""

from __future__ import annotations

import math
from typing import Any

__all__: list[str] = []


def _items(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _dict(v: Any) -> dict[Any, Any]:
    return v if isinstance(v, dict) else {}


def _num(v: Any) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def _scales(data: dict[str, Any]) -> dict[str, tuple[float, float]]:
    out = {}
    for it in _items(data.get("issues")):
        it = _dict(it)
        sc = it.get("scale", [0, 100])
        if isinstance(sc, list) and len(sc) == 2 and all(_num(x) is not None for x in sc):
            lo, hi = float(sc[0]), float(sc[1])
            if lo < hi and isinstance(it.get("id"), str):
                out[it["id"]] = (lo, hi)
    return out
