"""The scenario file's schema (pydantic v2).

The models mirror the YAML file one to one, so a validation error's location
(``stances.ru.territory.salience``) is also the path in the file. Structural
checks (types, ranges, unknown keys) live here; checks that relate one part of
the file to another (undefined ids, positions outside an issue's scale,
uncertainty paths) live in :mod:`detente.scenario.checks` so that every problem
is reported at once. All models are frozen: a loaded scenario is immutable.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
)

__all__ = [
    "FORMAT_VERSION",
    "Conflict",
    "scenario_json_schema",
    "ID_PATTERN",
    "Actor",
    "Anchor",
    "Distribution",
    "Implementation",
    "Issue",
    "NoDeal",
    "Predicate",
    "Process",
    "Question",
    "Resolution",
    "Scenario",
    "Source",
    "Stance",
    "Table",
]

from .conflict import (  # noqa: F401  (re-exported)
    Conflict,
    ConflictDM,
    ConflictOption,
)
from .distributions import (  # noqa: F401  (re-exported)
    _CALL,
    DIST_PARAMS,
    Beta,
    Choice,
    Distribution,
    LogNormal,
    Normal,
    Triangular,
    TruncNormal,
    UncertainParameter,
    UncertaintyEntry,
    Uniform,
    _parse_call,
)
from .process import Process  # noqa: F401  (re-exported)
from .questions import (  # noqa: F401  (re-exported)
    PREDICATE_KINDS,
    Predicate,
    Question,
    Resolution,
)
from .types import (  # noqa: F401  (re-exported)
    FORMAT_VERSION,
    ID_PATTERN,
    Cited,
    Finite,
    Id,
    NonNegative,
    Positive,
    Salience,
    Text,
    _Model,
    _show,
)

# --------------------------------------------------------------------------- sources
class Source(_Model):
    id: Id
    title: Text
    publisher: Text | None = None
    author: Text | None = None
    date: _dt.date | None = Field(default=None, description="Publication date (YYYY-MM-DD).")
    url: Text | None = None
    quote: Text | None = Field(default=None, description="A short quotation the source supports.")
    note: Text | None = None


# --------------------------------------------------------------------------- actors
class Actor(Cited):
    id: Id
    name: Text
    capability: Positive = Field(
        description="Relative clout (> 0). Only ratios matter; models normalise to shares."
    )
    role: Text | None = None


# --------------------------------------------------------------------------- issues
class Issue(Cited):
    id: Id
    name: Text
    scale: tuple[Finite, Finite] = Field(
        default=(0.0, 100.0), description="[lo, hi] of the issue's numeric scale; lo < hi."
    )
    anchors: dict[Finite, Text] = Field(
        default_factory=dict,
        description="Labelled points on the scale: what a value means in words (e.g. 0, 50, 100).",
    )
    status_quo: Finite = Field(
        description="The state of the world on this issue if no agreement is reached."
    )
    unit: Text | None = Field(default=None, description="Unit of the scale, for display.")
    description: Text | None = None

    @field_validator("anchors", mode="before")
    @classmethod
    def _anchor_keys(cls, v: Any) -> Any:
        # YAML gives int keys for "0:"; allow them as numbers (strict mode would refuse).
        if isinstance(v, dict):
            return {
                (float(k) if isinstance(k, int) and not isinstance(k, bool) else k): val
                for k, val in v.items()
            }
        return v


Anchor = tuple[float, str]


# --------------------------------------------------------------------------- stances
class Stance(Cited):
    position: Finite = Field(description="The actor's ideal point on the issue's scale.")
    salience: Salience = Field(description="How much the actor cares about the issue, 0–1.")


# --------------------------------------------------------------------------- no deal
class Expectation(_Model):
    """An actor's belief about an issue's no-deal outcome: where it expects it, how sure."""

    value: Finite = Field(description="The expected no-deal value on the issue's scale.")
    sd: NonNegative = Field(
        default=0.0, description="The actor's own uncertainty (a standard deviation, issue "
                                 "units); it converges with the value (process.beliefs).")


class NoDeal(Cited):
    cost: Finite = Field(
        default=0.0,
        description="What walking away costs beyond the issues, in utility units (0–1 scale).",
    )
    drift: Finite = Field(
        default=0.0,
        description="Monthly change of the no-deal value's cost (positive: no deal gets worse).",
    )
    value: Finite | None = Field(
        default=None, description="Explicit no-deal value at as_of; overrides U(q) − cost."
    )
    expects: dict[Id, Finite | Expectation] = Field(
        default_factory=dict,
        description="Issue values this actor expects if no deal is reached (default: status "
                    "quo): a number, or {value, sd} with how unsure the actor is.",
    )


# --------------------------------------------------------------------------- tables
class Table(Cited):
    id: Id
    name: Text | None = None
    members: tuple[Id, ...] = Field(description="Actor ids sitting at this table.")


class Implementation(Cited):
    actor: Id = Field(description="An actor whose acceptance the agreement needs to hold.")
    issues: tuple[Id, ...] | None = Field(
        default=None,
        description=(
            "Issues this veto covers: the veto applies when a deal moves any of them away from "
            "the status quo. Default: all issues."
        ),
    )


class Correlation(_Model):
    """A rank correlation between two uncertain parameters (Gaussian copula; see
    :mod:`detente.scenario.copula`)."""

    between: tuple[str, str] = Field(
        description="Two parameter paths from `uncertainty`, e.g. [no_deal.ua.cost, "
                    "no_deal.ua.drift]."
    )
    rank: float = Field(gt=-1, lt=1, description="Spearman's rank correlation, between −1 and 1.")
    sources: tuple[Id, ...] = ()
    note: Text | None = None


# --------------------------------------------------------------------------- scenario
class Scenario(_Model):
    """A negotiation: who takes part, over what, from where, and what we want to know."""

    detente: Literal[1] = Field(
        default=FORMAT_VERSION, description="Scenario format version (currently 1)."
    )
    id: Id
    title: Text
    as_of: _dt.date = Field(description="The date the scenario describes; month 0 of timelines.")
    description: Text | None = None
    notes: Text | None = None
    sources: tuple[Source, ...] = ()
    actors: tuple[Actor, ...] = Field(min_length=2)
    issues: tuple[Issue, ...] = Field(min_length=1)
    stances: dict[Id, dict[Id, Stance]] = Field(
        description="stances[actor][issue] = {position, salience}. Missing: no stance (salience 0)."
    )
    no_deal: dict[Id, NoDeal] = Field(
        default_factory=dict, description="no_deal[actor]: cost, drift, override, expectations."
    )
    tables: tuple[Table, ...] = ()
    implementation: tuple[Implementation, ...] = Field(
        default=(), description="Veto players whose acceptance an agreement needs to hold."
    )
    conflict: Conflict | None = Field(
        default=None,
        description="The option-based view for stability analysis (Graph Model for Conflict "
                    "Resolution): decision makers, options, infeasible combinations, "
                    "preferences and the status quo.",
    )
    uncertainty: dict[str, UncertaintyEntry] = Field(
        default_factory=dict,
        description="Distributions by parameter path, e.g. stances.ru.territory.position.",
    )
    correlations: tuple[Correlation, ...] = Field(
        default=(),
        description="Rank (Spearman) correlations between uncertain parameters.",
    )
    process: Process = Field(
        default_factory=Process,
        description="How the negotiation unfolds month by month: belief convergence, talks, "
                    "proposers, base rates, commitment, partial agreements, unilateral moves.")
    questions: tuple[Question, ...] = ()

    # -- convenience lookups (delegate only) ---------------------------------
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    def issue_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.issues)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors (validation and completion).

    Pydantic's schema describes the validated models; the file also accepts
    distributions written as text (``normal(95, 5)``), so those are added here.
    The loader remains the authority: it also checks cross-references.
    """
    doc = Scenario.model_json_schema()
    names = "|".join(DIST_PARAMS)
    text = {
        "type": "string",
        "pattern": rf"^\s*({names})\s*\(.*\)\s*$",
        "description": "A distribution as text, e.g. normal(95, 5) or uniform(0.05, 0.15).",
    }
    defs = doc["$defs"]
    dist = defs["UncertainParameter"]["properties"]["distribution"]
    options = dist.pop("oneOf")
    dist["anyOf"] = [text, *options]
    unc = doc["properties"]["uncertainty"]
    unc["additionalProperties"] = {
        "anyOf": [text, *options, {"$ref": "#/$defs/UncertainParameter"}]
    }
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "detente scenario"
    return doc
