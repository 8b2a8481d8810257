"""Which assumption makes an answer certain: the 0% and 100% answers, re-asked without it.

A question answered in every draw or in none rests on something the draws never vary: a
structural choice of the scenario. For each such answer this module names the declared
assumptions that bear on it — a veto player off the table, an actor's expectation of the
no-deal path, talks that meet only some months, a cap on how fast a unilateral move goes —
re-runs the analysis once per assumption with that assumption relaxed (same seed, fewer
draws), and reports the answers that move. An answer that stays certain under every relaxation
tried rests on the inputs themselves (positions, saliences, costs), not on one switch.

The relaxations, per question (docs/explanation/questions.md, "Certain answers"):

- ``veto:A`` — a deal at the question's table needs only its members: A, a veto player
  off the table (``implementation``), is removed;
- ``vetoes:T`` — every veto player off table T removed at once (vetoes that each block alone
  show only together);
- ``expects:A`` — member A expects the status quo without a deal (its ``expects`` removed,
  with the uncertainty entries on them): mutual optimism switched off for A;
  ``expectations:T`` — for every member of T at once;
- ``meets:T`` — the talks at table T meet every month (``process.tables.T.chance`` = 1);
- ``step:A:I`` — A's unilateral move on issue I can cover its whole range in one month.

Each relaxed scenario is validated like a file; a relaxation the format refuses is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import DetenteError

if TYPE_CHECKING:
    from .analysis import Analysis
    from .scenario.schema import Scenario

__all__ = ["AUDIT_DRAWS", "CertainAnswer", "Relaxed", "certain_answers"]

AUDIT_DRAWS = 200
"""Draws per relaxed run (at most the run's own): enough to tell 0% from a few per cent."""

MAX_RELAXATIONS = 12
"""Relaxed runs per audit at most (the first ones in question order)."""


@dataclass(frozen=True)
class Relaxed:
    """One relaxation and the answer under it."""

    id: str  # "veto:ua", "expects:ru", "meets:us-russia", "step:us:sanctions_relief"
    text: str  # what was relaxed, in words
    probability: float  # share of the relaxed run's draws
    draws: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "probability": self.probability,
                "draws": self.draws}


@dataclass(frozen=True)
class CertainAnswer:
    """A question answered 0% or 100%, and what each relaxation tried makes of it."""

    question: str
    probability: float  # 0.0 or 1.0
    tried: tuple[Relaxed, ...]

    @property
    def moved(self) -> tuple[Relaxed, ...]:
        """The relaxations under which the answer is no longer what it was."""
        return tuple(r for r in self.tried if r.probability != self.probability)

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "probability": self.probability,
                "tried": [r.to_dict() for r in self.tried],
                "moved_by": [r.id for r in self.moved]}


def _conditions(pred: Any) -> Iterator[tuple[str, Any]]:
    """(kind, arguments) of every leaf condition of a question's ``when``."""
    kind = next(iter(type(pred).model_fields))
    args = getattr(pred, kind)
    if kind in ("all", "any"):
        for p in args:
            yield from _conditions(p)
    elif kind == "not_":
        yield from _conditions(args)
    else:
        yield kind, args


def _relaxations(scenario: Scenario, pred: Any) -> list[tuple[str, str]]:
    """The relaxations that bear on a question, as (id, words)."""
    names = {a.id: a.name for a in scenario.actors}
    out: list[tuple[str, str]] = []

    def add(rid: str, text: str) -> None:
        if rid not in (r for r, _ in out):
            out.append((rid, text))

    for kind, args in _conditions(pred):
        if kind == "unilateral":
            if any(u.actor == args.actor and u.issue == args.issue
                   for u in scenario.process.unilateral):
                add(f"step:{args.actor}:{args.issue}",
                    f"if {names[args.actor]}'s move on {args.issue} could cover its range "
                    f"in one month")
            continue
        table_id = getattr(args, "table", None)
        table = next((t for t in scenario.tables if t.id == table_id), None)
        if table is None:
            continue
        if kind in ("in_force", "holds", "lapsed", "concluded"):
            off = [i.actor for i in scenario.implementation if i.actor not in table.members]
            for a in off:
                add(f"veto:{a}", f"without the veto of {names[a]} (implementation)")
            if len(off) > 1:
                add(f"vetoes:{table.id}", f"without any veto player off {table.id} "
                                          f"({', '.join(off)})")
        members = list(table.members)
        if kind == "accepts" and args.actor not in members:
            members.append(args.actor)
        hopeful = [a for a in members
                   if (nd := scenario.no_deal.get(a)) is not None and nd.expects]
        for a in hopeful:
            add(f"expects:{a}", f"if {names[a]} expected the status quo without a deal")
        if len(hopeful) > 1:
            add(f"expectations:{table.id}",
                f"if every member of {table.id} expected the status quo without a deal "
                f"({', '.join(hopeful)})")
        tp = scenario.process.tables.get(table.id)
        if tp is not None and tp.chance < 1.0 and kind in (
                "concluded", "in_force", "lapsed", "talks"):
            add(f"meets:{table.id}", f"if the talks at {table.id} met every month")
    return out


