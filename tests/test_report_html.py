"""The HTML report: generated for every scenario, self-contained (nothing loads from the
network), user text escaped, graceful without tables, questions, conflict or draws."""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
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
    from detente.stability.scenario import conflict_stability

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


# ------------------------------------------------------------ positions round by round (item 8)
DYNAMIC = ("eum", "exchange", "smp")


def test_dynamic_models_keep_every_actors_position_by_round():
    """ForecastResult.positions (N, R, A, I): each actor's position at each entry of `path`;
    the outcome is read from the positions (the expected-utility model's weighted median and
    SMP's most probable position are among them; exchange's is their weighted mean)."""
    a = analyze(load_scenario(EC), draws=20, seed=4)
    n, n_act, n_iss = a.inputs.position.shape
    for m in DYNAMIC:
        res = a.forecasts[m]
        assert res.positions is not None and res.positions.dtype == np.float32
        assert res.positions.shape == (n, res.path.shape[1], n_act, n_iss), m
        last = res.positions[:, -1].astype(float)  # (N, A, I)
        if m in ("eum", "smp"):
            assert np.all(np.isclose(last, res.outcome[:, None, :], atol=1e-5).any(axis=1)), m
        else:
            w = a.inputs.capability[:, :, None] * a.inputs.salience
            mean = (w * last).sum(axis=1) / w.sum(axis=1)
            assert np.allclose(mean, res.outcome, atol=1e-5)
    for m in ("exchange", "smp"):  # their path starts from the input
        assert np.allclose(a.forecasts[m].positions[:, 0], a.inputs.position, atol=1e-6), m
    for m in ("compromise", "median"):
        assert a.forecasts[m].positions is None


def _axes(layout: dict, name: str) -> list[dict]:
    return [layout[k] for k in sorted((k for k in layout if re.fullmatch(rf"{name}\d*", k)),
                                      key=lambda k: int(k[len(name):] or 1))]


def _legend(name: str) -> str:
    return _unlabel(name).replace("\n", " ")


@pytest.mark.parametrize("name", [f.stem for f in FILES])
def test_positions_round_by_round_for_every_issue(name, reports):
    """Per issue, one strip per dynamic model: a line per actor (legend: the actor's name),
    the forecast outcome (the JSON's path_median), medians over the draws, round 0 the input,
    the y axis in the issue's own units; the numbers are in a table under the chart."""
    from detente.labels import short_name

    a, doc = reports[name]
    s, d = a.scenario, a.inputs
    data = a.to_dict()
    text = _parse(doc).plain
    assert text.count("Positions round by round") == len(s.issues)
    for j, iss in enumerate(s.issues):
        spec = _spec(doc, f"rounds-chart-{j}")
        layout = spec["layout"]
        xs, ys = _axes(layout, "xaxis"), _axes(layout, "yaxis")
        assert len(xs) == len(ys) == len(DYNAMIC)
        unit = iss.unit or f"position on the scale {iss.scale[0]:g}–{iss.scale[1]:g}"
        for k, (m, x, y) in enumerate(zip(DYNAMIC, xs, ys)):
            assert _unlabel(x["title"]["text"]).startswith(m), x["title"]["text"]
            assert _unlabel(y["title"]["text"]) == unit
            lo, hi = iss.scale
            assert y["range"][0] < lo and hi < y["range"][1]
            traces = [t for t in spec["data"] if t.get("xaxis", "x") == ("x" if k == 0 else
                                                                         f"x{k + 1}")]
            outcome = [t for t in traces if t["name"] == "forecast outcome"]
            assert len(outcome) == 1
            med = data["issues"][j]["forecast"][m]["path_median"]
            shown = outcome[0]["y"]
            if m == "eum":  # round 0 (the input) has no outcome in the model's path
                assert shown[0] is None and outcome[0]["x"][0] == 0
                shown = shown[1:]
            assert shown == pytest.approx(med[:len(shown)], abs=1e-9)
            actors = [t for t in traces if t["name"] != "forecast outcome"]
            with_stance = [ac for k2, ac in enumerate(s.actors) if d.has_stance[k2, j]]
            assert [_legend(t["name"]) for t in actors] == [short_name(ac.name, ac.id)
                                                           for ac in with_stance]
            user = d.to_user(a.forecasts[m].positions.astype(float), issue_axis=-1)
            for t, ac in zip(actors, with_stance):
                col = s.actors.index(ac)
                start = np.median(d.to_user(d.position)[:, col, j])
                assert t["x"][0] == 0 and t["y"][0] == pytest.approx(start, abs=1e-3)
                want = np.median(user[:, :, col, j], axis=0)
                got = t["y"][1:] if m == "eum" else t["y"]
                want = want[:len(got)]
                assert got == pytest.approx(want.tolist(), abs=1e-3), (m, ac.id)
        # the numbers beside the chart: one table per model, a row per round shown
        body = doc[doc.index(f'id="rounds-chart-{j}"'):]
        body = body[:body.index("</details>")]
        assert body.count('<table class="numbers rounds">') == len(DYNAMIC)
    assert "medians over the draws" in text


