"""`detente stability` at scale (issue 14): the fast coalition, status-quo and explanation
algorithms give exactly what the plain searches give, the analyses that cannot scale are bounded
and say so, and the command on a 4,096-state GMCR+ file finishes (benchmarks/RESULTS.md has the
timings; benchmarks/bench_stability_cli.py measures them).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.stability import Conflict, reachable_min, stability_solve, unilateral_moves
from detente.stability import analysis as an
from detente.stability.coalitions import coalition_cost, coalition_improvements, coalition_solve
from detente.stability.explain import explain
from detente.stability.gmcrplus import load_gmcr, parse_gmcr
from detente.stability.graph import unilateral_improvements
from detente.stability.sequences import legal_paths, legal_reach
from detente.stability.status_quo import status_quo_solve

from .test_stability import SETTINGS, conflicts

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("gmcr_random", ROOT / "benchmarks" /
                                               "gmcr_random.py")
gmcr_random = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gmcr_random)  # type: ignore[union-attr]


@st.composite
def _conflicts(draw, min_dms=2, max_dms=4):
    """tests/test_stability.py's random conflicts, some DMs blind to some states."""
    c = draw(conflicts(min_dms=min_dms, max_dms=max_dms))
    data = c.to_dict()
    k = c.n_options
    for d in data["decision_makers"]:
        d["misperceives"] = draw(st.lists(st.text(alphabet="YN--", min_size=k, max_size=k),
                                          max_size=1))
    return Conflict.from_dict(data)


# ----------------------------------------------------------------------------- the generator
def test_random_gmcr_files_are_gmcr_plus_save_files(tmp_path):
    d = gmcr_random.random_gmcr(4, 12, seed=3)
    assert set(d) == {"options", "decisionMakers", "infeasibles", "coalitions",
                      "useManualPreferenceRanking", "program", "version"}
    assert [dm["options"] for dm in d["decisionMakers"]] == [[0, 1, 2], [3, 4, 5], [6, 7, 8],
                                                             [9, 10, 11]]
    assert all(len(dm["preferences"]) == 6 for dm in d["decisionMakers"])
    assert [len(dm["options"]) for dm in gmcr_random.random_gmcr(4, 10)["decisionMakers"]] \
        == [3, 3, 2, 2]
    f = gmcr_random.write_random_gmcr(tmp_path / "r.gmcr", 4, 12, seed=3)
    c = load_gmcr(f)
    assert c.n_states == 4096 and len(c.decision_makers) == 4
    assert json.loads(f.read_text()) == d
    assert gmcr_random.random_gmcr(4, 12, seed=3) == d  # reproducible


# ----------------------------------------------------------------------------- the same answers
def _coalition_reference(c: Conflict):
    """Coalition stability by searching each state's legal sequences (the original method)."""
    n_dm, n = len(c.decision_makers), c.n_states
    moves = unilateral_moves(c)
    pay = c.payoffs
    coals = [h for r in range(2, n_dm + 1)
             for h in __import__("itertools").combinations(range(n_dm), r)]
    dm_nash = np.ones((n_dm, n), bool)
    dm_gmr = np.ones((n_dm, n), bool)
    per = {}
    for h in coals + [(i,) for i in range(n_dm)]:
        rest = [j for j in range(n_dm) if j not in h]
        m = reachable_min(pay[list(h)].T.copy(), [moves[j] for j in rest]) if rest \
            else np.full((n, len(h)), np.iinfo(np.int64).max)
        nash_h, gmr_h, imp_h = np.ones(n, bool), np.ones(n, bool), {}
        for s in range(n):
            imps = sorted(coalition_improvements(c, h, s, moves))
            if not imps:
                continue
            nash_h[s] = False
            imp_h[c.state_names[s]] = [c.state_names[t] for t in imps]
            for a, i in enumerate(h):
                dm_nash[i, s] = False
                dm_gmr[i, s] &= all(m[t, a] <= pay[i][s] for t in imps)
            gmr_h[s] = all(any(m[t, a] <= pay[i][s] for a, i in enumerate(h)) for t in imps)
        per[tuple(c.decision_makers[i] for i in h)] = (nash_h, gmr_h, imp_h)
    return dm_nash, dm_gmr, per


@SETTINGS
@given(_conflicts(min_dms=2, max_dms=4))
def test_coalitions_match_the_search(c):
    r = coalition_solve(c)
    dm_nash, dm_gmr, per = _coalition_reference(c)
    np.testing.assert_array_equal(r.stable["nash"], dm_nash)
    np.testing.assert_array_equal(r.stable["gmr"], dm_gmr)
    for h in r.coalitions:
        nash_h, gmr_h, imp_h = per[h]
        np.testing.assert_array_equal(r.coalition_stable["nash"][h], nash_h)
        np.testing.assert_array_equal(r.coalition_stable["gmr"][h], gmr_h)
        assert dict(r.improvements[h]) == imp_h
        assert r.improvements[h].pairs == sum(len(v) for v in imp_h.values())
        assert r.improvements[h].count(list(imp_h)) == r.improvements[h].pairs
    assert json.loads(json.dumps(r.to_dict()))["coalitions"] == [list(h) for h in r.coalitions]


