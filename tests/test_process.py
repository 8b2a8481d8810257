"""The process model through analyze(): the flagship's answers, the conditions, the section.

The published formulas (Rubinstein, Baron–Ferejohn, Fearon) and the properties are in
tests/test_process_theory.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from detente import load_scenario, loads_scenario
from detente.analysis import analyze
from detente.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "ukraine-2025-02.yaml"


@pytest.fixture(scope="module")
def flagship_run():
    return analyze(load_scenario(FLAGSHIP), draws=2000, seed=2025)


# ------------------------------------------------------------------ the flagship's answers
# Questions about concluding a deal that the inputs do not settle logically: each must be an
# open-interval answer (the old zone-based answers were all 0% or 100%).
OPEN = ("truce-3m", "us-russia-deal-6m", "big-deal-6m", "ceasefire-only-6m",
        "inclusive-deal-12m", "inclusive-in-force-12m", "any-deal-lapsed-12m",
        "us-tightens-sanctions-6m", "us-russia-talks-1m")


def test_flagship_deal_questions_are_open_interval_answers(flagship_run):
    got = {q.id: q for q in flagship_run.questions}
    for qid in OPEN:
        q = got[qid]
        assert 0.0 < q.probability < 1.0, (qid, q.probability)
        lo, hi = q.interval
        assert 0.0 < lo < hi < 1.0, (qid, q.interval)


def test_flagship_certain_answers_have_a_reason_the_user_sees(flagship_run):
    """A US–Russia deal in force needs Ukraine's acceptance; the summary says which veto
    player's rejection makes that answer 0, instead of leaving a bare 0%."""
    got = {q.id: q.probability for q in flagship_run.questions}
    d = flagship_run.to_dict()["process"]["tables"]["us-russia"]
    if got["us-russia-in-force-6m"] == 0.0:
        assert d["why"]["vetoed"] > 0
        assert any("veto player" in s for s in d["why"]["sentences"])


def test_concluded_never_exceeds_the_zone_on_the_flagship(flagship_run):
    for tid, tp in flagship_run.process.tables.items():
        concluded = np.cumsum(tp.concluded, axis=1) > 0
        zone = np.cumsum(flagship_run.process.timelines[tid].zone, axis=1) > 0
        assert not (concluded & ~zone).any()
        for pp in tp.partials.values():
            # a truce settles only its issues and may come without a zone for a settlement
            assert not (pp.in_force & ~(np.cumsum(pp.concluded, axis=1) > 0)).any()


def test_in_force_implies_concluded_and_not_lapsed(flagship_run):
    for tp in flagship_run.process.tables.values():
        concluded = np.cumsum(tp.concluded, axis=1) > 0
        assert not (tp.in_force & ~concluded).any()
        # in force in a month → no lapse in that same month
        assert not (tp.in_force & tp.lapsed).any()


def test_summary_has_the_process_timeline_and_paths(flagship_run):
    p = flagship_run.to_dict()["process"]
    assert p["months"] == [float(m) for m in range(13)]
    for tid, rec in p["tables"].items():
        for key in ("zone", "concluded_so_far", "in_force", "lapsed_so_far",
                    "available_not_credible"):
            assert len(rec[key]) == 13 and all(0 <= v <= 1 for v in rec[key])
        assert rec["concluded_so_far"] == sorted(rec["concluded_so_far"])  # cumulative
        probs = [x["probability"] for x in rec["paths"]]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-12
        assert rec["why"]["sentences"]
    assert p["unilateral"] and p["unilateral"][0]["actor"] == "us"


def test_same_seed_same_paths_and_chunking_does_not_matter():
    s = load_scenario(FLAGSHIP)
    a = analyze(s, draws=300, seed=7)
    b = analyze(s, draws=300, seed=7, chunk_size=1024, backend="serial")
    for tid in a.process.tables:
        for name in ("concluded", "in_force", "lapsed", "proposer", "talks"):
            np.testing.assert_array_equal(getattr(a.process.tables[tid], name),
                                          getattr(b.process.tables[tid], name))
    assert [q.probability for q in a.questions] == [q.probability for q in b.questions]


