"""Scoring forecasts against how questions resolved: Brier and log scores, calibration, the
Brier score's decomposition and discrimination.

For forecasts p_k ∈ [0, 1] of binary events with outcomes o_k ∈ {0, 1}:

* Brier score (Brier 1950): mean (p_k − o_k)²; 0 is perfect, 0.25 is "always 50%".
* Log score: mean −ln(p_k) where o_k = 1 and −ln(1 − p_k) where o_k = 0 (lower is better),
  with p clipped to [``eps``, 1 − ``eps``] (default 0.001) so that a confident miss costs
  ln(1000) ≈ 6.9 instead of infinity; the clipping is reported.
* Calibration: forecasts grouped in bins of width 0.1; per bin, the number of forecasts, their
  mean, and the observed frequency of the event (Murphy & Winkler 1977).
* Decomposition of the Brier score over the same bins (Murphy 1973; the two within-bin terms
  of Stephenson, Coelho & Jolliffe 2008), exact: Brier = reliability − resolution +
  uncertainty + within-bin variance − within-bin covariance (:class:`ScoreResult`).
* Discrimination: the area under the ROC curve (AUC), the probability that a random question
  that resolved yes got a higher forecast than a random one that resolved no, ties counting
  half (the Mann–Whitney statistic; Hanley & McNeil 1982).

References: Murphy, A. H. (1973), "A new vector partition of the probability score", *Journal
of Applied Meteorology* 12: 595–600. Stephenson, D. B., Coelho, C. A. S. & Jolliffe, I. T.
(2008), "Two extra components in the Brier score decomposition", *Weather and Forecasting* 23:
752–757. Hanley, J. A. & McNeil, B. J. (1982), "The meaning and use of the area under a
receiver operating characteristic (ROC) curve", *Radiology* 143: 29–36.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ScoreResult", "auc", "score_forecasts"]


def _num(v: float) -> float | None:
    """A float for JSON: NaN (undefined) becomes None (null)."""
    return None if math.isnan(v) else v


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """The scores of N forecasts f_i with outcomes o_i ∈ {0, 1}.

    The decomposition uses the calibration table's bins k (tenths): n_k forecasts, their mean
    f̄_k and the share ō_k that came true; ō is the share over all N.

    * ``reliability`` = Σ_k n_k (f̄_k − ō_k)² / N: how far the forecasts are from the frequency
      they came true with (0: calibrated; lower is better). Recalibration removes it.
    * ``resolution`` = Σ_k n_k (ō_k − ō)² / N: how far the share that came true differs from
      bin to bin, that is from the overall share (0: the forecasts do not sort the questions;
      higher is better). Recalibration does not change it.
    * ``uncertainty`` = ō (1 − ō): the variance of the outcomes, the Brier score of always
      forecasting the share ō; the same for every forecast of the same questions.
    * ``within_bin_variance`` = Σ_k Σ_{i∈k} (f_i − f̄_k)² / N and ``within_bin_covariance`` =
      2 Σ_k Σ_{i∈k} (f_i − f̄_k)(o_i − ō_k) / N: what binning hides (Stephenson, Coelho &
      Jolliffe 2008). Both are 0 when the forecasts within each bin are equal; the variance is
      at most 0.05² = 0.0025 with bins of width 0.1.

    Then, exactly (up to floating-point rounding):
    ``brier = reliability − resolution + uncertainty + within_bin_variance −
    within_bin_covariance``. The three terms of Murphy (1973) alone sum to the Brier score up
    to the residual ``within_bin_variance − within_bin_covariance``.

    ``auc``: the probability that a random question that resolved yes got a higher forecast
    than a random one that resolved no, ties counting half (:func:`auc`): 0.5 = no
    discrimination, 1 = every yes above every no; NaN when all outcomes are equal.
    """

    n: int
    brier: float
    log_score: float
    eps: float
    calibration: tuple[dict[str, Any], ...]
    items: tuple[dict[str, Any], ...] = field(default=())
    reliability: float = math.nan
    resolution: float = math.nan
    uncertainty: float = math.nan
    within_bin_variance: float = math.nan
    within_bin_covariance: float = math.nan
    auc: float = math.nan

    def decomposition(self) -> dict[str, float | None]:
        """The decomposition's terms and the AUC, as JSON values (NaN → None)."""
        return {"reliability": _num(self.reliability), "resolution": _num(self.resolution),
                "uncertainty": _num(self.uncertainty),
                "within_bin_variance": _num(self.within_bin_variance),
                "within_bin_covariance": _num(self.within_bin_covariance),
                "auc": _num(self.auc)}

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "brier": self.brier, "log_score": self.log_score,
                "log_score_clip": self.eps, **self.decomposition(),
                "calibration": list(self.calibration), "questions": list(self.items)}