@SETTINGS
@given(_conflicts(), st.sampled_from(["textbook", "gmcrplus"]), st.data())
def test_legal_reach_is_what_legal_paths_finds(c, rule, data):
    moves = unilateral_moves(c)
    k = data.draw(st.integers(1, len(moves)))
    graphs = [moves[j] for j in range(k)]
    s = data.draw(st.integers(0, c.n_states - 1))
    got = np.flatnonzero(legal_reach(s, graphs, rule)).tolist()
    assert got == sorted(legal_paths(s, graphs, rule=rule))


def _status_quo_reference(c, start, concept, rule, max_states, stop):
    """The original first-in-first-out search, one state at a time."""
    eq = stability_solve(c, concepts=(concept,), sanction_rule=rule).equilibrium_mask(concept)
    imps = unilateral_improvements(c)
    names, dms = c.state_names, c.decision_makers
    parent = {start: None}
    order, edges, queue, truncated = [start], [], deque([start]), False
    while queue:
        s = queue.popleft()
        if stop and eq[s]:
            continue
        for i, g in enumerate(imps):
            for t in g.targets(s).tolist():
                edges.append((dms[i], names[s], names[t]))
                if t in parent:
                    continue
                if len(parent) >= max_states:
                    truncated = True
                    continue
                parent[t] = (s, i)
                order.append(t)
                queue.append(t)
    paths = {}
    for s in order:
        if eq[s]:
            path, cur = [], s
            while parent[cur] is not None:
                prev, i = parent[cur]
                path.append((dms[i], names[prev], names[cur]))
                cur = prev
            paths[names[s]] = path[::-1]
    return [names[s] for s in order], paths, edges, truncated


@SETTINGS
@given(_conflicts(), st.sampled_from(["nash", "gmr", "seq"]),
       st.sampled_from(["textbook", "gmcrplus"]), st.sampled_from([100_000, 3]), st.booleans(),
       st.data())
def test_status_quo_matches_the_search(c, concept, rule, max_states, stop, data):
    start = data.draw(st.integers(0, c.n_states - 1))
    r = status_quo_solve(c, c.state_names[start], concept, sanction_rule=rule,
                         max_states=max_states, stop_at_equilibria=stop)
    reach, paths, edges, truncated = _status_quo_reference(c, start, concept, rule, max_states,
                                                           stop)
    assert list(r.reachable) == reach and r.paths == paths and list(r.edges) == edges
    assert r.truncated == truncated and r.n_edges == len(edges)


@SETTINGS
@given(_conflicts(), st.sampled_from(["gmr", "smr", "seq"]),
       st.sampled_from(["textbook", "gmcrplus"]), st.data())
def test_explanations_match_the_full_search(c, concept, rule, data):
    """The nearest sanction, found by a search that stops at the first layer with one, is the
    one the full search picks; undeterred improvements list every response."""
    s = data.draw(st.integers(0, c.n_states - 1))
    i = data.draw(st.integers(0, len(c.decision_makers) - 1))
    e = explain(c, c.state_names[s], i, concept, sanction_rule=rule)
    assert e.stable == bool(stability_solve(c, sanction_rule=rule).stable[concept][i, s])
    moves = unilateral_moves(c)
    imps = unilateral_improvements(c)
    pay = c.payoffs[i]
    opp = [j for j in range(len(moves)) if j != i]
    graphs = [(imps if concept == "seq" else moves)[j] for j in opp]
    for d, s1 in zip(e.improvements, imps[i].targets(s).tolist()):
        reach = legal_paths(s1, graphs, opp, rule)
        ok = [t for t in reach if pay[t] <= pay[s] and (
            concept != "smr" or all(pay[u] <= pay[s] for u in moves[i].targets(t).tolist()))]
        if ok:
            t = min(ok, key=lambda t: (len(reach[t]), pay[t], t))
            assert d["sanction_state"] == c.state_names[t]
            assert [(x["dm"], x["from"], x["to"]) for x in d["sanction"]] == [
                (c.decision_makers[k], c.state_names[a], c.state_names[b])
                for k, a, b in reach[t]]
        else:
            assert d["responses"] == [c.state_names[t] for t in sorted(reach)]
            assert d["responses_total"] == len(reach)