# ------------------------------------------------------------------ small scenarios
def _scenario(process: dict | None = None, questions: list | None = None,
              no_deal: dict | None = None, extra: dict | None = None) -> dict:
    doc = {
        "id": "t", "title": "t", "as_of": "2025-01-01",
        "actors": [{"id": "a", "name": "A", "capability": 1.0},
                   {"id": "b", "name": "B", "capability": 1.0},
                   {"id": "v", "name": "V", "capability": 1.0}],
        "issues": [{"id": "x", "name": "X", "status_quo": 50},
                   {"id": "y", "name": "Y", "status_quo": 50}],
        "stances": {"a": {"x": {"position": 100, "salience": 1.0},
                          "y": {"position": 0, "salience": 0.5}},
                    "b": {"x": {"position": 0, "salience": 0.5},
                          "y": {"position": 100, "salience": 1.0}},
                    "v": {"x": {"position": 40, "salience": 1.0}}},
        "no_deal": no_deal if no_deal is not None else {"a": {"cost": 0.1},
                                                        "b": {"cost": 0.1}},
        "tables": [{"id": "t", "members": ["a", "b"]}],
        "questions": questions or [],
    }
    if process is not None:
        doc["process"] = process
    doc.update(extra or {})
    return doc


def _load(doc: dict):
    return loads_scenario(yaml.safe_dump(doc, sort_keys=False), file="x.yaml")


def _q(qid: str, when: dict) -> dict:
    return {"id": qid, "text": qid, "when": when}


def test_without_a_base_rate_the_default_pace_is_used_and_said():
    s = _load(_scenario(questions=[_q("c0", {"concluded": {"table": "t", "by_month": 0}}),
                                   _q("c12", {"concluded": {"table": "t", "by_month": 12}})]))
    a = analyze(s, draws=2000, seed=1)
    p = {q.id: q.probability for q in a.questions}
    # a zone exists from month 0, yet the deal is not concluded at once: the pace is 0.2
    assert 0.1 < p["c0"] < 0.3
    assert p["c0"] < p["c12"] < 1.0
    assert any("default pace" in x for x in a.to_dict()["process"]["assumptions"])


def test_pace_one_concludes_at_once_where_there_is_a_zone():
    proc = {"base_rate": {"pace": 1.0}}
    s = _load(_scenario(proc, [_q("c0", {"concluded": {"table": "t", "by_month": 0}}),
                               _q("z0", {"zone": {"table": "t", "by_month": 0}})]))
    a = analyze(s, draws=50, seed=1)
    p = {q.id: q.probability for q in a.questions}
    assert p["z0"] == 1.0 and p["c0"] == 1.0
    assert a.to_dict()["process"]["assumptions"] == []


def test_mutual_optimism_delays_the_deal_until_beliefs_converge():
    """a expects to win x by fighting on (100), b expects to win it (0): no zone at month 0.
    With a half-life of 3 months the expectations converge on the status quo and a zone
    opens; with none it never does."""
    nd = {"a": {"cost": 0.1, "expects": {"x": 100}}, "b": {"cost": 0.1, "expects": {"x": 0}}}
    qs = [_q("z0", {"zone": {"table": "t", "by_month": 0}}),
          _q("z12", {"zone": {"table": "t", "by_month": 12}}),
          _q("c12", {"concluded": {"table": "t", "by_month": 12}})]
    never = analyze(_load(_scenario({"base_rate": {"pace": 1.0}}, qs, nd)))
    assert [q.probability for q in never.questions] == [0.0, 0.0, 0.0]
    conv = analyze(_load(_scenario({"base_rate": {"pace": 1.0},
                                    "beliefs": {"half_life": 3}}, qs, nd)))
    p = {q.id: q.probability for q in conv.questions}
    assert p["z0"] == 0.0 and p["z12"] == 1.0 and p["c12"] == 1.0
    why = conv.to_dict()["process"]["tables"]["t"]["why"]
    assert why["optimism_closes_zone_now"] == 1.0