def _drop_paths(data: dict[str, Any], prefix: str) -> None:
    """Remove the uncertainty entries and correlations under ``prefix`` (a relaxed input)."""
    unc = data.get("uncertainty") or {}
    gone = {k for k in unc if k == prefix or k.startswith(prefix + ".")}
    data["uncertainty"] = {k: v for k, v in unc.items() if k not in gone}
    if data.get("correlations"):
        data["correlations"] = [c for c in data["correlations"]
                                if not set(c["between"]) & gone]


def _relax(scenario: Scenario, rid: str) -> Scenario:
    """The scenario with one assumption relaxed (validated like a file)."""
    from .scenario.build import build_scenario

    data = scenario.model_dump(mode="python", by_alias=True, exclude_unset=True)
    kind, _, rest = rid.partition(":")
    table = next((t for t in scenario.tables if t.id == rest), None)
    if kind in ("veto", "vetoes"):
        gone = {rest} if kind == "veto" else {
            i.actor for i in scenario.implementation if table and i.actor not in table.members}
        data["implementation"] = [i for i in data.get("implementation", ())
                                  if i["actor"] not in gone]
    elif kind in ("expects", "expectations"):
        who = [rest] if kind == "expects" else list(table.members if table else ())
        for a in who:
            if a in data.get("no_deal", {}):
                data["no_deal"][a].pop("expects", None)
                _drop_paths(data, f"no_deal.{a}.expects")
    elif kind == "meets":
        proc = data.setdefault("process", {})
        proc.setdefault("tables", {}).setdefault(rest, {})["chance"] = 1.0
        _drop_paths(data, f"process.tables.{rest}.chance")
    elif kind == "step":
        actor, _, issue = rest.partition(":")
        for u in data["process"]["unilateral"]:
            if u["actor"] == actor and u["issue"] == issue:
                lo, hi = u["range"]
                u["step"] = float(abs(hi - lo)) or u["step"]
        _drop_paths(data, f"process.unilateral.{actor}.{issue}.step")
    else:  # pragma: no cover - ids come from _relaxations
        raise ValueError(rid)
    return build_scenario(**data)


def _answers(scenario: Scenario, n: int, seed: int | None) -> dict[str, float]:
    """Every question's answer on a relaxed scenario (same seed, no sensitivity)."""
    from .analysis import analyze

    res = analyze(scenario, draws=n, seed=seed, sensitivity=False, calibration=None)
    return {q.id: a.probability for q, a in zip(scenario.questions, res.questions)}


def certain_answers(analysis: Analysis, *, draws: int = AUDIT_DRAWS, backend: str = "serial",
                    workers: int | None = None) -> tuple[CertainAnswer, ...]:
    """Every 0% or 100% answer of a Monte Carlo run, re-asked under each relaxation that bears
    on it (see the module doc), at the run's seed with ``draws`` draws (at most the run's).
    ``backend`` ``processes`` runs the relaxed analyses side by side on ``workers``
    processes (the answers are the same)."""
    from .montecarlo import run_chunks

    if analysis.draws < 2 or not analysis.questions:
        return ()
    s = analysis.scenario
    n = min(draws, analysis.draws)
    certain = [(q, a) for q, a in zip(s.questions, analysis.questions)
               if a.probability in (0.0, 1.0)]
    wanted: dict[str, str] = {}
    for q, _ in certain:
        for rid, text in _relaxations(s, q.when):
            if len(wanted) < MAX_RELAXATIONS:
                wanted.setdefault(rid, text)
    jobs: list[tuple[str, Scenario]] = []
    for rid in wanted:
        try:
            jobs.append((rid, _relax(s, rid)))
        except DetenteError:
            continue  # the format refuses this relaxation (e.g. a question needs the input)
    found: dict[int, dict[str, float]] = {}
    if jobs:
        run_chunks(_answers, [(i, 1) for i in range(len(jobs))],
                   lambda i, _n: (jobs[i][1], n, analysis.seed),
                   backend="processes" if backend == "processes" else "serial",
                   workers=workers, fold=found.__setitem__)
    answers = {jobs[i][0]: found[i] for i in found}
    out = []
    for q, a in certain:
        tried = tuple(Relaxed(rid, wanted[rid], answers[rid][q.id], n)
                      for rid, _ in _relaxations(s, q.when)
                      if rid in answers and q.id in answers[rid])
        out.append(CertainAnswer(q.id, a.probability, tried))
    return tuple(out)
