"""Static central-tendency forecasts: the compromise (weighted mean) and the weighted median.

Both weight each actor by capability × salience, per issue (Bueno de Mesquita
1994; Achen 2006, "Evaluating political decision-making models", in Thomson et
al. *The European Union Decides*, ch. 10 — the "compromise model").
"""

from __future__ import annotations

import numpy as np

from .params import CompromiseParams, MedianParams, MedianTie
from .registry import ForecastResult, register

__all__ = ["compromise_forecast", "weighted_median", "weighted_median_forecast"]


def _weights(capability: np.ndarray, salience: np.ndarray) -> np.ndarray:
    w: np.ndarray = np.asarray(capability, dtype=float)[:, :, None] * np.asarray(salience, dtype=float)
    return w


@register(
    "compromise",
    title="Compromise (capability × salience weighted mean)",
    summary="Each issue settles at the mean of positions weighted by capability × salience.",
    references=(
        ("Achen, C. H. (2006). Evaluating political decision-making models. In Thomson, Stokman, "
         "Achen & König (eds), The European Union Decides, ch. 10. Cambridge UP."),
        ("Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In "
         "Bueno de Mesquita & Stokman (eds), European Community Decision Making, ch. 4. Yale UP."),
    ),
)
def compromise_forecast(
    capability: np.ndarray, position: np.ndarray, salience: np.ndarray
) -> ForecastResult:
    """Σ_i c_i s_ij x_ij / Σ_i c_i s_ij per draw and issue; NaN where no one cares.

    >>> import numpy as np
    >>> c = np.array([[1.0, 3.0]]); x = np.array([[[0.0], [1.0]]]); s = np.ones((1, 2, 1))
    >>> compromise_forecast(c, x, s).outcome
    array([[0.75]])
    """
    w = _weights(capability, salience)
    tot = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (w * position).sum(axis=1) / tot
    out = np.where(tot > 0, out, np.nan)
    return ForecastResult("compromise", CompromiseParams(), out)


def weighted_median(w: np.ndarray, x: np.ndarray, *, tie: str = "lower") -> np.ndarray:
    """The w-weighted median of x along the last axis (NaN where all weights are 0).

    A position is a median when the weight at or below it reaches half the total (relative
    tolerance 1e-12). When the weight below a position is exactly half, every point up to the
    next weighted position is a median (all tie in the pairwise vote): ``tie="lower"`` takes
    the lower end, ``"midpoint"`` the midpoint (zero-weight positions do not count).
    Shared by the median model and the expected-utility model's round medians.
    """
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    cum = np.cumsum(ws, axis=-1)
    tot = cum[..., -1:]
    half = tot / 2.0
    eps = 1e-12 * tot  # relative tolerance for "reaches half"; 0 where no one cares
    idx = np.argmax(cum >= half - eps, axis=-1)[..., None]
    med = np.take_along_axis(xs, idx, axis=-1)[..., 0]
    if tie == "midpoint":
        exact = np.abs(np.take_along_axis(cum, idx, axis=-1)[..., 0] - half[..., 0]) <= eps[..., 0]
        after = (np.arange(xs.shape[-1]) > idx) & (ws > 0)
        nxt = np.take_along_axis(xs, np.argmax(after, axis=-1)[..., None], axis=-1)[..., 0]
        med = np.where(exact & after.any(axis=-1), (med + nxt) / 2.0, med)
    return np.where(tot[..., 0] > 0, med, np.nan)


@register(
    "median",
    title="Weighted median (capability × salience)",
    summary=(
        "Each issue settles at the position that beats every other in pairwise votes weighted by "
        "capability × salience (with linear losses: the weighted median)."
    ),
    references=(
        "Black, D. (1948). On the rationale of group decision-making. J. Political Economy 56(1).",
        ("Scholz, Calbert & Smith (2011). Unravelling Bueno de Mesquita's group decision model. "
         "J. Theoretical Politics 23(4):510–531."),
    ),
)
def weighted_median_forecast(
    capability: np.ndarray, position: np.ndarray, salience: np.ndarray, *,
    tie: MedianTie = "lower",
) -> ForecastResult:
    """The capability × salience weighted median of positions, per draw and issue.

    The median is the smallest position whose cumulative weight reaches half the
    total. When the cumulative weight equals exactly half at a position, every
    point up to the next position is a median: ``tie="lower"`` (default) takes
    the lower end, ``tie="midpoint"`` the midpoint of the two.

    >>> import numpy as np
    >>> c = np.array([[1.0, 1.0, 2.0]]); x = np.array([[[0.1], [0.5], [0.9]]])
    >>> weighted_median_forecast(c, x, np.ones((1, 3, 1))).outcome
    array([[0.5]])
    """
    params = MedianParams(tie)  # checks ``tie``
    w = np.moveaxis(_weights(capability, salience), 1, -1)  # (N, I, A)
    x = np.moveaxis(np.asarray(position, dtype=float), 1, -1)
    med = weighted_median(w, x, tie=tie)
    return ForecastResult("median", params, med)