def test_a_rising_no_deal_value_makes_a_member_renege():
    """b's no-deal value rises 0.05 a month (time is on its side): a deal made now is
    available but not credible, and lapses when b would gain by reneging."""
    nd = {"a": {"cost": 0.1}, "b": {"cost": 0.1, "drift": -0.05}}
    qs = [_q("c0", {"concluded": {"table": "t", "by_month": 0}}),
          _q("l12", {"lapsed": {"table": "t", "by_month": 12}}),
          _q("cred0", {"credible": {"table": "t", "by_month": 0}})]
    a = analyze(_load(_scenario({"base_rate": {"pace": 1.0}}, qs, nd)))
    p = {q.id: q.probability for q in a.questions}
    assert p["c0"] == 1.0 and p["l12"] == 1.0 and p["cred0"] == 0.0
    assert a.process.tables["t"].reneged.any()
    # a reneging penalty (guarantees, monitoring) large enough makes the deal credible
    a2 = analyze(_load(_scenario({"base_rate": {"pace": 1.0},
                                  "commitment": {"penalty": {"b": 1.0}}}, qs, nd)))
    p2 = {q.id: q.probability for q in a2.questions}
    assert p2["cred0"] == 1.0 and p2["l12"] == 0.0


def test_a_veto_player_off_the_table_keeps_a_deal_out_of_force():
    qs = [_q("c0", {"concluded": {"table": "t", "by_month": 0}}),
          _q("f0", {"in_force": {"table": "t", "at_month": 0}})]
    extra = {"implementation": [{"actor": "v", "issues": ["x"]}]}
    nd = {"a": {"cost": 0.1}, "b": {"cost": 0.1}, "v": {"cost": 0.0}}
    a = analyze(_load(_scenario({"base_rate": {"pace": 1.0}}, qs, nd, extra)))
    p = {q.id: q.probability for q in a.questions}
    assert p["c0"] == 1.0 and p["f0"] == 0.0


def test_partial_agreement_and_its_expiry():
    proc = {"base_rate": {"pace": 0.0},
            "partials": [{"id": "p", "table": "t", "issues": ["x"], "chance": 1.0,
                          "duration": 2}]}
    qs = [_q("p0", {"concluded": {"table": "t", "partial": "p", "by_month": 0}}),
          _q("f1", {"in_force": {"table": "t", "partial": "p", "at_month": 1}}),
          _q("f2", {"in_force": {"table": "t", "partial": "p", "at_month": 2}}),
          _q("c12", {"concluded": {"table": "t", "by_month": 12}})]
    a = analyze(_load(_scenario(proc, qs)))
    p = {q.id: q.probability for q in a.questions}
    # concluded at month 0 for two months: it expires at month 2 and, always on the agenda,
    # is agreed again at once; the comprehensive deal never comes (pace 0)
    assert p["p0"] == 1.0 and p["f1"] == 1.0 and p["f2"] == 1.0 and p["c12"] == 0.0
    pp = a.process.tables["t"].partials["p"]
    assert list(pp.concluded[0]) == [m % 2 == 0 for m in range(13)]
    assert not pp.lapsed.any()  # expiry as agreed is not a lapse