def test_no_round_chart_without_a_dynamic_model():
    a = analyze(load_scenario(EC), models=("compromise", "median"))
    doc = render_html(a)
    assert "rounds-chart" not in doc and "Positions round by round" not in _parse(doc).plain


def test_round_chart_of_a_point_estimate_and_of_a_streamed_run():
    point = render_html(analyze(load_scenario(EC)))
    assert "rounds-chart-0" in point and "medians over the draws" not in _parse(point).plain
    streamed = analyze(load_scenario(EC), draws=300, seed=2, stream=True, chunk_size=128)
    text = _parse(render_html(streamed)).plain
    assert "A streamed run keeps the first draw only" in text


def test_flat_tails_are_cut_and_said_so(reports):
    """SMP runs up to 100 turns; once the lines stay flat the rest is left out, in words."""
    a, doc = reports["ukraine-2025-02"]
    assert a.forecasts["smp"].path.shape[1] > 30
    spec = _spec(doc, "rounds-chart-0")
    smp_x = [t["x"] for t in spec["data"] if t.get("xaxis") == "x3"]
    assert max(len(x) for x in smp_x) < a.forecasts["smp"].path.shape[1]
    assert re.search(r"the lines stay flat after turn \d+: the \d+ later turns are left out",
                     _parse(doc).plain)


