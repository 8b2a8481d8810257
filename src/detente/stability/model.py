"""The :class:`Conflict` record of the Graph Model for Conflict Resolution (GMCR).

A conflict is a set of decision makers (DMs), binary options each owned by one DM, infeasible
patterns, and one preference per DM. A *state* is an integer bitmask of option values: bit ``i``
is set when option ``i`` is taken (option 0 is the least significant bit). Its name is the option
vector, e.g. ``"YNNY"``, character ``i`` for option ``i``.

A DM may be blind to some states (GMCR+'s misperceptions, a light hypergame:
:attr:`Conflict.misperceptions`): it then has no move from or to them.

Patterns over options (preference statements, infeasibility rules, misperceptions) are
:mod:`~detente.stability.conditions`.

Preferences come either as prioritised option statements (option prioritisation, most important
first; GMCR+ and the published cases use it) or as an explicit ranking or payoff per state.
With ``L`` statements a state scores ``Σ_j 2^(L-1-j)·[statement j holds]`` (``j`` 0-based); a
higher score is more preferred and equal scores tie. detente ranks the statements' truth vectors
lexicographically, which orders states exactly as that score does without overflowing for long
lists.

>>> c = Conflict.from_dict({
...     "options": [{"name": "Cooperate", "owner": "A"}, {"name": "Cooperate", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> c.state_names
('NN', 'YN', 'NY', 'YY')
>>> c.payoffs.tolist()   # dense ranks, higher is better
[[1, 0, 3, 2], [1, 3, 0, 2]]
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .conditions import Condition, parse_condition

__all__ = [
    "MAX_OPTIONS",
    "REVERSIBILITY",
    "Conflict",
    "Option",
    "Preference",
    "dense_rank",
    "parse_state",
    "permute_bits",
]

MAX_OPTIONS = 24
"""States are enumerated over all 2^k option vectors; beyond this that is too large."""

REVERSIBILITY = ("both", "fwd", "back")
"""'both': either direction; 'fwd': only N→Y (cannot be withdrawn); 'back': only Y→N."""


def parse_state(ref: Any, n_options: int) -> int:
    """A state's bitmask from a vector string (``"YNNY"``) or an integer bitmask."""
    if isinstance(ref, str):
        if len(ref) != n_options or set(ref) - set("YNyn"):
            raise ValueError(f"state {ref!r} must be {n_options} characters of Y or N")
        return sum(1 << i for i, ch in enumerate(ref) if ch in "Yy")
    if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        if not 0 <= int(ref) < (1 << n_options):
            raise ValueError(f"state {ref} out of range for {n_options} options")
        return int(ref)
    raise ValueError(f"a state is an option vector like 'YNNY' or an integer; got {ref!r}")


def dense_rank(keys: np.ndarray) -> np.ndarray:
    """Dense ranks (0 = least) of the rows of ``keys`` (n, L), compared lexicographically,
    column 0 most significant; a 1-D ``keys`` is ranked by value.

    >>> dense_rank(np.array([[1, 0], [0, 1], [1, 0], [0, 0]], dtype=bool)).tolist()
    [2, 1, 2, 0]
    """
    keys = np.asarray(keys)
    if keys.ndim == 1:
        keys = keys[:, None]
    n, L = keys.shape
    if n == 0 or L == 0:
        return np.zeros(n, dtype=np.int64)
    order = np.lexsort(keys.T[::-1])
    s = keys[order]
    new = np.any(s[1:] != s[:-1], axis=1)
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.concatenate(([0], np.cumsum(new)))
    return ranks


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Option:
    """One binary option, owned by one DM."""

    name: str
    owner: str
    reversibility: Literal["both", "fwd", "back"] = "both"


