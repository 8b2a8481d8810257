"""Coalition stability in the graph model (Kilgour, Hipel, Fang & Peng 2001, "Coalition
analysis in group decision support", *Group Decision and Negotiation* 10:159–175).

For a coalition ``H`` (a set of DMs):

- ``R_H(s)``, the coalition's unilateral moves: states reached from ``s`` by a legal sequence
  (length ≥ 1) of unilateral moves by members of ``H``, no member moving twice in a row
  (for ``|H| = 1`` these are the member's own unilateral moves).
- ``R_H⁺⁺(s)``, coalition improvements: the states of ``R_H(s)`` every member of ``H`` strictly
  prefers to ``s`` (the intermediate states need not improve anything).

Stability, per DM ``i`` over the analysed coalitions ``H ∋ i`` and always the singleton ``{i}``:

- **coalition Nash** for ``i``: ``R_H⁺⁺(s)`` is empty for every such ``H``;
- **coalition GMR** for ``i``: every ``s1 ∈ R_H⁺⁺(s)`` has some ``s2 ∈ R_{N∖H}(s1)`` with
  ``P_i(s2) ≤ P_i(s)`` (when ``H = N`` nothing can sanction).

Per coalition, ``H`` is *coalition-Nash stable* at ``s`` when ``R_H⁺⁺(s)`` is empty and
*coalition-GMR stable* when every ``s1 ∈ R_H⁺⁺(s)`` can be sanctioned to a state some member does
not prefer to ``s``. A state is a coalition equilibrium when it is coalition-stable for every DM.
Since ``{i}`` is always included, coalition-Nash (GMR) stability implies Nash (GMR) stability.

:func:`coalition_solve` works on all states at once. A coalition's moves never change the options
of DMs outside it, and a legal sequence reaches exactly the states the members' moves reach in any
order (two consecutive moves of one member are one move, or return to where it started), so
``R_H(s)`` is graph reachability in the union of the members' move graphs: detente labels its
strongly connected components (in linear time when the members' options are reversible,
:mod:`detente.stability.reach`), closes the component graph as bitsets over the states that share
``s``'s other options, and tests "every member prefers" and "some sanction deters" with bitsets
of states above each payoff level, a chunk of states at a time. The improvements of a state are
listed when asked (:attr:`CoalitionResult.improvements`). :func:`legal_paths` (a breadth-first
search over (state, last mover)) gives the move sequences themselves; :func:`legal_reach` the
same reachable states, a layer at a time.

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> r = coalition_solve(pd)
>>> r.equilibria("nash"), r.improvements[("A", "B")]["NN"]
((), ['YY'])
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._version import __version__
from .concepts import _NEG, StableStates
from .graph import MoveGraph, unilateral_improvements, unilateral_moves
from .model import Conflict
from .reach import _components, _reversible, _sanction_min

__all__ = ["CoalitionResult", "coalition_cost", "coalition_improvements", "coalition_moves",
           "coalition_solve", "legal_paths", "legal_reach"]

Step = tuple[int, int, int]  # (mover index, from state, to state)


def legal_paths(start: int, graphs: Sequence[MoveGraph], movers: Sequence[int] | None = None,
                rule: Literal["textbook", "gmcrplus"] = "textbook",
                stop: np.ndarray | None = None) -> dict[int, list[Step]]:
    """Every state reachable from ``start`` by a legal sequence (length ≥ 1) of moves in
    ``graphs`` (one per mover; ``movers`` gives their DM indices), with one shortest such
    sequence as ``(dm, from, to)`` steps. ``"textbook"``: no mover twice in a row;
    ``"gmcrplus"``: each mover at most once.

    ``stop`` (bools over states): search only until every state of ``stop`` at the least
    distance any of them has is found (the others found so far are returned too, with the
    same sequences as a full search)."""
    movers = list(range(len(graphs))) if movers is None else list(movers)
    out: dict[int, list[Step]] = {}
    # node: (state, last mover position) or (state, frozenset of used positions)
    first: Any = -1 if rule == "textbook" else frozenset()
    parent: dict[Any, tuple[Any, Step] | None] = {(start, first): None}
    depth = {(start, first): 0}
    found = None  # distance of the nearest state of ``stop``
    queue = deque([(start, first)])
    while queue:
        node = queue.popleft()
        if found is not None and depth[node] >= found:
            break
        s, tag = node
        for k, g in enumerate(graphs):
            if (rule == "textbook" and k == tag) or (rule != "textbook" and k in tag):
                continue
            new_tag = k if rule == "textbook" else tag | {k}
            for t in g.targets(s).tolist():
                nxt = (t, new_tag)
                if nxt in parent:
                    continue
                parent[nxt] = (node, (movers[k], s, t))
                depth[nxt] = depth[node] + 1
                queue.append(nxt)
                if t not in out:
                    path, cur = [], nxt
                    while parent[cur] is not None:
                        prev, step = parent[cur]  # type: ignore[misc]
                        path.append(step)
                        cur = prev
                    out[t] = path[::-1]
                    if stop is not None and stop[t] and found is None:
                        found = len(path)
    return out


def legal_reach(start: int, graphs: Sequence[MoveGraph],
                rule: Literal["textbook", "gmcrplus"] = "textbook") -> np.ndarray:
    """Bools over states: the states :func:`legal_paths` reaches from ``start`` (the same
    search over (state, last mover) or (state, movers used), a layer at a time, without the
    sequences)."""
    n = graphs[0].n if graphs else 0
    m = len(graphs)
    out = np.zeros(n, dtype=bool)
    if not m:
        return out

    def step(g: MoveGraph, src: np.ndarray) -> np.ndarray:
        lo, hi = g.indptr[src], g.indptr[src + 1]
        cnt = hi - lo
        if not cnt.sum():
            return np.zeros(0, dtype=np.int64)
        off = np.repeat(lo - np.r_[0, np.cumsum(cnt)[:-1]], cnt)
        return g.indices[off + np.arange(int(cnt.sum()))]

    start_arr = np.array([start], dtype=np.int64)
    if rule == "textbook":
        seen = np.zeros((m, n), dtype=bool)
        front = [start_arr] * m   # states last left by mover k (the start: by nobody)
        first = True
        while True:
            new = []
            for k, g in enumerate(graphs):
                parts = [front[j] for j in range(m) if first or j != k]
                src = np.unique(np.concatenate(parts)) if parts else start_arr[:0]
                t = np.unique(step(g, src))
                t = t[~seen[k, t]]
                seen[k, t] = True
                new.append(t)
            first = False
            front = new
            if not any(f.size for f in front):
                return seen.any(axis=0)
    # each mover at most once: (state, set of movers used), sets in order of size
    layer = {0: start_arr}
    seen_sets: dict[int, np.ndarray] = {}
    for _ in range(m):
        nxt: dict[int, np.ndarray] = {}
        for used, states in layer.items():
            for k, g in enumerate(graphs):
                if used >> k & 1:
                    continue
                u = used | 1 << k
                t = step(g, states)
                nxt[u] = np.concatenate([nxt.get(u, t[:0]), t])
        layer = {}
        for u, t in nxt.items():
            t = np.unique(t)
            vis = seen_sets.setdefault(u, np.zeros(n, dtype=bool))
            t = t[~vis[t]]
            vis[t] = True
            out[t] = True
            layer[u] = t
    return out


def coalition_moves(conflict: Conflict, coalition: Sequence[int], s: int,
                    moves: Sequence[MoveGraph] | None = None) -> dict[int, list[Step]]:
    """``R_H(s)``: the coalition's unilateral moves from state index ``s`` with one shortest
    legal sequence of member moves to each."""
    moves = unilateral_moves(conflict) if moves is None else moves
    return legal_paths(s, [moves[i] for i in coalition], coalition)


def coalition_improvements(conflict: Conflict, coalition: Sequence[int], s: int,
                           moves: Sequence[MoveGraph] | None = None) -> dict[int, list[Step]]:
    """``R_H⁺⁺(s)``: the coalition's moves every member strictly prefers to ``s``."""
    pay = conflict.payoffs
    return {t: p for t, p in coalition_moves(conflict, coalition, s, moves).items()
            if all(pay[i][t] > pay[i][s] for i in coalition)}


