"""The explanation records of the dynamic models (draw 0), one typed row per step.

They are plain dicts at run time (so JSON and the report read them unchanged) with a declared
shape per model, so editors and type checkers know their keys. Indices count from 0 in the
scenario's order of actors and issues; positions are in normalised units.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["EUMMove", "ExchangeStep", "SMPChoice", "TrailRow"]

# the EUM row has a key named "from" (a keyword): the functional syntax declares it
EUMMove = TypedDict("EUMMove", {
    "round": int,  # the round (1 = the first)
    "issue": int,
    "actor": int,  # the actor that moved …
    "target": int,  # … and the actor whose offer it took
    "kind": str,  # "compromise", "capitulation", "conflict" … (KIND_NAMES)
    "eu_actor": float,  # expected utilities of the exchange, each side's view
    "eu_target": float,
    "from": float,  # the mover's position before and after
    "moves_to": float,
    "risk_target": float,  # the target's risk exponent
})
"""One actor's move in one round of the expected-utility model (Bueno de Mesquita)."""


class ExchangeStep(TypedDict):
    """One executed vote exchange of the exchange model (Stokman & Van Oosten)."""

    round: int  # the round (1 = the first)
    actor: int
    partner: int
    issue_gives: int  # the issue on which the actor moves toward its partner
    issue_gets: int  # the issue on which the partner moves toward the actor
    moves_to: float
    partner_moves_to: float
    gain: float


class SMPChoice(TypedDict):
    """One actor's choice in one turn of the spatial model of politics (KTAB's SMP)."""

    turn: int
    actor: int
    target: int | None  # the actor challenged (None: no valid challenge)
    expected_gain: float | None
    prob_win: float | None
    adopted: str  # "status quo" or "bargain i->j"
    position: list[float]  # the actor's position on every issue after the turn


TrailRow = EUMMove | ExchangeStep | SMPChoice
"""A row of :attr:`detente.forecast.registry.ForecastResult.trail`."""