def test_a_partial_agreement_leaves_its_open_issues_contested():
    """a and b each expect to win y by fighting on: mutual optimism, no zone for a
    comprehensive deal. A truce on x alone settles nothing about y, so neither side's
    optimism about y stands in its way: it is concluded, and how sure each side is of
    winning y does not change that."""
    proc = {"base_rate": {"pace": 1.0},
            "partials": [{"id": "p", "table": "t", "issues": ["x"], "chance": 1.0,
                          "duration": 1}]}
    qs = [_q("p0", {"concluded": {"table": "t", "partial": "p", "by_month": 0}}),
          _q("c12", {"concluded": {"table": "t", "by_month": 12}})]
    probs = []
    for ea, eb in ((0, 100), (20, 80), (45, 55)):
        nd = {"a": {"cost": 0.1, "expects": {"y": ea}},
              "b": {"cost": 0.1, "expects": {"y": eb}}}
        a = analyze(_load(_scenario(proc, qs, nd)), draws=200, seed=1)
        probs.append({q.id: q.probability for q in a.questions})
    assert probs[0]["c12"] == 0.0  # each expects to win y: no comprehensive deal
    assert [p["p0"] for p in probs] == [1.0, 1.0, 1.0]


def test_who_refuses_a_partial_agreement_is_said():
    """a proposes (b almost never) and believes b expects x to stay at the status quo; b expects to
    win x (0) by fighting on, so a's first truce on x asks too much of b and b refuses it;
    having learned b's value, a offers enough the next time it comes up."""
    proc = {"base_rate": {"pace": 0.0},
            "tables": {"t": {"recognition": {"a": 1.0, "b": 1e-6}}},
            "partials": [{"id": "p", "table": "t", "issues": ["x"], "chance": 1.0,
                          "duration": 1}]}
    nd = {"a": {"cost": 0.1}, "b": {"cost": 0.1, "expects": {"x": 20}}}
    qs = [_q("p0", {"concluded": {"table": "t", "partial": "p", "by_month": 0}}),
          _q("p1", {"concluded": {"table": "t", "partial": "p", "by_month": 1}})]
    a = analyze(_load(_scenario(proc, qs, nd)), draws=50, seed=1)
    p = {q.id: q.probability for q in a.questions}
    assert p["p0"] == 0.0 and p["p1"] == 1.0
    rec = a.to_dict()["process"]["tables"]["t"]
    assert rec["partials"]["p"]["on_agenda"] == 1.0
    assert rec["partials"]["p"]["refused_by"] == {"a": 0.0, "b": 1.0}
    assert ("Partial agreement 'p' concluded by month 12 in 100% of draws; on the agenda in "
            "100%; refused at least once by b in 100%.") in rec["why"]["sentences"]


def test_an_explicit_no_deal_value_is_compared_with_the_truce_as_it_stands():
    """a declares its no-deal value outright (0.85), so it has no per-issue belief to judge
    the open issue y by: the truce on x is compared as it stands, y at the status quo. Its
    best truce is worth 2/3 + 1/3 · 0.5 ≈ 0.83 to it: never enough, however sure it says it
    is of winning y (its `expects`)."""
    proc = {"base_rate": {"pace": 0.0},
            "partials": [{"id": "p", "table": "t", "issues": ["x"], "chance": 1.0,
                          "duration": 1}]}
    qs = [_q("p0", {"concluded": {"table": "t", "partial": "p", "by_month": 0}})]
    p = {}
    for v in (0.85, 0.65):
        nd = {"a": {"value": v, "expects": {"y": 0}}, "b": {"cost": 0.1}}
        a = analyze(_load(_scenario(proc, qs, nd)), draws=50, seed=1)
        p[v] = a.questions[0].probability
    assert p[0.85] == 0.0 and p[0.65] == 1.0


def test_believed_values_add_up_to_the_no_deal_utility_under_each_belief():
    from detente.process.values import believed_values, perceived

    rng = np.random.default_rng(3)
    n, k, m, t = 5, 3, 4, 6
    w = rng.dirichlet(np.ones(m), size=(n, k))
    pos = rng.random((n, k, m))
    mean = rng.random((n, k, m, t))
    sd = rng.random((n, k, m, t)) * 0.3
    zero = np.zeros((n, k))
    whole = perceived(w, pos, mean, sd, zero, zero, np.full((n, k), np.nan),
                      np.arange(t, dtype=float))
    for viewer in range(k):  # every actor's utility under this viewer's belief, per issue
        per_issue = believed_values(w[..., None], pos[..., None], mean[:, viewer, None],
                                    sd[:, viewer, None])  # (N, J, I, T)
        np.testing.assert_allclose(per_issue.sum(axis=2), whole[:, viewer], rtol=0,
                                   atol=1e-12)


