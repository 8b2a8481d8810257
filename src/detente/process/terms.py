"""The model error of a deal's terms: how far a concluded package's value on an issue may lie
from the one the model computes.

A bargaining model's package is a point; real outcomes scatter around what such models
forecast. On the DEU III development file (191 contested issues of EU legislation, positions
and outcomes on a 0–100 scale spanned by the actors' positions) the most accurate model in
detente, the compromise model, misses the outcome by a mean absolute error of 24.55 points
(docs/explanation/forecast-models.md; Thomson et al. 2006 report errors of the same size for
the best of many models). Read as a normal error, that is a standard deviation of
24.55 · √(π/2) ≈ 30.8 % of the spread of the positions. A question about *terms* (``concluded``
with ``terms``, ``outcome``) is therefore read on the model's value plus such an error, drawn
once per draw, table (or forecast model) and issue — so two questions about the same term agree
in every draw. The spread is the range of the actors' positions and the status quo on the issue
in that draw. ``process.terms_error`` sets the share (0: the model's point, as detente 0.1 read
it). The error is fitted on nothing in the backtest archive.

The error is the *compromise model's*, so it is read around that model's point
(:func:`terms_point`): the mean of the table members' positions weighted by capability ×
salience, on the issues the agreement settles (Achen 2006) — the process model says whether and
when a deal is concluded, the compromise what it says. ``process.terms_point: package`` reads
the proposer's package instead (what detente did before; docs/explanation/process.md).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from ..scenario.draws import Draws, _uniforms
from ..scenario.schema import Scenario

__all__ = ["DEFAULT_TERMS_ERROR", "DEU_MAE", "read_term", "terms_error", "terms_point",
           "terms_share"]

DEU_MAE = 24.55 / 100.0
"""The compromise model's mean absolute error on the DEU III development file (share of the
0–100 scale)."""
DEFAULT_TERMS_ERROR = DEU_MAE * math.sqrt(math.pi / 2.0)
"""The default standard deviation of a term's model error, as a share of the spread of the
positions: a normal error with the mean absolute error :data:`DEU_MAE`."""


def terms_share(scenario: Scenario) -> float:
    """The scenario's ``process.terms_error``, else :data:`DEFAULT_TERMS_ERROR`."""
    te = scenario.process.terms_error
    return DEFAULT_TERMS_ERROR if te is None else float(te)


def terms_error(scenario: Scenario, draws: Draws, seed: np.random.SeedSequence, start: int,
                key: str, j: int) -> np.ndarray:
    """The model error (N,) of the terms from ``key`` (a table, partial or model) on issue j,
    in normalised units (add to the model's value, then clip to the scale)."""
    share = terms_share(scenario)
    if share == 0.0:
        return np.zeros(draws.n)
    pos = draws.position[:, draws.has_stance[:, j], j]  # (N, stances)
    pts = np.concatenate([pos, draws.status_quo[:, j, None]], axis=1)
    spread = pts.max(axis=1) - pts.min(axis=1)
    u = _uniforms(seed, f"terms:{key}:{draws.issues[j]}", draws.n, start)
    z = ndtri(np.clip(u, 1e-12, 1.0 - 1e-12))
    return share * spread * z


def terms_point(scenario: Scenario, draws: Draws, table: str, package: np.ndarray,
                issues: tuple[str, ...] | None = None) -> np.ndarray:
    """The point (N, I) around which a concluded agreement's terms are read: NaN where no
    agreement is concluded (``package`` (N, I), normalised units, NaN: none); otherwise the
    compromise of the table's members (capability × salience weighted mean of their positions)
    on each issue the agreement settles (``issues``: a partial agreement's; None: every issue a
    member cares about), and the package's value (the status quo) elsewhere. With
    ``process.terms_point: package``, the package itself."""
    if scenario.process.terms_point == "package":
        return package
    from ..forecast.central import compromise_forecast

    tb = next(t for t in scenario.tables if t.id == table)
    idx = [draws.actors.index(a) for a in tb.members]
    has = draws.has_stance[idx][None, :, :]
    comp = compromise_forecast(draws.capability[:, idx],
                               np.where(has, draws.position[:, idx], 0.0),
                               np.where(has, draws.salience[:, idx], 0.0)).outcome
    settled = np.isfinite(comp)
    if issues is not None:
        settled &= np.isin(np.array(draws.issues), issues)[None, :]
    concluded = np.isfinite(package).all(axis=1, keepdims=True)
    return np.where(concluded, np.where(settled, comp, package), np.nan)


def read_term(scenario: Scenario, draws: Draws, seed: np.random.SeedSequence | None, start: int,
              key: str, x: np.ndarray, j: int) -> np.ndarray:
    """Issue j of points ``x`` (N, I; normalised, NaN: no agreement) as a question about terms
    reads it, in the issue's units: the point plus the model error drawn for ``key`` (a table,
    ``table:partial`` or a forecast model), clipped to the scale; ``seed`` None (the point
    estimate): the point itself."""
    if seed is None:
        v = x[:, j]
    else:
        v = np.clip(x[:, j] + terms_error(scenario, draws, seed, start, key, j), 0.0, 1.0)
    return np.asarray(draws.scale_lo[j] + v * (draws.scale_hi[j] - draws.scale_lo[j]))
