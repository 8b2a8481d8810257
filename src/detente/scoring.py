"""Scoring forecasts against how questions resolved: Brier and log scores, calibration.

For forecasts p_k ∈ [0, 1] of binary events with outcomes o_k ∈ {0, 1}:

* Brier score (Brier 1950): mean (p_k − o_k)²; 0 is perfect, 0.25 is "always 50%".
* Log score: mean −ln(p_k) where o_k = 1 and −ln(1 − p_k) where o_k = 0 (lower is better),
  with p clipped to [``eps``, 1 − ``eps``] (default 0.001) so that a confident miss costs
  ln(1000) ≈ 6.9 instead of infinity; the clipping is reported.
* Calibration: forecasts grouped in bins of width 0.1; per bin, the number of forecasts, their
  mean, and the observed frequency of the event (Murphy & Winkler 1977).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ScoreResult", "score_forecasts"]


@dataclass(frozen=True, eq=False)
class ScoreResult:
    n: int
    brier: float
    log_score: float
    eps: float
    calibration: tuple[dict[str, Any], ...]
    items: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "brier": self.brier, "log_score": self.log_score,
                "log_score_clip": self.eps, "calibration": list(self.calibration),
                "questions": list(self.items)}


def score_forecasts(p: Any, o: Any, *, eps: float = 1e-3, bins: int = 10,
                    items: tuple[dict[str, Any], ...] = ()) -> ScoreResult:
    """Brier and log scores and a calibration table.

    >>> r = score_forecasts([0.9, 0.2], [1, 0])
    >>> round(r.brier, 4), round(r.log_score, 4)
    (0.025, 0.1643)
    """
    p = np.asarray(p, dtype=float)
    o = np.asarray(o, dtype=float)
    if p.shape != o.shape or p.ndim != 1:
        raise ValueError("p and o must be 1-D arrays of the same length")
    if p.size == 0:
        return ScoreResult(0, math.nan, math.nan, eps, (), items)
    if np.any((p < 0) | (p > 1)) or not np.all(np.isin(o, (0.0, 1.0))):
        raise ValueError("forecasts must lie in [0, 1] and outcomes be 0 or 1")
    brier = float(np.mean((p - o) ** 2))
    pc = np.clip(p, eps, 1 - eps)
    log = float(np.mean(np.where(o == 1, -np.log(pc), -np.log(1 - pc))))
    edges = np.round(np.linspace(0, 1, bins + 1), 12)  # 0.7, not 0.7000000000000001
    which = np.minimum(np.digitize(p, edges[1:-1], right=False), bins - 1)
    table = []
    for b in range(bins):
        m = which == b
        if m.any():
            table.append({"bin": [round(float(edges[b]), 10), round(float(edges[b + 1]), 10)],
                          "n": int(m.sum()),
                          "mean_forecast": float(p[m].mean()),
                          "observed_frequency": float(o[m].mean())})
    return ScoreResult(int(p.size), brier, log, eps, tuple(table), items)