def test_a_veto_player_judges_a_partial_agreement_on_its_own_issues():
    """v cares about x and y and expects y to go its way; a truce on x that moves x towards
    v's position is in force however sure v is about y."""
    proc = {"base_rate": {"pace": 0.0},
            "partials": [{"id": "p", "table": "t", "issues": ["x"], "chance": 1.0}]}
    qs = [_q("f0", {"in_force": {"table": "t", "partial": "p", "at_month": 0}})]
    extra = {"implementation": [{"actor": "v", "issues": ["x"]}]}
    doc = _scenario(proc, qs, None, extra)
    doc["stances"]["v"] = {"x": {"position": 40, "salience": 1.0},
                           "y": {"position": 0, "salience": 1.0}}
    for ev in (0, 50):
        doc["no_deal"] = {"a": {"cost": 0.1}, "b": {"cost": 0.1},
                          "v": {"cost": 0.0, "expects": {"y": ev}}}
        a = analyze(_load(doc), draws=50, seed=1)
        pp = a.process.tables["t"].partials["p"]
        x = pp.package[:, 0]  # normalised: v's ideal on x is 0.4, the status quo 0.5
        expect = np.abs(x - 0.4) < 0.1 - 1e-9
        assert np.array_equal(pp.in_force[:, 0], expect)


def test_unilateral_move_and_its_question():
    proc = {"base_rate": {"pace": 0.0},
            "unilateral": [{"actor": "a", "issue": "y", "range": [0, 50], "step": 10}]}
    qs = [_q("u", {"unilateral": {"actor": "a", "issue": "y", "at_most": 20, "by_month": 6}})]
    a = analyze(_load(_scenario(proc, qs)))
    mv = a.process.unilateral[0]
    # a wants y at 0: easing it toward its own ideal is also its best response here
    assert mv.target[0] == pytest.approx(0.0)
    user = 50 + mv.shift[0] * 100
    np.testing.assert_allclose(user[:7], [50, 40, 30, 20, 10, 0, 0], atol=1e-9)
    assert a.questions[0].probability == 1.0


def test_an_agreement_in_force_freezes_a_unilateral_move_on_its_issue():
    proc = {"base_rate": {"pace": 1.0}, "tables": {"t": {"start": 2}},
            "unilateral": [{"actor": "a", "issue": "y", "range": [0, 50], "step": 10}]}
    qs = [_q("u", {"unilateral": {"actor": "a", "issue": "y", "at_most": 20, "by_month": 6}})]
    a = analyze(_load(_scenario(proc, qs)))
    tp = a.process.tables["t"]
    assert not tp.in_force[0, :2].any() and tp.in_force[0, 2:].all()
    user = 50 + a.process.unilateral[0].shift[0] * 100
    # it moves in month 1; the deal in force from month 2 holds it at 40
    np.testing.assert_allclose(user[:7], [50, 40, 40, 40, 40, 40, 40], atol=1e-9)
    assert a.questions[0].probability == 0.0


def test_an_uncertain_step_makes_a_deadline_a_probability():
    """With the step fixed at 10 a month, y cannot reach 20 by month 2 (50 − 2·10 = 30): 0% in
    every draw. Declared uncertain (uniform 5–25 a month), it does exactly where the step is
    at least 15 — in half the draws."""
    proc = {"base_rate": {"pace": 0.0}, "choice_noise": 0,  # the best response in every draw
            "unilateral": [{"actor": "a", "issue": "y", "range": [0, 50], "step": 10}]}
    qs = [_q("u", {"unilateral": {"actor": "a", "issue": "y", "at_most": 20, "by_month": 2}})]
    fixed = analyze(_load(_scenario(proc, qs)), draws=400, seed=4)
    assert fixed.questions[0].probability == 0.0
    unc = {"process.unilateral.a.y.step": {"dist": "uniform", "low": 5, "high": 25}}
    a = analyze(_load(_scenario(proc, qs, extra={"uncertainty": unc})), draws=4000, seed=4)
    step = a.inputs.process["step"][:, 0]
    assert step.min() >= 5 and step.max() <= 25
    truth = a.questions[0].truth
    np.testing.assert_array_equal(truth, step >= 15 - 1e-9)
    assert a.questions[0].probability == pytest.approx(0.5, abs=0.03)


