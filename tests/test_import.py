"""`detente import`: KTAB's SMP CSV and the long (DEU-style) layout, from CSV, TSV and .xlsx.

Both layouts round-trip to scenarios that validate and analyse; the KTAB example reproduces the
numbers of its source file; bad input is refused with each problem's file, line and column, and
an existing file is never overwritten without --force.
"""

from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from detente import ScenarioError, load_scenario
from detente.analysis import analyze
from detente.cli import EXIT, main
from detente.errors import DetenteError
from detente.importer import import_scenario

from .conftest import SCENARIOS, REFERENCE_CASES

DATA = Path(__file__).resolve().parent / "data" / "import"
SOE = DATA / "SOE-Pol-Comp.csv"
DUMMY = DATA / "dummyData_3Dim-no-final-comma.csv"
EC_LONG = DATA / "ec-emissions-long.csv"
DEU_LONG = DATA / "deu-fishdialog-long.csv"


def _stance_table(s) -> list[tuple]:
    """(actor, capability, [(position, salience) per issue]) in file order, ids aside."""
    return [(a.name, a.capability, [
        (st.position, st.salience) if (st := s.stances.get(a.id, {}).get(i.id)) else None
        for i in s.issues]) for a in s.actors]


# ----------------------------------------------------------------------------- KTAB layout
def test_ktab_example_reproduces_the_source_file():
    res = import_scenario(SOE, as_of="2016-05-10")
    s = res.scenario
    assert res.layout == "ktab"
    case = json.loads((REFERENCE_CASES / "cdm" / "ktab_smp_soe_pol_comp.json").read_text())
    assert s.title == case["scenario"]["scenario"]
    assert s.description == case["scenario"]["description"]
    assert [i.name for i in s.issues] == case["issues"]
    assert [a.id for a in s.actors] == [a["name"] for a in case["actors"]]
    for a, want in zip(s.actors, case["actors"]):
        assert a.name == want["description"]
        assert a.capability == want["capability"]
        for i, pos, sal in zip(s.issues, want["position"], want["salience"]):
            st = s.stances[a.id][i.id]
            assert st.position == pos
            assert Decimal(str(st.salience)) == Decimal(str(sal)) / 100  # exactly, no rounding
    # the same numbers as the hand-written scenario of this case
    hand = load_scenario(SCENARIOS / "china-soe-energy-2016.yaml")
    assert _stance_table(s) == _stance_table(hand)


def test_ktab_example_analyses_as_the_handwritten_scenario():
    imported = analyze(import_scenario(SOE, as_of="2016-05-10").scenario)
    hand = analyze(load_scenario(SCENARIOS / "china-soe-energy-2016.yaml"))
    assert imported.models == hand.models and "smp" in imported.models
    for m in imported.models:
        np.testing.assert_array_equal(imported.forecast_user(m), hand.forecast_user(m))
    assert imported.forecast_user("compromise")[0, 0] == pytest.approx(36.293563, abs=1e-6)


def test_ktab_file_without_final_commas():
    s = import_scenario(DUMMY, as_of="2017-01-01").scenario
    case = json.loads((REFERENCE_CASES / "cdm" / "ktab_smp_dummy3dim.json").read_text())
    assert [i.id for i in s.issues] == case["issues"]  # Pstn1… are ids already
    assert s.description == "Dummy scenario to test reading format"
    for a, want in zip(s.actors, case["actors"], strict=True):
        assert (a.id, a.capability) == (want["name"], want["capability"])
        got = [(s.stances[a.id][i.id].position, s.stances[a.id][i.id].salience)
               for i in s.issues]
        assert got == [(p, float(Decimal(str(v)) / 100))
                       for p, v in zip(want["position"], want["salience"])]


