"""A stacked ensemble of the forecast models, fitted on decisions with known outcomes.

Fitting, on a set of issues with outcomes (the FIT issues):

1. **Settings.** For each dynamic model (``eum``, ``smp``) keep the variant of
   :data:`detente.forecast.variants.GRID` with the lowest mean absolute error (MAE) on the FIT
   issues (the earlier variant on ties, so the defaults win them). Static models keep their
   defaults. A model whose forecasts equal an earlier model's on every FIT issue is merged into
   it (on single issues the exchange model is the compromise).
2. **Weights.** Non-negative weights summing to 1 that minimise the MAE of the weighted mean of
   the kept forecasts on the FIT issues, solved exactly as a linear programme (least absolute
   deviations on the simplex; :func:`scipy.optimize.linprog`, HiGHS). MAE is what is scored, the
   problem is convex so the optimum is global, and absolute errors keep a few issues decided at
   an extreme from dominating the fit.

Scoring never fits on the issues it scores: :func:`fit_apply` fits on one file and scores on
another; :func:`cross_validate` splits the issues into k folds (a permutation fixed by a seed;
optionally keeping issues with the same id, in DEU files the proposal, together), fits on k − 1
folds and forecasts the held-out fold, and reports the MAE of these out-of-fold forecasts. The
outcomes of the scored issues are read only to compute the MAE.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from ..errors import DetenteError
from .accuracy import DeuData
from .params import Record
from .variants import GRID, Variant, VariantTable, forecast_variants

__all__ = ["CrossValidationOptions", "FitApplyOptions", "FoldScore", "StackFit", "StackResult",
           "VariantScore", "cross_validate", "fit_apply", "fit_stack", "fold_indices",
           "simplex_lad_weights"]

METHOD = {
    "settings": "per dynamic model, the variant with the lowest MAE on the fit issues",
    "weights": "non-negative, summing to 1, minimising MAE on the fit issues "
               "(linear programme, scipy.optimize.linprog / HiGHS)",
    "grid": {m: {k: list(v) for k, v in g.items()} for m, g in GRID.items()},
}


def _mae(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.nanmean(np.abs(pred - y)))


def simplex_lad_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights w ≥ 0, Σ w = 1 minimising Σ_i |y_i − x_i·w| (x: (n, m)): a linear programme.

    >>> import numpy as np
    >>> x = np.array([[0.0, 10.0], [0.0, 10.0], [10.0, 20.0]]); y = np.array([5.0, 5.0, 15.0])
    >>> simplex_lad_weights(x, y).round(6).tolist()
    [0.5, 0.5]
    """
    n, m = x.shape
    if m == 1:
        return np.ones(1)
    eye = sparse.identity(n, format="csr")
    xs = sparse.csr_matrix(x)
    a_ub = sparse.vstack([sparse.hstack([-xs, -eye]), sparse.hstack([xs, -eye])], format="csr")
    b_ub = np.concatenate([-y, y])
    cost = np.concatenate([np.zeros(m), np.full(n, 1.0 / n)])
    a_eq = np.concatenate([np.ones(m), np.zeros(n)])[None, :]
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=(0, None),
                  method="highs")
    if not res.success:  # pragma: no cover - the problem is always feasible and bounded
        raise DetenteError(f"the stacking weights could not be fitted: {res.message}")
    w = np.where(res.x[:m] > 1e-12, res.x[:m], 0.0)
    return cast(np.ndarray, w / w.sum())