def test_an_uncertain_step_names_a_declared_move():
    unc = {"process.unilateral.b.y.step": {"dist": "uniform", "low": 5, "high": 25}}
    proc = {"unilateral": [{"actor": "a", "issue": "y", "range": [0, 50], "step": 10}]}
    with pytest.raises(ScenarioError) as e:
        _load(_scenario(proc, extra={"uncertainty": unc}))
    assert "no unilateral move of 'b' on 'y'" in str(e.value)


def test_unilateral_choice_noise():
    """choice_noise 0: the best response in every draw (y to 0, a's ideal). The default (the
    dev-fitted logit λ): every candidate in some draws, the best one most often; the same seed
    gives the same choices; the default is said among the assumptions."""
    proc = {"base_rate": {"pace": 0.0},
            "unilateral": [{"actor": "a", "issue": "y", "range": [0, 50], "step": 10}]}
    qs = [_q("u", {"unilateral": {"actor": "a", "issue": "y", "at_most": 20, "by_month": 6}})]
    best = analyze(_load(_scenario({**proc, "choice_noise": 0}, qs)), draws=300, seed=5)
    np.testing.assert_allclose(best.process.unilateral[0].target, 0.0)
    a = analyze(_load(_scenario(proc, qs)), draws=3000, seed=5)
    t = np.round(a.process.unilateral[0].target * 100)
    values, counts = np.unique(t, return_counts=True)
    assert set(values) == {0, 25, 50} and counts[0] == counts.max()
    again = analyze(_load(_scenario(proc, qs)), draws=3000, seed=5)
    np.testing.assert_array_equal(again.process.unilateral[0].target,
                                  a.process.unilateral[0].target)
    assert 0.0 < a.questions[0].probability < 1.0 == best.questions[0].probability
    assert any("choice noise" in x for x in a.to_dict()["process"]["assumptions"])


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("process,fragment", [
    ({"tables": {"nope": {"chance": 0.5}}}, "'nope' is not a defined table"),
    ({"tables": {"t": {"recognition": {"v": 1.0}}}}, "'v' does not sit at table 't'"),
    ({"partials": [{"id": "p", "table": "t", "issues": ["z"], "chance": 0.5}]},
     "'z' is not a defined issue"),
    ({"unilateral": [{"actor": "a", "issue": "x", "range": [0, 150], "step": 5}]},
     "the range must be within the issue's scale"),
    ({"unilateral": [{"actor": "a", "issue": "x", "range": [0, 50], "step": 5,
                      "option": "nope"}]}, "'nope' is not an option"),
    ({"base_rate": {"pace": 1.5}}, "must be within [0, 1]"),
    ({"tables": {"t": {"recognition": {}}}}, "no member is given a weight"),
    ({"beliefs": {"half_lfe": 3}}, "unknown field 'half_lfe'"),
])
def test_process_section_errors_are_located(process, fragment):
    with pytest.raises(ScenarioError) as e:
        _load(_scenario(process))
    text = str(e.value)
    assert fragment in text and "x.yaml:" in text and "process" in text