@dataclass(frozen=True, eq=False)
class CoalitionResult(StableStates):
    """Coalition stability per coalition and per DM.

    ``coalition_stable[concept]``: {coalition (tuple of DM names): bool array over states};
    ``stable[concept]``: (n_dms, n_states) read-only bools, per DM over all analysed coalitions
    containing it and its singleton; ``improvements``: {coalition: {state: [improved states]}}
    (states with none omitted; each coalition's mapping lists a state's improvements when asked,
    so a large conflict does not hold them all).
    """

    decision_makers: tuple[str, ...]
    states: tuple[str, ...]
    coalitions: tuple[tuple[str, ...], ...]
    coalition_stable: dict[str, dict[tuple[str, ...], np.ndarray]] = field(repr=False)
    stable: dict[str, np.ndarray] = field(repr=False)
    improvements: Mapping[tuple[str, ...], Mapping[str, list[str]]] = field(repr=False)
    fingerprint: str
    version: str = __version__
    method: str = "gmcr_coalition_stability"

    def to_dict(self, improvements: bool = True) -> dict[str, Any]:
        """Plain data; ``improvements=False`` leaves the (possibly long) improvement lists
        out."""
        out = {
            "method": self.method,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "decision_makers": list(self.decision_makers),
            "states": list(self.states),
            "coalitions": [list(h) for h in self.coalitions],
            "coalition_stable_states": {
                c: {" + ".join(h): [self.states[j] for j in np.flatnonzero(a)]
                    for h, a in per.items()} for c, per in self.coalition_stable.items()},
            "stable_states": {c: {d: list(self.stable_states(c, i))
                                  for i, d in enumerate(self.decision_makers)}
                              for c in self.stable},
            "equilibria": {c: list(self.equilibria(c)) for c in self.stable},
        }
        if improvements:
            out["improvements"] = {" + ".join(h): dict(imp)
                                   for h, imp in self.improvements.items()}
        return out


