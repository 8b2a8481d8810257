"""Conditions on states: the option patterns that preferences, infeasibility rules and
misperceptions are written in.

A condition is a literal (:class:`Lit`, one option taken or not), a conjunction (:class:`All`), a
disjunction (:class:`AnyOf`) or a negation (:class:`Not`); each evaluates on an array of state
bitmasks at once (bit ``i`` set when option ``i`` is taken), moves with a permutation of the
options (``remap``) and turns back into plain data (``to_data``). :func:`parse_condition` reads
the plain forms: pattern strings such as ``"-NY-"``, ``{"any_of"|"all_of"|"not": ...}``, and
GMCR+'s lists of ``[option, "Y"|"N"]`` pairs and compound groups.

>>> parse_condition("Y-N", 3).evaluate(np.arange(8)).tolist()   # option 0 taken, option 2 not
[False, True, False, True, False, False, False, False]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["All", "AnyOf", "Condition", "Lit", "Not", "parse_condition"]


@dataclass(frozen=True)
class Lit:
    """Option ``option`` is taken (``value=True``) or not taken (``value=False``)."""

    option: int
    value: bool

    def evaluate(self, states: np.ndarray) -> np.ndarray:
        return ((states >> self.option) & 1).astype(bool) == self.value

    def remap(self, perm: Sequence[int]) -> Lit:
        return Lit(perm[self.option], self.value)

    def to_data(self) -> Any:
        return [self.option, "Y" if self.value else "N"]


@dataclass(frozen=True)
class All:
    """Every term holds (an empty conjunction always holds)."""

    terms: tuple[Condition, ...]

    def evaluate(self, states: np.ndarray) -> np.ndarray:
        out = np.ones(states.shape, dtype=bool)
        for t in self.terms:
            out &= t.evaluate(states)
        return out

    def remap(self, perm: Sequence[int]) -> All:
        return All(tuple(t.remap(perm) for t in self.terms))

    def to_data(self) -> Any:
        return {"all_of": [t.to_data() for t in self.terms]}


@dataclass(frozen=True)
class AnyOf:
    """Some term holds (an empty disjunction never holds)."""

    terms: tuple[Condition, ...]

    def evaluate(self, states: np.ndarray) -> np.ndarray:
        out = np.zeros(states.shape, dtype=bool)
        for t in self.terms:
            out |= t.evaluate(states)
        return out

    def remap(self, perm: Sequence[int]) -> AnyOf:
        return AnyOf(tuple(t.remap(perm) for t in self.terms))

    def to_data(self) -> Any:
        return {"any_of": [t.to_data() for t in self.terms]}


@dataclass(frozen=True)
class Not:
    """The term does not hold."""

    term: Condition

    def evaluate(self, states: np.ndarray) -> np.ndarray:
        return ~self.term.evaluate(states)

    def remap(self, perm: Sequence[int]) -> Not:
        return Not(self.term.remap(perm))

    def to_data(self) -> Any:
        return {"not": self.term.to_data()}


Condition = Lit | All | AnyOf | Not


def _option_index(ref: Any, names: Sequence[str] | None, n: int) -> int:
    if isinstance(ref, bool):
        raise TypeError(f"option reference must be an index or a name; got {ref!r}")
    if isinstance(ref, (int, np.integer)):
        idx = int(ref)
    elif isinstance(ref, str) and names is not None and names.count(ref) == 1:
        idx = names.index(ref)
    else:
        raise ValueError(f"unknown or ambiguous option {ref!r}")
    if not 0 <= idx < n:
        raise ValueError(f"option index {idx} out of range 0..{n - 1}")
    return idx


def _yn(v: Any) -> bool:
    if v in ("Y", "y", True):
        return True
    if v in ("N", "n", False):
        return False
    raise ValueError(f"option value must be 'Y' or 'N'; got {v!r}")


def parse_condition(data: Any, n_options: int, option_names: Sequence[str] | None = None
                    ) -> Condition:
    """A condition from plain data.

    Accepted forms: a pattern string over ``Y``/``N``/``-`` of length ``n_options``
    (``'-'`` = either; the conjunction of its literals); ``{"any_of": [...]}``,
    ``{"all_of": [...]}``, ``{"not": ...}``; GMCR+ forms: a list of ``[option, "Y"|"N"]``
    pairs (conjunction; option by index or unique name) and
    ``{"compound": true, "members": [...]}`` (disjunction).

    >>> parse_condition("-NY-", 4)
    All(terms=(Lit(option=1, value=False), Lit(option=2, value=True)))
    >>> parse_condition({"compound": True, "members": [[[0, "Y"]], [[3, "N"]]]}, 4).to_data()
    {'any_of': [{'all_of': [[0, 'Y']]}, {'all_of': [[3, 'N']]}]}
    """
    if isinstance(data, (Lit, All, AnyOf, Not)):
        return data
    if isinstance(data, str):
        if len(data) != n_options or set(data) - set("YNyn-"):
            raise ValueError(f"pattern {data!r} must be {n_options} characters of Y, N or -")
        return All(tuple(Lit(i, ch in "Yy") for i, ch in enumerate(data) if ch != "-"))
    if isinstance(data, Mapping):
        keys = set(data) - {"compound"}
        if keys == {"any_of"} or keys == {"members"}:
            members = data["any_of"] if "any_of" in data else data["members"]
            return AnyOf(tuple(parse_condition(m, n_options, option_names) for m in members))
        if keys == {"all_of"}:
            return All(tuple(parse_condition(m, n_options, option_names)
                             for m in data["all_of"]))
        if keys == {"not"}:
            return Not(parse_condition(data["not"], n_options, option_names))
        raise ValueError(f"cannot read condition {dict(data)!r}")
    if isinstance(data, Sequence):
        if (len(data) == 2 and not isinstance(data[0], (list, tuple, Mapping))
                and isinstance(data[1], (str, bool))):  # a single [option, "Y"] literal
            return Lit(_option_index(data[0], option_names, n_options), _yn(data[1]))
        return All(tuple(parse_condition(m, n_options, option_names) for m in data))
    raise ValueError(f"cannot read condition {data!r}")

