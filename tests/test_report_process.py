"""The process model in the reports: "How the talks unfold" in the terminal summary (every number
whole at 60, 80 and 120 columns, and equal to the JSON) and in the HTML report (chart, table of
its numbers, sentences, paths, assumptions)."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from detente import analyze, load_scenario, loads_scenario
from detente.cli import main
from detente.report.fit import Col, fit_tables
from detente.report.process import MEASURES, month_rows, process_view
from detente.report.terminal import render_summary

from .conftest import BARE, SCENARIOS

FLAGSHIP = SCENARIOS / "ukraine-2025-02.yaml"
EC = SCENARIOS / "ec-emissions-1994.yaml"
WIDTHS = (60, 80, 120)
_PCT = re.compile(r"^\d+(\.\d)?%$")


def _expected(v: float) -> str:
    """A share as the reports print it: whole percent, one decimal within 1% of 0 or 1."""
    if 0 < v < 0.01 or 0.99 < v < 1:
        return f"{100 * v:.1f}%".replace(".0%", "%")
    return f"{100 * v:.0f}%"


def _close(token: str, v: float) -> bool:
    """The printed percentage is the JSON share, rounded (to 0.1% when it has a decimal)."""
    tol = 0.05 if "." in token else 0.5
    return abs(float(token.rstrip("%")) - 100 * v) <= tol + 1e-9


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def flagship():
    a = analyze(load_scenario(FLAGSHIP), draws=200, seed=7)
    return a, a.to_dict()


@pytest.fixture(scope="module")
def summaries(flagship) -> dict[int, str]:
    a, d = flagship
    out = {}
    for w in WIDTHS:
        buf = io.StringIO()
        render_summary(a, Console(file=buf, width=w, highlight=False, soft_wrap=False,
                                  color_system=None), data=d)
        out[w] = buf.getvalue()
    return out


def _section(text: str) -> str:
    start = text.index("How the talks unfold")
    end = text.find("\nTimeline", start)
    return text[start:] if end < 0 else text[start:end]


def _blocks(section: str) -> dict[str, str]:
    parts = re.split(r"How the talks unfold — table (\S+)\n", section)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def _cells(line: str) -> list[str]:
    return [c for c in re.split(r"[│┃\s]+", line.strip()) if c]


@pytest.mark.parametrize("width", WIDTHS)
def test_terminal_section_fits_and_nothing_is_cut(width, summaries, flagship):
    a, d = flagship
    sec = _section(summaries[width])
    assert "…" not in sec
    long = [ln for ln in sec.splitlines() if cell_len(ln.rstrip()) > width]
    assert not long, long
    assert set(_blocks(sec)) == set(d["process"]["tables"])


@pytest.mark.parametrize("width", WIDTHS)
def test_terminal_month_table_matches_the_json(width, summaries, flagship):
    a, d = flagship
    pr = d["process"]
    months = [int(m) for m in pr["months"]]
    for tid, block in _blocks(_section(summaries[width])).items():
        rec = pr["tables"][tid]
        rows = {}
        for line in block.splitlines():
            c = _cells(line)
            if len(c) == 1 + len(MEASURES) and c[0].isdigit() and all(_PCT.match(x) for x in c[1:]):
                rows[int(c[0])] = c[1:]
        assert sorted(rows) == months, (tid, sorted(rows))  # every month, once
        for m, cells in rows.items():
            i = months.index(m)
            for (key, _, _), token in zip(MEASURES, cells):
                v = rec[key][i]
                assert token == _expected(v) and _close(token, v), (tid, m, key, token, v)


@pytest.mark.parametrize("width", WIDTHS)
def test_terminal_sentences_paths_partials_moves_assumptions(width, summaries, flagship):
    a, d = flagship
    pr = d["process"]
    sec = _section(summaries[width])
    flat = _norm(sec)
    blocks = _blocks(sec)
    for tid, rec in pr["tables"].items():
        block = blocks[tid]
        for s in rec["why"]["sentences"]:
            assert _norm(s) in _norm(block), (tid, s)
        # the most likely courses: one row per path, its probability first, in order
        probs = [ln.split("│")[0].strip() for ln in block.splitlines()
                 if "│" in ln and _PCT.match(ln.split("│")[0].strip())
                 and len(_cells(ln)) > 1 and not _PCT.match(_cells(ln)[1])]
        assert probs == [_expected(p["probability"]) for p in rec["paths"]], tid
        for p in rec["paths"]:
            first = p["path"].split()[0]
            assert first in block
            if width == 120:
                assert p["path"] in block
        for pid, pp in rec["partials"].items():
            row = next(ln for ln in block.splitlines() if _cells(ln)[:1] == [pid])
            want = [_expected(pp[k][-1]) for k in ("concluded_so_far", "in_force",
                                                   "lapsed_so_far")]
            assert _cells(row)[1:] == want, (pid, row)
            assert f"Partial agreements at month {int(pr['months'][-1])}" in block
    for mv in pr["unilateral"]:
        t = mv["target"]
        target = f"{t['p50']:.1f} [{t['p05']:.0f}–{t['p95']:.0f}]"
        assert target in sec
        row = next(ln for ln in sec.splitlines() if target in ln)
        assert _cells(row)[-2:] == [_expected(mv["tightens"]), _expected(mv["eases"])]
    assert "Unilateral moves" in sec
    if pr["assumptions"]:
        assert "Assumptions (defaults the process model used" in flat
        for line in pr["assumptions"]:
            assert _norm(line) in flat
    else:
        assert "Assumptions: none" in flat


def test_terminal_point_estimate_lists_the_assumptions():
    a = analyze(load_scenario(EC))
    d = a.to_dict()
    assert d["process"]["assumptions"]
    for w in WIDTHS:
        buf = io.StringIO()
        render_summary(a, Console(file=buf, width=w, color_system=None), data=d)
        sec = _section(buf.getvalue())
        assert "point estimate: 100% = yes, 0% = no" in _norm(sec)
        assert "Assumptions (defaults the process model used because the scenario is silent)" \
            in _norm(sec)
        for line in d["process"]["assumptions"]:
            assert _norm(line) in _norm(sec)
        assert "…" not in sec


def test_cli_summary_at_60_columns(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["analyze", str(FLAGSHIP), "--draws", "50", "--seed", "1"]) == 0
    sec = _section(capsys.readouterr().out)
    assert "How the talks unfold — table us-russia" in sec and "…" not in sec
    assert all(cell_len(ln.rstrip()) <= 60 for ln in sec.splitlines())


def test_no_tables_no_section():
    s = loads_scenario(BARE, file="bare.yaml")
    a = analyze(s)
    assert process_view(a.to_dict()["process"]) is None
    buf = io.StringIO()
    render_summary(a, Console(file=buf, width=80))
    assert "How the talks unfold" not in buf.getvalue()


@pytest.mark.parametrize("width", [24, 30, 36, 44, 52, 60, 64, 70, 80])
def test_fit_tables_never_cuts_a_number(width):
    cols = [Col("month"), *(Col(head) for _, head, _ in MEASURES)]
    rows = [[str(m), "100%", "99.6%", "0.4%", "12%", "1%", "0%"] for m in (0, 10, 240)]
    out = io.StringIO()
    con = Console(file=out, width=width, color_system=None)
    tables = fit_tables(width, cols, rows)
    for t in tables:
        con.print(t)
    text = out.getvalue()
    assert "…" not in text
    assert all(cell_len(ln.rstrip()) <= width for ln in text.splitlines()), text
    found = [c for ln in text.splitlines() for c in _cells(ln) if _PCT.match(c)]
    assert sorted(found) == sorted(c for r in rows for c in r[1:]), text
    if width >= 60:
        assert len(tables) == 1


def test_long_horizons_show_every_kth_month():
    months = [float(m) for m in range(71)]
    rec = {key: [m / 100 for m in range(71)] for key, _, _ in MEASURES}
    rows, note = month_rows(months, rec, 25)
    shown = [m for m, _ in rows]
    assert len(shown) <= 25 and shown[0] == 0 and shown[-1] == 70 and "every 3 months" in note
    assert rows[1][1][0] == pytest.approx(0.03)
    rows, note = month_rows(months[:13], rec, 25)
    assert [m for m, _ in rows] == list(range(13)) and note is None


# ------------------------------------------------------------------------------------ HTML
pytest.importorskip("jinja2")
pytest.importorskip("plotly")


def test_html_has_the_process_section_chart_and_table(flagship):
    from detente.report.html import render_html

    from .test_report_html import _external_loads, _parse

    a, d = flagship
    pr = d["process"]
    doc = render_html(a)
    p = _parse(doc)
    assert "process" in p.ids and not _external_loads(p)
    text = p.plain
    assert "6. The timeline: how the talks unfold" in text
    for k, (tid, rec) in enumerate(pr["tables"].items()):
        cid = f"process-chart-{k}"
        assert cid in p.ids and "chart" in p.ids[cid]["class"].split()
        assert f"How the talks unfold at {tid}" in text
        m = re.search(rf'data-target="{cid}-plot">(.*?)</script>', doc, re.DOTALL)
        spec = json.loads(m.group(1))
        names = [t["name"] for t in spec["data"]]
        assert names == ["P(zone of agreement)", "P(concluded so far)", "P(in force)",
                         "P(lapsed so far)"]
        for tr, key in zip(spec["data"], ("zone", "concluded_so_far", "in_force",
                                          "lapsed_so_far")):
            assert tr["y"] == pytest.approx([100 * v for v in rec[key]])
        for s in rec["why"]["sentences"]:
            assert _norm(s) in text
        for path in rec["paths"]:
            assert _norm(path["path"]) in text
        # the table beside the chart: one row per month with every share, as printed
        body = doc[doc.index(f'id="{cid}"'):]
        body = body[body.index('<table class="numbers months">'):body.index("</table>")]
        cells = re.findall(r'<td class="num">([^<]*)</td>', body)
        per = 1 + len(MEASURES)
        assert len(cells) == per * len(pr["months"])
        for i in range(len(pr["months"])):
            row = cells[i * per:(i + 1) * per]
            assert row[0] == str(int(pr["months"][i]))
            for (key, _, _), token in zip(MEASURES, row[1:]):
                assert token == _expected(rec[key][i]) and _close(token, rec[key][i])
    assert "Unilateral moves" in text and "Assumptions" in text
    for mv in pr["unilateral"]:
        assert f"{mv['actor']}: {mv['issue']} → {mv['option']}" in text


def test_html_point_estimate_lists_assumptions_and_no_tables_says_so():
    from detente.report.html import render_html

    from .test_report_html import _parse

    a = analyze(load_scenario(EC))
    p = _parse(render_html(a))
    text = p.plain
    assert "process-chart-0" in p.ids
    assert "Defaults the process model used because the scenario is silent" in text
    for line in a.to_dict()["process"]["assumptions"]:
        assert _norm(line) in text


@pytest.mark.parametrize("columns", [60, 80, 120])
@pytest.mark.parametrize("draws", [1, 300])
def test_no_number_is_cut_anywhere_in_the_summary(columns, draws, monkeypatch, capsys):
    """The whole summary (forecasts, packages, members, process), not only one section: a
    digit, bracket or percent sign is never followed by an ellipsis."""
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["analyze", str(FLAGSHIP), "--draws", str(draws), "--seed", "1",
                 "--no-store"]) == 0
    out = capsys.readouterr().out
    cut = [ln for ln in out.splitlines()
           if re.search(r"[0-9.%\[\]–+-]…", ln) and "sha256" not in ln]
    assert cut == []
    assert "security_guarantees" in out  # issue ids wrap, never cut