def test_cli_round_trip_validates_and_analyses(tmp_path, capsys):
    out = tmp_path / "soe.yaml"
    assert main(["import", str(SOE), "-o", str(out), "--as-of", "2016-05-10"]) == 0
    io = capsys.readouterr()
    assert f"Wrote {out} (13 actors, 2 issues, 26 stances)" in io.out
    assert "warning: no status quo in the file for 'Policy Position', 'Competitive Position'" in io.err
    assert main(["validate", str(out)]) == 0
    assert "valid — 13 actors, 2 issues" in capsys.readouterr().out
    assert main(["analyze", str(out), "--no-store", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["issues"][0]["forecast"]["compromise"]["mean"] == pytest.approx(36.293563,
                                                                                abs=1e-6)
    text = out.read_text()
    assert "imported-file" in text and "Placeholder status quo" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["soe.yaml"]  # no temporary file left


def test_choose_issues(tmp_path):
    s = import_scenario(SOE, issues=["Competitive Position"], as_of="2016-05-10")
    assert [i.id for i in s.scenario.issues] == ["competitive-position"]
    assert "Not imported (left out with --issues): Policy Position." in s.scenario.notes
    s2 = import_scenario(SOE, issues=["policy-position"], as_of="2016-05-10")
    assert [i.name for i in s2.scenario.issues] == ["Policy Position"]
    with pytest.raises(ScenarioError, match="--issues: no such issue: Trade") as e:
        import_scenario(SOE, issues=["Trade"])
    assert "'Policy Position', 'Competitive Position'" in str(e.value)


# ----------------------------------------------------------------------------- long layout
def test_long_layout_reproduces_the_ec_case():
    res = import_scenario(EC_LONG, as_of="1989-06-01", title="EC emissions")
    s, hand = res.scenario, load_scenario(SCENARIOS / "ec-emissions-1994.yaml")
    assert res.layout == "long"
    assert _stance_table(s) == _stance_table(hand)
    (iss,), (want,) = s.issues, hand.issues
    assert (iss.id, iss.name, iss.scale, iss.status_quo) == (want.id, want.name, want.scale,
                                                             want.status_quo)
    a = analyze(s)
    assert a.forecast_user("compromise")[0, 0] == pytest.approx(7.389956, abs=1e-6)
    assert a.forecast_user("median")[0, 0] == 7.0
    assert res.warnings == ()  # the file gives the status quo, and --as-of the date


def test_long_layout_reproduces_the_deu_rows():
    """The DEU III rows of proposal n99163, one row per actor and issue, capability once."""
    s = import_scenario(DEU_LONG, as_of="1999-01-01").scenario
    rows = list(csv.reader((REFERENCE_CASES / "deu" / "deu3-dev.tsv").open(), delimiter="\t"))
    head, caps = rows[0], dict(zip(rows[0], rows[1]))
    issues = [dict(zip(head, r)) for r in rows[2:] if r[2] == "n99163"]
    assert [i.id for i in s.issues] == [d["isnr"] for d in issues]
    for iss, d in zip(s.issues, issues):
        assert iss.status_quo == float(d["rp"])
        for a in s.actors:
            assert a.capability == float(caps["p" + a.id])
            st = s.stances.get(a.id, {}).get(iss.id)
            if d["p" + a.id] == "":
                assert st is None  # no position in DEU: no stance
            else:
                assert st.position == float(d["p" + a.id])
                assert st.salience == float(Decimal(d["s" + a.id]) / 100)
    assert "row(s) give no position" in s.notes
    analyze(s)


def test_semicolons_and_decimal_commas(tmp_path):
    """A European spreadsheet export: ';' between cells, ',' in numbers."""
    f = tmp_path / "ec.csv"
    rows = list(csv.reader(EC_LONG.open()))
    f.write_text("\n".join(";".join(c.replace(".", ",") for c in r) for r in rows) + "\n",
                 encoding="utf-8-sig")
    a = import_scenario(f, as_of="1989-06-01").scenario
    b = import_scenario(EC_LONG, as_of="1989-06-01").scenario
    assert _stance_table(a) == _stance_table(b)


def test_salience_scale(tmp_path):
    f = tmp_path / "tiny.csv"
    f.write_text("actor,issue,position,salience,capability\na,x,10,0.5,1\nb,x,90,1,2\n")
    res = import_scenario(f, as_of="2025-01-01")
    assert res.scenario.stances["a"]["x"].salience == 0.5
    assert any("--salience-scale 100" in w for w in res.warnings)
    res = import_scenario(f, salience_scale="100", as_of="2025-01-01")
    assert res.scenario.stances["b"]["x"].salience == 0.01
    with pytest.raises(DetenteError, match="KTAB's layout fixes saliences"):
        import_scenario(SOE, salience_scale="1")


def test_names_that_are_not_ids_and_awkward_text(tmp_path):
    f = tmp_path / "names.csv"
    f.write_text('actor,actor_name,issue,issue_name,position,salience,capability,role,note\n'
                 'no,Norway,2nd round,"Quota: yes, or no?",10,50,1,"says ""no""",\n'
                 'Österreich,,2nd round,,90,50,2,,"#1 priority"\n', encoding="utf-8")
    s = import_scenario(f, as_of="2025-01-01").scenario
    assert [(a.id, a.name) for a in s.actors] == [("no", "Norway"),
                                                  ("osterreich", "Österreich")]
    assert s.actors[0].role == 'says "no"'
    assert [(i.id, i.name) for i in s.issues] == [("i-2nd-round", "Quota: yes, or no?")]
    assert s.stances["osterreich"]["i-2nd-round"].note == "#1 priority"


# ----------------------------------------------------------------------------- .xlsx
def _workbook(path: Path, sheets: dict[str, Path]) -> None:
    import openpyxl  # a test dependency (the extra detente[xlsx] for users)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, src in sheets.items():
        ws = book.create_sheet(name)
        for r in csv.reader(src.open()):
            ws.append([float(c) if c.replace(".", "", 1).isdigit() else (c or None)
                       for c in r])
    book.save(path)


def test_xlsx_reads_like_csv(tmp_path):
    f = tmp_path / "ec.xlsx"
    _workbook(f, {"EC": EC_LONG})
    a = import_scenario(f, as_of="1989-06-01").scenario
    assert _stance_table(a) == _stance_table(import_scenario(EC_LONG, as_of="1989-06-01")
                                             .scenario)


def test_xlsx_with_several_sheets_needs_sheet(tmp_path, capsys):
    f = tmp_path / "both.xlsx"
    _workbook(f, {"EC": EC_LONG, "SOE": SOE})
    assert main(["import", str(f), "-o", str(tmp_path / "x.yaml")]) == EXIT["invalid"]
    assert "2 worksheets with data: 'EC', 'SOE'" in capsys.readouterr().err
    out = tmp_path / "soe.yaml"
    assert main(["import", str(f), "--sheet", "SOE", "-o", str(out), "--as-of",
                 "2016-05-10"]) == 0
    assert len(load_scenario(out).actors) == 13
    assert main(["import", str(f), "--sheet", "Nope"]) == EXIT["invalid"]
    assert "there is no worksheet 'Nope'" in capsys.readouterr().err


def test_xlsx_without_the_extra_names_it(tmp_path, monkeypatch, capsys):
    f = tmp_path / "ec.xlsx"
    f.write_bytes(b"PK\x03\x04 not really a workbook")
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now fails
    assert main(["import", str(f)]) == EXIT["error"]
    err = capsys.readouterr().err
    assert "openpyxl is missing" in err and "pip install 'detente[xlsx]'" in err


# ----------------------------------------------------------------------------- bad input
BAD = [
    # (file text, expected lines of the report)
    ("S,desc,3,2,\nActor,Desc,Power,P1,S1,P2,S2,\nA,Alpha,10,50,50,120,20,\n"
     "B,Beta,abc,50,50,10,60,\nA,Again,1,1,1,1,1\nC,Gamma,0,1,1,1,1,extra\n",
     ["bad.csv: 6 problems found",
      "bad.csv:3:6: P2 (column F): must be within [0, 100]; got 120",
      "bad.csv:4:3: Power (column C): must be a number; got 'abc'",
      "bad.csv:5:1: Actor (column A): actor 'A' is listed twice (first on line 3)",
      "bad.csv:6: line 1 declares 3 actor(s); the file has 4 actor row(s)",
      "bad.csv:6:3: Power (column C): must be above 0; got 0",
      "bad.csv:6:8: column H: an actor row has 7 columns for 2 dimension(s); got 'extra'"]),
    ("S,desc,2,1\nActor,Desc,Power,P1,S1\nA,Alpha,1,50,70\n",
     ["bad.csv:1:3: number of actors (column C): line 1 declares 2 actor(s); the file has 1 "
      "actor row(s)"]),
    ("S,desc,two,1\nActor,Desc,Power,P1,S1\n",
     ["bad.csv:1: cannot tell the file's layout from its first line"]),
    ("actor,issue,positon,salience,capability,colour\na,x,10,50,1,red\n",
     ["bad.csv:1: the 'position' column is missing",
      "bad.csv:1:3: positon (column C): unknown column",
      "    hint: did you mean 'position'? the columns are actor, issue, position,",
      "bad.csv:1:6: colour (column F): unknown column"]),
    ("actor,issue,position,salience,capability\na,x,10,50,1\na,y,20,,2\nb,x,200,30,\n"
     "b,x,5,5,1\nc,z,,,\n,x,1,1,1\nd,q,1,1,1,9\ne,q,45%,1,1\n",
     ["bad.csv:3:4: salience (column D): is empty",
      "bad.csv:3:5: capability (column E): actor 'a' has capability '1' on line 2 but '2' here",
      "bad.csv:4:3: position (column C): must be within the scale of issue 'x', [0, 100]; "
      "got 200",
      "bad.csv:5:2: issue (column B): actor 'b' on issue 'x' is given twice (first on line 4)",
      "bad.csv:6:5: capability (column E): actor 'c' has no capability on any of its rows",
      "bad.csv:7:1: actor (column A): is empty",
      "bad.csv:8:6: column F: this cell is right of the last column with a header; got '9'",
      "bad.csv:9:3: position (column C): must be a number; got '45%'"]),
    ("actor,issue,position,salience,capability,status_quo,scale_min,scale_max\n"
     "a,x,5,50,1,12,0,10\nb,x,5,50,1,,10,\nc,y,1,0,1,,,\n",
     ["bad.csv:2:6: status_quo (column F): must be within the issue's scale [0, 10]; got 12",
      "bad.csv:3:7: scale_min (column G): issue 'x' has scale_min '0' on line 2 but '10' here"]),
    ("actor,issue,position,salience,capability\na,x,5,0,1\nb,x,7,0,1\n",
     ["bad.csv:2:2: issue (column B): no actor has a salience above 0 on issue 'x'"]),
    ('actor,issue,position,salience,capability\na,x,"10,50,1\nb,x,1,1,1\n',
     ["bad.csv:2: this row runs over lines 2–3: a quotation mark is not closed"]),
]


@pytest.mark.parametrize("text,report", BAD, ids=[f"bad-{k}" for k in range(len(BAD))])
def test_bad_input_is_refused_where_it_is(tmp_path, monkeypatch, capsys, text, report):
    monkeypatch.chdir(tmp_path)
    Path("bad.csv").write_text(text, encoding="utf-8")
    assert main(["import", "bad.csv"]) == EXIT["invalid"]
    err = capsys.readouterr().err
    for line in report:
        assert line in err, err
    assert "hint:" in err
    assert not Path("bad.yaml").exists()


def test_not_utf8_workbook_named_csv_and_missing_file(tmp_path, capsys):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("actor,issue,position,salience,capability\nö,x,1,1,1\n".encode("latin-1"))
    assert main(["import", str(latin)]) == EXIT["invalid"]
    assert f"{latin}:2: this is not UTF-8 text (byte 0xf6)" in capsys.readouterr().err
    fake = tmp_path / "book.csv"
    fake.write_bytes(b"PK\x03\x04rest")
    assert main(["import", str(fake)]) == EXIT["invalid"]
    assert "give the file the .xlsx extension" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "nothere.csv")]) == EXIT["no_input"]
    assert "no such file" in capsys.readouterr().err
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf")
    assert main(["import", str(old)]) == EXIT["invalid"]
    assert "save the sheet as .xlsx or as CSV" in capsys.readouterr().err