_WORDS = 1 << 20  # uint64 words per temporary bitset array (8 MB); rows are chunked to fit


def _coalition_indices(conflict: Conflict, coalitions: Sequence[Sequence[str | int]] | None
                       ) -> list[tuple[int, ...]]:
    dms = conflict.decision_makers
    n_dm = len(dms)
    if coalitions is None:
        return [c for r in range(2, n_dm + 1) for c in itertools.combinations(range(n_dm), r)]
    coals: list[tuple[int, ...]] = []
    for c in coalitions:
        idx = tuple(sorted({dms.index(d) if isinstance(d, str) else int(d) for d in c}))
        if not idx or any(not 0 <= i < n_dm for i in idx):
            raise ValueError(f"coalition {c!r}: members must be decision makers of {dms}")
        if idx not in coals:
            coals.append(idx)
    return coals


def _fibers(conflict: Conflict, h: Sequence[int]) -> tuple[np.ndarray, np.ndarray, int]:
    """States grouped by the options of DMs outside ``h`` (a coalition's moves stay in its
    group): group id and position in the group for every state, and the largest group."""
    mask = 0
    for i in h:
        mask |= conflict.owner_mask(i)
    key = conflict.feasible & ~np.int64(mask)
    _, fib, counts = np.unique(key, return_inverse=True, return_counts=True)
    fib = fib.ravel()
    order = np.argsort(fib, kind="stable")
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    loc = np.empty(fib.size, dtype=np.int64)
    loc[order] = np.arange(fib.size) - start[fib[order]]
    return fib, loc, int(counts.max()) if counts.size else 0


