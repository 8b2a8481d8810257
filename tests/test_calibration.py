"""Calibrated answers: Platt scaling fitted on the backtest archive's dev half."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from detente.analysis import analyze
from detente.backtest import backtest, load_archive
from detente.calibration import (
    EPS,
    Calibration,
    fit_calibration,
    load_calibration,
    shipped_calibration,
)
from detente.cli import main
from detente.errors import DetenteError
from detente.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT / "archive"
TOY = ROOT / "tests" / "data" / "toy-archive"
BORDER = ROOT / "docs" / "examples" / "border-talks.yaml"
REFIT = ("detente backtest archive --draws 1000 --seed 1 --write-calibration "
         "src/detente/data/calibration.json")


def _synthetic(a: float, b: float, n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.99, n)
    true = 1 / (1 + np.exp(-(a + b * np.log(p / (1 - p)))))
    o = rng.random(n) < true
    return [{"case": f"c{k % 20}", "id": f"q{k}", "p": float(pk), "outcome": bool(ok)}
            for k, (pk, ok) in enumerate(zip(p, o))]


def test_platt_recovers_a_known_map():
    cal = fit_calibration(_synthetic(0.5, 0.3, 20_000, 1), seed=0, resamples=20)
    assert cal.intercept == pytest.approx(0.5, abs=0.05)
    assert cal.slope == pytest.approx(0.3, abs=0.03)


def test_the_fit_solves_the_likelihood_equations():
    """At the maximum-likelihood fit the score equations hold: Σ (p̂ − o) = 0, Σ x (p̂ − o) = 0."""
    items = _synthetic(-0.4, 0.7, 300, 2)
    cal = fit_calibration(items, seed=0, resamples=10)
    p = np.array([i["p"] for i in items])
    o = np.array([float(i["outcome"]) for i in items])
    x = np.log(np.clip(p, EPS, 1 - EPS) / (1 - np.clip(p, EPS, 1 - EPS)))
    r = cal(p) - o
    assert abs(r.sum()) < 1e-3 * len(items) and abs((r * x).sum()) < 1e-3 * len(items)


def test_a_reversed_model_is_not_calibrated_into_its_opposite():
    items = _synthetic(0.0, -1.0, 2000, 3)  # outcomes fall as the answers rise
    assert fit_calibration(items, seed=0, resamples=10).slope == 0.0


def test_the_map_is_monotone_vectorised_and_the_bootstrap_deterministic():
    items = _synthetic(0.3, 0.5, 400, 4)
    c1, c2 = (fit_calibration(items, seed=9, resamples=50) for _ in range(2))
    assert np.array_equal(c1.resamples, c2.resamples)
    grid = np.linspace(0, 1, 101)
    out = c1(grid)
    assert out.shape == grid.shape and np.all(np.diff(out) >= 0)
    assert np.all((out > 0) & (out < 1))
    for p, lo, hi in ((0.3, 0.25, 0.35), (0.0, 0.0, 0.004), (1.0, 0.996, 1.0)):
        a, b = c1.interval(lo, hi)
        assert a <= float(c1(lo)) + 1e-12 and b >= float(c1(hi)) - 1e-12 and a <= b


def test_identity_map_leaves_answers_alone():
    cal = Calibration(intercept=0.0, slope=1.0, resamples=np.array([[0.0, 1.0]]))
    p = np.array([0.002, 0.2, 0.5, 0.9])
    assert np.allclose(cal(p), p)


def test_shipped_calibration_is_fitted_on_the_dev_half_only():
    import yaml

    cal = shipped_calibration()
    split = yaml.safe_load((ARCHIVE / "archive.yaml").read_text())["split"]
    assert cal.fitted_on is not None and cal.fitted_on.half == "dev"
    assert cal.cases == sorted(split["dev"])
    assert not set(cal.cases) & set(split["test"])
    assert {i.case for i in cal.items} == set(split["dev"])
    refit = fit_calibration([i.model_dump() for i in cal.items],
                            seed=cal.fitted_on.bootstrap_seed, resamples=cal.resamples.shape[0])
    assert refit.intercept == pytest.approx(cal.intercept, abs=1e-6)
    assert refit.slope == pytest.approx(cal.slope, abs=1e-6)
    assert np.allclose(refit.resamples, cal.resamples, atol=1e-6)


@pytest.mark.slow
def test_shipped_calibration_matches_the_model_as_it_is():
    """The model's dev answers today are those the shipped map was fitted on (else refit)."""
    cal = shipped_calibration()
    on = cal.fitted_on
    assert on is not None
    res = backtest(load_archive(ARCHIVE, tuple(cal.cases)), draws=on.draws, seed=on.seed)
    now = {(i["case"], i["id"]): i["p"]["process"] for i in res.items}
    then = {(i.case, i.id): i.p for i in cal.items}
    assert set(now) == set(then), f"the dev questions changed: refit with `{REFIT}`"
    moved = {k: (then[k], now[k]) for k in now if abs(now[k] - then[k]) > 0.01}
    assert not moved, f"the model's dev answers moved since the fit {moved}: refit with `{REFIT}`"
    assert res.calibration is not None
    assert res.calibration.slope == pytest.approx(cal.slope, abs=0.02)
    assert res.calibration.intercept == pytest.approx(cal.intercept, abs=0.02)


