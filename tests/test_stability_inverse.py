"""Inverse GMCR: the fewest preference reversals that make a state an equilibrium, against an
exhaustive search on small conflicts, and on the prisoners' dilemma."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.stability import ALL_CONCEPTS, Conflict, stability_solve
from detente.stability.inverse import _demoted, inverse_solve

from .test_stability import _conflict, _load, conflicts


def _pd() -> Conflict:
    return Conflict.from_dict({
        "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
        "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
                            {"name": "B", "priorities": ["Y-", "-N"]}]})


def _fewest_brute(c: Conflict, s: int, i: int, concept: str) -> int:
    """Fewest states DM i must rank level with s (others unchanged) for s to be stable for i."""
    p = c.payoffs[i]
    up = np.flatnonzero(p > p[s]).tolist()
    n_dm = len(c.decision_makers)
    for k in range(len(up) + 1):
        for d in itertools.combinations(up, k):
            demote = [d if j == i else () for j in range(n_dm)]
            r = stability_solve(_demoted(c, s, demote), concepts=(concept,))
            if r.stable[concept][i, s]:
                return k
    raise AssertionError("demoting every preferred state always makes s stable")


def test_prisoners_dilemma():
    """Mutual cooperation YY is no Nash equilibrium; it becomes one when A ranks NY (A defects
    alone) and B ranks YN no higher than YY — one reversal each. Under GMR it already is one."""
    r = inverse_solve(_pd(), "YY", "nash")
    assert not r.equilibrium_now and r.verified and r.changes == 2
    assert [(d.dm, d.demote) for d in r.per_dm] == [("A", ("NY",)), ("B", ("YN",))]
    assert "rank NY no higher than YY" in r.text()
    g = inverse_solve(_pd(), "YY", "gmr")
    assert g.equilibrium_now and g.changes == 0 and "already" in g.text()
    json.dumps(r.to_dict())


@pytest.mark.parametrize("concept", ALL_CONCEPTS)
def test_elmira_every_state(reference_cases, concept):
    """Every Elmira state can be made an equilibrium; the changed conflict confirms it for
    Nash, GMR and SMR (per-DM conditions), and the equilibria need no change."""
    c = _conflict(_load(reference_cases, "elmira"))
    eq = set(stability_solve(c, concepts=(concept,)).equilibria(concept))
    for name in c.state_names:
        r = inverse_solve(c, name, concept)
        assert r.equilibrium_now == (name in eq)
        assert (r.changes == 0) == (name in eq)
        assert all(d.exact for d in r.per_dm)
        if concept in ("nash", "gmr", "smr"):
            assert r.verified, name


@settings(max_examples=25, deadline=None)
@given(conflicts(max_dms=3, max_options=4), st.data())
def test_fewest_matches_exhaustive_search(c, data):
    s = data.draw(st.integers(0, c.n_states - 1))
    concept = data.draw(st.sampled_from(ALL_CONCEPTS))
    r = inverse_solve(c, c.state_names[s], concept)
    for i, d in enumerate(r.per_dm):
        assert len(d.demote) == _fewest_brute(c, s, i, concept), (concept, d.dm)
        # the reported set works on its own
        demote = [[c.state_names.index(x) for x in d.demote] if j == i else ()
                  for j in range(len(r.per_dm))]
        assert stability_solve(_demoted(c, s, demote), concepts=(concept,)).stable[concept][i, s]
    if concept in ("nash", "gmr", "smr"):
        assert r.verified


def test_errors():
    with pytest.raises(ValueError, match="unknown concept"):
        inverse_solve(_pd(), "YY", "bogus")
    c = Conflict.from_dict({"options": [{"name": "x", "owner": "A"}, {"name": "y", "owner": "B"}],
                            "infeasible": ["YY"],
                            "decision_makers": [{"name": "A", "priorities": []},
                                                {"name": "B", "priorities": []}]})
    with pytest.raises(ValueError, match="not feasible"):
        inverse_solve(c, "YY", "nash")
