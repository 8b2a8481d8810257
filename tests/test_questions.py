"""Forecast questions evaluated per draw: probabilities, intervals and each condition's meaning."""

from __future__ import annotations

import numpy as np
import pytest

from detente import analyze, loads_scenario
from detente.answers import wilson_interval

from .test_conflict_section import conflict, text_with
from .test_load_errors import FILE, base, dump


def _scenario(**top):
    d = base()
    d.update(top)
    return loads_scenario(dump(d), file=FILE)


def test_wilson_interval_known_values():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    lo, hi = wilson_interval(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)
    lo, hi = wilson_interval(0, 1000)
    assert lo == 0.0 and hi == pytest.approx(0.00383, abs=1e-4)


def test_outcome_probability_matches_a_hand_count():
    q = [{"id": "hi", "text": "territory ≥ 50?",
          "when": {"outcome": {"issue": "territory", "source": "compromise", "at_least": 50}}}]
    s = _scenario(questions=q)
    point = s.model_copy(update={"process": s.process.model_copy(update={"terms_error": 0.0})})
    a = analyze(point, draws=400, seed=3)
    by_hand = np.mean(a.forecast_user("compromise")[:, 0] >= 50)
    (res,) = a.questions
    assert res.probability == by_hand and res.draws == 400
    assert res.interval == wilson_interval(int(round(by_hand * 400)), 400)
    assert a.to_dict()["questions"][0]["probability"] == by_hand


def test_outcome_is_read_with_the_model_error_of_terms():
    from detente.process.terms import DEFAULT_TERMS_ERROR, terms_error

    q = [{"id": "hi", "text": "territory ≥ 50?",
          "when": {"outcome": {"issue": "territory", "source": "compromise", "at_least": 50}}}]
    s = _scenario(questions=q)
    a = analyze(s, draws=400, seed=3)
    d = a.inputs
    err = terms_error(s, d, a.process.seed, 0, "compromise", 0)
    pts = np.concatenate([d.position[:, d.has_stance[:, 0], 0], d.status_quo[:, :1]], axis=1)
    spread = pts.max(axis=1) - pts.min(axis=1)
    # a normal error whose sd is the DEU share of the spread of the positions
    z = err / (DEFAULT_TERMS_ERROR * spread)
    assert abs(z.mean()) < 0.2 and abs(z.std() - 1.0) < 0.1
    x = np.clip(a.forecasts["compromise"].outcome[:, 0] + err, 0, 1)
    by_hand = np.mean(d.to_user(np.stack([x] * len(d.issues), axis=1))[:, 0] >= 50 - 1e-9)
    assert a.questions[0].probability == by_hand
    assert 0.0 < by_hand < 1.0
    # the same seed gives the same answer; the error is in every assumption list
    assert analyze(s, draws=400, seed=3).questions[0].probability == by_hand
    assert any("terms error" in x for x in a.process.assumptions)


def test_all_any_not_combine_per_draw():
    ge = {"outcome": {"issue": "territory", "source": "compromise", "at_least": 50}}
    le = {"outcome": {"issue": "territory", "source": "median", "at_most": 60}}
    q = [{"id": "a", "text": "a", "when": ge}, {"id": "b", "text": "b", "when": le},
         {"id": "and", "text": "and", "when": {"all": [ge, le]}},
         {"id": "or", "text": "or", "when": {"any": [ge, le]}},
         {"id": "not", "text": "not", "when": {"not": ge}}]
    a = analyze(_scenario(questions=q), draws=300, seed=5)
    t = {r.id: r.truth for r in a.questions}
    np.testing.assert_array_equal(t["and"], t["a"] & t["b"])
    np.testing.assert_array_equal(t["or"], t["a"] | t["b"])
    np.testing.assert_array_equal(t["not"], ~t["a"])


def test_deal_by_month_follows_the_drift():
    """Two actors on one issue with opposite ideals and no cost: no zone at month 0; the drift
    makes walking away worse by 0.1 a month each, so a zone opens after month 0."""
    d = base()
    d["stances"] = {"us": {"territory": {"position": 0, "salience": 1.0}},
                    "ru": {"territory": {"position": 100, "salience": 1.0}}}
    d["issues"] = [{"id": "territory", "name": "Territory", "status_quo": 50}]
    d["no_deal"] = {"us": {"drift": 0.1}, "ru": {"drift": 0.1}}
    d["uncertainty"] = {}
    d["implementation"] = []
    d["questions"] = [
        {"id": "now", "text": "now", "when": {"zone": {"table": "talks", "by_month": 0}}},
        {"id": "m1", "text": "m1", "when": {"zone": {"table": "talks", "by_month": 1}}},
        {"id": "hold", "text": "h", "when": {"holds": {"table": "talks", "by_month": 1}}},
        {"id": "acc", "text": "a", "when": {"accepts": {"actor": "ua", "table": "talks",
                                                         "by_month": 1}}},
    ]
    s = loads_scenario(dump(d), file=FILE)
    a = analyze(s)
    got = {r.id: r.probability for r in a.questions}
    assert got["now"] == 0.0 and got["m1"] == 1.0 and got["hold"] == 1.0
    # Ukraine cares about territory (ideal 0): the deal at 50 is what it has with no deal
    assert got["acc"] == 1.0


