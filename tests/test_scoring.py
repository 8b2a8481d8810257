"""Brier and log scores and calibration against hand-computed values; `detente score`."""

from __future__ import annotations

import json
import math

import pytest

from detente.cli import EXIT, main
from detente.scoring import score_forecasts

from .conftest import SCENARIOS


def test_hand_computed_scores():
    r = score_forecasts([0.9, 0.2, 0.5, 0.7], [1, 0, 1, 0])
    assert r.brier == pytest.approx((0.01 + 0.04 + 0.25 + 0.49) / 4)
    assert r.log_score == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.5)
                                          + math.log(0.3)) / 4)
    bins = {tuple(b["bin"]): b for b in r.calibration}
    assert bins[(0.9, 1.0)]["n"] == 1 and bins[(0.9, 1.0)]["observed_frequency"] == 1.0
    assert bins[(0.7, 0.8)]["observed_frequency"] == 0.0


def test_clipping_keeps_the_log_score_finite():
    r = score_forecasts([0.0, 1.0], [1, 0])
    assert r.log_score == pytest.approx(-math.log(1e-3))
    assert r.brier == 1.0


@pytest.mark.parametrize("p, o", [([1.2], [1]), ([0.5], [2]), ([0.5, 0.5], [1])])
def test_bad_inputs(p, o):
    with pytest.raises(ValueError):
        score_forecasts(p, o)


def test_cli_scores_resolved_questions(capsys):
    ec = str(SCENARIOS / "ec-emissions-1994.yaml")
    assert main(["score", ec, "--draws", "10", "--json", "-"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n"] == 1 and d["questions"][0]["id"] == "standard-by-year-9"
    assert d["brier"] == pytest.approx((d["questions"][0]["probability"] - 1) ** 2)


def test_cli_without_resolutions_says_so(capsys):
    assert main(["score", str(SCENARIOS / "ukraine-2025-02.yaml"), "--draws", "5"]) == EXIT["error"]
    assert "no question in these files has a `resolution`" in capsys.readouterr().err
