"""Brier and log scores, calibration, the Brier score's decomposition and the AUC against
hand-computed values and their identities; `detente score`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.cli import EXIT, main
from detente.scoring import auc, score_forecasts

from .conftest import SCENARIOS


def test_hand_computed_scores():
    r = score_forecasts([0.9, 0.2, 0.5, 0.7], [1, 0, 1, 0])
    assert r.brier == pytest.approx((0.01 + 0.04 + 0.25 + 0.49) / 4)
    assert r.log_score == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.5)
                                          + math.log(0.3)) / 4)
    bins = {tuple(b["bin"]): b for b in r.calibration}
    assert bins[(0.9, 1.0)]["n"] == 1 and bins[(0.9, 1.0)]["observed_frequency"] == 1.0
    assert bins[(0.7, 0.8)]["observed_frequency"] == 0.0


def _terms(r):
    return (r.reliability - r.resolution + r.uncertainty + r.within_bin_variance
            - r.within_bin_covariance)


# forecasts anywhere in [0, 1], on the bins' edges, and repeated (ties)
_forecast = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]))


@given(st.lists(st.tuples(_forecast, st.booleans()), min_size=1, max_size=60))
def test_decomposition_sums_to_the_brier_score(pairs):
    p = np.array([x for x, _ in pairs])
    o = np.array([float(y) for _, y in pairs])
    r = score_forecasts(p, o)
    assert r.brier == pytest.approx(_terms(r), abs=1e-12, rel=0)
    assert r.reliability >= 0 and r.resolution >= 0 and r.within_bin_variance >= 0
    assert r.uncertainty == pytest.approx(o.mean() * (1 - o.mean()), abs=1e-15)
    assert r.resolution <= r.uncertainty + 1e-12  # resolution is part of the outcomes' variance
    assert r.within_bin_variance <= 0.05 ** 2 + 1e-12  # bins are 0.1 wide
    # the terms against the calibration table they are computed from
    n = len(p)
    ob = o.mean()
    cal = r.calibration
    assert r.reliability == pytest.approx(
        sum(c["n"] * (c["mean_forecast"] - c["observed_frequency"]) ** 2 for c in cal) / n,
        abs=1e-12)
    assert r.resolution == pytest.approx(
        sum(c["n"] * (c["observed_frequency"] - ob) ** 2 for c in cal) / n, abs=1e-12)
    # the AUC against every (yes, no) pair counted one by one, ties half
    yes, no = p[o == 1], p[o == 0]
    if len(yes) and len(no):
        pairs_won = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in yes for b in no)
        assert r.auc == pytest.approx(pairs_won / (len(yes) * len(no)), abs=1e-12)
    else:
        assert math.isnan(r.auc) and r.to_dict()["auc"] is None


@given(st.lists(st.tuples(st.integers(0, 9), st.booleans()), min_size=1, max_size=40))
def test_with_one_forecast_per_bin_murphys_three_terms_are_exact(pairs):
    """Forecasts equal within each bin: no within-bin term, Murphy (1973) exactly."""
    p = [0.05 + 0.1 * k for k, _ in pairs]
    r = score_forecasts(p, [int(y) for _, y in pairs])
    assert r.within_bin_variance == pytest.approx(0.0, abs=1e-15)
    assert r.within_bin_covariance == pytest.approx(0.0, abs=1e-15)
    assert r.brier == pytest.approx(r.reliability - r.resolution + r.uncertainty, abs=1e-12)


def test_decomposition_by_hand():
    # one forecast per bin: reliability = Brier, resolution = mean (o − ½)² = ¼ = uncertainty
    r = score_forecasts([0.9, 0.2, 0.5, 0.7], [1, 0, 1, 0])
    assert r.reliability == pytest.approx(r.brier)
    assert r.resolution == pytest.approx(0.25) and r.uncertainty == pytest.approx(0.25)
    # two forecasts in the bin 0.8–0.9, one yes, one no: mean 0.85, share ½
    r = score_forecasts([0.82, 0.88], [0, 1])
    assert r.reliability == pytest.approx((0.85 - 0.5) ** 2)
    assert r.resolution == 0.0 and r.uncertainty == 0.25
    assert r.within_bin_variance == pytest.approx(0.03 ** 2)
    assert r.within_bin_covariance == pytest.approx(2 * (0.03 * 0.5 + 0.03 * 0.5) / 2)
    assert r.brier == pytest.approx((0.82 ** 2 + 0.12 ** 2) / 2)  # 0.1225 + 0.25 + 0.0009 − 0.03
    assert r.auc == 1.0


def test_auc_by_hand():
    # yes at 0.9 and 0.3, no at 0.8 and 0.2: three of the four (yes, no) pairs ordered
    assert auc([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0]) == 0.75
    assert score_forecasts([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0]).auc == 0.75
    assert auc([0.5, 0.5], [1, 0]) == 0.5  # a tie counts half
    assert auc([0.1, 0.9], [1, 0]) == 0.0
    assert math.isnan(auc([0.2, 0.7], [1, 1]))


@pytest.mark.parametrize("c", [0.0, 0.5, 0.62, 1.0])
def test_a_constant_forecast_has_no_resolution_and_no_discrimination(c):
    o = [1, 0, 0, 1, 1]
    r = score_forecasts([c] * len(o), o)
    assert r.resolution == 0.0 and r.auc == 0.5
    assert r.within_bin_variance == pytest.approx(0.0, abs=1e-30)
    assert r.reliability == pytest.approx((c - 0.6) ** 2)
    assert r.uncertainty == pytest.approx(0.24)


def test_to_dict_has_the_decomposition():
    d = score_forecasts([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0]).to_dict()
    assert {"reliability", "resolution", "uncertainty", "within_bin_variance",
            "within_bin_covariance", "auc"} <= set(d)
    assert d["auc"] == 0.75
    json.dumps(d, allow_nan=False)
    assert score_forecasts([0.4], [1]).to_dict()["auc"] is None  # not NaN in the JSON


def test_clipping_keeps_the_log_score_finite():
    r = score_forecasts([0.0, 1.0], [1, 0])
    assert r.log_score == pytest.approx(-math.log(1e-3))
    assert r.brier == 1.0


@pytest.mark.parametrize("p, o", [([1.2], [1]), ([0.5], [2]), ([0.5, 0.5], [1])])
def test_bad_inputs(p, o):
    with pytest.raises(ValueError):
        score_forecasts(p, o)


def test_cli_scores_resolved_questions(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    ec = str(SCENARIOS / "ec-emissions-1994.yaml")
    assert main(["score", ec, "--draws", "10", "--json", "-"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n"] == 1 and d["questions"][0]["id"] == "standard-by-year-9"
    assert d["brier"] == pytest.approx((d["questions"][0]["probability"] - 1) ** 2)
    assert d["uncertainty"] == 0.0 and d["resolution"] == 0.0
    assert d["auc"] is None  # one question: nothing to discriminate
    q = d["questions"][0]
    assert d["calibrated"]["brier"] == pytest.approx((q["calibrated"] - 1) ** 2)
    assert main(["score", ec, "--draws", "10"]) == 0
    text = capsys.readouterr().out
    assert "Brier = reliability" in text and "AUC — (every question resolved the same way)" in text
    assert "Calibrated answers (shipped with detente (detente/data/calibration.json); none from " \
        "negotiations it was fitted on)" in text
    assert d["calibrated"]["in_sample"] == 0
    assert f"Brier score {d['calibrated']['brier']:.4f}" in text


def test_cli_without_resolutions_says_so(capsys):
    assert main(["score", str(SCENARIOS / "ukraine-2025-02.yaml"), "--draws", "5"]) == EXIT["error"]
    assert "no question in these files has a `resolution`" in capsys.readouterr().err


def test_a_nan_forecast_is_refused():
    import math

    import pytest

    from detente.scoring import score_forecasts

    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        score_forecasts([math.nan, 0.2], [1, 0])
