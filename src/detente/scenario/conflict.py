"""The scenario's optional ``conflict`` section: the option-based view for stability analysis.

Decision makers (actor ids) own binary options; some combinations are infeasible; each decision
maker's preference is a list of prioritised option statements (most important first) or an
explicit ranking of states; the status quo says which options are taken today.

This module holds the section's schema and how its states are named. Statements and
infeasibility rules are read by a tiny grammar — never evaluated as code — in
:mod:`.statements`; the section's cross-reference checks are :mod:`.conflict_checks`.

>>> describe_state(("cease_fire", "keep_aid", "sign_deal"), "YNY")
'cease_fire, sign_deal'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, StrictBool

from .types import Cited, Id, Text

__all__ = [
    "MAX_OPTIONS",
    "Conflict",
    "ConflictDM",
    "ConflictOption",
    "describe_state",
    "state_vector",
]

MAX_OPTIONS = 24
"""The most options a conflict may have: every one of the 2^k option vectors is a state (the
stability engine's own limit, ``detente.stability.model.MAX_OPTIONS``; a test keeps them equal)."""


# --------------------------------------------------------------------------- schema
class ConflictOption(Cited):
    id: Id
    dm: Id = Field(description="The decision maker (actor id) who controls this option.")
    name: Text | None = Field(default=None, description="The option in words.")
    reversible: StrictBool = Field(
        default=True, description="Can be taken and dropped freely (the default).")
    irreversible: Literal["forward", "backward"] | None = Field(
        default=None,
        description="'forward': once taken it cannot be dropped; 'backward': once dropped it "
                    "cannot be taken again. Implies reversible: false.")

    @property
    def reversibility(self) -> Literal["both", "fwd", "back"]:
        if self.irreversible == "backward":
            return "back"
        if self.irreversible == "forward" or not self.reversible:
            return "fwd"
        return "both"


class ConflictDM(Cited):
    actor: Id = Field(description="An actor id.")
    preferences: tuple[Text, ...] | None = Field(
        default=None,
        description="Prioritised option statements, most important first, e.g. 'cease_fire', "
                    "'-keep_aid', 'sign_deal if cease_fire'.")
    ranking: tuple[tuple[Text, ...], ...] | None = Field(
        default=None,
        description="Explicit ranking: groups of equally preferred states (option vectors such "
                    "as 'YNNY'), most preferred group first; every feasible state once.")


class Conflict(Cited):
    """The option-based view of the negotiation (Graph Model for Conflict Resolution)."""

    decision_makers: tuple[ConflictDM, ...] = Field(min_length=2)
    options: tuple[ConflictOption, ...] = Field(min_length=1)
    infeasible: tuple[Text, ...] = Field(
        default=(), description="Rules naming impossible combinations, e.g. 'accept and fight'.")
    status_quo: dict[Id, StrictBool] = Field(
        description="Which options are taken today: option id → true/false, every option.")

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def status_quo_vector(self) -> str:
        return "".join("Y" if self.status_quo.get(o) else "N" for o in self.option_ids())


# --------------------------------------------------------------------------- states
def state_vector(section: Conflict, state: str | dict[str, bool]) -> str:
    """A state named by an option vector or an option → true/false mapping, as a vector."""
    if isinstance(state, str):
        return state.upper()
    return "".join("Y" if state.get(o) else "N" for o in section.option_ids())


def describe_state(option_ids: Sequence[str], vector: str) -> str:
    """The options taken in a state, in words."""
    taken = [o for o, c in zip(option_ids, vector) if c in "Yy"]
    return ", ".join(taken) if taken else "no option taken"