def auc(p: Any, o: Any) -> float:
    """The probability that a random forecast of an event that happened (o = 1) is higher than
    a random forecast of one that did not (o = 0), ties counting half: the Mann–Whitney U
    statistic over n₁ n₀, the area under the ROC curve (Hanley & McNeil 1982). NaN when all
    outcomes are equal.

    >>> auc([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0])
    0.75
    """
    p = np.asarray(p, dtype=float)
    yes = np.asarray(o, dtype=float) == 1
    n1 = int(yes.sum())
    n0 = int(yes.size - n1)
    if n1 == 0 or n0 == 0:
        return math.nan
    # ranks 1…N, tied forecasts sharing their average rank: then each tied pair counts half
    _, where, count = np.unique(p, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(count) - (count - 1) / 2)[where]
    return float((ranks[yes].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def score_forecasts(p: Any, o: Any, *, eps: float = 1e-3, bins: int = 10,
                    items: tuple[dict[str, Any], ...] = ()) -> ScoreResult:
    """Brier and log scores, a calibration table, the Brier score's decomposition over the
    table's bins and the AUC (:class:`ScoreResult`).

    >>> r = score_forecasts([0.9, 0.2], [1, 0])
    >>> round(r.brier, 4), round(r.log_score, 4)
    (0.025, 0.1643)
    >>> round(r.reliability, 4), r.resolution, r.uncertainty, r.auc
    (0.025, 0.25, 0.25, 1.0)
    """
    p = np.asarray(p, dtype=float)
    o = np.asarray(o, dtype=float)
    if p.shape != o.shape or p.ndim != 1:
        raise ValueError("p and o must be 1-D arrays of the same length")
    if p.size == 0:
        return ScoreResult(0, math.nan, math.nan, eps, (), items)
    if not np.all((p >= 0) & (p <= 1)) or not np.all(np.isin(o, (0.0, 1.0))):
        raise ValueError("forecasts must lie in [0, 1] and outcomes be 0 or 1")
    n = p.size
    brier = float(np.mean((p - o) ** 2))
    pc = np.clip(p, eps, 1 - eps)
    log = float(np.mean(np.where(o == 1, -np.log(pc), -np.log(1 - pc))))
    edges = np.round(np.linspace(0, 1, bins + 1), 12)  # 0.7, not 0.7000000000000001
    which = np.minimum(np.digitize(p, edges[1:-1], right=False), bins - 1)
    obar = float(o.mean())
    table = []
    rel = res = wbv = wbc = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            fk, ok = p[m], o[m]
            fbar, oo = float(fk.mean()), float(ok.mean())
            table.append({"bin": [round(float(edges[b]), 10), round(float(edges[b + 1]), 10)],
                          "n": int(m.sum()), "mean_forecast": fbar,
                          "observed_frequency": oo})
            rel += int(m.sum()) * (fbar - oo) ** 2
            res += int(m.sum()) * (oo - obar) ** 2
            wbv += float(np.sum((fk - fbar) ** 2))
            wbc += 2 * float(np.sum((fk - fbar) * (ok - oo)))
    return ScoreResult(int(n), brier, log, eps, tuple(table), items,
                       reliability=rel / n, resolution=res / n, uncertainty=obar * (1 - obar),
                       within_bin_variance=wbv / n, within_bin_covariance=wbc / n,
                       auc=auc(p, o))