def test_question_about_an_undeclared_partial_or_move_is_refused():
    qs = [_q("p", {"concluded": {"table": "t", "partial": "p", "by_month": 1}}),
          _q("u", {"unilateral": {"actor": "a", "issue": "x", "at_most": 1}})]
    with pytest.raises(ScenarioError) as e:
        _load(_scenario(None, qs))
    text = str(e.value)
    assert "'p' is not a partial agreement" in text
    assert "'a' has no unilateral move on 'x'" in text


def test_a_question_after_the_declared_horizon_is_refused():
    qs = [_q("c18", {"concluded": {"table": "t", "by_month": 18}})]
    with pytest.raises(ScenarioError) as e:
        _load(_scenario({"horizon": 12}, qs))
    assert "asks about month 18, after the process horizon (process.horizon: 12)" in str(e.value)


@pytest.mark.parametrize("path", ["process.discount.a", "process.commitment.penalty.b",
                                  "process.base_rate.pace", "process.beliefs.half_life",
                                  "process.breakdown"])
def test_process_parameters_can_be_uncertain(path):
    unc = {path: "uniform(0.2, 0.9)"}
    s = _load(_scenario({"base_rate": {"pace": 0.5}}, extra={"uncertainty": unc}))
    a = analyze(s, draws=40, seed=3)
    j = a.inputs.uncertain_paths.index(path)
    assert 0.2 <= a.inputs.uncertain_values[:, j].min() < a.inputs.uncertain_values[:, j].max()


def test_an_uncertain_pace_is_not_reported_as_the_default():
    s = _load(_scenario(None, extra={"uncertainty": {"process.base_rate.pace":
                                                     "uniform(0.1, 0.3)"}}))
    said = analyze(s, draws=20, seed=1).to_dict()["process"]["assumptions"]
    assert not any("default pace" in x for x in said)


# ---- the pace's dispersion (a gamma frailty on the monthly hazard of a decisive round)

def test_disperse_keeps_the_mean_hazard_and_the_certain_paces():
    from detente.process.simulate import disperse

    u = (np.arange(20000) + 0.5) / 20000
    pace = np.full(u.size, 0.2)
    for var in (0.5, 1.0, 2.0):
        p = disperse(pace, var, u)
        # the frailty has mean 1: the mean hazard −ln(1 − pace) is the declared one
        assert np.mean(-np.log1p(-p)) == pytest.approx(-np.log(0.8), rel=1e-3)
        assert np.all(np.diff(p) >= 0)  # monotone in the uniform
        assert p.min() < 0.2 < p.max() < 1.0
    assert np.array_equal(disperse(pace, 0.0, u), pace)
    assert np.array_equal(disperse(pace, 1.0, None), pace)
    edge = np.array([0.0, 1.0, 0.0, 1.0])
    assert np.array_equal(disperse(edge, 2.0, np.array([0.01, 0.01, 0.99, 0.99])), edge)


def test_the_pace_dispersion_spreads_the_timing_not_its_first_month():
    """With a zone from month 0 and pace 0.2, hazard h = −ln 0.8: a geometric pace concludes
    by month t with 1 − e^(−h(t+1)); with a gamma frailty of variance θ, 1 − (1 + θh(t+1))^(−1/θ)
    (the Laplace transform of the gamma law): a little less in month 0, much less later."""
    qs = [_q("c0", {"concluded": {"table": "t", "by_month": 0}}),
          _q("c12", {"concluded": {"table": "t", "by_month": 12}})]
    fixed = analyze(_load(_scenario({"base_rate": {"pace": 0.2}, "pace_dispersion": 0},
                                    qs)), draws=4000, seed=1)
    spread = analyze(_load(_scenario({"base_rate": {"pace": 0.2}, "pace_dispersion": 2},
                                     qs)), draws=4000, seed=1)
    pf = {q.id: q.probability for q in fixed.questions}
    ps = {q.id: q.probability for q in spread.questions}
    h = -np.log(0.8)
    assert pf["c0"] == pytest.approx(0.2, abs=0.02)
    assert ps["c0"] == pytest.approx(1 - (1 + 2 * h) ** -0.5, abs=0.02)  # 0.168
    assert pf["c12"] == pytest.approx(1 - 0.8 ** 13, abs=0.02)  # 0.945
    assert ps["c12"] == pytest.approx(1 - (1 + 2 * 13 * h) ** -0.5, abs=0.03)  # 0.617
    said = spread.to_dict()["process"]["assumptions"]
    assert not any("pace dispersion" in x for x in said)
    default = analyze(_load(_scenario({"base_rate": {"pace": 0.2}}, qs)), draws=50, seed=1)
    assert any("pace dispersion" in x for x in default.to_dict()["process"]["assumptions"])


