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
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "FORMAT_VERSION",
    "scenario_json_schema",
    "ID_PATTERN",
    "Actor",
    "Anchor",
    "Distribution",
    "Implementation",
    "Issue",
    "NoDeal",
    "Predicate",
    "Question",
    "Resolution",
    "Scenario",
    "Source",
    "Stance",
    "Table",
]

FORMAT_VERSION = 1

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN),
    Field(description="An identifier: a letter, then letters, digits, '-' or '_' (max 64)."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _in_range(lo: float, hi: float):
    def check(v: float) -> float:
        if not (lo <= v <= hi):
            raise PydanticCustomError(
                "range", "must be within [{lo}, {hi}]; got {got}", {"lo": f"{lo:g}", "hi": f"{hi:g}", "got": f"{v:g}"}
            )
        return v

    return check


def _positive(v: float) -> float:
    if not v > 0:
        raise PydanticCustomError("positive", "must be greater than 0; got {got}", {"got": f"{v:g}"})
    return v


def _non_negative(v: float) -> float:
    if not v >= 0:
        raise PydanticCustomError("non_negative", "must be 0 or more; got {got}", {"got": f"{v:g}"})
    return v


def _show(v: Any) -> str:
    """A value as the user wrote it, for messages."""
    if isinstance(v, str):
        return repr(v) if len(v) <= 60 else repr(v[:57] + "...")
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "nothing (null)"
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return repr(v)


from pydantic import AfterValidator  # noqa: E402  (kept next to its use)

# The bounds are checked by the validators (for our own messages) and declared in the
# JSON Schema (for editors).
Salience = Annotated[
    Finite, AfterValidator(_in_range(0.0, 1.0)),
    Field(json_schema_extra={"minimum": 0, "maximum": 1}),
]
Positive = Annotated[
    Finite, AfterValidator(_positive), Field(json_schema_extra={"exclusiveMinimum": 0})
]
NonNegative = Annotated[
    Finite, AfterValidator(_non_negative), Field(json_schema_extra={"minimum": 0})
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=False, str_strip_whitespace=True
    )


class Cited(_Model):
    """Mixin: any parameter block may cite sources and carry a note."""

    sources: tuple[Id, ...] = Field(
        default=(), description="Ids of entries in `sources` that support these numbers."
    )
    note: Text | None = Field(default=None, description="The judgement made, in words.")


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
    expects: dict[Id, Finite] = Field(
        default_factory=dict,
        description="Issue values this actor expects if no deal is reached (default: status quo).",
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


# --------------------------------------------------------------------------- uncertainty
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


class _Dist(_Model):
    pass


class Normal(_Dist):
    dist: Literal["normal"]
    mean: Finite
    sd: NonNegative


class TruncNormal(_Dist):
    dist: Literal["truncnormal"]
    mean: Finite
    sd: NonNegative
    low: Finite
    high: Finite


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: Finite
    high: Finite


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite


class Beta(_Dist):
    dist: Literal["beta"]
    a: Positive
    b: Positive
    low: Finite = 0.0
    high: Finite = 1.0


class LogNormal(_Dist):
    dist: Literal["lognormal"]
    mu: Finite
    sigma: NonNegative


class Choice(_Dist):
    dist: Literal["choice"]
    values: tuple[Finite, ...] = Field(min_length=1)
    weights: tuple[NonNegative, ...] | None = None


DIST_PARAMS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "truncnormal": ("mean", "sd", "low", "high"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "beta": ("a", "b", "low", "high"),
    "lognormal": ("mu", "sigma"),
    "choice": ("values", "weights"),
}
_DIST_CLASSES = {
    "normal": Normal,
    "truncnormal": TruncNormal,
    "uniform": Uniform,
    "triangular": Triangular,
    "beta": Beta,
    "lognormal": LogNormal,
    "choice": Choice,
}
_CALL = re.compile(r"^\s*([a-z]+)\s*\((.*)\)\s*$", re.S)


def _parse_call(text: str) -> dict[str, Any]:
    """Parse ``normal(95, 5)`` or ``choice([1, 2], [0.5, 0.5])`` without evaluating code."""
    m = _CALL.match(text)
    if not m:
        raise PydanticCustomError(
            "distribution_syntax",
            "cannot read distribution {text}; write it as name(parameters), e.g. normal(95, 5)",
            {"text": repr(text)},
        )
    name, body = m.group(1), m.group(2).strip()
    if name not in DIST_PARAMS:
        raise PydanticCustomError(
            "distribution_name",
            "unknown distribution {name}; use one of {known}",
            {"name": repr(name), "known": ", ".join(DIST_PARAMS)},
        )
    if name == "choice":
        lists = re.findall(r"\[([^\[\]]*)\]", body)
        rest = re.sub(r"\[[^\[\]]*\]", "", body).replace(",", "").strip()
        if not 1 <= len(lists) <= 2 or rest:
            raise PydanticCustomError(
                "distribution_syntax",
                "cannot read {text}; write choice([v1, v2, ...]) or choice([v...], [w...])",
                {"text": repr(text)},
            )
        args: list[Any] = []
        for lst in lists:
            items = [s.strip() for s in lst.split(",") if s.strip()]
            if not all(re.fullmatch(_NUM, s) for s in items):
                raise PydanticCustomError(
                    "distribution_syntax",
                    "choice() takes lists of numbers; got {text}",
                    {"text": repr(text)},
                )
            args.append([float(s) for s in items])
        return {"dist": "choice", **dict(zip(("values", "weights"), args))}
    items = [s.strip() for s in body.split(",")] if body else []
    if not all(re.fullmatch(_NUM, s) for s in items):
        raise PydanticCustomError(
            "distribution_syntax",
            "distribution parameters must be plain numbers; got {text}",
            {"text": repr(text)},
        )
    params = DIST_PARAMS[name]
    required = 2 if name == "beta" else len(params)
    if not required <= len(items) <= len(params):
        want = ", ".join(params[:required])
        if required < len(params):
            want += "[, " + ", ".join(params[required:]) + "]"
        raise PydanticCustomError(
            "distribution_arity",
            "{name}() takes {want}; got {n} parameter(s) in {text}",
            {"name": name, "want": want, "n": len(items), "text": repr(text)},
        )
    return {"dist": name, **{p: float(v) for p, v in zip(params, items)}}


def _dist_tag(v: Any) -> str | None:
    if isinstance(v, str):
        m = _CALL.match(v)
        return m.group(1) if m and m.group(1) in DIST_PARAMS else "__invalid__"
    if isinstance(v, dict):
        d = v.get("dist")
        return d if d in DIST_PARAMS else "__invalid__"
    if isinstance(v, _Dist):
        return v.dist  # type: ignore[attr-defined]
    return "__invalid__"


class _BadDist(_Model):
    """Never validates: carries the clear error for an unreadable distribution."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):  # noqa: D105
        from pydantic_core import core_schema

        def fail(v: Any) -> Any:
            if isinstance(v, str):
                _parse_call(v)  # raises the specific syntax error
            if isinstance(v, dict) and "dist" in v:
                raise PydanticCustomError(
                    "distribution_name",
                    "unknown distribution {name}; use one of {known}",
                    {"name": repr(v["dist"]), "known": ", ".join(DIST_PARAMS)},
                )
            if isinstance(v, dict):
                raise PydanticCustomError(
                    "distribution_name",
                    "a distribution written as a mapping needs 'dist' (one of {known}); "
                    "got the keys {keys}",
                    {"known": ", ".join(DIST_PARAMS), "keys": ", ".join(map(str, v)) or "(none)"},
                )
            raise PydanticCustomError(
                "distribution_type",
                "a distribution is written as text, e.g. normal(95, 5), or as a mapping "
                "with 'dist'; got {got}",
                {"got": _show(v)},
            )

        return core_schema.no_info_plain_validator_function(fail)


def _before_dist(v: Any) -> Any:
    if isinstance(v, str) and _CALL.match(v):
        return _parse_call(v)
    return v


Distribution = Annotated[
    Union[
        Annotated[Normal, Tag("normal")],
        Annotated[TruncNormal, Tag("truncnormal")],
        Annotated[Uniform, Tag("uniform")],
        Annotated[Triangular, Tag("triangular")],
        Annotated[Beta, Tag("beta")],
        Annotated[LogNormal, Tag("lognormal")],
        Annotated[Choice, Tag("choice")],
        Annotated[_BadDist, Tag("__invalid__")],
    ],
    Discriminator(_dist_tag),
]


class UncertainParameter(_Model):
    """Long form of an uncertainty entry: a distribution plus its citation."""

    distribution: Annotated[Distribution, Field(description="e.g. normal(95, 5)")]
    sources: tuple[Id, ...] = ()
    note: Text | None = None

    @field_validator("distribution", mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        return _before_dist(v)


def _uncertainty_entry(v: Any) -> Any:
    if isinstance(v, dict) and "distribution" in v:
        return v
    return {"distribution": v}


from pydantic import BeforeValidator  # noqa: E402

UncertaintyEntry = Annotated[UncertainParameter, BeforeValidator(_uncertainty_entry)]


# --------------------------------------------------------------------------- questions
class DealArgs(_Model):
    table: Id
    by_month: NonNegative = Field(default=0.0, description="Months after as_of (0: now).")


class AcceptsArgs(_Model):
    actor: Id
    table: Id
    by_month: NonNegative = 0.0


class OutcomeArgs(_Model):
    issue: Id
    source: Id = Field(
        default="compromise",
        description="A forecast model name, or a table id for that table's bargaining deal.",
    )
    at_least: Finite | None = None
    at_most: Finite | None = None


class EquilibriumArgs(_Model):
    state: Text
    concept: Literal["nash", "gmr", "smr", "seq"] = "gmr"


class DealPred(_Model):
    deal: DealArgs = Field(description="A zone of agreement exists at the table by the month.")


class HoldsPred(_Model):
    holds: DealArgs = Field(description="The table's deal is accepted by every veto player.")


class AcceptsPred(_Model):
    accepts: AcceptsArgs = Field(description="The actor accepts the table's deal.")


class OutcomePred(_Model):
    outcome: OutcomeArgs = Field(description="An issue's outcome lies within bounds.")


class EquilibriumPred(_Model):
    equilibrium: EquilibriumArgs = Field(description="A conflict state is an equilibrium.")


class AllPred(_Model):
    all: tuple[Predicate, ...] = Field(min_length=1)


class AnyPred(_Model):
    any: tuple[Predicate, ...] = Field(min_length=1)


class NotPred(_Model):
    not_: Predicate = Field(alias="not")
    model_config = ConfigDict(populate_by_name=False)


PREDICATE_KINDS = ("deal", "holds", "accepts", "outcome", "equilibrium", "all", "any", "not")


def _pred_tag(v: Any) -> str:
    if isinstance(v, dict) and len(v) == 1:
        (k,) = v
        if k in PREDICATE_KINDS:
            return k
    if isinstance(v, BaseModel):
        return {
            DealPred: "deal",
            HoldsPred: "holds",
            AcceptsPred: "accepts",
            OutcomePred: "outcome",
            EquilibriumPred: "equilibrium",
            AllPred: "all",
            AnyPred: "any",
            NotPred: "not",
        }.get(type(v), "__invalid__")
    return "__invalid__"


class _BadPred(_Model):
    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):  # noqa: D105
        from pydantic_core import core_schema

        def fail(v: Any) -> Any:
            kinds = ", ".join(PREDICATE_KINDS)
            if isinstance(v, dict) and len(v) == 1:
                (name,) = v
                raise PydanticCustomError(
                    "predicate_kind", "unknown condition {name}; use one of {kinds}",
                    {"name": repr(name), "kinds": kinds},
                )
            if isinstance(v, dict) and v:
                raise PydanticCustomError(
                    "predicate_keys",
                    "a condition has exactly one of {kinds}; got {n} keys: {keys}",
                    {"kinds": kinds, "n": len(v), "keys": ", ".join(map(repr, v))},
                )
            raise PydanticCustomError(
                "predicate_type",
                "a condition is a mapping with one key, e.g. {deal: {table: T}}; got {got}",
                {"got": "an empty mapping" if v == {} else _show(v)},
            )

        return core_schema.no_info_plain_validator_function(fail)


Predicate = Annotated[
    Union[
        Annotated[DealPred, Tag("deal")],
        Annotated[HoldsPred, Tag("holds")],
        Annotated[AcceptsPred, Tag("accepts")],
        Annotated[OutcomePred, Tag("outcome")],
        Annotated[EquilibriumPred, Tag("equilibrium")],
        Annotated[AllPred, Tag("all")],
        Annotated[AnyPred, Tag("any")],
        Annotated[NotPred, Tag("not")],
        Annotated[_BadPred, Tag("__invalid__")],
    ],
    Discriminator(_pred_tag),
]


class Resolution(_Model):
    outcome: Annotated[bool, Field(strict=True)] = Field(description="How the question resolved (true/false).")
    date: _dt.date | None = None
    sources: tuple[Id, ...] = ()
    note: Text | None = None


class Question(_Model):
    id: Id
    text: Text = Field(description="The question in words, as a forecaster would ask it.")
    when: Predicate = Field(description="The declarative condition that makes the answer 'yes'.")
    resolution: Resolution | None = None
    sources: tuple[Id, ...] = ()
    note: Text | None = None


AllPred.model_rebuild()
AnyPred.model_rebuild()
NotPred.model_rebuild()


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
    uncertainty: dict[str, UncertaintyEntry] = Field(
        default_factory=dict,
        description="Distributions by parameter path, e.g. stances.ru.territory.position.",
    )
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