def test_explanations_can_cap_the_responses():
    c = load_gmcr(ROOT / "tests" / "data" / "cases" / "gmcr" / "gmcrplus" / "Cuban.gmcr")
    full = explain(c, "NNNN", "US", "seq")
    d = {x["to"]: x for x in full.improvements}["NYNN"]
    assert d["responses"] == ["NYYN"] and d["responses_total"] == 1
    capped = explain(c, "NNNN", "US", "seq", max_responses=0)
    d = {x["to"]: x for x in capped.improvements}["NYNN"]
    assert d["responses"] == [] and d["responses_total"] == 1
    assert "Every response of the opponents (1 of them) leaves US better off" in capped.text()


# ----------------------------------------------------------------------------- bounds
def _random(k: int, seed: int = 0) -> Conflict:
    return parse_gmcr(gmcr_random.random_gmcr(4, k, seed))


def test_coalitions_are_bounded_and_say_so(monkeypatch):
    c = _random(8)
    held, work = coalition_cost(c)
    assert held > 0 and work > 0
    assert an.conflict_analysis(c, None).coalitions is not None
    monkeypatch.setattr(an, "MAX_COALITION_WORK", work - 1)
    parts = an.conflict_analysis(c, None)
    assert parts.coalitions is None
    (line,) = parts.limits
    assert line.startswith("Coalition analysis skipped: every coalition's joint moves over 256 "
                           "states") and line.endswith("run with --full to analyse them anyway.")
    full = an.conflict_analysis(c, None, full=True)
    assert full.coalitions is not None and full.limits == ()


def test_status_quo_search_and_responses_are_bounded_and_say_so(monkeypatch):
    c = _random(8, seed=1)
    sq = c.state_names[0]
    monkeypatch.setattr(an, "MAX_STATUS_QUO_STATES", 2)
    monkeypatch.setattr(an, "MAX_RESPONSES", 0)
    parts = an.conflict_analysis(c, sq)
    assert all(r.truncated for r in parts.status_quo_analysis.values())
    assert any(x.startswith("Status-quo search truncated: it stopped adding states at 2 of 256")
               for x in parts.limits)
    assert all(x.endswith(f"{an.FULL_FLAG} to follow every improvement.") or
               "responses" in x or x.startswith("Coalition") for x in parts.limits)
    full = an.conflict_analysis(c, sq, full=True)
    assert not any(r.truncated for r in full.status_quo_analysis.values())
    assert not any(x.startswith("Status-quo") for x in full.limits)


def test_json_lists_of_coalition_improvements_are_bounded(monkeypatch):
    from dataclasses import replace

    from detente.stability.scenario import StabilityRun, stability_to_dict

    c = _random(8, seed=2)
    r = stability_solve(c)
    parts = an.conflict_analysis(c, None, result=r)
    run = StabilityRun(result=r, options=(), status_quo=None, title="x", source="x", owners=(),
                       engine=c, sanction_rule="textbook", coalitions=parts.coalitions,
                       limits=parts.limits, full=parts.full)
    d = stability_to_dict(run)
    total = sum(len(v) for per in d["coalitions"]["improvements"].values() for v in per.values())
    assert total == sum(per.pairs for per in parts.coalitions.improvements.values()) > 0
    assert d["limits"] == []
    monkeypatch.setattr(an, "MAX_JSON_IMPROVEMENTS", total - 1)
    d = stability_to_dict(run)
    nash = set(r.equilibria("nash"))
    listed = {s for per in d["coalitions"]["improvements"].values() for s in per}
    assert listed <= nash
    (line,) = d["limits"]
    assert d["coalitions"]["improvements_listed_from"] in line and "--full" in line
    assert d["coalitions"]["equilibria"] == parts.coalitions.to_dict()["equilibria"]
    assert stability_to_dict(replace(run, full=True))["limits"] == []


def test_65536_states_are_analysed_by_default():
    """Four DMs with four options each: the bound lets every analysis run (about 1 s)."""
    c = _random(16)
    held, work = coalition_cost(c)
    assert work <= an.MAX_COALITION_WORK and held <= an.MAX_COALITION_WORDS


# ----------------------------------------------------------------------------- the command
@pytest.mark.slow
def test_4096_states_command_finishes(tmp_path):
    """`detente stability FILE` on 4 DMs, 12 options, 4,096 states, every analysis it prints
    (target 0.5 s on the benchmark machine; a generous bound here)."""
    f = gmcr_random.write_random_gmcr(tmp_path / "big.gmcr", 4, 12, seed=0)
    exe = Path(sys.executable).with_name("detente")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "detente"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd + ["stability", str(f)], capture_output=True, text=True, timeout=60,
                       check=False)
    dt = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr
    assert "4096 feasible states" in p.stdout
    assert "Coalition GMR equilibria" in p.stdout
    assert dt < 20.0
