"""Forecast questions: declarative conditions over results (never evaluated as code)."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

from .types import Finite, Id, NonNegative, Text, _Model, _show, tagged_union

# --------------------------------------------------------------------------- questions
class DealArgs(_Model):
    table: Id
    by_month: NonNegative = Field(default=0.0, description="Months after as_of (0: now).")


class Terms(_Model):
    at_least: Finite | None = None
    at_most: Finite | None = None


class ConcludedArgs(_Model):
    table: Id
    by_month: NonNegative = Field(default=0.0, description="Months after as_of (0: now).")
    partial: Id | None = Field(
        default=None, description="A partial agreement of `process.partials` (default: the "
                                  "comprehensive deal).")
    terms: dict[Id, Terms] = Field(
        default_factory=dict,
        description="Bounds on the concluded package per issue, e.g. "
                    "{sanctions_relief: {at_least: 50}} (the first package concluded).")


class InForceArgs(_Model):
    table: Id
    at_month: NonNegative = Field(description="Months after as_of.")
    partial: Id | None = None


class LapsedArgs(_Model):
    table: Id
    by_month: NonNegative = 0.0
    partial: Id | None = None


class UnilateralArgs(_Model):
    actor: Id
    issue: Id
    by_month: NonNegative = 0.0
    at_least: Finite | None = None
    at_most: Finite | None = None


class TalksArgs(_Model):
    table: Id
    by_month: NonNegative = 0.0


class AcceptsArgs(_Model):
    actor: Id
    table: Id
    by_month: NonNegative = 0.0


ENSEMBLE = "ensemble"
"""The `outcome.source` that reads the ensemble forecast: the mean of the forecast models."""


class OutcomeArgs(_Model):
    issue: Id
    source: Id = Field(
        default="compromise",
        description="A forecast model name, `ensemble` (the models' mean), or a table id for "
                    "that table's bargaining deal.",
    )
    at_least: Finite | None = None
    at_most: Finite | None = None


class EquilibriumArgs(_Model):
    state: Text | dict[Id, Annotated[bool, Field(strict=True)]] = Field(
        description="A state of the scenario's `conflict`: an option vector such as 'YNNY' "
                    "(options in the section's order) or a mapping option id → true/false.")
    concept: Literal["nash", "gmr", "smr", "seq"] = "gmr"


class ZonePred(_Model):
    zone: DealArgs = Field(description="A zone of agreement exists at the table by the month "
                                       "(every member's own beliefs leave room).")


class ConcludedPred(_Model):
    concluded: ConcludedArgs = Field(description="A deal is concluded at the table by the month.")


class InForcePred(_Model):
    in_force: InForceArgs = Field(description="A concluded deal is in force at the month.")


class LapsedPred(_Model):
    lapsed: LapsedArgs = Field(description="A concluded deal has lapsed by the month.")


class UnilateralPred(_Model):
    unilateral: UnilateralArgs = Field(
        description="An actor's unilateral move has taken the issue within bounds by the month.")


class TalksPred(_Model):
    talks: TalksArgs = Field(description="The talks at the table have met by the month.")


class CrediblePred(_Model):
    credible: DealArgs = Field(
        description="By the month, the table's deal is one no member would renege on.")


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


PREDICATE_KINDS = ("zone", "concluded", "in_force", "lapsed", "unilateral", "talks", "credible",
                   "holds", "accepts", "outcome", "equilibrium", "all", "any", "not")


def _pred_tag(v: Any) -> str:
    if isinstance(v, dict) and len(v) == 1:
        (k,) = v
        if k in PREDICATE_KINDS:
            return k
    if isinstance(v, BaseModel):
        return {
            ZonePred: "zone",
            ConcludedPred: "concluded",
            InForcePred: "in_force",
            LapsedPred: "lapsed",
            UnilateralPred: "unilateral",
            TalksPred: "talks",
            CrediblePred: "credible",
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
                if name == "deal":
                    raise PydanticCustomError(
                        "predicate_renamed",
                        "the condition 'deal' is now 'zone' (a zone of agreement exists); for a "
                        "deal actually concluded use 'concluded' (process model)", {})
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
                "a condition is a mapping with one key, e.g. {zone: {table: T}}; got {got}",
                {"got": "an empty mapping" if v == {} else _show(v)},
            )

        return core_schema.no_info_plain_validator_function(fail)


Predicate = tagged_union(
    {"zone": ZonePred, "concluded": ConcludedPred, "in_force": InForcePred,
     "lapsed": LapsedPred, "unilateral": UnilateralPred, "talks": TalksPred,
     "credible": CrediblePred, "holds": HoldsPred, "accepts": AcceptsPred, "outcome": OutcomePred,
     "equilibrium": EquilibriumPred, "all": AllPred, "any": AnyPred, "not": NotPred},
    _BadPred, _pred_tag,
)


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

