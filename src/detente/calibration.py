"""Calibrated answers: the process model's probabilities mapped to how often such answers came
true on the backtest archive's dev half.

The backtest (:mod:`detente.backtest`) scores the model's answers on historical negotiations
whose outcomes are known. Where its answers say 5% and a third of such questions came true, a
user reading "5%" is misled; the calibrated answer says what the record says. The map is
**Platt scaling** (Platt 1999), a logistic regression of the outcomes on the log-odds of the
model's answer — linear in log-odds (Turner et al. 2014; Satopää et al. 2014)::

    logit(calibrated) = intercept + slope · logit(clip(p, ε, 1 − ε)),   ε = 0.001

fitted by maximum likelihood on the **dev** half only (the test half scores it), with the slope
held at or above 0 (a map that reverses the model's order is not a calibration of it). A slope
below 1 says the model's answers are too extreme; an intercept above 0, that they are too low.

How sure the map is: a cluster bootstrap over the dev half's *cases* (questions of one case are
not independent) refits it on resampled cases; a calibrated answer's 95% interval runs from the
2.5th percentile of those maps at the lower end of the answer's Monte Carlo interval to the
97.5th percentile at its upper end.

The map that ships (``detente/data/calibration.json``) is written by
``detente backtest archive --draws 1000 --seed 1 --write-calibration
src/detente/data/calibration.json`` and records what it was fitted on: the archive, its split,
the draws and seed, and every dev question's answer and outcome (so a test can tell when the
model has changed since the fit). ``detente analyze --calibration FILE`` uses another (one
fitted on an archive of your own); ``--calibration none`` shows the model's answers alone.

References: Platt, J. C. (1999), "Probabilistic outputs for support vector machines and
comparisons to regularized likelihood methods", in Smola et al. (eds), *Advances in Large Margin
Classifiers*, MIT Press, 61–74. Turner, B. M., Steyvers, M., Merkle, E. C., Budescu, D. V. &
Wallsten, T. S. (2014), "Forecast aggregation via recalibration", *Machine Learning* 95(3):
261–289. Satopää, V. A., Baron, J., Foster, D. P., Mellers, B. A., Tetlock, P. E. & Ungar, L. H.
(2014), "Combining multiple probability predictions using a simple logit model", *International
Journal of Forecasting* 30(2): 344–356. Efron, B. & Tibshirani, R. J. (1993), *An Introduction
to the Bootstrap*, Chapman & Hall (the resampling of cases).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DetenteError

__all__ = ["EPS", "Calibration", "calibrated_answer", "fit_calibration", "load_calibration",
           "shipped_calibration"]

EPS = 0.001
"""Answers are clipped to [EPS, 1 − EPS] before their log-odds are taken (0 of 1,000 draws is
not certainty); the same clip as the backtest's log score."""
RESAMPLES = 400
"""Cluster-bootstrap refits kept in a calibration (its 95% interval reads their percentiles)."""
SLOPE_MAX = 10.0
INTERCEPT_MAX = 10.0


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), EPS, 1.0 - EPS)
    return np.log(q / (1.0 - q))


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # 1 / (1 + e^-z), without overflow