def test_equilibrium_question_uses_the_conflict_section():
    q = [{"id": "nn", "text": "?", "when": {"equilibrium": {"state": "NN", "concept": "nash"}}},
         {"id": "yy", "text": "?", "when": {"equilibrium": {"state": "YY", "concept": "nash"}}},
         {"id": "yy-gmr", "text": "?",
          "when": {"equilibrium": {"state": {"us_coop": True, "ru_coop": True}}}}]
    s = loads_scenario(text_with(conflict(), questions=q), file=FILE)
    got = {r.id: r.probability for r in analyze(s).questions}
    assert got == {"nn": 1.0, "yy": 0.0, "yy-gmr": 1.0}


def test_resolution_is_carried():
    q = [{"id": "r", "text": "r", "resolution": {"outcome": True},
          "when": {"outcome": {"issue": "territory", "at_most": 100}}}]
    (res,) = analyze(_scenario(questions=q)).questions
    assert res.resolution is True and res.probability == 1.0


def test_timelines_are_reported_month_by_month():
    q = [{"id": "m2", "text": "m2", "when": {"zone": {"table": "talks", "by_month": 2}}}]
    a = analyze(_scenario(questions=q), draws=50, seed=1)
    tl = a.to_dict()["timelines"]["talks"]
    # every table's timeline runs over the process model's horizon (at least 12 months)
    assert tl["months"] == [float(m) for m in range(13)]
    assert len(tl["zone_share"]) == 13 and all(0 <= v <= 1 for v in tl["holds_share"])
    zone = a.timelines["talks"].zone
    assert a.questions[0].probability == zone[:, :3].any(axis=1).mean()


@pytest.mark.parametrize("drift", [False, True])
def test_timeline_reuses_month_zero_and_months_without_drift(drift):
    # month 0 is the table's own analysis (not solved again); without drift every month is
    # month 0 (copied). Tables of more than two members solve each later month from the month
    # before's deal (warm start): the same deal as solving the month on its own, to the
    # solver's precision (1e-8, tests/test_bargain_core.py), and the same zone verdicts.
    from detente import sample
    from detente.bargain import bargain_tables
    from detente.timeline import table_timeline

    no_deal = {"ru": {"cost": 0.1, "expects": {"territory": 60}}}
    if drift:
        no_deal = {"ru": {"cost": 0.1, "drift": 0.02}, "us": {"drift": -0.01}}
    s = _scenario(tables=[{"id": "talks", "members": ["us", "ru"]},
                          {"id": "all", "members": ["us", "ru", "ua"]}], no_deal=no_deal)
    d = sample(s, 40, seed=5)
    tables = bargain_tables(s, d)
    for tid, res in tables.items():
        reused = table_timeline(s, d, tid, 2, known=res)
        fresh = table_timeline(s, d, tid, 2)
        month2 = table_timeline(s, d, tid, np.array([2.0]))
        np.testing.assert_array_equal(reused.deal[:, 0], res.deal.x)
        np.testing.assert_array_equal(reused.zone_value[:, 0], res.zone_value)
        for got in (reused, fresh):
            np.testing.assert_array_equal(got.deal, fresh.deal)
            np.testing.assert_array_equal(got.zone_value, fresh.zone_value)
            np.testing.assert_array_equal(got.holds, fresh.holds)
            for a in got.accepts:
                np.testing.assert_array_equal(got.accepts[a], fresh.accepts[a])
            np.testing.assert_array_equal(got.zone[:, 2], month2.zone[:, 0])
            if tid == "talks" or not drift:  # two members: exact, in one batch
                np.testing.assert_array_equal(got.deal[:, 2], month2.deal[:, 0])
                np.testing.assert_array_equal(got.zone_value[:, 2], month2.zone_value[:, 0])
            else:
                np.testing.assert_allclose(got.deal[:, 2], month2.deal[:, 0], atol=1e-8)


def test_the_point_estimate_reads_terms_at_the_model_point():
    q = [{"id": "hi", "text": "territory ≥ 50?",
          "when": {"outcome": {"issue": "territory", "source": "compromise", "at_least": 50}}}]
    s = _scenario(questions=q)
    a = analyze(s)  # the point estimate
    assert a.questions[0].probability == float(a.forecast_user("compromise")[0, 0] >= 50)
    assert not any("terms error" in x for x in a.process.assumptions)


def test_a_process_condition_without_the_process_says_so():
    """Asked of a run without the process model, a condition on the talks is a clear error."""
    from detente import analyze, load_scenario
    from detente.answers import evaluate_condition
    from detente.errors import DetenteError

    from .conftest import SCENARIOS

    s = load_scenario(SCENARIOS / "ukraine-2025-02.yaml")
    a = analyze(s, sensitivity=False)
    q = next(q for q in s.questions if "talks" in type(q.when).model_fields)
    with pytest.raises(DetenteError, match="bargain=True"):
        evaluate_condition(q.when, s, a.inputs, a.forecasts, a.tables, None)