# --------------------------------------------------------- per-number provenance (item 8)
class _Cites(HTMLParser):
    """Every cited number: its text, its tooltip's text, the tooltip's links, and the cell
    (table class and column) it sits in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self._stack: list[str] = []  # open spans: "cite", "tip" or "span"
        self._cur: dict | None = None
        self._table = ""

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            self._table = a.get("class", "")
        if tag != "span" and not (tag == "a" and self._cur is not None):
            return
        if tag == "a":
            self._cur["links"].append(a.get("href", ""))
            return
        cls = a.get("class", "").split()
        if "cite" in cls:
            self._cur = {"number": "", "tip": "", "links": [], "id": a.get("aria-describedby"),
                         "tabindex": a.get("tabindex"), "table": self._table, "tip_id": None,
                         "role": None}
            self._stack.append("cite")
        elif "tip" in cls:
            self._cur["tip_id"], self._cur["role"] = a.get("id"), a.get("role")
            self._stack.append("tip")
        else:
            self._stack.append("span")

    def handle_endtag(self, tag):
        if tag != "span" or not self._stack:
            return
        kind = self._stack.pop()
        if kind == "cite":
            self._cur["tip"] = re.sub(r"\s+", " ", self._cur["tip"]).strip()
            self.found.append(self._cur)
            self._cur = None

    def handle_data(self, data):
        if self._cur is None:
            return
        if "tip" in self._stack:
            self._cur["tip"] += data
        else:
            self._cur["number"] += data


def _cites(doc: str) -> list[dict]:
    p = _Cites()
    p.feed(doc)
    p.close()
    return p.found


def _tip_for(cites: list[dict], path: str) -> dict:
    got = [c for c in cites if c["tip"].startswith(f"Sources for {path}:")]
    assert got, path
    return got[0]


def _expect_sources(tip: dict, ids, scenario) -> None:
    by_id = {src.id: src for src in scenario.sources}
    for sid in ids:
        src = by_id[sid]
        assert src.title in tip["tip"], (sid, tip["tip"])
        if src.publisher:
            assert src.publisher in tip["tip"]
        if src.date:
            assert src.date.isoformat() in tip["tip"]
        assert f"#source-{sid}" in tip["links"]


def test_every_input_number_carries_its_sources(reports):
    """Capabilities, positions, saliences, status quos, no-deal inputs and process inputs:
    each is a focusable number whose tooltip (its description for screen readers) lists the
    title, publisher and date of every source its block cites, and links to them."""
    a, doc = reports["ukraine-2025-02"]
    s = a.scenario
    cites = _cites(doc)
    assert cites
    ids = [c["id"] for c in cites]
    assert len(set(ids)) == len(ids)
    for c in cites:
        assert c["tabindex"] == "0" and c["id"] == c["tip_id"] and c["role"] == "tooltip"
        assert c["number"].strip() and c["tip"]
    # actors' capabilities and no-deal values
    for ac in s.actors:
        _expect_sources(_tip_for(cites, f"actors.{ac.id}.capability"), ac.sources, s)
    # every position and salience, in the positions tables
    n_stances = sum(len(v) for v in s.stances.values())
    for ac, by_issue in s.stances.items():
        for iss, st in by_issue.items():
            for key in ("position", "salience"):
                tip = _tip_for(cites, f"stances.{ac}.{iss}.{key}")
                _expect_sources(tip, st.sources, s)
    positions = [c for c in cites if re.match(r"Sources for stances\.", c["tip"])]
    assert len(positions) == 2 * n_stances
    # an uncertain number says so, with its distribution and that entry's sources
    tip = _tip_for(cites, "stances.ru.territory.position")
    assert "Uncertain: triangular(75, 100, 100)" in tip["tip"]
    assert "Vladimir Putin" in tip["tip"].split("Uncertain")[1]
    # status quos (each issue's paragraph and each package table)
    for iss in s.issues:
        sq = [c for c in cites if c["tip"].startswith(f"Sources for issues.{iss.id}.status_quo:")]
        assert len(sq) == 1 + len(s.tables)
        _expect_sources(sq[0], iss.sources, s)
    # no-deal costs, drifts and expectations
    for ac, nd in s.no_deal.items():
        _expect_sources(_tip_for(cites, f"no_deal.{ac}.cost"), nd.sources, s)
        for iss in nd.expects:
            _expect_sources(_tip_for(cites, f"no_deal.{ac}.expects.{iss}"), nd.sources, s)
    assert "Uncertain: uniform(0.02, 0.1)" in _tip_for(cites, "no_deal.ru.cost")["tip"]
    # process inputs
    p = s.process
    _expect_sources(_tip_for(cites, "process.base_rate.pace"), p.base_rate.sources, s)
    _expect_sources(_tip_for(cites, "process.beliefs.half_life"), p.beliefs.sources, s)
    _expect_sources(_tip_for(cites, "process.breakdown"), p.sources, s)
    for tid, tp in p.tables.items():
        _expect_sources(_tip_for(cites, f"process.tables.{tid}.chance"), tp.sources, s)
    for u in p.unilateral:
        _expect_sources(_tip_for(cites, f"process.unilateral[{u.actor}.{u.issue}].range"),
                        u.sources, s)
    for pa in p.partials:
        _expect_sources(_tip_for(cites, f"process.partials[{pa.id}].chance"), pa.sources, s)
    text = _parse(doc).plain
    assert "Without a deal" in text and "The process inputs the scenario declares" in text


def test_the_numbers_in_the_tables_are_the_cited_ones(reports):
    """A cited number reads as before (the tooltip is extra): the positions table's cells."""
    a, doc = reports["ukraine-2025-02"]
    cites = _cites(doc)
    for ac, by_issue in a.scenario.stances.items():
        for iss, st in by_issue.items():
            c = _tip_for(cites, f"stances.{ac}.{iss}.position")
            assert c["number"] == f"{st.position:g}"
            c = _tip_for(cites, f"stances.{ac}.{iss}.salience")
            assert c["number"] == f"{st.salience:.2f}"


PROV = """
detente: 1
id: prov
title: Provenance
as_of: 2025-01-01
sources:
  - {id: s1, title: "Report <b>one</b>", publisher: Agency, date: 2024-05-06}
  - {id: s2, title: Second report}
actors:
  - {id: a, name: Aland, capability: 1, sources: [s1]}
  - {id: b, name: Borland, capability: 2}
issues:
  - {id: x, name: Border, status_quo: 50, sources: [s2]}
stances:
  a: {x: {position: 80, salience: 1, sources: [s1, s2]}}
  b: {x: {position: 20, salience: 0.5}}
tables:
  - {id: t, members: [a, b]}
"""