@dataclass(frozen=True)
class Preference:
    """One DM's preference: prioritised statements (most important first), or an explicit
    value per feasible state (``payoffs``: pairs of state bitmask and value; higher is better;
    every feasible state exactly once)."""

    statements: tuple[Condition, ...] | None = None
    payoffs: tuple[tuple[int, float], ...] | None = None
    strong: tuple[tuple[Condition, Condition], ...] = ()
    """Strength of preference (Hamouda, Kilgour & Hipel 2004), optional: pairs ``(better,
    worse)`` of conditions. The DM *strongly* prefers ``s`` to ``t`` (``s ≫ t``) when ``s``
    matches ``better``, ``t`` matches ``worse`` and it prefers ``s`` to ``t`` at all; every other
    strict preference is mild. Used only by :mod:`detente.stability.strength`."""

    def __post_init__(self) -> None:
        if (self.statements is None) == (self.payoffs is None):
            raise ValueError("a preference has either statements or payoffs, not both or neither")

    def to_data(self) -> dict[str, Any]:
        extra = {"strong": [[b.to_data(), w.to_data()] for b, w in self.strong]} \
            if self.strong else {}
        if self.statements is not None:
            return {"priorities": [s.to_data() for s in self.statements], **extra}
        return {"payoffs": [[s, v] for s, v in self.payoffs], **extra}  # type: ignore[union-attr]


