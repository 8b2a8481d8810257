"""The ``process`` section: how a negotiation unfolds month by month.

The bargaining section of a scenario says which deals *could* exist; this section says how
the parties get (or fail to get) there: how fast their beliefs about the no-deal path
converge, how often the talks meet and who proposes, the reference-class pace and lapse
rates, guarantees against reneging, partial agreements and unilateral moves. Every field is
optional; the defaults are documented in docs/explanation/process.md and said in every
output that uses them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .types import Cited, Finite, Id, NonNegative, Positive, Text, _in_range

__all__ = [
    "DEFAULT_CHOICE_NOISE",
    "DEFAULT_PACE",
    "DEFAULT_PACE_DISPERSION",
    "BaseRate",
    "Beliefs",
    "Commitment",
    "Partial",
    "Process",
    "TableProcess",
    "Unilateral",
]

Probability = Annotated[
    Finite, AfterValidator(_in_range(0.0, 1.0)),
    Field(json_schema_extra={"minimum": 0, "maximum": 1}),
]

DEFAULT_PACE = 0.2
"""The monthly chance that a round of talks reaches a decision when a scenario declares no
``base_rate``: an uninformed assumption (about one decisive round every five months), said
as such in every output. Declare a reference-class rate instead."""

DEFAULT_CHOICE_NOISE = 0.3
"""The precision of unilateral choices when a scenario declares no ``choice_noise``: the
logit quantal response's λ (utility units) fitted on the backtest archive's dev half: the
smallest λ of 0, 0.1, 0.3, 1 within 0.002 of the best dev Brier (0.388 with best responses,
0.365 at 0.1, 0.363 at 0.3, 0.362 at 1; 400 draws, seed 1; docs/explanation/process.md). Said
as an assumption in every output."""


DEFAULT_PACE_DISPERSION = 1.0
"""How far one negotiation's pace strays from its reference class's when a scenario declares
no ``pace_dispersion``: the variance of a gamma frailty of mean 1 on the monthly hazard of a
decisive round (unobserved heterogeneity; Vaupel, Manton & Stallard 1979), fitted on the
backtest archive's dev half: the smallest of 0, 0.5, 1, 2, 4 within 0.002 of the best dev
Brier (0.3626, 0.3558, 0.3539, 0.3536, 0.3558; 400 draws, seed 1;
docs/explanation/process.md).
Said as an assumption in every output."""


class Beliefs(Cited):
    half_life: Positive | None = Field(
        default=None,
        description="Months for the gap between each actor's expected no-deal outcome and the "
                    "status quo to halve, as fighting and talks reveal information (principle "
                    "of convergence). Omit: beliefs do not converge.")


class BaseRate(Cited):
    reference: Text | None = Field(
        default=None, description="The reference class in words, e.g. 'interstate wars "
                                  "1946–1994 with talks under way'.")
    pace: Probability = Field(
        description="Monthly chance that a round of talks reaches a decision (a proposal put "
                    "and answered) in the reference class.")
    lapse: Probability = Field(
        default=0.0,
        description="Monthly chance that a concluded comprehensive agreement lapses (renewed "
                    "fighting, withdrawal) for reasons outside the model.")


class Commitment(Cited):
    window: NonNegative = Field(
        default=12.0,
        description="Months ahead a member looks when asking whether it would gain by "
                    "reneging as power shifts.")
    penalty: dict[Id, NonNegative] = Field(
        default_factory=dict,
        description="Per actor, what reneging would cost it beyond its no-deal value "
                    "(guarantees, monitoring, peacekeepers), in utility units.")


class TableProcess(Cited):
    start: NonNegative = Field(default=0.0, description="Month the talks at this table begin.")
    chance: Probability = Field(
        default=1.0, description="Monthly chance that the talks meet, once begun.")
    recognition: dict[Id, Positive] | Literal["alternating"] | None = Field(
        default=None,
        description="Who proposes: weights per member (normalised to probabilities; Baron & "
                    "Ferejohn 1989), or 'alternating' (two members; Rubinstein 1982). "
                    "Default: capability shares.")


class Partial(Cited):
    id: Id
    name: Text | None = None
    table: Id
    issues: tuple[Id, ...] = Field(
        min_length=1, description="The issues this sub-package settles. The others stay "
                                  "open: members and veto players judge it on these issues "
                                  "only (an actor with an explicit no-deal value: on the "
                                  "package as it stands).")
    chance: Probability = Field(
        description="Monthly chance that the partial agreement is on the agenda while the "
                    "talks meet and no comprehensive deal is in force.")
    duration: Positive | None = Field(
        default=None, description="Months it is agreed for (it then expires). Omit: open-ended.")
    lapse: Probability = Field(
        default=0.0, description="Monthly chance that it lapses before it expires.")


class Unilateral(Cited):
    actor: Id
    issue: Id
    range: tuple[Finite, Finite] = Field(
        description="[lo, hi] on the issue's scale: how far the actor can move the issue alone.")
    step: Positive = Field(
        description="How far it can move the issue in one month (issue units).")
    option: Id | None = Field(
        default=None,
        description="The option of the `conflict` section that is this move, if any.")


class Process(Cited):
    horizon: Annotated[int, Field(strict=True, ge=1, le=240)] | None = Field(
        default=None,
        description="Months simulated. Default: the latest month a question asks about, at "
                    "least 12.")
    beliefs: Beliefs = Field(default_factory=Beliefs)
    breakdown: Probability = Field(
        default=0.0,
        description="Chance that a rejected proposal ends the talks at the table for good "
                    "(the risk of breakdown; Binmore, Rubinstein & Wolinsky 1986). It is also "
                    "what makes waiting costly: each member's discount factor per round is "
                    "(1 − breakdown) × its `discount`.")
    discount: dict[Id, Annotated[Finite, AfterValidator(_in_range(0.0, 1.0))]] = Field(
        default_factory=dict,
        description="Per actor, the monthly discount factor (patience); default 1.")
    tables: dict[Id, TableProcess] = Field(default_factory=dict)
    base_rate: BaseRate | None = None
    commitment: Commitment = Field(default_factory=Commitment)
    partials: tuple[Partial, ...] = ()
    unilateral: tuple[Unilateral, ...] = ()
    choice_noise: NonNegative | None = Field(
        default=None,
        description="How noisily an actor picks its unilateral move (logit quantal response, "
                    "McKelvey & Palfrey 1995): the chance of each candidate value grows as "
                    "exp(its utility / this), in utility units. 0: always the best response. "
                    "Default: 0.3, fitted on the backtest archive's dev half.")
    pace_dispersion: NonNegative | None = Field(
        default=None,
        description="How far this negotiation's pace may stray from the reference class's: "
                    "the variance of a factor of mean 1 (a gamma frailty), drawn once per "
                    "table and draw, on the monthly hazard that a round reaches a decision. "
                    "0: every draw keeps the declared pace. Default: 1, fitted on the "
                    "backtest archive's dev half.")
    terms_point: Literal["compromise", "package"] = Field(
        default="compromise",
        description="Around which point a concluded agreement's terms are read: 'compromise' "
                    "(the members' positions weighted by capability × salience, on the issues "
                    "it settles: the model whose error `terms_error` is) or 'package' (the "
                    "proposer's package the process model concluded).")
    terms_error: NonNegative | None = Field(
        default=None,
        description="The model error of a deal's terms: the standard deviation of a term "
                    "around the model's package, as a share of the spread of the positions on "
                    "the issue. Default: 0.308, the compromise model's error on DEU III "
                    "(mean absolute error 24.55 of 100). 0: read the model's point.")