def test_analysis_reports_calibrated_answers_beside_the_model():
    s = load_scenario(BORDER)
    a = analyze(s, draws=300, seed=1, sensitivity=False)
    raw = analyze(s, draws=300, seed=1, sensitivity=False, calibration=None)
    cal = shipped_calibration()
    d = a.to_dict()
    assert d["calibration"]["slope"] == cal.slope
    assert raw.to_dict()["calibration"] is None
    for q, r in zip(a.questions, raw.questions):
        assert q.probability == r.probability and r.calibrated is None
        p, lo, hi = q.calibrated
        assert p == pytest.approx(float(cal(q.probability)))
        assert lo <= p <= hi
    # the map keeps the model's order (so P(concluded) ≤ P(zone) survives calibration)
    order = sorted(a.questions, key=lambda q: q.probability)
    assert all(x.calibrated[0] <= y.calibrated[0] for x, y in itertools.pairwise(order))
    one = analyze(s, draws=1, sensitivity=False)
    assert one.calibration is None and all(q.calibrated is None for q in one.questions)


def test_backtest_writes_a_calibration_that_analyze_reads(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "cal.json"
    assert main(["backtest", str(TOY), "--draws", "20", "--write-calibration",
                 str(path)]) == 0
    out = capsys.readouterr().out
    assert "process, calibrated" in out and "Calibration written to" in out
    cal = load_calibration(path)
    assert cal.fitted_on is not None
    assert cal.fitted_on.half == "dev" and cal.fitted_on.draws == 20
    js = tmp_path / "a.json"
    assert main(["analyze", str(BORDER), "--draws", "200", "--seed", "1", "--no-store",
                 "--calibration", str(path), "--json", str(js)]) == 0
    text = capsys.readouterr().out
    assert "calibrated" in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    d = json.loads(js.read_text())
    assert d["calibration"]["slope"] == pytest.approx(cal.slope)
    assert d["calibration"]["source"] == str(path)
    assert all(q["calibrated"] is not None for q in d["questions"])
    assert main(["analyze", str(BORDER), "--draws", "200", "--seed", "1", "--no-store",
                 "--calibration", "none", "--json", str(js)]) == 0
    assert all(q["calibrated"] is None for q in json.loads(js.read_text())["questions"])


_OK = '"calibration": 1, "intercept": 0, "slope": 1, "clip": 0.001'


@pytest.mark.parametrize("text, says", [
    ("", ":1:1: the file is empty"),
    ("not json", ":1:1: expected a mapping of fields"),
    ("[1, 2]", ":1:1: expected a mapping of fields"),
    ('{"a": 1}', ":1:1: missing required field 'calibration'"),
    ('{"calibration": 1, "intercept": 0, "slope": -1, "clip": 0.001, "resamples": [[0, 1]]}',
     ":1:45: slope: must be 0.0 or more; got -1"),
    ("{" + _OK + "}", ":1:1: missing required field 'resamples'"),
    ("{" + _OK + ', "resamples": [[0, -5]]}', "resamples[0][1]: must be 0.0 or more; got -5"),
    ('{"calibration": 1, "intercept": "0.5", "slope": 1, "clip": 0.001, "resamples": [[0, 1]]}',
     ":1:33: intercept: must be a number; got '0.5'"),
    ('{"calibration": true, "intercept": 0, "slope": 1, "clip": 0.001, "resamples": [[0, 1]]}',
     ":1:17: calibration: must be a number; got true"),
    ('{"calibration": 1, "intercept": NaN, "slope": 1, "clip": 0.001, "resamples": [[0, 1]]}',
     "intercept: must be a number; got 'NaN'"),
    ("{" + _OK + ', "resamples": [[0, 1]], "fitted_on": [1, 2]}',
     "fitted_on: must be a mapping of fields; got a list"),
    ("{" + _OK + ', "resamples": [[0, 1]], "items": "abc"}', "items: must be a list; got 'abc'"),
    ("{" + _OK + ', "resamples": [[0, 1]], "colour": "red"}',
     "unknown field 'colour'"),
    ("[" * 100_000 + "]" * 100_000, "nests deeper than"),
])
def test_a_bad_calibration_file_is_refused_clearly(tmp_path, text, says):
    path = tmp_path / "cal.json"
    path.write_text(text)
    with pytest.raises(DetenteError) as e:
        load_calibration(path)
    assert f"{path}" in str(e.value) and says in str(e.value)


def test_a_calibration_file_that_is_not_utf8_is_refused_clearly(tmp_path):
    path = tmp_path / "cal.json"
    path.write_bytes(b'{"calibration": 1, "x": "\xe9"}')
    with pytest.raises(DetenteError, match="not UTF-8 text"):
        load_calibration(path)


def test_a_written_calibration_reads_back_the_same(tmp_path):
    cal = fit_calibration(_synthetic(0.3, 0.5, 200, 5), seed=3, resamples=20,
                          fitted_on={"archive": "a", "split_fixed_on": "2026-12-04",
                                     "half": "dev", "draws": 100, "seed": 1})
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(cal.to_dict()))
    back = load_calibration(path)
    assert (back.intercept, back.slope, back.fitted_on, back.items) == \
        (cal.intercept, cal.slope, cal.fitted_on, cal.items)
    assert np.array_equal(back.resamples, cal.resamples)
    assert back.describe() == {**cal.describe(), "source": str(path)}


