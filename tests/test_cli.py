"""The CLI through its entry point: commands, outputs, exit codes."""

from __future__ import annotations

import os
import json
import subprocess
import sys
from pathlib import Path

import pytest

from detente import __version__, load_scenario
from detente.cli import EXIT, main

from .conftest import SCENARIOS

EC = str(SCENARIOS / "ec-emissions-1994.yaml")


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"detente {__version__}"


def test_console_script_entry_point():
    exe = Path(sys.executable).parent / "detente"
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    r = subprocess.run([str(exe), "validate", EC], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "valid — 10 actors, 1 issue," in r.stdout


def test_python_dash_m(tmp_path):
    r = subprocess.run([sys.executable, "-m", "detente", "--version"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == f"detente {__version__}"


def test_validate_ok_and_bad(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(EC).read_text().replace("salience: 0.80", "salience: 1.80", 1))
    assert main(["validate", EC, str(bad)]) == EXIT["invalid"]
    out = capsys.readouterr()
    assert "ec-emissions-1994.yaml: valid" in out.out
    assert "stances.NL.emission_standard_date.salience: must be within [0, 1]; got 1.8" in out.err
    assert "Traceback" not in out.err


def test_analyze_summary_and_json(tmp_path, capsys):
    out = tmp_path / "res.json"
    assert main(["analyze", EC, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Forecast per issue" in text and "7.4" in text and "7.0" in text
    data = json.loads(out.read_text())
    fc = data["issues"][0]["forecast"]
    assert fc["compromise"]["mean"] == pytest.approx(7.389956, abs=1e-6)
    assert fc["median"]["mean"] == 7.0
    assert data["fingerprint"].startswith("sha256:")
    assert data["detente_version"] == __version__


def test_analyze_json_stdout_is_pure_json(capsys):
    assert main(["analyze", EC, "--json", "-", "--draws", "50", "--seed", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["draws"] == 50 and data["seed"] == 0


def test_analyze_is_deterministic(capsys):
    scen = str(SCENARIOS / "ukraine-2025-02.yaml")
    if not Path(scen).exists():
        pytest.skip("flagship scenario not written yet")
    main(["analyze", scen, "--json", "-", "--draws", "200", "--seed", "7"])
    a = capsys.readouterr().out
    main(["analyze", scen, "--json", "-", "--draws", "200", "--seed", "7"])
    assert capsys.readouterr().out == a


@pytest.mark.parametrize(
    "argv, code",
    [
        (["analyze", "no/such/file.yaml"], EXIT["no_input"]),
        (["analyze"], EXIT["usage"]),
        (["analyze", EC, "--draws", "0"], EXIT["usage"]),
        (["frobnicate"], EXIT["usage"]),
        (["analyze", EC, "--json", "/proc/no-such/out.json"], EXIT["cannot_write"]),
    ],
)
def test_exit_codes(argv, code, capsys):
    assert main(argv) == code
    assert "Traceback" not in capsys.readouterr().err


def test_schema_to_file(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["schema", "--output", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["title"] == "detente scenario"
    assert {"actors", "issues", "stances", "uncertainty", "questions"} <= set(doc["properties"])


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")) + ["starter"],
                         ids=lambda p: getattr(p, "stem", p))
def test_json_schema_accepts_every_shipped_scenario_and_the_starter(path, capsys, tmp_path):
    """Editors given `detente schema` must not flag valid files."""
    import jsonschema
    import yaml

    assert main(["schema"]) == 0
    doc = json.loads(capsys.readouterr().out)
    if path == "starter":
        assert main(["new", "x", "--output", str(tmp_path / "x.yaml")]) == 0
        path = tmp_path / "x.yaml"
    data = yaml.safe_load(Path(path).read_text())
    data = json.loads(json.dumps(data, default=str))  # YAML dates -> strings, as editors see them
    jsonschema.Draft202012Validator(doc).validate(data)


def test_json_schema_rejects_out_of_range_salience(capsys):
    import jsonschema

    assert main(["schema"]) == 0
    doc = json.loads(capsys.readouterr().out)
    stance = {"position": 50, "salience": 1.4}
    sub = {**doc, "$ref": "#/$defs/Stance"}
    sub.pop("properties"), sub.pop("required", None), sub.pop("type", None)
    sub.pop("additionalProperties", None)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(sub).validate(stance)


def test_new_writes_valid_starter_and_never_overwrites(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my-trade-deal"]) == 0
    f = tmp_path / "my-trade-deal.yaml"
    s = load_scenario(f)
    assert s.id == "my-trade-deal"
    f.write_text(f.read_text() + "# my edits\n")
    before = f.read_text()
    assert main(["new", "my-trade-deal"]) == EXIT["error"]
    assert f.read_text() == before  # nothing the user saved is lost
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "my-trade-deal", "--force"]) == 0
    assert load_scenario(f).id == "my-trade-deal"


def test_internal_error_is_reported_without_traceback(monkeypatch, capsys):
    import detente.analysis

    def boom(*a, **k):
        raise RuntimeError("kaput")

    monkeypatch.setattr(detente.analysis, "analyze", boom)
    assert main(["analyze", EC]) == EXIT["internal"]
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaput" in err and "Traceback" not in err
    assert main(["--traceback", "analyze", EC]) == EXIT["internal"]
    assert "Traceback" in capsys.readouterr().err


def test_accuracy_on_the_deu_file(reference_cases, capsys, tmp_path):
    tsv = str(reference_cases / "deu" / "deu3-dev.tsv")
    out = tmp_path / "acc.json"
    assert main(["accuracy", tsv, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "compromise" in text and "24.55" in text
    data = json.loads(out.read_text())
    assert data["issues"] == 191
    assert data["mae"]["compromise"] == pytest.approx(24.55, abs=0.005)
    assert {"compromise", "median", "ensemble"} <= set(data["mae"])
    assert data["rules"]["capability"] == "equal" and data["rules"]["missing_salience"] == 50


def test_accuracy_bad_inputs(capsys, tmp_path):
    assert main(["accuracy", "no/such.tsv"]) == EXIT["no_input"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\n")
    assert main(["accuracy", str(bad)]) == EXIT["invalid"]
    assert "no 'out' column" in capsys.readouterr().err
    assert main(["accuracy", str(bad), "--capability", "weird"]) == EXIT["usage"]


def test_trail_formatter_survives_odd_entries():
    from detente import analyze, load_scenario
    from detente.report.trails import format_trail_entry

    a = analyze(load_scenario(EC), bargain=False)
    for entry in ({"turn": 1, "actor": 0, "target": None, "expected_gain": None, "prob_win": None,
                   "adopted": "status quo"},
                  {"round": 2, "actor": 99, "issue": 7, "kind": "weird", "eu_actor": "x"},
                  {"text": "plain"}, {}):
        assert isinstance(format_trail_entry(entry, a), str)


def test_output_to_a_device_writes_through_and_never_replaces_it(tmp_path):
    """`--json /dev/null` (or a FIFO) must not turn the device into a regular file."""
    import stat as _stat

    from detente.cli import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, encoding="utf-8").read()))
    reader.start()
    write_atomic(fifo, "hello\n")
    reader.join(timeout=10)
    assert got == ["hello\n"]
    assert _stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_stability_without_a_conflict_section_says_so_in_one_line(capsys):
    """A valid scenario without `conflict` is not "1 problem found": one line says there is
    nothing for `detente stability` to analyse, and where to read about it."""
    assert main(["stability", EC]) == EXIT["invalid"]
    out = capsys.readouterr()
    assert out.out == ""
    (line,) = out.err.splitlines()
    assert line.startswith(f"error: {EC}: ") and "problem" not in line
    assert "no `conflict` section" in line and "nothing for `detente stability`" in line
    assert "docs/reference/scenario-format.md" in line
