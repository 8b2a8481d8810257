"""The record of one stability analysis of a conflict (:class:`StabilityRun`) and its JSON form.

:func:`~detente.stability.scenario.conflict_stability` (``detente stability FILE``) and
:func:`~detente.stability.scenario.analyse_scenario` (``Analysis.stability``) return one; the
command adds the inverse GMCR and the exported graph with :func:`dataclasses.replace`.
:func:`stability_to_dict` is the JSON that ``detente stability --json`` writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .analysis import ConflictAnalysis, coalitions_to_dict
from .concepts import StabilityResult
from .model import Conflict

if TYPE_CHECKING:  # pragma: no cover  (the inverse solver loads only when asked for)
    from .inverse import InverseResult

__all__ = ["SanctionRule", "StabilityRun", "stability_to_dict"]

SanctionRule = Literal["textbook", "gmcrplus"]
"""How opponents may sanction: in any legal sequence, or each at most once (GMCR+)."""


@dataclass(frozen=True, eq=False, kw_only=True)
class StabilityRun(ConflictAnalysis):
    """A conflict's stability analysis: every state's stability and what the status quo and the
    coalitions add to it, with where it came from and how it was bounded.

    ``result``: the :class:`~detente.stability.StabilityResult` (equilibria per concept);
    ``options``: the option ids (names for a ``.gmcr`` file) in state-vector order, ``owners``
    the DM owning each; ``status_quo``: its vector (None for a ``.gmcr`` file); ``title`` and
    ``source`` (the file, or the scenario id); ``engine``: the solved
    :class:`~detente.stability.Conflict`; ``sanction_rule``.

    Inherited from :class:`~detente.stability.analysis.ConflictAnalysis`, the analysis of the
    status quo and the coalitions: ``explanations`` (per concept, one
    :class:`~detente.stability.explain.Explanation` per DM), ``status_quo_analysis`` (per
    concept, a :class:`~detente.stability.status_quo.StatusQuoResult`), ``coalitions`` (None
    with two DMs or when skipped), ``limits`` (what was bounded, one sentence each) and ``full``
    (nothing was bounded).

    Added by ``detente stability`` on request: ``inverse`` (per concept, an
    :class:`~detente.stability.inverse.InverseResult`) and ``exported`` (the graph file written).
    """

    result: StabilityResult = field(repr=False)
    options: tuple[str, ...]
    status_quo: str | None
    title: str
    source: str
    owners: tuple[str, ...]
    engine: Conflict = field(repr=False)
    sanction_rule: SanctionRule
    inverse: Mapping[str, InverseResult] = field(default_factory=dict, repr=False)
    exported: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (:func:`stability_to_dict`)."""
        return stability_to_dict(self)



def stability_to_dict(run: StabilityRun) -> dict[str, Any]:
    """The JSON form of a :class:`StabilityRun` (states named by option vectors)."""
    out = {"source": run.source, "title": run.title, "options": list(run.options),
           "owners": list(run.owners), "status_quo": run.status_quo,
           **run.result.to_dict()}
    out["status_quo_explanations"] = {
        c: [e.to_dict() | {"text": e.text()} for e in exps]
        for c, exps in run.explanations.items()}
    out["status_quo_analysis"] = {c: r.to_dict() for c, r in run.status_quo_analysis.items()}
    limits = list(run.limits)
    out["coalitions"] = None
    if run.coalitions is not None:
        r = run.result
        nash = r.equilibria("nash") if "nash" in r.stable else ()
        out["coalitions"], line = coalitions_to_dict(
            run.coalitions, status_quo=run.status_quo, nash=nash, full=run.full)
        if line:
            limits.append(line)
    out["limits"] = limits
    if run.inverse:
        out["inverse"] = {c: r.to_dict() for c, r in run.inverse.items()}
    if run.exported:
        out["exported_graph"] = run.exported
    return out
