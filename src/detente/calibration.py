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
the draws and seed, every dev question's answer and outcome (so a test can tell when the model
has changed since the fit) and the bootstrap's refits. Nothing in it is derived from the rest;
the scores on dev, the cases and the intervals are recomputed when it is read. ``detente analyze --calibration FILE`` uses another (one
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError
from scipy.special import expit as _expit

from .errors import DetenteError
from .scenario.types import _Model
from .scoring import score_forecasts

__all__ = ["EPS", "Calibration", "FittedOn", "calibrated_answer", "fit_calibration",
           "load_calibration", "resolve_calibration", "shipped_calibration"]

EPS = 0.001
"""Answers are clipped to [EPS, 1 − EPS] before their log-odds are taken (0 of 1,000 draws is
not certainty); the same clip as the backtest's log score."""
RESAMPLES = 400
"""Cluster-bootstrap refits kept in a calibration (its 95% interval reads their percentiles)."""
SLOPE_MAX = 10.0
INTERCEPT_MAX = 10.0

_Num = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Slope = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0.0)]


class FittedOn(_Model):
    """What a calibration was fitted on: the archive and its split, the draws and seed of its
    analyses, and the bootstrap's seed (the cases and questions are in its items)."""

    archive: str
    split_fixed_on: str
    half: Literal["dev"] = "dev"
    draws: Annotated[int, Field(strict=True, ge=2)]
    seed: Annotated[int, Field(strict=True, ge=0)]
    bootstrap_seed: Annotated[int, Field(strict=True, ge=0)]


class Item(_Model):
    """One resolved question a calibration was fitted on: its case, id, the model's answer and
    how it resolved."""

    case: str
    id: str
    p: Annotated[float, Field(strict=True, ge=0.0, le=1.0)]
    outcome: Annotated[bool, Field(strict=True)]


class _File(_Model):
    """A calibration file, as ``--write-calibration`` writes it."""

    calibration: Annotated[int, Field(strict=True, ge=1, le=1)]  # the format's version
    intercept: _Num
    slope: _Slope
    clip: Annotated[float, Field(strict=True, gt=0.0, lt=0.5)]
    fitted_on: FittedOn | None = None
    resamples: Annotated[tuple[tuple[_Num, _Slope], ...], Field(min_length=1)]
    items: tuple[Item, ...] = ()


def _logit(p: Any, eps: float = EPS) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
    return np.log(q / (1.0 - q))