def coalition_cost(conflict: Conflict, coalitions: Sequence[Sequence[str | int]] | None = None
                   ) -> tuple[int, int]:
    """(bitset words held at once, word operations) that :func:`coalition_solve` needs at most,
    from the sizes of the coalitions' move groups and the DMs' numbers of payoff levels; for
    deciding whether a conflict is too large to analyse by default."""
    pay = conflict.payoffs
    n = conflict.n_states
    held = work = 0
    for h in _coalition_indices(conflict, coalitions):
        if len(h) < 2:
            continue
        fib, _, big = _fibers(conflict, h)
        w = -(-big // 64)
        nf = int(fib.max()) + 1 if fib.size else 0
        levels = sum(2 * nf * (int(pay[i].max()) + 2) for i in h) if n else 0
        rows = nf if _reversible(conflict, h) else n  # one closure per component
        held = max(held, (rows + levels) * w + 4 * min(n * w, _WORDS))
        work += n * w * (2 * len(h) + 3) + 2 * levels * w   # tests, and building the tables
    return held, work


def _bits(n_rows: int, w: int, row: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """(n_rows, w) uint64 bitsets with bit ``pos[k]`` set in row ``row[k]``."""
    out = np.zeros(n_rows * w, dtype=np.uint64)
    if row.size:
        key = row * w + (pos >> 6)
        order = np.argsort(key, kind="stable")
        key = key[order]
        bit = np.left_shift(np.uint64(1), (pos[order] & 63).astype(np.uint64))
        heads = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        out[key[heads]] = np.bitwise_or.reduceat(bit, heads)
    return out.reshape(n_rows, w)


def _above(fib: np.ndarray, loc: np.ndarray, values: np.ndarray, levels: int, nf: int, w: int
           ) -> np.ndarray:
    """(nf, levels, w): per group, at row ``levels - 1 - l`` (level ``l``), the states of the
    group whose value is greater than ``l`` (values are clipped to ``levels``); look up with
    :func:`_at_level`."""
    v = levels - np.minimum(values, levels).astype(np.int64)   # 0 = greatest value
    per = _bits(nf * (levels + 1), w, fib * (levels + 1) + v, loc).reshape(nf, levels + 1, w)
    return np.bitwise_or.accumulate(per[:, :levels], axis=1)  # row q: values ≥ levels - q


def _at_level(table: np.ndarray, fib: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The rows of an :func:`_above` table for these groups and levels."""
    return table[fib, table.shape[1] - 1 - level]


def _popcount(a: np.ndarray) -> int:
    if hasattr(np, "bitwise_count"):  # numpy ≥ 2
        return int(np.bitwise_count(a).sum(dtype=np.int64))
    return int(np.unpackbits(np.ascontiguousarray(a).view(np.uint8)).sum(dtype=np.int64))


def _scc(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Strongly connected component of every node (labels 0..k-1) of the graph with edges
    ``src → dst``: forward max-label propagation, then backward reachability of each label's
    root inside its label, repeated on what is left (all components found by one round leave)."""
    comp = np.full(n, -1, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    ids = np.arange(n, dtype=np.int64)
    while active.any():
        keep = active[src] & active[dst]
        s, d = src[keep], dst[keep]
        color = np.where(active, ids, -1)
        by_dst = np.argsort(d, kind="stable")
        sd, dd = s[by_dst], d[by_dst]
        heads = np.flatnonzero(np.r_[True, dd[1:] != dd[:-1]]) if dd.size else dd
        while dd.size:
            best = np.maximum.reduceat(color[sd], heads)
            new = color.copy()
            np.maximum.at(new, dd[heads], best)
            if np.array_equal(new, color):
                break
            color = new
        inside = active & (color == ids)          # each label's root
        same = color[s] == color[d]
        bs, bd = s[same], d[same]
        while bs.size:
            grow = inside[bd] & ~inside[bs]
            if not grow.any():
                break
            inside[bs[grow]] = True
        comp[inside] = color[inside]
        active &= ~inside
    _, lab = np.unique(comp, return_inverse=True)
    return lab.ravel()


def _closure(n: int, src: np.ndarray, dst: np.ndarray, fib: np.ndarray, loc: np.ndarray,
             w: int, lab: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Component of every state and, per component, the bitset (positions in the state's group)
    of the states reachable from it, itself included. ``lab``: components already known (the
    graph is then symmetric: no edges between components)."""
    if lab is not None:
        return lab, _bits(int(lab.max()) + 1 if n else 0, w, lab, loc)
    lab = _scc(n, src, dst)
    m = int(lab.max()) + 1 if n else 0
    reach = _bits(m, w, lab, loc)
    cs, cd = lab[src], lab[dst]
    cross = cs != cd
    if not cross.any():
        return lab, reach
    pair = np.unique(cs[cross] * m + cd[cross])
    cs, cd = pair // m, pair % m
    level = np.zeros(m, dtype=np.int64)  # longest path to a sink of the component graph
    heads = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    while True:
        new = level.copy()
        new[cs[heads]] = np.maximum.reduceat(level[cd] + 1, heads)
        if np.array_equal(new, level):
            break
        level = new
    for lv in range(1, int(level.max()) + 1):
        e = level[cs] == lv
        a, b = cs[e], cd[e]
        hd = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        reach[a[hd]] |= np.bitwise_or.reduceat(reach[b], hd, axis=0)
    return lab, reach


class _CoalitionMoves:
    """One coalition's reachable sets and payoff-level tables, to test all states at once."""

    def __init__(self, conflict: Conflict, h: tuple[int, ...], moves: Sequence[MoveGraph],
                 sanction_min: np.ndarray):
        n = conflict.n_states
        pay = conflict.payoffs
        self.h = h
        self.fib, self.loc, big = _fibers(conflict, h)
        self.w = w = max(1, -(-big // 64))
        nf = int(self.fib.max()) + 1 if n else 0
        if _reversible(conflict, h):
            self.lab, self.reach = _closure(n, np.empty(0, np.int64), np.empty(0, np.int64),
                                            self.fib, self.loc, w, _components(conflict, h))
        else:
            src = np.concatenate([moves[i].sources() for i in h]).astype(np.int64)
            dst = np.concatenate([moves[i].indices for i in h]).astype(np.int64)
            self.lab, self.reach = _closure(n, src, dst, self.fib, self.loc, w)
        self.pay = [pay[i] for i in h]
        levels = [int(p.max()) + 1 if n else 0 for p in self.pay]
        self.better = [_above(self.fib, self.loc, p, lv, nf, w)
                       for p, lv in zip(self.pay, levels)]
        # sanction_min[t, a]: the least payoff of member a the others can push t down to
        self.unsanctioned = [_above(self.fib, self.loc, sanction_min[:, a], lv, nf, w)
                             for a, lv in enumerate(levels)]
        gpos = np.full((nf, w * 64), -1, dtype=np.int64)
        gpos[self.fib, self.loc] = np.arange(n)
        self.gpos = gpos

    def improvements(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), w) bitsets of the coalition improvements from the states ``rows``."""
        f = self.fib[rows]
        imp = self.reach[self.lab[rows]]
        for p, b in zip(self.pay, self.better):
            imp &= _at_level(b, f, p[rows])
        return imp

    def decode(self, s: int) -> list[int]:
        row = self.improvements(np.array([s]))[0]
        pos = np.flatnonzero(np.unpackbits(row.view(np.uint8), bitorder="little"))
        return np.sort(self.gpos[self.fib[s], pos]).tolist()


class _Improvements(Mapping):
    """{state name: [improved state names]} of one coalition, for states that have any,
    computed when asked."""

    def __init__(self, names: tuple[str, ...], has: np.ndarray, get, pairs: int, count):
        self._names, self._has, self._get, self._count = names, has, get, count
        self._index: dict[str, int] | None = None
        self.pairs = pairs
        """How many (state, improved state) pairs the mapping holds in all."""

    def _at(self, key: str) -> int:
        if self._index is None:
            self._index = {s: j for j, s in enumerate(self._names)}
        j = self._index.get(key, -1)
        return j if j >= 0 and self._has[j] else -1

    def __getitem__(self, key: str) -> list[str]:
        j = self._at(key)
        if j < 0:
            raise KeyError(key)
        return [self._names[t] for t in self._get(j)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._at(key) >= 0

    def count(self, keys: Sequence[str]) -> int:
        """How many improvements the states ``keys`` have in all, without listing them."""
        at = np.array([self._at(k) for k in keys], dtype=np.int64)
        at = at[at >= 0]
        return int(self._count(at)) if at.size else 0

    def __iter__(self) -> Iterator[str]:
        return (self._names[j] for j in np.flatnonzero(self._has))

    def __len__(self) -> int:
        return int(self._has.sum())

    def __repr__(self) -> str:
        return f"<{len(self)} states with coalition improvements>"


def coalition_solve(conflict: Conflict, coalitions: Sequence[Sequence[str | int]] | None = None
                    ) -> CoalitionResult:
    """Coalition Nash and coalition GMR stability (textbook sanctions, no DM twice in a row).

    ``coalitions``: DM names or indices per coalition; ``None`` analyses every coalition of
    two or more DMs. Singletons are always part of the per-DM stability.
    """
    dms = conflict.decision_makers
    n_dm, n = len(dms), conflict.n_states
    coals = _coalition_indices(conflict, coalitions)
    analysed = list(coals) + [(i,) for i in range(n_dm) if (i,) not in coals]
    moves = unilateral_moves(conflict)
    imps1 = unilateral_improvements(conflict, moves)
    pay = conflict.payoffs
    names = conflict.state_names
    c_nash: dict[tuple[str, ...], np.ndarray] = {}
    c_gmr: dict[tuple[str, ...], np.ndarray] = {}
    improvements: dict[tuple[str, ...], Mapping[str, list[str]]] = {}
    dm_nash = np.ones((n_dm, n), dtype=bool)
    dm_gmr = np.ones((n_dm, n), dtype=bool)
    for h in analysed:
        rest = [j for j in range(n_dm) if j not in h]
        # sanction minimum of each member's payoff over R_{N∖H}(s1), for all s1 at once
        m = _sanction_min(conflict, pay[list(h)].T.copy(), rest, moves)
        name = tuple(dms[i] for i in h)
        if len(h) == 1:
            i = h[0]
            g = imps1[i]
            nash_h = g.out_degree() == 0
            gmr_h = g.max_over(m[:, 0], _NEG) <= pay[i]
            dm_nash[i] &= nash_h
            dm_gmr[i] &= gmr_h
            pairs = g.n_edges

            def get(s: int, g: MoveGraph = g) -> list[int]:
                return sorted(g.targets(s).tolist())

            def count(rows: np.ndarray, g: MoveGraph = g) -> int:
                return int((g.indptr[rows + 1] - g.indptr[rows]).sum())
        else:
            cm = _CoalitionMoves(conflict, h, moves, m)
            nash_h = np.ones(n, dtype=bool)
            gmr_h = np.ones(n, dtype=bool)
            step = max(1, _WORDS // cm.w)
            pairs = 0
            for lo in range(0, n, step):
                rows = np.arange(lo, min(n, lo + step))
                f = cm.fib[rows]
                imp = cm.improvements(rows)
                nash_h[rows] = ~imp.any(axis=1)
                pairs += _popcount(imp)
                if not rest:  # nothing can sanction the grand coalition
                    for i in h:
                        dm_gmr[i, rows] &= nash_h[rows]
                    gmr_h[rows] = nash_h[rows]
                    continue
                every = imp.copy()
                for a, i in enumerate(h):
                    bad = imp & _at_level(cm.unsanctioned[a], f, pay[i][rows])
                    dm_gmr[i, rows] &= ~bad.any(axis=1)
                    every &= bad
                gmr_h[rows] = ~every.any(axis=1)
            for i in h:
                dm_nash[i] &= nash_h
            get = cm.decode

            def count(rows: np.ndarray, cm: _CoalitionMoves = cm) -> int:
                step = max(1, _WORDS // cm.w)
                return sum(_popcount(cm.improvements(rows[lo:lo + step]))
                           for lo in range(0, rows.size, step))
        if h in coals:
            nash_h.setflags(write=False)
            gmr_h.setflags(write=False)
            c_nash[name], c_gmr[name] = nash_h, gmr_h
            improvements[name] = _Improvements(names, ~nash_h, get, pairs, count)
    dm_nash.setflags(write=False)
    dm_gmr.setflags(write=False)
    return CoalitionResult(
        decision_makers=dms, states=conflict.state_names,
        coalitions=tuple(tuple(dms[i] for i in h) for h in coals),
        coalition_stable={"nash": c_nash, "gmr": c_gmr},
        stable={"nash": dm_nash, "gmr": dm_gmr}, improvements=improvements,
        fingerprint=conflict.fingerprint)
