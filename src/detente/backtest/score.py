"""Score every model variant on the archive's resolved questions, per case and pooled.

Variants (each a way of reading the same analysis, :func:`detente.answers.evaluate_condition`):

* ``process`` — the questions as written: the process model (beliefs, proposals, commitment,
  partial agreements, unilateral moves, base rates);
* ``process, calibrated`` — the same answers through a calibration (:mod:`detente.calibration`)
  fitted on this run's *dev* half and applied to both halves: only its test-half score counts;
* ``zone`` — detente 0.1's answers: a zone of agreement read as a deal;
* ``model:<name>`` — for questions that read a forecast model (``outcome`` with a model as
  source), each forecast model in its place.

Baselines: ``always 50%``; ``base rate`` — the share of questions that resolved yes in the
archive's *dev* half (fitted there, applied to both halves); ``nothing changes`` — the answer if
nothing moves from ``as_of`` (no talks, no deal, no move; the status quo stays).

Each is scored with the Brier and log scores, a calibration table, the Brier score's
decomposition (reliability, resolution, uncertainty and the two within-bin terms) and the AUC
(:mod:`detente.scoring`), per half (dev, test, all) and per case. A baseline that forecasts
one number for every question has resolution 0 and AUC 0.5: it does not sort the questions.
Only the test half's scores count as evidence: nothing may be tuned on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..calibration import Calibration, fit_calibration
from ..scoring import score_forecasts
from .archive import Archive, Case

__all__ = ["BASELINES", "BacktestResult", "backtest"]

BASELINES = ("always 50%", "base rate", "nothing changes")


def _reads_model(pred: Any) -> bool:
    from ..forecast import registry

    kind = next(iter(type(pred).model_fields))
    if kind in ("all", "any"):
        return any(_reads_model(p) for p in getattr(pred, kind))
    if kind == "not_":
        return _reads_model(pred.not_)
    return kind == "outcome" and pred.outcome.source in (*registry.names(), "ensemble")


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Every resolved question's forecasts under each variant, and their scores."""

    archive: str
    fixed_on: str
    draws: int
    seed: int
    items: tuple[dict[str, Any], ...]
    base_rate: float
    variants: tuple[str, ...]
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)  # half → variant → score
    per_case: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_kind: dict[str, dict[str, Any]] = field(default_factory=dict)  # half → kind → score
    calibration: Calibration | None = field(default=None, repr=False)
    """The calibration fitted on this run's dev half (None without dev questions)."""

    def to_dict(self) -> dict[str, Any]:
        return {"archive": self.archive, "split_fixed_on": self.fixed_on, "draws": self.draws,
                "seed": self.seed,
                "base_rate": None if math.isnan(self.base_rate) else self.base_rate,
                "variants": list(self.variants), "baselines": list(BASELINES),
                "scores": self.scores, "per_case": self.per_case, "per_kind": self.per_kind,
                "calibration": None if self.calibration is None else self.calibration.describe(),
                "questions": list(self.items)}


def question_kind(pred: Any) -> str:
    """What a condition asks, for the scores by kind: its kind (``concluded`` split into a
    comprehensive deal, a partial agreement and a deal with terms), or ``compound``."""
    kind = next(iter(type(pred).model_fields))
    if kind in ("all", "any", "not_"):
        return "compound"
    args = getattr(pred, kind)
    if kind == "concluded":
        if args.terms:
            return "concluded, with terms"
        return "concluded, partial" if args.partial is not None else "concluded"
    if kind in ("in_force", "lapsed") and args.partial is not None:
        return f"{kind}, partial"
    return kind


def _case_items(case: Case, draws: int, seed: int) -> list[dict[str, Any]]:
    from ..analysis import analyze
    from ..answers import evaluate_condition
    from ..forecast import registry

    s = case.scenario
    a = analyze(s, draws=draws, seed=seed, sensitivity=False, calibration=None)
    d = a.inputs
    cache: dict[str, Any] = {}

    def p(pred: Any, **kw: Any) -> float:
        truth = evaluate_condition(pred, s, d, a.forecasts, a.tables, a.process, cache=cache,
                                   **kw)
        return float(truth.mean())

    out = []
    for q, res in zip(s.questions, a.questions):
        if q.resolution is None:
            continue
        probs = {"process": res.probability, "zone": p(q.when, reading="zone"),
                 "nothing changes": p(q.when, reading="frozen")}
        if _reads_model(q.when):
            for m in registry.names():
                probs[f"model:{m}"] = p(q.when, model=m)
        out.append({"case": case.id, "half": case.half, "id": q.id, "text": q.text,
                    "kind": question_kind(q.when), "outcome": bool(q.resolution.outcome),
                    "p": probs})
    return out


