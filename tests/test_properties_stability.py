"""Coalition and non-cooperative stability in the graph model, as Hypothesis properties.

The definitions are those of src/detente/stability/coalitions.py and concepts.py (Kilgour, Hipel,
Fang & Peng 2001; Fang, Hipel & Kilgour 1993; docs/explanation/stability.md):

* ``R_H(s)``: states reached from ``s`` by a legal sequence (length ≥ 1) of unilateral moves by
  members of ``H``, no member moving twice in a row; ``R_H⁺⁺(s)``: those every member of ``H``
  strictly prefers to ``s``.
* Coalition Nash for DM ``i``: ``R_H⁺⁺(s)`` empty for every analysed ``H ∋ i`` and ``{i}``.
  Coalition GMR for ``i``: every ``s1 ∈ R_H⁺⁺(s)`` has some ``s2 ∈ R_{N∖H}(s1)`` with
  ``P_i(s2) ≤ P_i(s)``. Per coalition: Nash when ``R_H⁺⁺(s)`` is empty, GMR when every such
  ``s1`` can be answered with a state *some* member does not prefer to ``s``.

Checked here: :func:`coalition_solve` (bitsets, strongly connected components, a fast path for
reversible options) against a brute-force reading of those definitions, with unilateral moves
also rebuilt from their definition (options owned, reversibility, misperceived states); with
only singletons it is the non-cooperative analysis; the inclusions the theory gives —
coalition-Nash ⊆ coalition-GMR, and coalition stability ⊆ Nash / GMR stability (coalition
analysis can only *remove* stable states: a coalition equilibrium is a non-cooperative one, not
the other way round), more coalitions ⊆ fewer; a state every DM ranks strictly first is an
equilibrium of every concept; and relabelling the DMs or the options relabels the results.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from detente.stability import Conflict, stability_solve
from detente.stability.coalitions import coalition_solve
from detente.stability.model import permute_bits

SETTINGS = settings(max_examples=40, deadline=None)
CONCEPTS = ("nash", "gmr", "smr", "seq")


# =========================================================================== conflicts
@st.composite
def conflicts(draw, *, min_dms=2, max_dms=4, max_options=6, misperceptions=False):
    """Random small conflicts: every DM owns an option; half the time every option is fully
    reversible (the solver's fast path); payoffs with ties, or priority statements."""
    n_dm = draw(st.integers(min_dms, max_dms), label="DMs")
    k = draw(st.integers(n_dm, max_options), label="options")
    dms = [f"D{i}" for i in range(n_dm)]
    owners = list(range(n_dm)) + draw(st.lists(st.integers(0, n_dm - 1), min_size=k - n_dm,
                                               max_size=k - n_dm))
    owners = draw(st.permutations(owners))
    if draw(st.booleans()):
        rev = ["both"] * k
    else:
        rev = draw(st.lists(st.sampled_from(["both", "both", "fwd", "back"]), min_size=k,
                            max_size=k))
    pattern = st.text(alphabet="YN--", min_size=k, max_size=k)
    infeasible = draw(st.lists(pattern.filter(lambda p: p.count("-") < k), max_size=2))
    opts = [{"name": f"o{j}", "owner": dms[owners[j]], "reversibility": rev[j]}
            for j in range(k)]
    base = Conflict.from_dict({"options": opts, "infeasible": infeasible,
                               "decision_makers": [{"name": d, "priorities": []} for d in dms]})
    assume(base.n_states >= 2)
    prefs = []
    for d in dms:
        if draw(st.booleans()):
            stmt = st.one_of(pattern, st.builds(lambda ps: {"any_of": ps},
                                                st.lists(pattern, min_size=1, max_size=3)))
            pref = {"name": d, "priorities": draw(st.lists(stmt, max_size=4))}
        else:
            vals = draw(st.lists(st.integers(0, 4), min_size=base.n_states,
                                 max_size=base.n_states))
            pref = {"name": d, "payoffs": dict(zip(base.state_names, vals))}
        if misperceptions and draw(st.booleans()):
            pref["misperceives"] = draw(st.lists(pattern, min_size=1, max_size=2))
        prefs.append(pref)
    return Conflict.from_dict({"options": opts, "infeasible": infeasible,
                               "decision_makers": prefs})


def _all_coalitions(n_dm: int) -> list[tuple[int, ...]]:
    return [h for r in range(2, n_dm + 1) for h in itertools.combinations(range(n_dm), r)]


# =========================================================================== reference
def _moves(c: Conflict) -> list[dict[int, set[int]]]:
    """Unilateral moves from their definition (graph.py's docstring): ``s → t ≠ s`` for DM
    ``i`` iff they differ only in options ``i`` owns, no changed option goes against its
    reversibility ('fwd': not Y→N; 'back': not N→Y), and ``i`` perceives both states."""
    feas = [int(v) for v in c.feasible]
    seen = np.asarray(c.perceived)
    out = []
    for i, dm in enumerate(c.decision_makers):
        own = sum(1 << j for j, o in enumerate(c.options) if o.owner == dm)
        g: dict[int, set[int]] = {}
        for a, s in enumerate(feas):
            g[a] = set()
            for b, t in enumerate(feas):
                diff = s ^ t
                if t == s or diff & ~own or not (seen[i, a] and seen[i, b]):
                    continue
                if any(diff >> j & 1 and ((o.reversibility == "fwd" and s >> j & 1)
                                          or (o.reversibility == "back" and not s >> j & 1))
                       for j, o in enumerate(c.options)):
                    continue
                g[a].add(b)
        out.append(g)
    return out


def _reach(start: int, graphs: list[dict[int, set[int]]]) -> set[int]:
    """States reached by a legal sequence (length ≥ 1), no mover twice in a row: explicit
    search over (state, last mover)."""
    seen, frontier, out = set(), [(start, None)], set()
    while frontier:
        s, last = frontier.pop()
        for k, g in enumerate(graphs):
            if k == last:
                continue
            for t in g[s]:
                out.add(t)
                if (t, k) not in seen:
                    seen.add((t, k))
                    frontier.append((t, k))
    return out


def _reference(c: Conflict, coalitions: list[tuple[int, ...]]):
    """Coalition Nash / GMR per coalition, per DM, and the improvements, by the definitions."""
    moves = _moves(c)
    pay = c.payoffs.tolist()
    n_dm, n = len(c.decision_makers), c.n_states
    analysed = list(coalitions) + [(i,) for i in range(n_dm) if (i,) not in coalitions]
    per_h = {}
    dm_nash = np.ones((n_dm, n), dtype=bool)
    dm_gmr = np.ones((n_dm, n), dtype=bool)
    for h in analysed:
        rest = [moves[j] for j in range(n_dm) if j not in h]
        nash, gmr, imps = np.ones(n, bool), np.ones(n, bool), {}
        for s in range(n):
            imp = {t for t in _reach(s, [moves[i] for i in h])
                   if all(pay[i][t] > pay[i][s] for i in h)}
            sanctions = {s1: _reach(s1, rest) for s1 in imp}
            nash[s] = not imp
            if imp:
                imps[s] = sorted(imp)
            for i in h:
                dm_nash[i, s] &= not imp
                dm_gmr[i, s] &= all(any(pay[i][s2] <= pay[i][s] for s2 in sanctions[s1])
                                    for s1 in imp)
            gmr[s] = all(any(pay[i][s2] <= pay[i][s] for s2 in sanctions[s1] for i in h)
                         for s1 in imp)
        per_h[h] = (nash, gmr, imps)
    return per_h, dm_nash, dm_gmr


def _check_against_reference(c: Conflict, coalitions: list[tuple[int, ...]] | None):
    dms = c.decision_makers
    coals = _all_coalitions(len(dms)) if coalitions is None else coalitions
    r = coalition_solve(c, coalitions=coalitions)
    per_h, dm_nash, dm_gmr = _reference(c, coals)
    np.testing.assert_array_equal(r.stable["nash"], dm_nash, err_msg="per-DM coalition Nash")
    np.testing.assert_array_equal(r.stable["gmr"], dm_gmr, err_msg="per-DM coalition GMR")
    assert set(r.coalitions) == {tuple(dms[i] for i in h) for h in coals}
    for h in coals:
        name = tuple(dms[i] for i in h)
        nash, gmr, imps = per_h[h]
        np.testing.assert_array_equal(r.coalition_stable["nash"][name], nash, err_msg=str(name))
        np.testing.assert_array_equal(r.coalition_stable["gmr"][name], gmr, err_msg=str(name))
        got = {k: sorted(v) for k, v in r.improvements[name].items()}
        want = {c.state_names[s]: sorted(c.state_names[t] for t in ts) for s, ts in imps.items()}
        assert got == want, name


# =========================================================================== properties
@SETTINGS
@given(conflicts())
def test_coalition_analysis_matches_the_definitions(c):
    _check_against_reference(c, None)


@SETTINGS
@given(conflicts(min_dms=3), st.data())
def test_chosen_coalitions_match_the_definitions(c, data):
    chosen = data.draw(st.lists(st.sampled_from(_all_coalitions(len(c.decision_makers))),
                                min_size=1, max_size=3, unique=True), label="coalitions")
    _check_against_reference(c, chosen)


@settings(max_examples=25, deadline=None)
@given(conflicts(misperceptions=True))
def test_coalition_analysis_with_misperceptions_matches_the_definitions(c):
    """A DM cannot move from or to a state it does not perceive (model.py); coalitions move
    by their members' moves."""
    _check_against_reference(c, None)


@SETTINGS
@given(conflicts(), st.sampled_from(["textbook", "gmcrplus"]))
def test_singletons_only_is_the_noncooperative_analysis(c, rule):
    """With no coalition of two or more, coalition Nash / GMR are Nash / GMR (the sanctions of
    coalition GMR are textbook sanctions; with two DMs the rules agree)."""
    r = coalition_solve(c, coalitions=[])
    s = stability_solve(c, concepts=("nash", "gmr"))
    assert r.coalitions == ()
    np.testing.assert_array_equal(r.stable["nash"], s.stable["nash"])
    np.testing.assert_array_equal(r.stable["gmr"], s.stable["gmr"])
    if len(c.decision_makers) == 2:
        g = stability_solve(c, concepts=("gmr",), sanction_rule=rule)
        np.testing.assert_array_equal(r.stable["gmr"], g.stable["gmr"])


@SETTINGS
@given(conflicts(), st.data())
def test_coalitions_only_remove_stable_states(c, data):
    """Kilgour et al. (2001): {i} is always analysed, so coalition Nash (GMR) stability implies
    Nash (GMR) stability, and a coalition equilibrium is a non-cooperative equilibrium;
    coalition Nash implies coalition GMR, per DM and per coalition; analysing more coalitions
    can only remove stable states; nothing can sanction the grand coalition."""
    n_dm = len(c.decision_makers)
    allc = _all_coalitions(n_dm)
    some = data.draw(st.lists(st.sampled_from(allc), max_size=len(allc), unique=True),
                     label="some coalitions")
    full = coalition_solve(c)
    part = coalition_solve(c, coalitions=some)
    ind = stability_solve(c, concepts=("nash", "gmr"))
    for concept in ("nash", "gmr"):
        assert not (full.stable[concept] & ~part.stable[concept]).any(), concept
        assert not (part.stable[concept] & ~ind.stable[concept]).any(), concept
        assert set(full.equilibria(concept)) <= set(ind.equilibria(concept))
    assert not (full.stable["nash"] & ~full.stable["gmr"]).any()
    for h in full.coalitions:
        nash, gmr = full.coalition_stable["nash"][h], full.coalition_stable["gmr"][h]
        assert not (nash & ~gmr).any(), h
        if len(h) == n_dm:
            np.testing.assert_array_equal(nash, gmr, err_msg="grand coalition")


@SETTINGS
@given(conflicts(), st.data())
def test_a_state_every_dm_ranks_first_is_an_equilibrium_of_every_concept(c, data):
    """No one can improve on it, alone or together, so it is Nash stable for everyone and so
    stable under every concept that contains Nash, coalitions included."""
    top = data.draw(st.integers(0, c.n_states - 1), label="top state")
    pay = c.payoffs.copy()
    pay[:, top] = pay.max(axis=1) + 1
    c2 = Conflict.from_dict({**c.to_dict(), "decision_makers": [
        {"name": d, "payoffs": dict(zip(c.state_names, pay[i].tolist()))}
        for i, d in enumerate(c.decision_makers)]})
    name = c.state_names[top]
    for rule in ("textbook", "gmcrplus"):
        r = stability_solve(c2, sanction_rule=rule)
        for concept in CONCEPTS:
            assert name in r.equilibria(concept), (rule, concept)
    r = coalition_solve(c2)
    for concept in ("nash", "gmr"):
        assert name in r.equilibria(concept), concept
        for h, mask in r.coalition_stable[concept].items():
            assert mask[top], (concept, h)


def _reorder_dms(c: Conflict, order: list[int]) -> Conflict:
    d = c.to_dict()
    d["decision_makers"] = [d["decision_makers"][k] for k in order]
    return Conflict.from_dict(d)


@SETTINGS
@given(conflicts(), st.data())
def test_listing_the_dms_in_another_order_relabels_the_results(c, data):
    order = data.draw(st.permutations(range(len(c.decision_makers))), label="DM order")
    c2 = _reorder_dms(c, order)  # DM k of c2 is DM order[k] of c
    assert c2.state_names == c.state_names
    for rule in ("textbook", "gmcrplus"):
        a, b = stability_solve(c, sanction_rule=rule), stability_solve(c2, sanction_rule=rule)
        for concept in CONCEPTS:
            np.testing.assert_array_equal(b.stable[concept], a.stable[concept][order],
                                          err_msg=f"{rule} {concept}")
    a, b = coalition_solve(c), coalition_solve(c2)
    for concept in ("nash", "gmr"):
        np.testing.assert_array_equal(b.stable[concept], a.stable[concept][order])
        assert b.equilibria(concept) == a.equilibria(concept)
        per_a = {frozenset(h): m for h, m in a.coalition_stable[concept].items()}
        per_b = {frozenset(h): m for h, m in b.coalition_stable[concept].items()}
        assert per_a.keys() == per_b.keys()
        for h, mask in per_a.items():
            np.testing.assert_array_equal(per_b[h], mask, err_msg=str(sorted(h)))


@SETTINGS
@given(conflicts(), st.data())
def test_listing_the_options_in_another_order_relabels_the_coalition_results(c, data):
    perm = data.draw(st.permutations(range(c.n_options)), label="option order")
    c2 = c.permute_options(perm)
    pos = c2.index_of[[permute_bits(int(s), perm) for s in c.feasible]]  # state j → pos[j]
    assert (pos >= 0).all() and sorted(pos.tolist()) == list(range(c2.n_states))
    a, b = coalition_solve(c), coalition_solve(c2)
    for concept in ("nash", "gmr"):
        np.testing.assert_array_equal(b.stable[concept][:, pos], a.stable[concept])
        for h in a.coalitions:
            np.testing.assert_array_equal(b.coalition_stable[concept][h][pos],
                                          a.coalition_stable[concept][h], err_msg=str(h))


@SETTINGS
@given(conflicts(min_dms=2, max_dms=3), st.sampled_from(["textbook", "gmcrplus"]))
def test_a_dm_without_options_is_stable_everywhere(c, rule):
    """A DM that controls no option has no moves: every state is Nash (so GMR, SMR, SEQ)
    stable for it, and adding it changes no one else's stability (it cannot sanction)."""
    d = c.to_dict()
    d["decision_makers"] = d["decision_makers"] + [
        {"name": "Bystander", "payoffs": dict(zip(c.state_names, range(c.n_states)))}]
    c2 = Conflict.from_dict(d)
    a, b = stability_solve(c, sanction_rule=rule), stability_solve(c2, sanction_rule=rule)
    for concept in CONCEPTS:
        assert b.stable[concept][-1].all(), concept
        np.testing.assert_array_equal(b.stable[concept][:-1], a.stable[concept], err_msg=concept)