def _fit(x: np.ndarray, o: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (intercept, slope) of o ~ Bernoulli(expit(a + b x)), b ≥ 0."""
    from scipy.optimize import minimize

    def nll(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] + ab[1] * x
        # −Σ [o z − log(1 + e^z)], written stably
        f = float(np.sum(np.logaddexp(0.0, z) - o * z))
        g = _expit(z) - o
        return f, np.array([g.sum(), (g * x).sum()])

    res = minimize(nll, np.array([0.0, 1.0]), jac=True, method="L-BFGS-B",
                   bounds=[(-INTERCEPT_MAX, INTERCEPT_MAX), (0.0, SLOPE_MAX)])
    return float(res.x[0]), float(res.x[1])


@dataclass(frozen=True, eq=False)
class Calibration:
    """A fitted map from the model's answers to calibrated ones (module doc).

    ``intercept``, ``slope``: the map; ``resamples``: (R, 2) the bootstrap refits;
    ``fitted_on``: what it was fitted on (archive, split, half, draws, seed, cases, counts);
    ``dev``: the dev half's scores before and after; ``items``: every dev question's case, id,
    answer and outcome."""

    intercept: float
    slope: float
    resamples: np.ndarray = field(repr=False)
    fitted_on: dict[str, Any] = field(default_factory=dict)
    dev: dict[str, float] = field(default_factory=dict)
    items: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    source: str = "fitted in this run"

    def __call__(self, p: Any) -> np.ndarray:
        """The calibrated answer(s) for the model's answer(s) ``p`` (vectorised)."""
        return _expit(self.intercept + self.slope * _logit(p))

    def interval(self, lo: float, hi: float) -> tuple[float, float]:
        """The 95% interval of a calibrated answer whose Monte Carlo interval is [lo, hi]."""
        a, b = self.resamples[:, 0], self.resamples[:, 1]
        low = _expit(a + b * _logit(lo))
        high = _expit(a + b * _logit(hi))
        return float(np.quantile(low, 0.025)), float(np.quantile(high, 0.975))

    def describe(self) -> dict[str, Any]:
        """What a run's JSON records of the map it used (without the per-question items)."""
        a, b = self.resamples[:, 0], self.resamples[:, 1]
        return {"method": "Platt scaling (logistic in the answer's log-odds), fitted on the "
                          "backtest archive's dev half",
                "intercept": self.intercept, "slope": self.slope, "clip": EPS,
                "intercept_95": [float(np.quantile(a, 0.025)), float(np.quantile(a, 0.975))],
                "slope_95": [float(np.quantile(b, 0.025)), float(np.quantile(b, 0.975))],
                "fitted_on": self.fitted_on, "dev": self.dev, "source": self.source}

    def to_dict(self) -> dict[str, Any]:
        return {"calibration": 1, **self.describe(),
                "resamples": [[float(a), float(b)] for a, b in self.resamples],
                "items": list(self.items)}


def fit_calibration(items: Sequence[dict[str, Any]], *, seed: int = 0,
                    resamples: int = RESAMPLES,
                    fitted_on: dict[str, Any] | None = None) -> Calibration:
    """Fit the map on ``items`` (each with ``case``, ``id``, ``p`` — the model's answer — and
    ``outcome``), and its cluster bootstrap over cases (``seed``: the resampling's seed)."""
    if not items:
        raise ValueError("no resolved questions to fit a calibration on")
    p = np.array([float(i["p"]) for i in items])
    o = np.array([float(bool(i["outcome"])) for i in items])
    x = _logit(p)
    a, b = _fit(x, o)
    cases = sorted({str(i["case"]) for i in items})
    rows = {c: np.array([k for k, i in enumerate(items) if i["case"] == c]) for c in cases}
    rng = np.random.default_rng(seed)
    boot = np.empty((resamples, 2))
    for r in range(resamples):
        pick = np.concatenate([rows[cases[k]] for k in rng.integers(0, len(cases), len(cases))])
        boot[r] = _fit(x[pick], o[pick])
    cal = _expit(a + b * x)
    clip = np.clip(p, EPS, 1 - EPS)
    dev = {"n": len(items), "share_yes": float(o.mean()),
           "brier": float(np.mean((p - o) ** 2)), "brier_calibrated": float(np.mean((cal - o) ** 2)),
           "log_score": float(-np.mean(o * np.log(clip) + (1 - o) * np.log(1 - clip))),
           "log_score_calibrated": float(-np.mean(o * np.log(cal) + (1 - o) * np.log(1 - cal)))}
    info = {**(fitted_on or {}), "cases": cases, "questions": len(items), "bootstrap_seed": seed,
            "resamples": resamples}
    kept = tuple({"case": str(i["case"]), "id": str(i["id"]), "p": float(i["p"]),
                  "outcome": bool(i["outcome"])} for i in items)
    return Calibration(intercept=a, slope=b, resamples=boot, fitted_on=info, dev=dev,
                       items=kept)


def _bad(where: str, what: str) -> DetenteError:
    return DetenteError(f"{where}: {what}. Write a calibration with `detente backtest ARCHIVE "
                        "--write-calibration FILE`, or use `--calibration none`.")


def load_calibration(path: str | Path) -> Calibration:
    """A calibration written by ``--write-calibration`` (clear errors for anything else)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise _bad(where, f"cannot read the calibration ({e.strerror or e})") from None
    return _from_text(text, where, where)


def _from_text(text: str, where: str, source: str) -> Calibration:
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise _bad(where, f"not JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if not isinstance(d, dict) or d.get("calibration") != 1:
        raise _bad(where, "not a detente calibration (no `\"calibration\": 1` at the top)")
    try:
        a, b = float(d["intercept"]), float(d["slope"])
        boot = np.asarray(d["resamples"], dtype=float)
    except KeyError as e:
        raise _bad(where, f"field {e} is missing") from None
    except (TypeError, ValueError):
        raise _bad(where, "`intercept`, `slope` and every entry of `resamples` must be "
                          "numbers") from None
    if not (math.isfinite(a) and math.isfinite(b) and b >= 0):
        raise _bad(where, f"intercept {a} and slope {b} must be finite, the slope ≥ 0")
    if boot.ndim != 2 or boot.shape[1] != 2 or boot.shape[0] < 1 or not np.isfinite(boot).all():
        raise _bad(where, "`resamples` must be a list of [intercept, slope] pairs")
    return Calibration(intercept=a, slope=b, resamples=boot,
                       fitted_on=dict(d.get("fitted_on") or {}), dev=dict(d.get("dev") or {}),
                       items=tuple(d.get("items") or ()), source=source)


@functools.cache
def shipped_calibration() -> Calibration:
    """The calibration that ships with detente (fitted on the archive in this repository)."""
    ref = files("detente") / "data" / "calibration.json"
    return _from_text(ref.read_text(encoding="utf-8"), "detente/data/calibration.json",
                      "shipped with detente (detente/data/calibration.json)")


def calibrated_answer(cal: Calibration, p: float,
                      interval: tuple[float, float]) -> tuple[float, float, float]:
    """(calibrated answer, its 95% interval's lower and upper ends) for an answer ``p`` with
    Monte Carlo interval ``interval``."""
    lo, hi = cal.interval(*interval)
    c = float(cal(p))
    return c, min(lo, c), max(hi, c)