def test_never_overwrites_without_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("ec.csv").write_bytes(EC_LONG.read_bytes())
    Path("ec.yaml").write_text("# my work\n")
    assert main(["import", "ec.csv"]) == EXIT["error"]
    assert "ec.yaml already exists; nothing was changed" in capsys.readouterr().err
    assert Path("ec.yaml").read_text() == "# my work\n"
    assert main(["import", "ec.csv", "--force", "--as-of", "1989-06-01"]) == 0
    assert load_scenario("ec.yaml").id == "ec"
    assert main(["import", "ec.csv", "-o", "ec.csv", "--force"]) == EXIT["error"]
    assert Path("ec.csv").read_bytes() == EC_LONG.read_bytes()  # the input is never replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ec.csv", "ec.yaml"]


def test_stdout_and_header_options(capsys):
    assert main(["import", str(EC_LONG), "-o", "-", "--id", "ec-import", "--title",
                 "EC: imported", "--as-of", "1989-06-01"]) == 0
    out = capsys.readouterr().out
    from detente import loads_scenario

    s = loads_scenario(out)
    assert (s.id, s.title, s.as_of.isoformat()) == ("ec-import", "EC: imported", "1989-06-01")
    assert main(["import", str(EC_LONG), "-o", "-", "--id", "1bad"]) == EXIT["error"]
    assert main(["import", str(EC_LONG), "-o", "-", "--as-of", "June"]) == EXIT["error"]
    assert "--as-of: 'June' is not a date" in capsys.readouterr().err
    assert main(["import", str(EC_LONG), "-o", "-", "--layout", "ktab"]) == EXIT["invalid"]
    assert main(["import", str(EC_LONG), "-o", "-", "--layout", "wide"]) == EXIT["error"]


