"""What changed between two runs: their inputs (a unified diff of the scenario texts; seed,
draws, version) and their results (each question's probability, each issue's ensemble forecast,
each table's share of draws in which the deal holds)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .records import RunRecord, RunSummary

__all__ = ["Change", "RunDiff", "diff_runs"]


@dataclass(frozen=True)
class Change:
    """One number in both runs (None where a run does not have it) and the difference b − a."""

    key: str
    label: str
    a: float | None
    b: float | None

    @property
    def difference(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "a": self.a, "b": self.b,
                "difference": self.difference}


@dataclass(frozen=True)
class RunDiff:
    """Run ``a`` against run ``b``. ``inputs`` holds each run setting that differs
    (fingerprint, scenario, seed, draws, version, options) as an (a, b) pair."""

    a: RunSummary
    b: RunSummary
    inputs: dict[str, tuple[Any, Any]]
    scenario_diff: str
    questions: tuple[Change, ...]
    forecasts: tuple[Change, ...]
    tables: tuple[Change, ...]

    @property
    def same_scenario(self) -> bool:
        return self.a.fingerprint == self.b.fingerprint

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "same_scenario": self.same_scenario,
            "inputs": {k: {"a": va, "b": vb} for k, (va, vb) in self.inputs.items()},
            "scenario_diff": self.scenario_diff,
            "questions": [c.to_dict() for c in self.questions],
            "forecasts": [c.to_dict() for c in self.forecasts],
            "tables": [c.to_dict() for c in self.tables],
        }


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _merge(a: dict[str, tuple[str, float | None]], b: dict[str, tuple[str, float | None]]
           ) -> tuple[Change, ...]:
    keys = list(a) + [k for k in b if k not in a]
    return tuple(Change(k, (a.get(k) or b.get(k) or ("", None))[0],
                        a[k][1] if k in a else None, b[k][1] if k in b else None) for k in keys)


def _questions(res: dict[str, Any]) -> dict[str, tuple[str, float | None]]:
    return {str(q.get("id")): (str(q.get("text", "")), _num(q.get("probability")))
            for q in res.get("questions") or []}


def _forecasts(res: dict[str, Any]) -> dict[str, tuple[str, float | None]]:
    out = {}
    for iss in res.get("issues") or []:
        fc = iss.get("forecast") or {}
        ens = fc.get("ensemble")
        if ens is None and len(fc) == 1:  # a single model is its own ensemble
            ens = next(iter(fc.values()))
        out[str(iss.get("id"))] = (str(iss.get("name", "")), _num((ens or {}).get("mean")))
    return out


def _tables(res: dict[str, Any]) -> dict[str, tuple[str, float | None]]:
    return {str(tid): (", ".join(t.get("members") or []), _num(t.get("holds")))
            for tid, t in (res.get("tables") or {}).items()}


def diff_runs(a: RunRecord, b: RunRecord) -> RunDiff:
    """Compare two stored runs (``b`` against ``a``)."""
    inputs: dict[str, tuple[Any, Any]] = {}
    for name in ("fingerprint", "scenario_id", "seed", "draws", "version", "options"):
        va, vb = getattr(a, name), getattr(b, name)
        if va != vb:
            inputs[name] = (va, vb)
    lines = list(difflib.unified_diff(
        a.scenario_text.splitlines(), b.scenario_text.splitlines(),
        fromfile=f"run {a.id}", tofile=f"run {b.id}", lineterm=""))
    text = "".join(line + "\n" for line in lines)
    return RunDiff(
        a=a.summary, b=b.summary, inputs=inputs, scenario_diff=text,
        questions=_merge(_questions(a.results), _questions(b.results)),
        forecasts=_merge(_forecasts(a.results), _forecasts(b.results)),
        tables=_merge(_tables(a.results), _tables(b.results)),
    )