def _fit(x: np.ndarray, o: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (intercept, slope) of o ~ Bernoulli(expit(a + b x)), b ≥ 0, within
    bounds (|a| ≤ 10, b ≤ 10: where the outcomes separate perfectly the likelihood has no
    maximum, and the fit stops at a bound)."""
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

    ``intercept``, ``slope``: the map; ``resamples``: (R, 2) the bootstrap refits (read-only);
    ``clip``: the clip of answers before their log-odds; ``fitted_on``: what it was fitted on
    (None for a map fitted outside a backtest); ``items``: the questions it was fitted on;
    ``source``: where it was read from."""

    intercept: float
    slope: float
    resamples: np.ndarray = field(repr=False)
    clip: float = EPS
    fitted_on: FittedOn | None = None
    items: tuple[Item, ...] = field(default=(), repr=False)
    source: str = "fitted in this run"

    def __post_init__(self) -> None:
        boot = np.array(self.resamples, dtype=float)  # a copy of its own, never written
        boot.setflags(write=False)
        object.__setattr__(self, "resamples", boot)

    @property
    def cases(self) -> list[str]:
        """The negotiations (cases) it was fitted on."""
        return sorted({i.case for i in self.items})

    def __call__(self, p: Any) -> np.ndarray:
        """The calibrated answer(s) for the model's answer(s) ``p`` (vectorised)."""
        return np.asarray(_expit(self.intercept + self.slope * _logit(p, self.clip)))

    def interval(self, lo: float, hi: float) -> tuple[float, float]:
        """The 95% interval of a calibrated answer whose Monte Carlo interval is [lo, hi]."""
        a, b = self.resamples[:, 0], self.resamples[:, 1]
        low = _expit(a + b * _logit(lo, self.clip))
        high = _expit(a + b * _logit(hi, self.clip))
        return float(np.quantile(low, 0.025)), float(np.quantile(high, 0.975))

    def dev_scores(self) -> dict[str, float]:
        """Brier and log scores on the questions it was fitted on, before and after."""
        if not self.items:
            return {}
        p = np.array([i.p for i in self.items])
        o = np.array([int(i.outcome) for i in self.items])
        raw, cal = score_forecasts(p, o), score_forecasts(self(p), o)
        return {"n": len(self.items), "share_yes": float(o.mean()), "brier": raw.brier,
                "brier_calibrated": cal.brier, "log_score": raw.log_score,
                "log_score_calibrated": cal.log_score}

    def describe(self) -> dict[str, Any]:
        """What a run's JSON records of the map it used (a new dict; without the items)."""
        a, b = self.resamples[:, 0], self.resamples[:, 1]
        on = None if self.fitted_on is None else {
            **self.fitted_on.model_dump(), "cases": self.cases, "questions": len(self.items),
            "resamples": int(self.resamples.shape[0])}
        return {"method": "Platt scaling (logistic in the answer's log-odds), fitted on a "
                          "backtest archive's dev half",
                "intercept": self.intercept, "slope": self.slope, "clip": self.clip,
                "intercept_95": [float(np.quantile(a, 0.025)), float(np.quantile(a, 0.975))],
                "slope_95": [float(np.quantile(b, 0.025)), float(np.quantile(b, 0.975))],
                "fitted_on": on, "dev": self.dev_scores(), "source": self.source}

    def to_dict(self) -> dict[str, Any]:
        """The file ``--write-calibration`` writes (what :func:`load_calibration` reads)."""
        return {"calibration": 1, "intercept": self.intercept, "slope": self.slope,
                "clip": self.clip,
                "fitted_on": None if self.fitted_on is None else self.fitted_on.model_dump(),
                "resamples": self.resamples.tolist(),
                "items": [i.model_dump() for i in self.items]}


def fit_calibration(items: Sequence[dict[str, Any]], *, seed: int = 0,
                    resamples: int = RESAMPLES,
                    fitted_on: dict[str, Any] | None = None) -> Calibration:
    """Fit the map on ``items`` (each with ``case``, ``id``, ``p`` — the model's answer — and
    ``outcome``), and its cluster bootstrap over cases (``seed``: the resampling's seed).
    ``fitted_on``: the archive, its split date, the draws and the seed (:class:`FittedOn`)."""
    if not items:
        raise ValueError("no resolved questions to fit a calibration on")
    kept = tuple(Item(case=str(i["case"]), id=str(i["id"]), p=float(i["p"]),
                      outcome=bool(i["outcome"])) for i in items)
    x = _logit([i.p for i in kept])
    o = np.array([float(i.outcome) for i in kept])
    a, b = _fit(x, o)
    cases = sorted({i.case for i in kept})
    rows = {c: np.array([k for k, i in enumerate(kept) if i.case == c]) for c in cases}
    rng = np.random.default_rng(seed)
    boot = np.empty((resamples, 2))
    for r in range(resamples):
        pick = np.concatenate([rows[cases[k]] for k in rng.integers(0, len(cases), len(cases))])
        boot[r] = _fit(x[pick], o[pick])
    on = None if fitted_on is None else FittedOn(**fitted_on, bootstrap_seed=seed)
    return Calibration(intercept=a, slope=b, resamples=boot, fitted_on=on, items=kept)


def load_calibration(path: str | Path) -> Calibration:
    """A calibration written by ``--write-calibration``; anything else is refused with what is
    wrong and where (line, field)."""
    try:
        text = Path(path).read_bytes()
    except OSError as e:
        raise DetenteError(f"{path}: cannot read the calibration ({e.strerror or e}). Write "
                           "one with `detente backtest ARCHIVE --write-calibration FILE`, or "
                           "use `--calibration none`.") from None
    return _from_bytes(text, str(path), str(path))


def _from_bytes(text: bytes, where: str, source: str) -> Calibration:
    import json

    try:  # the fast path: a well-formed file
        f = _File.model_validate(json.loads(text))
    except (ValueError, ValidationError, RecursionError):
        # the slow path, for a located report: the scenario reader (YAML reads JSON)
        from .scenario.load import read_model

        f = read_model(text, _File, file=where)[0]
    return Calibration(intercept=f.intercept, slope=f.slope,
                       resamples=np.array(f.resamples, dtype=float).reshape(-1, 2),
                       clip=f.clip, fitted_on=f.fitted_on, items=f.items, source=source)


@functools.cache
def shipped_calibration() -> Calibration:
    """The calibration that ships with detente (fitted on the archive in this repository)."""
    ref = files("detente") / "data" / "calibration.json"
    return _from_bytes(ref.read_bytes(), "detente/data/calibration.json",
                       "shipped with detente (detente/data/calibration.json)")


def resolve_calibration(value: str | Path | None) -> Calibration | None:
    """A ``--calibration`` option (or a stored run's): ``shipped`` (or None), ``none``, or the
    path of a file written by ``--write-calibration``."""
    if value is None or value == "shipped":
        return shipped_calibration()
    if value == "none":
        return None
    return load_calibration(value)


def calibrated_answer(cal: Calibration, p: float,
                      interval: tuple[float, float]) -> tuple[float, float, float]:
    """(calibrated answer, its 95% interval's lower and upper ends) for an answer ``p`` with
    Monte Carlo interval ``interval``."""
    lo, hi = cal.interval(*interval)
    c = float(cal(p))
    return c, min(lo, c), max(hi, c)