def test_the_how_to_shows_the_real_report(tmp_path, monkeypatch, capsys):
    """docs/how-to/import-from-a-spreadsheet.md: its broken file gives the report it shows."""
    from .test_docs import _blocks

    page = Path(__file__).resolve().parents[1] / "docs" / "how-to" / \
        "import-from-a-spreadsheet.md"
    texts = [b.text for b in _blocks(page) if b.lang == "text"]
    csv_text = next(t for t in texts if t.startswith("actor,issue,position,salience,"))
    report = next(t for t in texts if t.startswith("positions.csv: "))
    monkeypatch.chdir(tmp_path)
    Path("positions.csv").write_text(csv_text)
    assert main(["import", "positions.csv"]) == EXIT["invalid"]
    assert capsys.readouterr().err == report


def test_excel_separator_line_and_tabs(tmp_path):
    """Excel's 'sep=;' first line names the separator; a .tsv file is tab separated."""
    rows = list(csv.reader(EC_LONG.open()))
    a = tmp_path / "sep.csv"
    a.write_text("sep=;\n" + "\n".join(";".join(r) for r in rows) + "\n")
    b = tmp_path / "ec.tsv"
    b.write_text("\n".join("\t".join(r) for r in rows) + "\n")
    want = _stance_table(import_scenario(EC_LONG, as_of="1989-06-01").scenario)
    for f in (a, b):
        assert _stance_table(import_scenario(f, as_of="1989-06-01").scenario) == want
    a.write_text("sep=;\n" + "\n".join(";".join(r) for r in rows[:2]) + ";oops\n")
    with pytest.raises(ScenarioError, match=r"sep.csv:3:11: column K: this cell is right of"):
        import_scenario(a)


def test_ktab_saliences_over_100_in_all_are_kept_with_a_warning(tmp_path):
    f = tmp_path / "k.csv"
    f.write_text("S,d,2,2,\nActor,Desc,Power,A,SA,B,SB,\nX,,1,10,60,20,60,\nY,,2,90,50,80,40,\n")
    res = import_scenario(f, as_of="2025-01-01")
    assert [w for w in res.warnings if "add up to" in w] == [
        "line 3: X's saliences add up to 120, which KTAB refuses (at most 100); detente's SMP "
        "scales them down to 100 in all, the other models use them as given"]
    assert res.scenario.stances["X"]["B"].salience == 0.6
    assert [a.name for a in res.scenario.actors] == ["X", "Y"]  # no description: the name


def test_long_layout_choose_issues():
    s = import_scenario(DEU_LONG, issues=["n99163i2"], as_of="1999-01-01").scenario
    assert [i.id for i in s.issues] == ["n99163i2"]
    assert "Not imported (left out with --issues): n99163i1." in s.notes
    assert len(s.actors) == 29  # every actor keeps its capability