@dataclass(frozen=True)
class Conflict:
    """A graph-model conflict: DMs, options, infeasible patterns and preferences.

    Derived views (computed once, read-only arrays): :attr:`feasible` (sorted bitmasks),
    :attr:`payoffs` (n_dms, n_states) dense ranks, :attr:`state_names`, per-DM option masks.
    """

    decision_makers: tuple[str, ...]
    options: tuple[Option, ...]
    preferences: tuple[Preference, ...]
    infeasible: tuple[Condition, ...] = ()
    name: str = ""
    misperceptions: tuple[tuple[Condition, ...], ...] = ()
    """Per DM (in DM order; ``()`` for none at all): conditions naming the feasible states the DM
    does not perceive (GMCR+'s misperceptions, a light hypergame). A DM cannot move from or to a
    state it does not perceive; everything else about the state is unchanged."""
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dms = self.decision_makers
        if len(set(dms)) != len(dms) or not dms:
            raise ValueError(f"decision makers must be non-empty and distinct; got {dms!r}")
        if len(self.preferences) != len(dms):
            raise ValueError(f"{len(dms)} decision makers but {len(self.preferences)} preferences")
        if self.misperceptions and len(self.misperceptions) != len(dms):
            raise ValueError(f"{len(dms)} decision makers but {len(self.misperceptions)} "
                             "misperception lists")
        if len(self.options) > MAX_OPTIONS:
            raise ValueError(f"at most {MAX_OPTIONS} options; got {len(self.options)}")
        for i, o in enumerate(self.options):
            if o.owner not in dms:
                raise ValueError(f"option {i} ({o.name!r}): unknown owner {o.owner!r}")
            if o.reversibility not in REVERSIBILITY:
                raise ValueError(f"option {i} ({o.name!r}): reversibility must be one of "
                                 f"{REVERSIBILITY}; got {o.reversibility!r}")

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conflict:
        """Build from plain data::

            {"name": ..., "options": [{"name", "owner", "reversibility"?}, ...],
             "decision_makers": [{"name", and one of
                 "priorities": [condition, ...]          # most important first
                 "ranking": [[state, ...], ...]          # most preferred group first
                 "payoffs": {state: value} or [[state, value], ...],
                 "strong"?: [[better, worse], ...],      # strength of preference
                 "misperceives"?: [condition, ...]}],    # states the DM does not perceive
             "infeasible": [condition, ...]}

        Conditions as in :func:`parse_condition`; states as in :func:`parse_state`.
        """
        opts = tuple(Option(o["name"], o["owner"], o.get("reversibility", "both"))
                     for o in data["options"])
        n = len(opts)
        names = [o.name for o in opts]
        dms, prefs, misp = [], [], []
        for d in data["decision_makers"]:
            dms.append(d["name"])
            misp.append(tuple(parse_condition(c, n, names) for c in d.get("misperceives", ())))
            given = [k for k in ("priorities", "ranking", "payoffs") if k in d]
            if len(given) != 1:
                raise ValueError(f"decision maker {d['name']!r}: give exactly one of "
                                 f"'priorities', 'ranking', 'payoffs'")
            strong = []
            for k, pair in enumerate(d.get("strong", ())):
                if isinstance(pair, (str, Mapping)) or len(pair) != 2:
                    raise ValueError(f"decision maker {d['name']!r}: strong pair {k} must be "
                                     f"[better, worse]; got {pair!r}")
                strong.append(tuple(parse_condition(c, n, names) for c in pair))
            if "priorities" in d:
                prefs.append(Preference(statements=tuple(
                    parse_condition(s, n, names) for s in d["priorities"]), strong=tuple(strong)))
            elif "ranking" in d:
                groups = d["ranking"]
                pay = [(parse_state(s, n), float(len(groups) - g))
                       for g, grp in enumerate(groups) for s in grp]
                prefs.append(Preference(payoffs=tuple(pay), strong=tuple(strong)))
            else:
                items = d["payoffs"].items() if isinstance(d["payoffs"], Mapping) else d["payoffs"]
                prefs.append(Preference(payoffs=tuple((parse_state(s, n), float(v))
                                                      for s, v in items), strong=tuple(strong)))
        infeas = tuple(parse_condition(c, n, names) for c in data.get("infeasible", ()))
        return cls(tuple(dms), opts, tuple(prefs), infeas, data.get("name", ""),
                   tuple(misp) if any(misp) else ())

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back (states as bitmasks)."""
        return {
            "name": self.name,
            "options": [{"name": o.name, "owner": o.owner, "reversibility": o.reversibility}
                        for o in self.options],
            "decision_makers": [{"name": d, **p.to_data(), **(
                {"misperceives": [c.to_data() for c in self.misperceptions[i]]}
                if self.misperceptions and self.misperceptions[i] else {})}
                for i, (d, p) in enumerate(zip(self.decision_makers, self.preferences))],
            "infeasible": [c.to_data() for c in self.infeasible],
        }

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical plain data (computed once)."""
        def build() -> str:
            canon = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
            return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()
        return self._cached("fingerprint", build)

    def permute_options(self, perm: Sequence[int]) -> Conflict:
        """The same conflict with option ``i`` moved to position ``perm[i]``."""
        k = len(self.options)
        if sorted(perm) != list(range(k)):
            raise ValueError(f"not a permutation of 0..{k - 1}: {perm!r}")
        opts = [None] * k
        for i, o in enumerate(self.options):
            opts[perm[i]] = o
        prefs = []
        for p in self.preferences:
            strong = tuple((b.remap(perm), w.remap(perm)) for b, w in p.strong)
            if p.statements is not None:
                prefs.append(Preference(statements=tuple(s.remap(perm) for s in p.statements),
                                        strong=strong))
            else:
                prefs.append(Preference(payoffs=tuple(
                    (permute_bits(s, perm), v) for s, v in p.payoffs),  # type: ignore[union-attr]
                    strong=strong))
        return Conflict(self.decision_makers, tuple(opts), tuple(prefs),  # type: ignore[arg-type]
                        tuple(c.remap(perm) for c in self.infeasible), self.name,
                        tuple(tuple(c.remap(perm) for c in m) for m in self.misperceptions))

    # ----------------------------------------------------------------- derived views
    @property
    def n_options(self) -> int:
        return len(self.options)

    def _cached(self, key: str, fn):
        if key not in self._cache:
            val = fn()
            if isinstance(val, np.ndarray):
                val.setflags(write=False)
            self._cache[key] = val
        return self._cache[key]

    @property
    def feasible(self) -> np.ndarray:
        """Feasible states as sorted int64 bitmasks."""
        def build() -> np.ndarray:
            allv = np.arange(1 << self.n_options, dtype=np.int64)
            bad = np.zeros(allv.shape, dtype=bool)
            for c in self.infeasible:
                bad |= c.evaluate(allv)
            return allv[~bad]
        return self._cached("feasible", build)

    @property
    def n_states(self) -> int:
        return int(self.feasible.size)

    @property
    def index_of(self) -> np.ndarray:
        """Lookup table over all 2^k vectors: position in :attr:`feasible`, or -1."""
        def build() -> np.ndarray:
            lut = np.full(1 << self.n_options, -1, dtype=np.int64)
            lut[self.feasible] = np.arange(self.n_states)
            return lut
        return self._cached("index_of", build)

    @property
    def state_names(self) -> tuple[str, ...]:
        def build() -> tuple[str, ...]:
            k = self.n_options
            if k == 0:
                return ("",) * self.n_states
            bits = (self.feasible[:, None] >> np.arange(k)) & 1
            chars = np.where(bits == 1, ord("Y"), ord("N")).astype(np.uint8)
            return tuple(b.decode() for b in chars.view(f"S{k}").ravel())
        return self._cached("names", build)

    def vector(self, state: int) -> str:
        """A bitmask's option vector, character ``i`` for option ``i``."""
        return "".join("Y" if state >> i & 1 else "N" for i in range(self.n_options))

    @property
    def perceived(self) -> np.ndarray:
        """(n_dms, n_states) bools: the states each DM perceives (all, without misperceptions)."""
        def build() -> np.ndarray:
            out = np.ones((len(self.decision_makers), self.n_states), dtype=bool)
            for i, conds in enumerate(self.misperceptions):
                for c in conds:
                    out[i] &= ~c.evaluate(self.feasible)
            return out
        return self._cached("perceived", build)

    def owner_mask(self, dm: int | str) -> int:
        """Bitmask of the options a DM controls."""
        name = self.decision_makers[dm] if isinstance(dm, int) else dm
        return sum(1 << i for i, o in enumerate(self.options) if o.owner == name)

    def direction_masks(self) -> tuple[int, int]:
        """(options that cannot be withdrawn — 'fwd', options that cannot be re-taken — 'back')."""
        fwd = sum(1 << i for i, o in enumerate(self.options) if o.reversibility == "fwd")
        back = sum(1 << i for i, o in enumerate(self.options) if o.reversibility == "back")
        return fwd, back

    @property
    def payoffs(self) -> np.ndarray:
        """(n_dms, n_states) int64 dense ranks of each DM's preference, higher is better."""
        def build() -> np.ndarray:
            return np.stack([self._rank(p, d)
                             for d, p in zip(self.decision_makers, self.preferences)]) \
                if self.decision_makers else np.zeros((0, self.n_states), dtype=np.int64)
        return self._cached("payoffs", build)

    def _rank(self, p: Preference, dm: str) -> np.ndarray:
        states = self.feasible
        if p.statements is not None:
            truth = np.stack([s.evaluate(states) for s in p.statements], axis=1) \
                if p.statements else np.zeros((states.size, 0), dtype=bool)
            return dense_rank(truth)
        pairs = np.array(p.payoffs, dtype=np.float64).reshape(-1, 2)
        j = self.index_of[pairs[:, 0].astype(np.int64)]
        if (j < 0).any():
            bad = int(pairs[np.flatnonzero(j < 0)[0], 0])
            raise ValueError(f"{dm}: preference names infeasible state {self.vector(bad)}")
        count = np.bincount(j, minlength=states.size)
        if (count > 1).any():
            twice = self.state_names[int(np.flatnonzero(count > 1)[0])]
            raise ValueError(f"{dm}: state {twice} ranked twice")
        if (count == 0).any():
            missing = [self.state_names[k] for k in np.flatnonzero(count == 0)[:5]]
            raise ValueError(f"{dm}: preference misses feasible states, e.g. {missing}")
        vals = np.empty(states.size)
        vals[j] = pairs[:, 1]
        return dense_rank(vals)


def permute_bits(state: int, perm: Sequence[int]) -> int:
    """Move bit ``i`` of ``state`` to bit ``perm[i]``."""
    return sum(1 << perm[i] for i in range(len(perm)) if state >> i & 1)

