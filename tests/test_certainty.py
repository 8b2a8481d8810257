"""Which assumption makes an answer certain (detente.certainty, `analyze --why-certain`)."""

from __future__ import annotations

import json

import pytest

from detente import analyze, load_scenario
from detente.certainty import _relax, _relaxations, certain_answers
from detente.cli import main

from .conftest import SCENARIOS

FLAGSHIP = SCENARIOS / "ukraine-2025-02.yaml"


@pytest.fixture(scope="module")
def flagship():
    return load_scenario(FLAGSHIP)


@pytest.fixture(scope="module")
def audit(flagship):
    run = analyze(flagship, draws=300, seed=3, sensitivity=False)
    return run, {c.question: c for c in certain_answers(run, draws=120)}


def test_only_certain_answers_are_audited(audit):
    run, certain = audit
    probs = {q.id: a.probability for q, a in zip(run.scenario.questions, run.questions)}
    assert set(certain) == {k for k, p in probs.items() if p in (0.0, 1.0)}
    assert certain, "the flagship has answers at 0% or 100% at 300 draws"
    for c in certain.values():
        assert c.probability == probs[c.question]
        assert all(r.draws == 120 for r in c.tried)


def test_vetoes_that_each_block_show_together(audit):
    # US–Russia "in force" is 0%: Ukraine, the congressional bloc and the European allies each
    # veto the deal alone, so no single removal moves it; removing all three does.
    _, certain = audit
    c = certain["us-russia-in-force-6m"]
    got = {r.id: r.probability for r in c.tried}
    assert {"veto:ua", "veto:us-congress", "veto:eu", "vetoes:us-russia"} <= set(got)
    assert got["vetoes:us-russia"] > 0.1
    assert "vetoes:us-russia" in [r.id for r in c.moved]


def test_relaxed_scenarios_are_valid_and_change_one_thing(flagship):
    rel = _relax(flagship, "veto:ua")
    assert [i.actor for i in rel.implementation] == [
        i.actor for i in flagship.implementation if i.actor != "ua"]
    assert rel.actors == flagship.actors and rel.questions == flagship.questions
    rel = _relax(flagship, "expects:ru")
    assert not rel.no_deal["ru"].expects
    assert not any(k.startswith("no_deal.ru.expects") for k in rel.uncertainty)
    assert rel.no_deal["ua"] == flagship.no_deal["ua"]
    mv = flagship.process.unilateral[0]
    rel = _relax(flagship, f"step:{mv.actor}:{mv.issue}")
    assert rel.process.unilateral[0].step == abs(mv.range[1] - mv.range[0])


def test_relaxations_bear_on_the_question(flagship):
    by_id = {q.id: q for q in flagship.questions}
    ids = [r for r, _ in _relaxations(flagship, by_id["us-tightens-sanctions-6m"].when)]
    assert ids == ["step:us:sanctions_relief"]
    ids = [r for r, _ in _relaxations(flagship, by_id["congress-accepts-6m"].when)]
    assert not any(r.startswith(("veto", "meets")) for r in ids)


def test_point_estimate_has_nothing_to_audit(flagship):
    assert certain_answers(analyze(flagship, sensitivity=False)) == ()


def test_cli_why_certain(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "r.json"
    assert main(["analyze", str(FLAGSHIP), "-n", "200", "--seed", "3", "--no-store",
                 "--json", str(out), "--why-certain"]) == 0
    text = capsys.readouterr().out
    assert "Certain answers and what they rest on" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    data = json.loads(out.read_text())
    entry = next(c for c in data["certainty"] if c["question"] == "us-russia-in-force-6m")
    assert entry["probability"] == 0.0 and "vetoes:us-russia" in entry["moved_by"]


def test_cli_hint_without_the_flag(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["analyze", str(FLAGSHIP), "-n", "200", "--seed", "3", "--no-store"]) == 0
    assert "`--why-certain` re-asks each" in capsys.readouterr().out


def test_report_shows_the_audit(audit):
    pytest.importorskip("jinja2")
    from detente.report.html import render_html

    run, certain = audit
    html = render_html(run, certainty=tuple(certain.values()))
    assert 'id="certainty"' in html and "Certain answers and what they rest on" in html
    assert "without any veto player off us-russia" in html
    assert 'id="certainty"' not in render_html(run)  # only when the audit was run


def test_processes_give_the_same_audit(audit):
    run, certain = audit
    par = {c.question: c for c in certain_answers(run, draws=120, backend="processes",
                                                  workers=2)}
    assert par == certain
