"""The backtest archive: the split, hindsight, loading, and scores computed by hand."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from detente.backtest import backtest, load_archive
from detente.cli import main
from detente.errors import DetenteError, ScenarioError

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "data" / "toy-archive"
ARCHIVE = ROOT / "archive"

# The split, fixed on 2026-12-04 before any case was written or anything fitted. Changing it
# changes what the test half's scores mean: this test is there to make that a visible decision.
DEV = ("korea-1952", "oslo-1993", "good-friday-1998", "colombia-farc-2012", "jcpoa-2014",
       "minsk-ii-2015", "nagorno-karabakh-2020")
TEST = ("iran-iraq-1988", "dayton-1995", "ethiopia-eritrea-2000", "brexit-2018",
        "us-taliban-2018", "istanbul-2022")


def test_the_split_is_fixed():
    import yaml

    spec = yaml.safe_load((ARCHIVE / "archive.yaml").read_text())
    assert str(spec["fixed_on"]) == "2026-12-04"
    assert tuple(spec["split"]["dev"]) == DEV and tuple(spec["split"]["test"]) == TEST
    assert not set(DEV) & set(TEST)


def test_every_archived_case_loads_and_has_resolved_questions():
    from detente import load_scenario
    from detente.backtest import hindsight

    a = load_archive(ARCHIVE)
    assert {c.id for c in a.cases} <= set(DEV) | set(TEST)
    for case in a.cases:
        assert case.resolved >= 6, case.id
        assert case.half == ("dev" if case.id in DEV else "test")
        # the scenario's own sources predate as_of (the resolutions' sources may not)
        assert hindsight(load_scenario(case.folder / "scenario.yaml")) == [], case.id


def test_toy_archive_scores_by_hand():
    res = backtest(load_archive(TOY), draws=20, seed=0)
    d = res.to_dict()
    # dev: c0 yes (process 1), l6 no (0), compromise-low yes (1): base rate 2/3
    assert d["base_rate"] == pytest.approx(2 / 3)
    test = d["scores"]["test"]
    # test: c3 yes but no zone (p 0), z0 no (p 0)
    assert test["process"]["brier"] == pytest.approx(0.5)
    assert test["process"]["log_score"] == pytest.approx(
        (-math.log(0.001) - math.log(0.999)) / 2)
    assert test["always 50%"]["brier"] == pytest.approx(0.25)
    assert test["base rate"]["brier"] == pytest.approx(((2 / 3 - 1) ** 2 + (2 / 3) ** 2) / 2)
    assert test["nothing changes"]["brier"] == pytest.approx(0.5)
    dev = d["scores"]["dev"]
    assert dev["process"]["brier"] == pytest.approx(0.0)
    # nothing changes: nothing concluded (c0 wrong), nothing lapsed, the status quo (50) ≤ 60
    assert dev["nothing changes"]["brier"] == pytest.approx(1 / 3)
    assert dev["model:compromise"]["n"] == 1 and "model:compromise" not in test
    assert d["per_case"]["b"]["half"] == "test"
    cal = test["process"]["calibration"]
    assert cal == [{"bin": [0.0, 0.1], "n": 2, "mean_forecast": 0.0,
                    "observed_frequency": 0.5}]
    # by kind of question: the same questions, grouped by what they ask
    kinds = d["per_kind"]
    assert sum(k["n"] for k in kinds["dev"].values()) == dev["process"]["n"]
    assert sum(k["n"] for k in kinds["test"].values()) == test["process"]["n"]
    for half in ("dev", "test"):
        n = sum(k["n"] for k in kinds[half].values())
        brier = sum(k["n"] * k["brier"] for k in kinds[half].values()) / n
        assert brier == pytest.approx(d["scores"][half]["process"]["brier"])
    assert {i["kind"] for i in d["questions"]} <= set(kinds["all"])


DECOMPOSITION = ("reliability", "resolution", "uncertainty", "within_bin_variance",
                 "within_bin_covariance", "auc")


def test_toy_archive_decomposes_the_brier_score():
    d = backtest(load_archive(TOY), draws=20, seed=0).to_dict()
    scored = [*d["scores"].values(), *(c["scores"] for c in d["per_case"].values())]
    for variants in scored:
        for v, s in variants.items():
            assert {"n", "brier", "log_score", "calibration", *DECOMPOSITION} <= set(s), v
            assert s["brier"] == pytest.approx(
                s["reliability"] - s["resolution"] + s["uncertainty"]
                + s["within_bin_variance"] - s["within_bin_covariance"], abs=1e-12)
    for half in ("dev", "test"):  # both halves have a yes and a no
        sc = d["scores"][half]
        for v in ("always 50%", "base rate"):  # one number for every question
            assert sc[v]["resolution"] == 0.0 and sc[v]["auc"] == 0.5, (half, v)
        assert sc["always 50%"]["uncertainty"] == sc["process"]["uncertainty"]
    # test: process 0 for a yes and a no: no discrimination, all of it a reliability error
    test = d["scores"]["test"]["process"]
    assert test["auc"] == 0.5 and test["resolution"] == 0.0
    assert test["reliability"] == pytest.approx(0.25) and test["uncertainty"] == 0.25
    # dev: process 1, 0, 1 for yes, no, yes: perfect
    dev = d["scores"]["dev"]["process"]
    assert dev["auc"] == 1.0 and dev["reliability"] == 0.0
    assert dev["resolution"] == pytest.approx(dev["uncertainty"]) == pytest.approx(2 / 9)
    # a single question (model:compromise on dev): nothing to rank, null rather than NaN
    assert d["scores"]["dev"]["model:compromise"]["auc"] is None
    json.dumps(d, allow_nan=False)


def test_backtest_command_writes_json_and_html(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out, page = tmp_path / "bt.json", tmp_path / "bt.html"
    assert main(["backtest", str(TOY), "--draws", "20", "--json", str(out),
                 "--html", str(page)]) == 0
    text = capsys.readouterr().out
    assert "Test half (the scores that count)" in text and "0.500" in text
    assert "Process model by kind (dev half)" in text
    head = next(line for line in text.splitlines() if line.lstrip().startswith("variant"))
    assert [c.strip() for c in head.split("┃")] == ["variant", "n", "Brier", "log score",
                                                   "reliability", "resolution", "AUC"]
    assert "Brier = reliability − resolution + uncertainty" in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    assert "…" not in text  # no number cut
    d = json.loads(out.read_text())
    assert set(d["scores"]) == {"dev", "test", "all"}
    assert set(DECOMPOSITION) <= set(d["scores"]["test"]["process"])
    html = page.read_text()
    assert 'id="reliability-test"' in html and "Content-Security-Policy" in html
    assert "<th>reliability</th><th>resolution</th><th>uncertainty</th>" in html
    assert "<th>within-bin</th><th>AUC</th>" in html


def test_archive_subset_runs(capsys):
    """A small subset of the real archive, as `make test` can afford."""
    a = load_archive(ARCHIVE, (DEV[0], TEST[0]))
    res = backtest(a, draws=100, seed=1)
    assert {i["case"] for i in res.items} == {DEV[0], TEST[0]}
    assert all(0.0 <= p <= 1.0 for i in res.items for p in i["p"].values())


def _copy_toy(tmp_path: Path) -> Path:
    dst = tmp_path / "arch"
    shutil.copytree(TOY, dst)
    return dst


def test_a_case_outside_the_split_is_refused(tmp_path):
    arch = _copy_toy(tmp_path)
    shutil.copytree(arch / "a", arch / "c")
    with pytest.raises(DetenteError, match="cases not in the split: c"):
        load_archive(arch)


def test_questions_inside_an_archived_scenario_are_refused(tmp_path):
    arch = _copy_toy(tmp_path)
    f = arch / "a" / "scenario.yaml"
    f.write_text(f.read_text() + "questions:\n  - id: q\n    text: q\n    when: "
                 "{zone: {table: t}}\n")
    with pytest.raises(ScenarioError, match="live in questions.yaml"):
        load_archive(arch)


def test_questions_file_errors_are_located_in_it(tmp_path):
    arch = _copy_toy(tmp_path)
    f = arch / "b" / "questions.yaml"
    f.write_text(f.read_text().replace("{concluded: {table: t,", "{concluded: {table: tt,"))
    with pytest.raises(ScenarioError) as e:
        load_archive(arch)
    msg = str(e.value)
    assert "questions.yaml:4:" in msg and "'tt' is not a defined table" in msg


def test_validate_warns_about_sources_dated_after_as_of(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    text = (TOY / "a" / "scenario.yaml").read_text().replace(
        "date: 2019-12-01", "date: 2020-03-01")
    f.write_text(text)
    assert main(["validate", str(f)]) == 0
    err = capsys.readouterr().err
    assert "warning: source 's1' is dated 2020-03-01, after as_of 2020-01-01" in err
