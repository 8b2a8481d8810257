"""What changed between two runs: their inputs (a unified diff of the scenario texts; seed,
draws, version) and their results (each question's probability, each issue's ensemble forecast,
each table's share of draws in which the deal holds).

The older run is always ``a`` and the newer ``b``, whatever order they are asked for in, so a
difference ``b − a`` reads forwards: newer minus older.

**Monte Carlo noise is not news.** Two runs of the same scenario with different seeds give
slightly different numbers. Each difference comes with an interval for its Monte Carlo error,
and only a difference whose interval excludes zero is a *change*; the others are *within
noise*:

- a share of draws (a question's probability, "the deal holds"): ``p`` of ``n`` draws has
  variance ``p(1 − p)/n``, with ``p`` taken as ``(x + 1)/(n + 2)`` (Agresti and Caffo 2000), so
  that a share of 0 or 100% of a few draws still has an error;
- a mean over draws (an issue's ensemble forecast): ``sd² / n`` from the spread the run stored
  (``sd`` over the ``n`` draws where the forecast is defined); a run that did not store it has
  no interval ("not available"), and its difference is neither called a change nor noise;
- a run of one draw is the point estimate, with no Monte Carlo error.

The intervals are 95% *jointly* over all the differences with a Monte Carlo error in one
comparison (Bonferroni: each at ``1 − 0.05/k``), so comparing a run with a re-run of itself
under another seed shows no change at all in at least 95 of 100 such comparisons, however many
questions the scenario has.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any

from ..report.numbers import signed_interval
from .records import RunRecord, RunSummary

__all__ = ["CONFIDENCE", "Change", "RunDiff", "diff_runs", "difference_text", "joint_z",
           "mean_variance", "share_variance"]

#: The joint coverage of a comparison's Monte Carlo intervals.
CONFIDENCE = 0.95

#: How the statuses read (``Change.status``).
SAME, NOISE, CHANGE, NO_INTERVAL, MISSING = (
    "same", "within noise", "change", "no interval", "missing")

_REL_TOL = 1e-9  # differences this small (relative) are rounding, not results


def joint_z(k: int, confidence: float = CONFIDENCE) -> float:
    """The normal quantile for ``k`` two-sided intervals that hold jointly with probability
    ``confidence`` (Bonferroni).

    >>> round(joint_z(1), 2), round(joint_z(10), 2)
    (1.96, 2.81)
    """
    alpha = (1.0 - confidence) / max(1, int(k))
    return NormalDist().inv_cdf(1.0 - alpha / 2.0)


@dataclass(frozen=True)
class Change:
    """One number in both runs (None where a run does not have it), the difference b − a
    (newer − older) and its Monte Carlo error.

    ``kind``: ``"share"`` (a share of draws, 0 … 1) or ``"mean"`` (a mean over draws, in the
    issue's units); ``se``: the standard error of the difference (0: exact; None: not
    available); ``z``: the normal quantile of the comparison's joint intervals.
    """

    key: str
    label: str
    a: float | None
    b: float | None
    kind: str = "share"
    se: float | None = None
    z: float = 1.959963984540054

    @property
    def same(self) -> bool:
        """Equal up to rounding."""
        if self.a is None or self.b is None:
            return False
        scale = max(1.0, abs(self.a), abs(self.b))
        return abs(self.b - self.a) <= _REL_TOL * scale

    @property
    def difference(self) -> float | None:
        """b − a (newer − older); 0 when they are equal up to rounding."""
        if self.a is None or self.b is None:
            return None
        return 0.0 if self.same else self.b - self.a

    @property
    def interval(self) -> tuple[float, float] | None:
        """The interval of the difference (Monte Carlo error), or None if not available."""
        d = self.difference
        if d is None or self.se is None:
            return None
        return (d - self.z * self.se, d + self.z * self.se)

    @property
    def status(self) -> str:
        """``same``, ``within noise`` (the interval includes 0), ``change`` (it does not),
        ``no interval`` (the error is not available) or ``missing`` (not in both runs)."""
        if self.difference is None:
            return MISSING
        if self.same:
            return SAME
        iv = self.interval
        if iv is None:
            return NO_INTERVAL
        return NOISE if iv[0] <= 0.0 <= iv[1] else CHANGE

    @property
    def changed(self) -> bool:
        """A difference beyond Monte Carlo noise (the only kind worth highlighting)."""
        return self.status == CHANGE

    def to_dict(self) -> dict[str, Any]:
        iv = self.interval
        return {"key": self.key, "label": self.label, "kind": self.kind, "a": self.a,
                "b": self.b, "difference": self.difference,
                "se": self.se, "interval": None if iv is None else [iv[0], iv[1]],
                "status": self.status, "changed": self.changed,
                "within_noise": None if self.status in (MISSING, NO_INTERVAL)
                else self.status in (SAME, NOISE)}


@dataclass(frozen=True)
class RunDiff:
    """Run ``b`` (the newer) against run ``a`` (the older). ``inputs`` holds each run setting
    that differs (fingerprint, scenario, seed, draws, version, options) as an (a, b) pair;
    ``swapped``: the runs were asked for newest first (and put the other way round)."""

    a: RunSummary
    b: RunSummary
    inputs: dict[str, tuple[Any, Any]]
    scenario_diff: str
    questions: tuple[Change, ...]
    forecasts: tuple[Change, ...]
    tables: tuple[Change, ...]
    swapped: bool = False
    confidence: float = CONFIDENCE

    @property
    def same_scenario(self) -> bool:
        return self.a.fingerprint == self.b.fingerprint

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.questions + self.forecasts + self.tables

    @property
    def joint(self) -> int:
        """How many differences the intervals are joint over (those with a Monte Carlo
        error)."""
        return sum(1 for c in self.changes if c.se)

    @property
    def z(self) -> float:
        return joint_z(self.joint, self.confidence)

    @property
    def noise_note(self) -> str:
        """One sentence on how to read the intervals."""
        k = self.joint
        conf = f"{self.confidence:.0%}"
        if k == 0:
            return ("No Monte Carlo error: both runs are point estimates (or their numbers do "
                    "not vary over the draws), so every difference is a change.")
        each = 1 - (1 - self.confidence) / k
        joint = (f"{conf} Monte Carlo intervals, joint over the {k} differences that have one "
                 f"(each at {each:.2%})" if k > 1 else f"{conf} Monte Carlo interval")
        return (f"Intervals: {joint}. A difference whose interval includes 0 is within noise; "
                "only the others are changes.")

    @property
    def summary_line(self) -> str:
        """How many differences are changes, within noise, or without an interval."""
        counts = {s: sum(1 for c in self.changes if c.status == s)
                  for s in (CHANGE, NOISE, SAME, NO_INTERVAL, MISSING)}
        parts = [f"{counts[CHANGE]} change{'s' if counts[CHANGE] != 1 else ''}",
                 f"{counts[NOISE]} within noise", f"{counts[SAME]} the same"]
        if counts[NO_INTERVAL]:
            parts.append(f"{counts[NO_INTERVAL]} without an interval (spread not stored)")
        if counts[MISSING]:
            parts.append(f"{counts[MISSING]} in one run only")
        return ", ".join(parts) + "."

    @property
    def direction(self) -> str:
        return ("Run a is the older, run b the newer: differences are b − a (newer − older)"
                + ("; the runs were given newest first" if self.swapped else ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "direction": self.direction,
            "swapped": self.swapped,
            "same_scenario": self.same_scenario,
            "inputs": {k: {"a": va, "b": vb} for k, (va, vb) in self.inputs.items()},
            "scenario_diff": self.scenario_diff,
            "noise": {"confidence": self.confidence, "joint_over": self.joint, "z": self.z,
                      "note": self.noise_note, "summary": self.summary_line},
            "questions": [c.to_dict() for c in self.questions],
            "forecasts": [c.to_dict() for c in self.forecasts],
            "tables": [c.to_dict() for c in self.tables],
        }


# ------------------------------------------------------------------------------ the numbers
@dataclass(frozen=True)
class _Value:
    label: str
    value: float | None
    var: float | None  # Monte Carlo variance of the value (0: exact; None: not available)


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _draws(v: Any, fallback: int) -> int:
    n = v if isinstance(v, int) and not isinstance(v, bool) else fallback
    return max(0, int(n))


def share_variance(p: float | None, n: int) -> float | None:
    """The Monte Carlo variance of a share ``p`` of ``n`` draws (0 for one draw: the point
    estimate), with ``p`` taken as ``(x + 1)/(n + 2)``.

    >>> share_variance(0.0, 1), round(share_variance(0.0, 98), 7)
    (0.0, 9.9e-05)
    """
    if p is None:
        return None
    if n <= 1:
        return 0.0
    adj = (min(1.0, max(0.0, p)) * n + 1.0) / (n + 2.0)
    return adj * (1.0 - adj) / (n + 2.0)


def mean_variance(stats: dict[str, Any], n: int) -> float | None:
    """The Monte Carlo variance of a mean over draws, from its stored spread: ``sd² / m`` over
    the ``m`` draws where it is defined (None: no spread stored)."""
    if n <= 1:
        return 0.0
    sd = _num(stats.get("sd"))
    if sd is None:
        return None
    defined = _num(stats.get("defined"))
    m = n * (1.0 if defined is None else defined)
    if m < 2:
        return None
    return sd * sd / m


def _questions(res: dict[str, Any], draws: int) -> dict[str, _Value]:
    out = {}
    for q in res.get("questions") or []:
        p = _num(q.get("probability"))
        out[str(q.get("id"))] = _Value(str(q.get("text", "")), p,
                                       share_variance(p, _draws(q.get("draws"), draws)))
    return out


def _forecasts(res: dict[str, Any], draws: int) -> dict[str, _Value]:
    out = {}
    for iss in res.get("issues") or []:
        fc = iss.get("forecast") or {}
        ens = fc.get("ensemble")
        if ens is None and len(fc) == 1:  # a single model is its own ensemble
            ens = next(iter(fc.values()))
        ens = ens or {}
        mean = _num(ens.get("mean"))
        out[str(iss.get("id"))] = _Value(str(iss.get("name", "")), mean,
                                         None if mean is None else mean_variance(ens, draws))
    return out


def _tables(res: dict[str, Any], draws: int) -> dict[str, _Value]:
    out = {}
    for tid, t in (res.get("tables") or {}).items():
        p = _num(t.get("holds"))
        out[str(tid)] = _Value(", ".join(t.get("members") or []), p, share_variance(p, draws))
    return out


def _merge(a: dict[str, _Value], b: dict[str, _Value], kind: str) -> tuple[Change, ...]:
    keys = list(a) + [k for k in b if k not in a]
    out = []
    for k in keys:
        va, vb = a.get(k), b.get(k)
        label = (va.label if va is not None and va.label else vb.label if vb is not None
                 else "")
        se = None
        if va is not None and vb is not None and va.var is not None and vb.var is not None:
            se = math.sqrt(va.var + vb.var)
        out.append(Change(k, label, None if va is None else va.value,
                          None if vb is None else vb.value, kind=kind, se=se))
    return tuple(out)


def _older_first(a: RunRecord, b: RunRecord) -> tuple[RunRecord, RunRecord, bool]:
    """The two runs oldest first (by creation time, then id: ids sort by time too)."""
    if (b.created_at, b.id) < (a.created_at, a.id):
        return b, a, True
    return a, b, False


def diff_runs(a: RunRecord, b: RunRecord, *, confidence: float = CONFIDENCE) -> RunDiff:
    """Compare two stored runs: the newer against the older, whichever is given first."""
    a, b, swapped = _older_first(a, b)
    inputs: dict[str, tuple[Any, Any]] = {}
    for name in ("fingerprint", "scenario_id", "seed", "draws", "version", "options"):
        va, vb = getattr(a, name), getattr(b, name)
        if va != vb:
            inputs[name] = (va, vb)
    lines = list(difflib.unified_diff(
        a.scenario_text.splitlines(), b.scenario_text.splitlines(),
        fromfile=f"run {a.id}", tofile=f"run {b.id}", lineterm=""))
    text = "".join(line + "\n" for line in lines)
    ra, rb = a.results or {}, b.results or {}
    questions = _merge(_questions(ra, a.draws), _questions(rb, b.draws), "share")
    forecasts = _merge(_forecasts(ra, a.draws), _forecasts(rb, b.draws), "mean")
    tables = _merge(_tables(ra, a.draws), _tables(rb, b.draws), "share")
    k = sum(1 for c in questions + forecasts + tables if c.se)
    z = joint_z(k, confidence)
    return RunDiff(
        a=a.summary, b=b.summary, inputs=inputs, scenario_diff=text,
        questions=tuple(replace(c, z=z) for c in questions),
        forecasts=tuple(replace(c, z=z) for c in forecasts),
        tables=tuple(replace(c, z=z) for c in tables),
        swapped=swapped, confidence=confidence,
    )


def difference_text(c: Change) -> str:
    """b − a with its interval: "+3.2 [-1.0 to +7.4]" (percentage points for shares);
    "(exact)" when there is no Monte Carlo error worth a digit (point estimates, numbers that
    do not vary over the draws)."""
    d = c.difference
    if d is None:
        return "—"
    pct = c.kind == "share"
    k, digits = (100.0, 1) if pct else (1.0, 2)
    text = "0" if c.same else f"{d * k:+.{digits}f}"
    iv = c.interval
    if iv is None:
        return text
    shown = signed_interval(iv, pct)
    if shown:
        return f"{text} {shown}"
    return text if c.same else f"{text} (exact)"
