"""One negotiation, one pipeline (issue 14, item 3): analyze() runs the conflict section once
and every face reads the stability results from the Analysis record."""

from __future__ import annotations

import json
from pathlib import Path

from detente import analyze, load_scenario
from detente.cli import main
from detente.stability.scenario import conflict_stability, stability_to_dict

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "ukraine-2025-02.yaml"


def test_analyze_keeps_the_conflict_analysis_and_its_json(tmp_path, capsys):
    s = load_scenario(FLAGSHIP)
    a = analyze(s, draws=20, seed=1, sensitivity=False)
    assert a.stability is not None
    d = a.to_dict()["stability"]
    # the same record as `detente stability FILE`
    alone = stability_to_dict(conflict_stability(FLAGSHIP))
    for key in ("options", "status_quo", "equilibria", "coalitions", "limits"):
        if key in alone:
            assert d[key] == alone[key], key
    out = tmp_path / "s.json"
    assert main(["stability", str(FLAGSHIP), "--json", str(out)]) == 0
    cli = json.loads(out.read_text())
    assert cli["equilibria"] == d["equilibria"]
    # a scenario without a conflict has none, and says so in the JSON
    ec = analyze(load_scenario(ROOT / "scenarios" / "ec-emissions-1994.yaml"))
    assert ec.stability is None and ec.to_dict()["stability"] is None


def test_equilibrium_questions_use_the_run_s_solution(monkeypatch):
    """The conflict is solved once per run, not once per chunk of draws."""
    import detente.stability.scenario as sc

    calls = []
    real = sc.stability_solve

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(sc, "stability_solve", counting)
    import detente.stability as st

    monkeypatch.setattr(st, "stability_solve", counting)
    analyze(load_scenario(FLAGSHIP), draws=3000, seed=1, chunk_size=1024, sensitivity=False)
    assert len(calls) == 1


def test_stability_full_flag_runs_everything_and_bounds_nothing(tmp_path):
    out = tmp_path / "full.json"
    assert main(["stability", str(FLAGSHIP), "--full", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["limits"] == []