@dataclass(frozen=True, eq=False)
class StackFit:
    """Settings and weights fitted on ``issues`` FIT issues; apply with :meth:`predict`."""

    members: tuple[Variant, ...]
    weights: np.ndarray
    merged: dict[str, str]
    issues: int
    fit_mae: float

    def predict(self, table: VariantTable) -> np.ndarray:
        """The stacked forecast (0–100) of every issue of ``table``."""
        rows = [table.variants.index(v) for v in self.members]
        x = table.forecast[rows].T
        ok = np.isfinite(x)
        w = np.where(ok, self.weights, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return cast(np.ndarray, (np.where(ok, x, 0.0) * w).sum(axis=1) / w.sum(axis=1))

    def to_dict(self) -> dict[str, Any]:
        return {
            "issues": self.issues,
            "in_sample_mae": self.fit_mae,
            "weights": {v.model: float(w) for v, w in zip(self.members, self.weights)},
            "chosen": {v.model: v.to_dict() for v in self.members},
            "merged": dict(self.merged),
        }


def fit_stack(table: VariantTable, outcome: np.ndarray,
              rows: np.ndarray | None = None) -> StackFit:
    """Choose settings and fit weights on the issues ``rows`` (default: all) of ``table``."""
    idx = np.arange(outcome.size) if rows is None else np.asarray(rows)
    y = outcome[idx]
    members: list[Variant] = []
    for model in table.models:
        fam = table.family(model)
        errs = [_mae(table.forecast[i, idx], y) for i in fam]
        best = fam[int(np.argmin(np.where(np.isfinite(errs), errs, np.inf)))]
        members.append(table.variants[best])
    kept: list[Variant] = []
    merged: dict[str, str] = {}
    for v in members:
        f = table.forecast[table.variants.index(v), idx]
        twin = next((k for k in kept if np.allclose(  # equal up to rounding (1e-9 points)
            table.forecast[table.variants.index(k), idx], f, rtol=0.0, atol=1e-9,
            equal_nan=True)), None)
        if twin is None:
            kept.append(v)
        else:
            merged[v.model] = twin.model
    x = table.forecast[[table.variants.index(v) for v in kept]][:, idx].T
    usable = np.isfinite(x).all(axis=1)
    if not usable.any():
        raise DetenteError("no fit issue has a forecast from every model")
    fit = StackFit(tuple(kept), simplex_lad_weights(x[usable], y[usable]), merged,
                   int(idx.size), float("nan"))
    return replace(fit, fit_mae=_mae(fit.predict(_subset(table, idx)), y))


def _subset(table: VariantTable, idx: np.ndarray) -> VariantTable:
    return VariantTable(table.variants, table.forecast[:, idx])


def fold_indices(n: int, k: int = 5, seed: int = 0,
                 groups: tuple[str, ...] | None = None) -> list[np.ndarray]:
    """k disjoint folds covering 0 … n−1: a permutation drawn with ``seed``, dealt in turn.

    With ``groups`` (one label per issue) the groups, in order of first appearance, are
    permuted and dealt instead, so the issues of one group share a fold.

    >>> [f.tolist() for f in fold_indices(5, 2, seed=1)]
    [[1, 3, 4], [0, 2]]
    >>> [f.tolist() for f in fold_indices(5, 2, seed=1, groups=("a", "a", "b", "c", "c"))]
    [[0, 1, 3, 4], [2]]
    """
    labels = list(dict.fromkeys(groups)) if groups is not None else list(range(n))
    what = "groups of issues" if groups is not None else "issues"
    if not 2 <= k <= len(labels):
        raise DetenteError(f"cross-validation needs 2 ≤ folds ≤ {what} ({len(labels)}); "
                           f"got {k} folds")
    perm = np.random.default_rng(seed).permutation(len(labels))
    if groups is None:
        return [np.sort(perm[f::k]) for f in range(k)]
    fold_of = {labels[g]: f % k for f, g in enumerate(perm)}
    member = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(member == f) for f in range(k)]


@dataclass(frozen=True)
class CrossValidationOptions(Record):
    """How :func:`cross_validate` split the issues: ``folds`` (k), the permutation's ``seed``
    and ``folds_by`` (``"issue"``, or ``"id (first column)"``: issues sharing an id share a
    fold)."""

    folds: int
    seed: int
    folds_by: str


@dataclass(frozen=True)
class FitApplyOptions(Record):
    """:func:`fit_apply`: the number of issues the settings and weights were fitted on."""

    fit_issues: int


@dataclass(frozen=True, eq=False)
class FoldScore:
    """One fold of a cross-validation: its number (from 1), the issues it scored, their MAE
    and the settings and weights fitted on the other folds."""

    fold: int
    scored_issues: tuple[int, ...]
    mae: float
    fit: StackFit

    def to_dict(self) -> dict[str, Any]:
        return {"fold": self.fold, "scored_issues": list(self.scored_issues), "mae": self.mae,
                **self.fit.to_dict()}


@dataclass(frozen=True)
class VariantScore:
    """A variant's own MAE on the scored issues."""

    variant: Variant
    mae: float

    def to_dict(self) -> dict[str, Any]:
        return {**self.variant.to_dict(), "mae": self.mae}


