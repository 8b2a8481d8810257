"""The forecast-model registry: models register by name with metadata.

A forecast model is a plain function ``f(capability, position, salience, **params)``
taking arrays with a leading draw axis — capability (N, A), position and
salience (N, A, I), positions normalised to [0, 1] — and returning a frozen
:class:`ForecastResult` that carries its typed parameter record (:mod:`.params`).
Registering a name twice is an error. The built-in models register when the package
:mod:`detente.forecast` is imported (which importing this module always does first), so the
registry never imports a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .params import ModelParams
from .trail import TrailRow

__all__ = ["ForecastMethod", "ForecastModel", "ForecastResult", "get", "models", "names",
           "register"]


@dataclass(frozen=True)
class ForecastMethod:
    """How a forecast was made: the registered ``model``, the dotted name of the ``function``
    that computes it (None for a model not registered) and its typed ``params``;
    ``function(capability, position, salience, **params.to_dict())`` gives the same numbers."""

    model: str
    function: str | None
    params: ModelParams

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the model, the function, and the parameter record's type (its fields are
        the result's ``params``)."""
        kind = type(self.params)
        return {"model": self.model, "function": self.function,
                "params_record": f"{kind.__module__}.{kind.__qualname__}"}


@dataclass(frozen=True, eq=False)
class ForecastResult:
    """A forecast: predicted outcome per issue for every draw, and how it was produced.

    ``params`` is the model's typed parameter record (:mod:`.params`; it reads as a mapping
    too); ``method`` names the function that reproduces the numbers from it. ``outcome`` is
    (N, I) in normalised units; ``path`` (N, R, I) holds the outcome after each round for
    dynamic models (None for static ones); ``trail`` holds human-readable explanation records
    (draw 0); ``positions`` (N, R, A, I), for dynamic models, every actor's position at each
    entry of ``path`` (normalised units, float32 to keep a long run's memory down; not in
    :meth:`to_dict`: the report plots their medians).
    """

    model: str
    params: ModelParams
    outcome: np.ndarray
    path: np.ndarray | None = None
    trail: tuple[TrailRow, ...] = field(default=())
    positions: np.ndarray | None = None

    @property
    def method(self) -> ForecastMethod:
        """The model, the function that computed this result and its parameters."""
        fn = _REGISTRY[self.model].fn if self.model in _REGISTRY else None
        name = None if fn is None else f"{fn.__module__}.{fn.__qualname__}"
        return ForecastMethod(self.model, name, self.params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "params": dict(self.params),
            "outcome": self.outcome.tolist(),
            "path": None if self.path is None else self.path.tolist(),
            "trail": list(self.trail),
            "method": self.method.to_dict(),
        }


@dataclass(frozen=True)
class ForecastModel:
    """Metadata of a registered forecast model."""

    name: str
    title: str
    fn: Callable[..., ForecastResult]
    summary: str
    references: tuple[str, ...]
    dynamic: bool = False


_REGISTRY: dict[str, ForecastModel] = {}


def register(
    name: str, *, title: str, summary: str, references: tuple[str, ...] = (),
    dynamic: bool = False,
) -> Callable[[Callable[..., ForecastResult]], Callable[..., ForecastResult]]:
    """Decorator: register a forecast model function under ``name``."""

    def deco(fn: Callable[..., ForecastResult]) -> Callable[..., ForecastResult]:
        if name in _REGISTRY:
            raise ValueError(f"a forecast model named {name!r} is already registered")
        _REGISTRY[name] = ForecastModel(name, title, fn, summary, tuple(references), dynamic)
        return fn

    return deco


def get(name: str) -> ForecastModel:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no forecast model {name!r}; known: {', '.join(_REGISTRY)}") from None


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def models() -> tuple[ForecastModel, ...]:
    return tuple(_REGISTRY.values())

