"""The HTML report: generated for every scenario, self-contained (nothing loads from the
network), user text escaped, graceful without tables, questions, conflict or draws."""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("plotly")

from detente import analyze, load_scenario, loads_scenario  # noqa: E402
from detente.cli import EXIT, main  # noqa: E402
from detente.errors import DetenteError  # noqa: E402
from detente.report.html import ReportError, render_html, write_report  # noqa: E402

from .conftest import BARE, SCENARIOS  # noqa: E402

FILES = sorted(SCENARIOS.glob("*.yaml"))
EC = SCENARIOS / "ec-emissions-1994.yaml"

# Attributes that make a browser fetch something, and the elements that embed other documents.
_LOADING_ATTRS = {"src", "srcset", "data", "poster", "background", "action", "formaction",
                  "codebase", "archive", "manifest", "ping", "xlink:href"}
_EMBEDS = {"iframe", "frame", "frameset", "embed", "object", "applet", "img", "image", "picture",
           "video", "audio", "source", "track", "link", "base", "portal"}
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I)


class _Doc(HTMLParser):
    """Collects what a browser would load, the elements by id, the visible text, the inline
    styles and the JSON chart specs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self.ids: dict[str, dict[str, str]] = {}
        self.tags: list[str] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.specs: list[str] = []
        self.links: list[str] = []
        self.scripts = 0
        self._raw: str | None = None
        self._json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids[a["id"]] = a
        for k in _LOADING_ATTRS & a.keys():
            self.loads.append(f"<{tag} {k}={a[k]!r}>")
        if tag in _EMBEDS:
            self.loads.append(f"<{tag}> element")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.loads.append("<meta http-equiv=refresh>")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if "style" in a:
            self.styles.append(a["style"])
        if tag in ("script", "style"):
            self._raw = tag
            self._json = tag == "script" and a.get("type") == "application/json"
            self.scripts += tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw == "style":
            self.styles.append(data)
        elif self._raw == "script":
            if self._json:
                self.specs.append(data)
        else:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def _parse(doc: str) -> _Doc:
    p = _Doc()
    p.feed(doc)
    p.close()
    return p


def _external_loads(p: _Doc) -> list[str]:
    bad = list(p.loads)
    for css in p.styles:
        if "@import" in css.lower():
            bad.append("CSS @import")
        for _, url in _CSS_URL.findall(css):
            if not url.lower().startswith("data:"):
                bad.append(f"CSS url({url})")
    return bad


def test_the_checker_catches_external_loads():
    """The checker itself: each of these would make a browser fetch something."""
    for html in ('<script src="https://cdn.plot.ly/plotly.js"></script>',
                 '<link rel="stylesheet" href="https://x/y.css">', '<img src="http://x/y.png">',
                 '<iframe src="about:blank"></iframe>', "<style>@import 'https://x/y.css';</style>",
                 '<div style="background: url(http://x/y.png)"></div>',
                 "<style>p { background: url('//x/y.png') }</style>"):
        assert _external_loads(_parse(html)), html
    ok = '<style>p { background: url(data:image/png;base64,AAAA) }</style><a href="https://x">x</a>'
    assert not _external_loads(_parse(ok))


@pytest.fixture(scope="module")
def reports() -> dict[str, tuple[object, str]]:
    """Every scenario analysed once with modest draws, and its report."""
    out = {}
    for f in FILES:
        a = analyze(load_scenario(f), draws=200, seed=2025)
        out[f.stem] = (a, render_html(a))
    return out


def test_there_are_scenarios():
    assert len(FILES) >= 3


@pytest.mark.parametrize("name", [f.stem for f in FILES])
def test_report_for_every_scenario(name, reports):
    a, doc = reports[name]
    assert doc.startswith("<!DOCTYPE html>")
    p = _parse(doc)
    assert not _external_loads(p), _external_loads(p)
    text = p.plain
    assert a.scenario.title in text
    for q in a.scenario.questions:
        assert re.sub(r"\s+", " ", q.text) in text, q.id
    if a.scenario.questions:
        assert "question-chart" in p.ids and "chart" in p.ids["question-chart"]["class"].split()
    # sections in order, each present
    order = [text.index(h) for h in (
        "1. The questions and their answers", "2. Positions and forecasts per issue",
        "3. Each table's deal and who accepts it", "4. Gain from linkage",
        "5. The stability picture", "6. The timeline", "7. What drives the answers",
        "8. Sources and the parameters they support", "9. How this run was produced")]
    assert order == sorted(order)
    assert a.fingerprint in text and "2025" in text
    for iss in a.scenario.issues:
        assert iss.name in text
    # plotly.js is inlined exactly once, and every chart spec is valid JSON with data
    assert doc.count("Plotly.newPlot(") == 1
    assert p.specs and all(json.loads(s)["data"] for s in p.specs)
    # links go inside the document, or to a source's web page (navigation, not loading)
    assert all(h.startswith("#") or h.startswith(("http://", "https://")) for h in p.links)
    assert "Content-Security-Policy" in doc and "default-src 'none'" in doc


def test_flagship_report_has_every_part(reports):
    a, doc = reports["ukraine-2025-02"]
    text = _parse(doc).plain
    for part in ("P(the deal holds)", "Veto players off the table", "gain from linkage",
                 "Status quo NNYNNNYY", "Coalition GMR equilibria", "first deal that holds",
                 "PAWN", "Supports: ", "stances.us.territory", "How the dynamic models"):
        assert part in text, part
    ids = _parse(doc).ids
    for cid in ("question-chart", "issue-chart-0", "deal-chart-0", "linkage-chart",
                "timeline-chart", "sensitivity-chart"):
        assert cid in ids, cid


def test_user_text_is_escaped(tmp_path):
    evil = "<script>alert('x')</script>"
    text = EC.read_text(encoding="utf-8")
    text = re.sub(r"^title: .*$", f'title: "Evil {evil} title"', text, count=1, flags=re.M)
    text = re.sub(r"^(    text: )(.*)$", rf'\1"{evil} \2"', text, count=1, flags=re.M)
    text = re.sub(r"^(    url: ).*$", r"\1javascript:alert(1)", text, count=1, flags=re.M)
    s = loads_scenario(text, file="evil.yaml")
    assert evil in s.title and any(evil in q.text for q in s.questions)
    assert any(src.url == "javascript:alert(1)" for src in s.sources)
    doc = render_html(analyze(s))
    assert evil not in doc
    p = _parse(doc)
    assert f"Evil {evil} title" in p.plain  # shown as text
    assert p.scripts == 2 + len(p.specs)  # plotly.js, the drawing script, the chart specs
    assert not _external_loads(p)
    assert "javascript:alert(1)" in p.plain and "javascript:alert(1)" not in p.links


def test_minimal_scenario_says_what_is_absent():
    s = loads_scenario(BARE, file="bare.yaml")
    doc = render_html(analyze(s))
    text = _parse(doc).plain
    assert "No questions in this scenario" in text
    assert "No negotiation tables in this scenario" in text
    assert "Not in this scenario: linkage" in text
    assert "Not in this scenario: stability analysis needs a `conflict` section" in text
    assert "Not in this scenario: timelines" in text
    assert "Not computed: needs at least 200 draws" in text
    assert "No sources in this scenario" in text
    assert "question-chart" not in _parse(doc).ids


def test_point_estimate_report(reports):
    a = analyze(load_scenario(SCENARIOS / "ukraine-2025-02.yaml"))
    p = _parse(render_html(a))
    text = p.plain
    assert "Point estimate (one draw)" in text and "Not computed: needs at least 200 draws" in text
    assert "question-chart" in p.ids and not _external_loads(p)


def test_stability_passed_in_is_used():
    from detente.scenario.conflict import conflict_stability

    path = SCENARIOS / "ukraine-2025-02.yaml"
    a = analyze(load_scenario(path), models=("compromise",))
    run = conflict_stability(path, sanction_rule="gmcrplus")
    assert "Sanction rule: gmcrplus" in _parse(render_html(a, stability=run)).plain
    assert "Sanction rule: textbook" in _parse(render_html(a)).plain


def test_write_report_is_atomic_and_reports_bad_paths(tmp_path):
    a = analyze(load_scenario(EC))
    out = write_report(a, tmp_path / "sub" / "r.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [f.name for f in out.parent.iterdir()] == ["r.html"]  # no temporary file left
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ReportError) as e:
        write_report(a, blocker / "r.html")
    assert e.value.exit_code == 73 and "cannot write" in str(e.value)


def test_missing_extra_says_how_to_install(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 now raises ImportError
    with pytest.raises(DetenteError, match=r"pip install 'detente\[report\]'"):
        render_html(analyze(load_scenario(EC)))
    out = tmp_path / "r.html"
    assert main(["analyze", str(EC), "--report", str(out)]) == EXIT["error"]
    assert "pip install 'detente[report]'" in capsys.readouterr().err
    assert not out.exists()


def test_cli_report(tmp_path, capsys):
    out = tmp_path / "reports" / "ec.html"
    assert main(["analyze", str(EC), "--report", str(out)]) == 0
    assert f"Report written to {out}" in capsys.readouterr().out
    p = _parse(out.read_text(encoding="utf-8"))
    assert "question-chart" in p.ids and not _external_loads(p)


def test_cli_report_with_json_on_stdout(tmp_path, capsys):
    out = tmp_path / "ec.html"
    assert main(["analyze", str(EC), "--json", "-", "--report", str(out)]) == 0
    cap = capsys.readouterr()
    json.loads(cap.out)  # stdout is only the JSON
    assert f"Report written to {out}" in cap.err and out.exists()


def test_cli_report_bad_path(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    assert main(["analyze", str(EC), "--report", str(blocker / "r.html")]) == EXIT["cannot_write"]
    err = capsys.readouterr().err
    assert err.startswith("error: cannot") and str(blocker) in err and "Traceback" not in err


def test_report_module_is_not_imported_by_the_core():
    import subprocess

    code = ("import sys, detente; detente.analyze; "
            "print('detente.report.html' in sys.modules, 'plotly' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["False", "False"], r.stderr


def test_package_data_lists_the_templates():
    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert "report/templates/*.html.j2" in pyproject and "report/templates/*.css" in pyproject
    tpl = root / "src" / "detente" / "report" / "templates"
    assert (tpl / "report.html.j2").exists() and (tpl / "report.css").exists()


def test_flagship_report_has_frontiers_and_stability_graph(reports):
    a, doc = reports["ukraine-2025-02"]
    p = _parse(doc)
    for t in a.scenario.tables:
        assert f"frontier-{t.id}" in p.ids, t.id
    assert "stability-graph" in p.ids
    text = p.plain
    assert "Kalai–Smorodinsky" in text and "The states that matter" in text
    assert "drawn for its first two members" in text  # the four-member table
    m = re.search(r'data-target="stability-graph-plot">(.*?)</script>', doc, re.DOTALL)
    spec = json.loads(m.group(1))
    assert spec["data"] and spec["layout"]["annotations"]  # improvements drawn as arrows
    assert not _external_loads(p)


def test_no_conflict_means_no_stability_graph(reports):
    a, doc = reports["china-soe-energy-2016"]
    assert a.scenario.conflict is None
    p = _parse(doc)
    assert "stability-graph" not in p.ids
    assert "Not in this scenario: stability analysis needs a `conflict` section" in p.plain


def test_ec_table_with_many_members_renders(reports):
    a, doc = reports["ec-emissions-1994"]
    (t,) = a.scenario.tables
    assert len(t.members) > 2
    p = _parse(doc)
    assert f"frontier-{t.id}" in p.ids
    assert "drawn for its first two members" in p.plain
    assert not _external_loads(p)


# ------------------------------------------------------------------- charts say what they mean
def _spec(doc: str, cid: str) -> dict:
    m = re.search(rf'data-target="{re.escape(cid)}-plot">(.*?)</script>', doc, re.DOTALL)
    assert m, cid
    return json.loads(m.group(1))


def _unlabel(label: str) -> str:
    """A chart label as plain text: lines joined, entities decoded, the cut mark dropped."""
    import html

    text = html.unescape(re.sub(r"<br>", " ", re.sub(r"</?b>", "", label)))
    return text.removesuffix(" …").removesuffix("…")


def test_wrap_label():
    from detente.report.html_charts import wrap_label

    assert wrap_label("Short?") == "Short?"
    text = ("Will a US–Russia agreement be in force in mid-August 2025 — concluded, not "
            "lapsed, and accepted by every veto player <b>here</b>?")
    label = wrap_label(text, 30, 3)
    lines = label.split("<br>")
    assert len(lines) == 3 and all(len(x) <= 30 for x in lines) and label.endswith("…")
    assert text.startswith(_unlabel(label))
    assert "<b>" not in wrap_label("a <b>bold</b> claim")  # user text is escaped
    assert '"' in wrap_label('a "big deal"')  # plotly reads no &quot;: quotes stay quotes


@pytest.mark.parametrize("name", [f.stem for f in FILES])
def test_question_chart_is_labelled_by_text_not_id(name, reports):
    a, doc = reports[name]
    if not a.scenario.questions:
        pytest.skip("no questions")
    spec = _spec(doc, "question-chart")
    y = spec["layout"]["yaxis"]
    qs = list(reversed(a.scenario.questions))  # drawn bottom up
    assert y["tickvals"] == [q.id for q in qs]
    for q, label in zip(qs, y["ticktext"]):
        assert q.id not in label
        shown = _unlabel(label)
        assert len(shown) >= min(20, len(q.text)) and " ".join(q.text.split()).startswith(shown)
        assert all(len(line) <= 34 for line in label.split("<br>"))
    hovers = spec["data"][0]["hovertext"]
    for q, hover in zip(qs, hovers):  # the full text is in the hover
        assert " ".join(q.text.split()) in _unlabel(hover)


@pytest.mark.parametrize("name", [f.stem for f in FILES])
def test_position_axes_are_in_the_issues_own_units(name, reports):
    a, doc = reports[name]
    s = a.scenario

    def expected(iss) -> str:
        return iss.unit or f"position on the scale {iss.scale[0]:g}–{iss.scale[1]:g}"

    assert "share of the issue" not in doc
    for k, iss in enumerate(s.issues):
        x = _spec(doc, f"issue-chart-{k}")["layout"]["xaxis"]
        assert x["title"]["text"] == expected(iss)
    for k, _ in enumerate(s.tables):
        layout = _spec(doc, f"deal-chart-{k}")["layout"]
        axes = [layout["xaxis" if i == 0 else f"xaxis{i + 1}"] for i in range(len(s.issues))]
        for iss, ax in zip(s.issues, axes):
            lo, hi = iss.scale
            assert ax["title"]["text"] == expected(iss)
            assert ax["range"][0] < lo and hi < ax["range"][1] < hi + 0.1 * (hi - lo)
            assert "ticksuffix" not in ax
        titles = [_unlabel(t["text"]) for t in layout["annotations"]]
        assert all(iss.id in t for iss, t in zip(s.issues, titles)), titles


def test_one_interval_notation(reports):
    """Intervals read as in the terminal: the value, then its range in brackets with the unit
    written once ("46% [43–48]", "62.9 [45–73]"); never "43%–48%" or "(5–95%: 0–11)"."""
    a, doc = reports["ukraine-2025-02"]
    p = _parse(doc)
    main_text = p.plain[p.plain.index("1. The questions"):]
    for q in a.questions:
        lo, hi = q.interval
        assert re.search(rf"{re.escape(q.text)} {re.escape(q.id)} \d+(\.\d)?% "
                         r"\[\d+(\.\d)?–\d+(\.\d)?\]", main_text), q.id
    assert not re.search(r"\d%–\d", main_text), re.search(r".{40}\d%–\d.{20}", main_text)
    assert "(95%:" not in doc
    assert re.search(r"packages acceptable to all: \d+% \[\d+–\d+\]", main_text)
    hovers = " ".join(h for t in _spec(doc, "question-chart")["data"] for h in
                      (t.get("hovertext") or []))
    assert re.search(r"\d+(\.\d)?% \[\d+(\.\d)?–\d+(\.\d)?\]", hovers)
    assert not re.search(r"\d%–\d", hovers)


def test_every_table_scrolls_in_its_own_container_on_narrow_screens(reports):
    """The page never scrolls sideways: each table sits in a scroller (overflow-x: auto), and
    the style sheet has a phone layout (tests/test_report_browser.py checks it in a browser)."""
    _, doc = reports["ukraine-2025-02"]
    assert doc.count("<table") == doc.count('<div class="scroll" tabindex="0"><table') > 10
    css = doc[doc.index("<style>"):doc.index("</style>")]
    assert re.search(r"\.scroll \{[^}]*overflow-x: auto", css)
    assert "@media (max-width: 600px)" in css and "table.lead-text" in css
    assert '"responsive": true' in doc.replace("responsive: true", '"responsive": true')
    for s in _parse(doc).specs:  # every chart takes its container's width
        layout = json.loads(s)["layout"]
        assert layout.get("autosize") is True and "width" not in layout


def test_process_sentences_use_the_same_interval_notation(reports):
    _, doc = reports["ukraine-2025-02"]
    text = _parse(doc).plain
    assert "(5–95%:" not in text