@dataclass(frozen=True, eq=False)
class StackResult:
    """Scores (MAE, 0–100) of the stacked ensemble and of each model on issues not fitted on,
    and how they were computed: ``mode`` and ``options`` (the fixed rules: ``METHOD``)."""

    mode: str  # "cross-validation" or "fit-apply"
    fit_file: str
    scored_file: str
    issues: int
    mae: dict[str, float]  # stacked, tuned models (setting chosen on the fit issues), defaults
    fit: StackFit  # settings and weights from all the fit issues
    variants: tuple[VariantScore, ...]  # each variant's own MAE on the scored issues
    folds: tuple[FoldScore, ...] = ()
    options: CrossValidationOptions | FitApplyOptions | None = None

    @property
    def margin(self) -> float:
        """How much lower the stacked MAE is than the compromise's (positive: better)."""
        return self.mae["compromise"] - self.mae["stacked"]

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "fit_file": self.fit_file, "scored_file": self.scored_file,
                "issues": self.issues, "mae": dict(self.mae),
                "margin_vs_compromise": self.margin, "fit": self.fit.to_dict(),
                "folds": [f.to_dict() for f in self.folds],
                "variants": [v.to_dict() for v in self.variants],
                "method": {**METHOD, **({} if self.options is None else self.options.to_dict())}}


def _scores(table: VariantTable, y: np.ndarray, stacked: np.ndarray,
            tuned: dict[str, np.ndarray]) -> tuple[dict[str, float], tuple[VariantScore, ...]]:
    mae = {"stacked": _mae(stacked, y)}
    for model in table.models:
        default = table.family(model)[0]
        mae[model] = _mae(table.forecast[default], y)
        if len(table.family(model)) > 1:
            mae[f"{model} (tuned)"] = _mae(tuned[model], y)
    per = tuple(VariantScore(v, _mae(table.forecast[i], y)) for i, v in enumerate(table.variants))
    return mae, per


def _tuned(table: VariantTable, fit: StackFit, model: str) -> np.ndarray:
    """Forecasts of ``model`` with the setting chosen in ``fit`` (merged models: their twin)."""
    for v in fit.members:
        if v.model == fit.merged.get(model, model):
            return cast(np.ndarray, table.forecast[table.variants.index(v)])
    raise KeyError(model)  # pragma: no cover


def fit_apply(fit_data: DeuData, test_data: DeuData, *, fit_file: str = "",
              test_file: str = "") -> StackResult:
    """Fit settings and weights on ``fit_data``; score on ``test_data`` (its outcomes are used
    only for the scores)."""
    fit_table = forecast_variants(fit_data)
    test_table = forecast_variants(test_data, fit_table.variants)
    fit = fit_stack(fit_table, fit_data.outcome)
    tuned = {m: _tuned(test_table, fit, m) for m in test_table.models}
    mae, per = _scores(test_table, test_data.outcome, fit.predict(test_table), tuned)
    return StackResult("fit-apply", fit_file, test_file, int(test_data.outcome.size), mae, fit,
                       per, options=FitApplyOptions(int(fit_data.outcome.size)))


def cross_validate(data: DeuData, *, folds: int = 5, seed: int = 0, file: str = "",
                   table: VariantTable | None = None, by_id: bool = False) -> StackResult:
    """k-fold cross-validation over issues: every forecast scored comes from settings and
    weights fitted on the other folds. ``fit`` in the result is fitted on all issues. With
    ``by_id``, issues with the same id (the file's first column; in DEU files the proposal)
    share a fold, so no fit sees another issue of a proposal it forecasts."""
    table = forecast_variants(data) if table is None else table
    y = data.outcome
    parts = fold_indices(y.size, folds, seed, data.issue_ids if by_id else None)
    stacked = np.full(y.size, np.nan)
    tuned = {m: np.full(y.size, np.nan) for m in table.models}
    records: list[FoldScore] = []
    for f, test in enumerate(parts):
        train = np.setdiff1d(np.arange(y.size), test)
        fit = fit_stack(table, y, train)
        sub = _subset(table, test)
        stacked[test] = fit.predict(sub)
        for m in table.models:
            tuned[m][test] = _tuned(sub, fit, m)
        records.append(FoldScore(f + 1, tuple(test.tolist()), _mae(stacked[test], y[test]), fit))
    mae, per = _scores(table, y, stacked, tuned)
    options = CrossValidationOptions(folds, seed, "id (first column)" if by_id else "issue")
    return StackResult("cross-validation", file, file, int(y.size), mae, fit_stack(table, y),
                       per, tuple(records), options)
