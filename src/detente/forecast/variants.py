"""Variants of the forecast models: named settings of the registered model functions.

A :class:`Variant` is a registered model with keyword settings, e.g. the expected-utility model
with ``denominator="pair", rounds=2, readout="mean"``: calling
``registry.get(v.model).fn(capability, position, salience, **v.settings)`` gives its forecast.
:data:`GRID` lists, per dynamic model, the settings the stacked ensemble may choose among
(:mod:`detente.forecast.stacking`): only readings reported in the literature, each model's
defaults first (they win ties). See ``docs/explanation/forecast-models.md``.

- ``eum`` — ``denominator`` the program behind Scholz, Calbert & Smith (2011) Table 2
  (``"all_pairs"``) or their eq. 30 as printed (``"pair"``); ``Q`` 1.0 (Bueno de Mesquita's EC
  case) or 0.5 (his other publications, per Scholz et al.); fewer rounds (1, 2, 4) than the 8 of
  Table 2; ``readout`` the weighted median (Bueno de Mesquita's forecast) or the weighted mean of
  the final positions (Scholz et al.'s other reported row; the compromise of shifted positions).
- ``smp`` — KTAB's ``voting_rule`` ``"Proportional"`` (default) or ``"Binary"``; fewer turns
  (``max_turns`` 1, 2, 4) than KTAB's stop rule; ``readout`` KTAB's most probable position
  (``"pce"``) or the compromise of the bargained positions (``"mean"``).

Static models (compromise, median, exchange) have one variant: their defaults.

:func:`forecast_variants` computes every variant's forecast on DEU-layout data (issues as draws)
from one run per group of variants that differ only in the number of rounds (turns) and the
readout: the forecast after k rounds is read from the run's history, which equals a run with
``rounds=k`` (``max_turns=k``) because every round depends only on the ones before it (the
tests check this against calls of the model functions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from . import registry
from .accuracy import DeuData

__all__ = ["GRID", "Variant", "VariantTable", "forecast_variants", "variants"]

GRID: dict[str, dict[str, tuple[Any, ...]]] = {
    "eum": {"denominator": ("all_pairs", "pair"), "Q": (1.0, 0.5), "rounds": (8, 1, 2, 4),
            "readout": ("median", "mean")},
    "smp": {"voting_rule": ("Proportional", "Binary"), "max_turns": (100, 1, 2, 4),
            "readout": ("pce", "mean")},
}
"""Per model, each setting's values; the first value is the model's default."""

# per dynamic model: the setting read from the path, and the path index of its value k
_PATH: dict[str, tuple[str, Callable[[int, int], int]]] = {
    "eum": ("rounds", lambda k, t: k - 1), "smp": ("max_turns", lambda k, t: min(k, t - 1))}


def _paths(model: str, args: tuple[np.ndarray, ...], settings: dict[str, Any],
           most: int) -> dict[str, np.ndarray]:
    """One run of ``model`` for ``most`` rounds (turns): its forecast after each, (N, R, I),
    per readout — what ``fn(*args, **settings, rounds=k, readout=r).path`` gives."""
    from .eum import eum_rounds  # here, so that the registry keeps its own order
    from .smp import mean_path, smp_run

    if model == "eum":
        out = eum_rounds(*args, **settings, rounds=most, trail=False)
        return {"median": out.median[:, 1:], "mean": out.mean[:, 1:]}
    run = smp_run(*args, **settings, max_turns=most)
    return {"pce": run.outcome, "mean": mean_path(args[0], args[2], run.positions)}


@dataclass(frozen=True)
class Variant:
    """A registered model with keyword settings (``()``: its defaults)."""

    model: str
    settings: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.settings)

    @property
    def label(self) -> str:
        """The model's name and the settings that differ from its defaults."""
        grid = GRID.get(self.model, {})
        diff = [f"{k}={v}" for k, v in self.settings if k not in grid or grid[k][0] != v]
        return " ".join([self.model, *diff])

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "label": self.label, "settings": self.kwargs}


def variants(models: tuple[str, ...] | None = None) -> tuple[Variant, ...]:
    """Every variant of ``models`` (default: all registered), in registry then grid order."""
    out: list[Variant] = []
    for name in models if models is not None else registry.names():
        registry.get(name)  # unknown names fail here
        grid = GRID.get(name)
        if not grid:
            out.append(Variant(name))
            continue
        keys = tuple(grid)
        out.extend(Variant(name, tuple(zip(keys, vals))) for vals in product(*grid.values()))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class VariantTable:
    """Forecasts (0–100) of every variant on every issue: ``forecast`` (V, N)."""

    variants: tuple[Variant, ...]
    forecast: np.ndarray

    def family(self, model: str) -> list[int]:
        """Row indices of ``model``'s variants."""
        return [i for i, v in enumerate(self.variants) if v.model == model]

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.model for v in self.variants))


def forecast_variants(data: DeuData, chosen: tuple[Variant, ...] | None = None) -> VariantTable:
    """Every variant's forecast (0–100) of every issue of ``data``; uses no outcome."""
    todo = variants() if chosen is None else tuple(chosen)
    n = data.outcome.size
    out = np.full((len(todo), n), np.nan)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, v in enumerate(todo):
        key = _PATH[v.model][0] if v.model in _PATH and _PATH[v.model][0] in v.kwargs else None
        rest = tuple((k, val) for k, val in v.settings if k not in (key, "readout"))
        groups.setdefault((v.model, rest, key), []).append(i)
    args = (data.capability, data.position, data.salience)
    for (model, rest, key), rows in groups.items():
        if key is None:
            for i in rows:
                out[i] = registry.get(model).fn(*args, **todo[i].kwargs).outcome[:, 0] * 100.0
            continue
        paths = _paths(model, args, dict(rest), max(todo[i].kwargs[key] for i in rows))
        for i in rows:
            kw = todo[i].kwargs
            path = paths[kw.get("readout", GRID[model]["readout"][0])]
            out[i] = path[:, _PATH[model][1](kw[key], path.shape[1]), 0] * 100.0
    return VariantTable(todo, out)