def _score(items: list[dict[str, Any]], variant: str, base_rate: float) -> dict[str, Any] | None:
    fixed = variant in ("always 50%", "base rate")
    rows = [i for i in items if fixed or variant in i["p"]]
    if not rows:
        return None
    if variant == "always 50%":
        p = [0.5] * len(rows)
    elif variant == "base rate":
        if math.isnan(base_rate):
            return None
        p = [base_rate] * len(rows)
    else:
        p = [i["p"][variant] for i in rows]
    r = score_forecasts(p, [int(i["outcome"]) for i in rows])
    return {"n": r.n, "brier": r.brier, "log_score": r.log_score, **r.decomposition(),
            "calibration": list(r.calibration)}


def backtest(archive: Archive, *, draws: int = 1000, seed: int = 0,
             progress: Callable[[int, int, str], None] | None = None) -> BacktestResult:
    """Analyse every case of ``archive`` and score each variant and baseline (module doc)."""
    items: list[dict[str, Any]] = []
    for k, case in enumerate(archive.cases):
        if progress is not None:
            progress(k, len(archive.cases), case.id)
        items.extend(_case_items(case, draws, seed))
    if progress is not None:
        progress(len(archive.cases), len(archive.cases), "")
    dev = [i for i in items if i["half"] == "dev"]
    base_rate = float(np.mean([i["outcome"] for i in dev])) if dev else math.nan
    cal = None
    if dev:
        cal = fit_calibration(
            [{"case": i["case"], "id": i["id"], "p": i["p"]["process"], "outcome": i["outcome"]}
             for i in dev], seed=seed,
            fitted_on={"archive": archive.folder.name, "split_fixed_on":
                       archive.fixed_on.isoformat(), "half": "dev", "draws": draws, "seed": seed})
        for i in items:
            i["p"]["process, calibrated"] = float(cal(i["p"]["process"]))
    names = sorted({v for i in items for v in i["p"]},
                   key=lambda v: (v != "process", v != "process, calibrated", v != "zone",
                                  v.startswith("model:"), v))
    variants = tuple(v for v in names if v != "nothing changes")
    scores: dict[str, dict[str, Any]] = {}
    for half in ("dev", "test", "all"):
        rows = [i for i in items if half in ("all", i["half"])]
        scores[half] = {}
        for v in (*variants, *BASELINES):
            sc = _score(rows, v, base_rate)
            if sc is not None:
                scores[half][v] = sc
    per_case: dict[str, dict[str, Any]] = {}
    for case in archive.cases:
        rows = [i for i in items if i["case"] == case.id]
        per_case[case.id] = {"half": case.half, "as_of": case.scenario.as_of.isoformat(),
                             "title": case.scenario.title, "n": len(rows),
                             "scores": {v: sc for v in (*variants, *BASELINES)
                                        if (sc := _score(rows, v, base_rate)) is not None}}
    per_kind: dict[str, dict[str, Any]] = {}
    for half in ("dev", "test", "all"):
        rows = [i for i in items if half in ("all", i["half"])]
        per_kind[half] = {}
        for kind in sorted({i["kind"] for i in rows}):
            rk = [i for i in rows if i["kind"] == kind]
            p = np.array([i["p"]["process"] for i in rk])
            o = np.array([float(i["outcome"]) for i in rk])
            per_kind[half][kind] = {"n": len(rk), "mean_forecast": float(p.mean()),
                                    "share_yes": float(o.mean()),
                                    "brier": float(np.mean((p - o) ** 2))}
    return BacktestResult(archive=str(archive.folder), fixed_on=archive.fixed_on.isoformat(),
                          draws=draws, seed=seed, items=tuple(items), base_rate=base_rate,
                          variants=variants, scores=scores, per_case=per_case,
                          per_kind=per_kind, calibration=cal)