def test_no_new_talks_in_the_month_a_deal_lapses(flagship_run):
    for tp in flagship_run.process.tables.values():
        assert not (tp.lapsed & tp.talks).any()


# ---- the terms of a concluded deal are read around the members' compromise

def test_terms_are_read_around_the_members_compromise():
    """Members a and b (capability 1 each): on x, a at 100 (salience 1), b at 0 (0.5): the
    compromise is 100·1 / 1.5 = 66.7; v (not a member) does not count. With no model error and
    pace 1, a deal with x between 60 and 70 is concluded at month 0 in every draw."""
    qs = [_q("band", {"concluded": {"table": "t", "by_month": 0,
                                    "terms": {"x": {"at_least": 60, "at_most": 70}}}}),
          _q("any", {"concluded": {"table": "t", "by_month": 0}})]
    proc = {"base_rate": {"pace": 1.0}, "terms_error": 0}
    a = analyze(_load(_scenario(proc, qs)), draws=50, seed=1, sensitivity=False)
    p = {q.id: q.probability for q in a.questions}
    assert p["any"] == 1.0 and p["band"] == 1.0
    # the proposer's package instead: the share of draws whose package has x in the band
    b = analyze(_load(_scenario({**proc, "terms_point": "package"}, qs)), draws=50, seed=1,
                sensitivity=False)
    x = 100 * b.per_draw.process.tables["t"].package[:, 0]
    pb = {q.id: q.probability for q in b.questions}
    assert pb["band"] == pytest.approx(np.mean((x >= 60 - 1e-9) & (x <= 70 + 1e-9)))
    assert pb["band"] < 1.0  # the package sits at a vertex of the frontier, not in between


def test_terms_point_refuses_an_unknown_value():
    with pytest.raises(Exception, match="terms_point"):
        _load(_scenario({"terms_point": "nash"}))


def test_an_outcome_question_alone_is_not_said_to_read_the_compromise():
    qs = [_q("o", {"outcome": {"issue": "x", "source": "t", "at_least": 55}})]
    said = analyze(_load(_scenario({"base_rate": {"pace": 0.3}}, qs)), draws=20, seed=1,
                   sensitivity=False).to_dict()["process"]["assumptions"]
    terms = [x for x in said if x.startswith("no terms error")]
    assert terms and "outcomes are read with" in terms[0] and "compromise" not in terms[0]


def test_a_vanishing_pace_dispersion_keeps_the_pace():
    from detente.process.simulate import disperse

    pace = np.full(3, 0.2)
    assert np.array_equal(disperse(pace, 1e-310, np.array([1e-15, 0.5, 1.0])), pace)


def test_the_summary_says_what_a_concluded_deal_contains_as_terms_questions_read_it():
    proc = {"base_rate": {"pace": 1.0}, "terms_error": 0}
    a = analyze(_load(_scenario(proc)), draws=50, seed=1, sensitivity=False)
    d = a.to_dict()["process"]
    assert d["terms_point"] == "compromise"
    t = d["tables"]["t"]
    assert t["terms"]["x"]["p50"] == pytest.approx(100 / 1.5)  # a at 100 (1), b at 0 (0.5)
    assert t["terms"]["x"]["defined"] == 1.0
    said = " ".join(t["why"]["sentences"])
    assert "What it contains" in said and "x 67 [67–67]" in said and "y 67" in said