def test_the_shipped_calibration_cannot_be_changed_in_place():
    cal = shipped_calibration()
    d = cal.describe()
    d["fitted_on"]["cases"].append("x")
    d["slope_95"][0] = 99.0
    with pytest.raises(ValueError):
        cal.resamples[0, 0] = 99.0
    assert shipped_calibration().describe()["fitted_on"]["cases"] == cal.cases
    assert "x" not in cal.cases


def test_analyze_refuses_a_calibration_it_cannot_use():
    s = load_scenario(BORDER)
    for bad in ("none", "cal.json", False):
        with pytest.raises(TypeError, match="calibration must be"):
            analyze(s, draws=20, seed=1, sensitivity=False, calibration=bad)


def test_a_calibration_for_a_point_estimate_is_refused(capsys):
    code = main(["analyze", str(BORDER), "--no-store", "--calibration", "none"])
    assert code != 0
    assert "a one-draw point estimate has no calibrated answer" in capsys.readouterr().err


def test_integer_case_ids_fit():
    items = [dict(i, case=k % 3) for k, i in enumerate(_synthetic(0.2, 0.5, 60, 6))]
    assert fit_calibration(items, seed=0, resamples=5).cases == ["0", "1", "2"]


def test_a_missing_calibration_file_fails_before_the_analysis(tmp_path, capsys):
    code = main(["analyze", str(BORDER), "--draws", "50", "--no-store", "--calibration",
                 str(tmp_path / "nope.json")])
    assert code != 0
    err = capsys.readouterr().err
    assert "nope.json" in err and "cannot read the calibration" in err


def test_a_report_made_later_uses_the_map_the_run_was_made_with(tmp_path, capsys):
    from detente.store import RunStore
    from detente.web.reports import ReportCache

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    ids = {}
    for opt in ("none", "shipped"):
        assert main(["analyze", str(BORDER), "--draws", "60", "--seed", "1", "--db", url,
                     "--calibration", opt, "--json", "-"]) == 0
        err = capsys.readouterr().err
        ids[opt] = err.split("Run ", 1)[1].split()[0]
    cache = ReportCache(tmp_path / "reports")
    with RunStore(url) as store:
        none = store.get(ids["none"])
        assert none.options["calibration"] == "none"
        html_none, made = cache.for_record(none)
        html_shipped, _ = cache.for_record(store.get(ids["shipped"]))
    assert made and "Platt scaling" not in html_none
    assert "Platt scaling" in html_shipped