def test_provenance_names_uncited_numbers_and_escapes_titles():
    s = loads_scenario(PROV, file="prov.yaml")
    doc = render_html(analyze(s))
    cites = _cites(doc)
    tip = _tip_for(cites, "stances.a.x.position")
    assert "Report <b>one</b> — Agency, 2024-05-06" in tip["tip"]
    assert "Second report" in tip["tip"] and tip["links"] == ["#source-s1", "#source-s2"]
    assert "<b>one</b>" not in doc  # a title is text, never markup
    assert "none cited" in _tip_for(cites, "stances.b.x.position")["tip"]
    assert "none cited" in _tip_for(cites, "actors.b.capability")["tip"]
    _expect_sources(_tip_for(cites, "issues.x.status_quo"), ("s2",), s)
    assert not _external_loads(_parse(doc))


def test_tooltips_work_on_touch_and_keyboard_and_stay_on_screen(reports):
    """The tooltip's behaviour is in the page (tests/test_report_browser.py drives it): shown
    on hover, focus and tap, placed by the number, within the window; hidden in print."""
    _, doc = reports["ukraine-2025-02"]
    for hook in ('"mouseenter"', '"focusin"', '"click"', '"Escape"', "(hover: hover)"):
        assert hook in doc, hook
    css = doc[doc.index("<style>"):doc.index("</style>")]
    assert re.search(r"\.tip \{[^}]*position: fixed", css)
    assert re.search(r"\.tip \{ display: none !important", css[css.index("@media print"):])


# ------------------------------------------------------------------ defaults assumed (item 5)
def test_defaults_block_sits_with_the_questions(reports):
    """The terminal's "Defaults assumed": each default the scenario relied on and, with draws,
    the questions at 0% or 100% that rest on it, between the questions and section 2."""
    from detente.labels import default_assumptions

    a, doc = reports["ukraine-2025-02"]
    text = _parse(doc).plain
    found = default_assumptions(a.scenario, {q.id: q.probability for q in a.questions}, a.draws)
    assert found and any(d.questions for d in found)
    start = text.index("Defaults assumed")
    assert text.index("1. The questions") < start < text.index("2. Positions and forecasts")
    block = text[start:text.index("2. Positions and forecasts")]
    assert "what follows from them is an assumption, not a finding" in block
    texts = {q.id: q.text for q in a.questions}
    answers = {q.id: q.probability for q in a.questions}
    for d in found:
        assert " ".join(d.text.replace("`", "").split()) in block
        for q in d.questions:
            assert f"{answers[q]:.0%} {texts[q]} {q}" in block
    html_block = doc[doc.index('<div class="defaults"'):doc.index('<section id="issues"')]
    assert "<code>expects</code>" in html_block and "`" not in html_block
    for q in {q for d in found for q in d.questions}:
        assert f'href="#q-{q}"' in doc and f'id="q-{q}"' in doc


def test_defaults_of_a_point_estimate_and_of_a_scenario_that_declares_everything():
    import yaml

    from detente.labels import default_assumptions

    base = yaml.safe_load(PROV)
    base["questions"] = [{"id": "zone", "text": "Is there a zone at t?",
                          "when": {"zone": {"table": "t", "by_month": 3}}}]
    s = loads_scenario(yaml.safe_dump(base), file="p.yaml")
    text = _parse(render_html(analyze(s))).plain
    assert "Defaults assumed" in text and "resting on it" not in text
    assert "no `expects` under `no_deal`".replace("`", "") in text
    base["no_deal"] = {"a": {"cost": 0.05, "expects": {"x": 60}},
                       "b": {"cost": 0.02, "expects": {"x": 40}}}
    base["uncertainty"] = {"stances.a.x.position": "uniform(70, 90)"}
    s = loads_scenario(yaml.safe_dump(base), file="p.yaml")
    a = analyze(s, draws=50, seed=1)
    assert default_assumptions(s, {q.id: q.probability for q in a.questions}, a.draws) == []
    assert "Defaults assumed" not in _parse(render_html(a)).plain


def test_question_chart_and_table_show_the_calibrated_answers(reports):
    a, doc = reports["ukraine-2025-02"]
    spec = _spec(doc, "question-chart")
    cal = next(t for t in spec["data"] if t.get("name") == "calibrated")
    by_id = {q.id: q for q in a.questions}
    for qid, x in zip(cal["y"], cal["x"]):
        assert x == pytest.approx(100 * by_id[qid].calibrated[0])
    plain = _parse(doc).plain
    assert "calibrated" in plain and "Platt scaling" in plain
