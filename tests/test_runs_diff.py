"""Comparing two runs (issue 13, item 4): Monte Carlo noise is not news.

Every difference comes with its Monte Carlo interval; a difference whose interval includes 0 is
"within noise" and is not highlighted; only the others are changes (bold in the terminal, the
`changed` class on the web page). The older run is always a and the newer b, so b − a reads
forwards, whatever order the runs are given in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math

import numpy as np
import pytest
from rich.console import Console

from detente import analyze, load_scenario, loads_scenario
from detente.cli import main
from detente.store import RunStore
from detente.store.cli import render_diff
from detente.store.diff import (
    CHANGE,
    MISSING,
    NO_INTERVAL,
    NOISE,
    SAME,
    Change,
    diff_runs,
    joint_z,
    mean_variance,
    share_variance,
)
from detente.store.records import RunRecord

from .conftest import SCENARIOS

EC = SCENARIOS / "ec-emissions-1994.yaml"
EC_TEXT = EC.read_text(encoding="utf-8")
EC2_TEXT = EC_TEXT.replace("position: 4", "position: 6", 1)  # the Netherlands moved
UA = SCENARIOS / "ukraine-2025-02.yaml"
UA_TEXT = UA.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def analyses():
    ec, ec2, ua = load_scenario(EC), loads_scenario(EC2_TEXT), load_scenario(UA)
    return {
        "ec1": analyze(ec, draws=50, seed=1), "ec2": analyze(ec, draws=50, seed=2),
        "ec3": analyze(ec, draws=80, seed=3),
        "moved": analyze(ec2, draws=50, seed=2),
        "ua1": analyze(ua, draws=200, seed=1), "ua2": analyze(ua, draws=200, seed=2),
        "ua3": analyze(ua, draws=150, seed=3),
        "point": analyze(ec), "point_moved": analyze(ec2),
    }


@pytest.fixture
def store(tmp_path):
    with RunStore(f"sqlite:///{tmp_path / 'runs.sqlite3'}") as s:
        yield s


def _record(store, text, analysis):
    return store.record(text, analysis).id


def _terminal(d) -> str:
    """The comparison as a colour terminal shows it (ANSI codes kept), 100 columns."""
    buf = io.StringIO()
    render_diff(d, Console(file=buf, force_terminal=True, color_system="standard", width=100,
                           highlight=False))
    return buf.getvalue()


BOLD = "\x1b[1m"


def _bold_rows(out: str) -> list[str]:
    """The table rows (not headers) with bold text in them."""
    return [line for line in out.splitlines() if "│" in line and BOLD in line]


# ------------------------------------------------------------------------------ re-runs
@pytest.mark.parametrize("pair", [("ec1", "ec2"), ("ec2", "ec3"), ("ua1", "ua2"),
                                  ("ua2", "ua3"), ("ua1", "ua3")])
def test_a_rerun_with_another_seed_shows_no_change(store, analyses, pair):
    text = UA_TEXT if pair[0].startswith("ua") else EC_TEXT
    a, b = (_record(store, text, analyses[k]) for k in pair)
    d = store.diff(a, b)
    assert d.same_scenario and "seed" in d.inputs
    statuses = {c.key: c.status for c in d.changes}
    assert set(statuses.values()) <= {SAME, NOISE}, statuses
    assert not any(c.changed for c in d.changes)
    if text is UA_TEXT:
        assert sum(c.status == NOISE for c in d.changes) >= 10  # the numbers did differ
    for c in d.changes:  # every difference has its interval, and it includes 0
        lo, hi = c.interval
        assert lo <= 0.0 <= hi and lo <= c.difference <= hi
    assert d.summary_line.startswith("0 changes, ")

    out = _terminal(d)
    assert _bold_rows(out) == []  # nothing is highlighted
    assert _plain(d).count("│ within noise") == sum(c.status == NOISE for c in d.changes)
    plain = _plain(d)
    assert " change " not in plain and "\nchange" not in plain
    doc = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert all(c["changed"] is False and c["within_noise"] is True
               for part in ("questions", "forecasts", "tables") for c in doc[part])
    assert all(c["interval"] is not None for c in doc["questions"])


def _plain(d) -> str:
    buf = io.StringIO()
    render_diff(d, Console(file=buf, width=100, color_system=None))
    return buf.getvalue()


def test_a_real_change_is_shown_as_one(store, analyses):
    a = _record(store, EC_TEXT, analyses["ec2"])
    b = _record(store, EC2_TEXT, analyses["moved"])
    d = store.diff(a, b)
    (fc,) = d.forecasts
    # the ensemble forecast barely varies over the draws: moving the Netherlands is news
    assert fc.status == CHANGE and fc.changed and fc.difference != 0
    lo, hi = fc.interval
    assert not lo <= 0 <= hi
    (row,) = _bold_rows(_terminal(d))
    assert row.startswith("emission_standard_date")
    line = next(x for x in _plain(d).splitlines() if x.startswith("emission_standard_date"))
    # its spread over the draws is rounding only: no Monte Carlo error worth a digit
    assert line.rstrip().endswith("change") and "(exact)" in line
    assert d.summary_line.startswith("1 change, ") or d.summary_line.startswith("2 changes, ")


def test_point_estimates_have_no_monte_carlo_error(store, analyses):
    a = _record(store, EC_TEXT, analyses["point"])
    b = _record(store, EC2_TEXT, analyses["point_moved"])
    d = store.diff(a, b)
    assert d.joint == 0 and "point estimates" in d.noise_note
    for c in d.changes:
        assert c.se == 0.0
        assert c.status == (SAME if c.same else CHANGE)
    (fc,) = d.forecasts
    assert fc.interval == (fc.difference, fc.difference) and fc.changed
    assert f"{fc.difference:+.2f} (exact)" in _plain(d)


# ------------------------------------------------------------------------------ direction
def test_b_minus_a_reads_forwards_whatever_the_order(store, analyses, capsys, tmp_path):
    old = _record(store, EC_TEXT, analyses["ec2"])
    new = _record(store, EC2_TEXT, analyses["moved"])
    forwards, backwards = store.diff(old, new), store.diff(new, old)
    assert not forwards.swapped and backwards.swapped
    for d in (forwards, backwards):
        assert (d.a.id, d.b.id) == (old, new)
        assert d.a.created_at <= d.b.created_at
        (fc,) = d.forecasts
        assert fc.a == analyses["ec2"].to_dict()["issues"][0]["forecast"]["ensemble"]["mean"]
        assert fc.difference == pytest.approx(fc.b - fc.a)
        assert d.inputs["fingerprint"] == (analyses["ec2"].fingerprint,
                                           analyses["moved"].fingerprint)
        assert f"--- run {old}" in d.scenario_diff and "+  " in d.scenario_diff
        assert "(newer − older)" in d.direction
    assert backwards.to_dict()["swapped"] is True and "newest first" in backwards.direction

    db = store.url
    assert main(["runs", "diff", new, old, "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"a = {old}" in out and f"b = {new}" in out
    assert "the older run" in out and "the newer run" in out
    assert "b − a (newer − older)" in out and "given newest first" in out
    assert main(["runs", "diff", new, old, "--db", db, "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["a"]["id"] == old and doc["b"]["id"] == new and doc["swapped"] is True


def test_the_terminal_table_keeps_every_number_whole_at_80_columns(store, analyses):
    a, b = _record(store, UA_TEXT, analyses["ua1"]), _record(store, UA_TEXT, analyses["ua2"])
    d = store.diff(a, b)
    buf = io.StringIO()
    render_diff(d, Console(file=buf, width=80, color_system=None))
    out = buf.getvalue()
    assert "…" not in out.replace("fingerprint", "")
    for c in d.changes:
        if c.status == NOISE:
            lo, hi = c.interval
            k = 100 if c.kind == "share" else 1
            digits = 1 if c.kind == "share" else 2
            assert f"[{lo * k:+.{digits}f} to {hi * k:+.{digits}f}]" in out, c.key
    assert max(len(line) for line in out.splitlines()) <= 80


# ------------------------------------------------------------------------------ the method
def _record_of(run_id: str, when: int, draws: int, results: dict) -> RunRecord:
    return RunRecord(
        id=run_id, created_at=dt.datetime(2025, 1, 1, 0, 0, when, tzinfo=dt.UTC), status="ok",
        scenario_id="s", scenario_title="S", fingerprint="sha256:x", seed=when, draws=draws,
        version="0", seconds=0.0, scenario_text="id: s\n", results=results)


def _results(ps: list[float], draws: int, mean: float = 5.0, sd: float | None = 1.0) -> dict:
    stats = {"mean": mean, "p05": 0.0, "p95": 9.0, "defined": 1.0}
    if sd is not None:
        stats["sd"] = sd
    return {"questions": [{"id": f"q{i}", "text": f"Q{i}", "probability": p, "draws": draws}
                          for i, p in enumerate(ps)],
            "issues": [{"id": "x", "name": "X", "forecast": {"ensemble": stats}}],
            "tables": {"t": {"members": ["A", "B"], "holds": ps[0]}}}


def test_the_interval_of_a_difference_of_two_shares():
    a = _record_of("aaaa0000aaaa0000", 1, 100, _results([0.50], 100))
    b = _record_of("bbbb0000bbbb0000", 2, 400, _results([0.60], 400))
    d = diff_runs(a, b)
    q = d.questions[0]
    pa, pb = (50 + 1) / 102, (240 + 1) / 402
    se = math.sqrt(pa * (1 - pa) / 102 + pb * (1 - pb) / 402)
    assert q.se == pytest.approx(se)
    assert d.joint == 3 and q.z == pytest.approx(joint_z(3)) == pytest.approx(2.394, abs=1e-3)
    assert q.interval == pytest.approx((0.1 - q.z * se, 0.1 + q.z * se))
    assert q.status == NOISE  # +10 points of 100 and 400 draws: within noise, jointly
    # a share of 0 of a few draws still has an error
    assert share_variance(0.0, 20) > 0 and share_variance(1.0, 20) > 0
    assert share_variance(0.3, 1) == 0.0  # a point estimate


def test_means_use_the_stored_spread_or_say_it_is_not_available():
    assert mean_variance({"mean": 1.0, "sd": 2.0, "defined": 0.5}, 200) == pytest.approx(
        4.0 / 100)
    assert mean_variance({"mean": 1.0}, 200) is None
    a = _record_of("aaaa0000aaaa0000", 1, 200, _results([0.5], 200, mean=5.0, sd=None))
    b = _record_of("bbbb0000bbbb0000", 2, 200, _results([0.5], 200, mean=6.0, sd=1.0))
    d = diff_runs(a, b)
    (fc,) = d.forecasts
    assert fc.se is None and fc.interval is None and fc.status == NO_INTERVAL
    assert not fc.changed and fc.to_dict()["within_noise"] is None
    assert "interval n/a" in _plain(d) and "without an interval" in d.summary_line
    # with the spread stored: 1.0 apart, se sqrt(2/200) = 0.1: a change
    a2 = _record_of("aaaa0000aaaa0000", 1, 200, _results([0.5], 200, mean=5.0, sd=1.0))
    (fc2,) = diff_runs(a2, b).forecasts
    assert fc2.se == pytest.approx(0.1) and fc2.status == CHANGE


def test_a_number_in_one_run_only():
    a = _record_of("aaaa0000aaaa0000", 1, 100, _results([0.5], 100))
    b = _record_of("bbbb0000bbbb0000", 2, 100, _results([0.5, 0.7], 100))
    d = diff_runs(a, b)
    only = next(c for c in d.questions if c.key == "q1")
    assert only.a is None and only.status == MISSING and not only.changed
    assert "in one run only" in _plain(d)


def test_rounding_is_not_a_difference():
    c = Change("k", "", 7.483448228701921, 7.483448228701922, kind="mean", se=1e-16)
    assert c.status == SAME and not c.changed


def test_re_runs_show_a_change_in_at_most_about_5_percent_of_comparisons():
    """The intervals are joint: over many re-runs (same true numbers, new draws) of a
    scenario with 20 questions, at most about 5% of comparisons show any change at all."""
    rng = np.random.default_rng(2024)
    truth = np.linspace(0.02, 0.98, 20)
    n, trials, flagged = 150, 300, 0
    for t in range(trials):
        pa, pb = (rng.binomial(n, truth) / n for _ in range(2))
        d = diff_runs(_record_of("aaaa0000aaaa0000", 1, n, _results(list(pa), n, sd=1.0)),
                      _record_of("bbbb0000bbbb0000", 2, n, _results(
                          list(pb), n, mean=5.0 + rng.normal(0, math.sqrt(2 / n)), sd=1.0)))
        flagged += any(c.changed for c in d.changes)
    assert flagged / trials <= 0.08, flagged


# ------------------------------------------------------------------------------ the web app
def test_the_compare_page_marks_noise_and_highlights_only_changes(tmp_path, analyses):
    pytest.importorskip("fastapi", reason="the web app needs the extra detente[web]")
    pytest.importorskip("jinja2", reason="the web app needs the extra detente[web]")
    from fastapi.testclient import TestClient

    from detente.web import create_app

    db = tmp_path / "runs.sqlite3"
    with RunStore(str(db)) as s:
        r1 = _record(s, EC_TEXT, analyses["ec1"])
        r2 = _record(s, EC_TEXT, analyses["ec2"])
        r3 = _record(s, EC2_TEXT, analyses["moved"])
    app = create_app(db=str(db), workspace=tmp_path / "ws", data=tmp_path / "data")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        page = c.get("/compare", params={"a": r2, "b": r1})  # newest first: shown forwards
        assert page.status_code == 200
        html = page.text
        assert html.index(r1) < html.index(r2)
        assert "b − a (newer − older)" in html and "newest first" in html
        assert "within noise" in html and 'class="num changed"' not in html
        assert "<strong class=\"changed\">" not in html and "0 changes" in html
        assert "[" in html and " to " in html  # the intervals

        page = c.get("/compare", params={"a": r2, "b": r3}).text
        assert 'class="num changed"' in page and '<strong class="changed">change</strong>' in page

        doc = c.get("/api/compare", params={"a": r2, "b": r1}).json()
        assert doc["a"]["id"] == r1 and doc["swapped"] is True
        assert doc["noise"]["joint_over"] >= 1 and "within noise" in doc["noise"]["note"]
        for part in ("questions", "forecasts", "tables"):
            for ch in doc[part]:
                assert ch["status"] in (SAME, NOISE) and ch["changed"] is False
                assert ch["interval"] is not None


def test_a_change_dataclass_round_trips_to_json():
    c = dataclasses.replace(Change("q", "Q", 0.2, 0.5, se=0.05), z=joint_z(1))
    doc = c.to_dict()
    assert doc["status"] == CHANGE and doc["changed"] is True and doc["within_noise"] is False
    assert doc["interval"] == pytest.approx([0.3 - 1.96 * 0.05, 0.3 + 1.96 * 0.05], abs=1e-3)
