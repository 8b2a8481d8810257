"""The flagship HTML report in a real browser, on a phone (390 × 844) and on a desktop
(1280 × 800): Playwright driving Debian's chromium (headless), as in tests/test_browser.py.

What a reader sees: the page never scrolls sideways; a wide table scrolls inside its own
container; no text column is squeezed to a word a line; every chart fits its column; the
question chart is labelled by the questions' texts (the full text on hover), the position
charts' axes are in the issues' own units, and every interval reads "46% [43–48]" or
"62.9 [45–73]". `make test` installs chromium (scripts/browser-deps.sh); Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

pytest.importorskip("jinja2")
pytest.importorskip("plotly")
pytest.importorskip("playwright.sync_api", reason="Playwright is in the extra detente[test]")

from detente import analyze, load_scenario  # noqa: E402
from detente.report.html import write_report  # noqa: E402

from .conftest import SCENARIOS  # noqa: E402

FLAGSHIP = SCENARIOS / "ukraine-2025-02.yaml"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = [pytest.param(PHONE, id="phone-390"), pytest.param(DESKTOP, id="desktop-1280")]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The flagship report, as `detente analyze scenarios/ukraine-2025-02.yaml --draws 500
    --seed 1 --report r.html` writes it (the same analysis and :func:`render_html`, without
    the terminal summary and the run history)."""
    out = tmp_path_factory.mktemp("report-browser") / "r.html"
    write_report(analyze(load_scenario(FLAGSHIP), draws=500, seed=1), out)
    return out


@pytest.fixture(scope="module")
def pages(browser, report):
    """The report open at each size, every chart drawn (module-wide: loading plotly.js and
    drawing ~20 charts takes a few seconds per page)."""
    opened: dict[int, tuple[object, list[str]]] = {}

    def get(size: dict[str, int]):
        if size["width"] not in opened:
            page = browser.new_page(viewport=size)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.set_default_timeout(60_000)
            page.goto(report.as_uri())
            n = page.locator("script.chart-spec").count()
            assert n >= 10
            page.wait_for_function(
                "n => document.querySelectorAll('.chart .main-svg').length >= n "
                "&& document.querySelectorAll('.chart .plot:not(.js-plotly-plot)').length === 0",
                arg=n)
            page.wait_for_timeout(300)  # responsive relayouts settle
            opened[size["width"]] = (page, errors)
        return opened[size["width"]]

    yield get
    for page, _ in opened.values():
        page.close()


# ------------------------------------------------------------------------------- the layout
@pytest.mark.parametrize("size", SIZES)
def test_the_page_never_scrolls_sideways(pages, size):
    page, errors = pages(size)
    assert errors == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"the page scrolls sideways: scrollWidth {width}"
    assert page.evaluate("document.body.scrollWidth") <= size["width"]


_TABLES = """() => {
  const vw = document.documentElement.clientWidth;
  const bad = [];
  document.querySelectorAll('table').forEach((t, i) => {
    const r = t.getBoundingClientRect();
    if (r.right <= vw + 0.5 && r.left >= -0.5) return;          // within the viewport
    let box = t.parentElement, scroller = null;
    while (box && box !== document.body) {
      const ox = getComputedStyle(box).overflowX;
      if (ox === 'auto' || ox === 'scroll') { scroller = box; break; }
      box = box.parentElement;
    }
    const s = scroller && scroller.getBoundingClientRect();
    if (!s || s.right > vw + 0.5 || s.left < -0.5)
      bad.push([i, Math.round(r.right), (t.tHead ? t.tHead.textContent : '').trim().slice(0, 60)]);
  });
  return {bad: bad, n: document.querySelectorAll('table').length};
}"""


@pytest.mark.parametrize("size", SIZES)
def test_every_table_fits_or_scrolls_in_its_own_container(pages, size):
    page, _ = pages(size)
    got = page.evaluate(_TABLES)
    assert got["n"] >= 15
    assert got["bad"] == [], "tables running off the page: " + json.dumps(got["bad"])


_SQUEEZED = """() => {
  // a cell whose text wraps (nearly) a word a line: three lines or more, of fewer than 14
  // characters on average (a column of 9rem holds about 20); headers may wrap by design
  const out = [];
  document.querySelectorAll('td').forEach(cell => {
    const text = cell.textContent.trim().replace(/\\s+/g, ' ');
    if (text.split(' ').length < 4) return;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set();
    for (const rect of range.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.top));
    if (tops.size >= 3 && text.length / tops.size < 14)
      out.push([tops.size, text.length, Math.round(cell.getBoundingClientRect().width),
                text.slice(0, 50)]);
  });
  return out;
}"""


@pytest.mark.parametrize("size", SIZES)
def test_no_text_wraps_a_word_a_line(pages, size):
    page, _ = pages(size)
    squeezed = page.evaluate(_SQUEEZED)
    assert squeezed == [], "cells squeezed to a word a line: " + json.dumps(squeezed)


def test_on_a_phone_the_questions_get_the_whole_width(pages):
    """Question texts above their numbers: each text cell spans (nearly) the whole column."""
    page, _ = pages(PHONE)
    widths = page.eval_on_selector_all(
        "table.questions tbody td.text",
        "cells => cells.map(c => c.getBoundingClientRect().width)")
    assert len(widths) == len(load_scenario(FLAGSHIP).questions)
    assert min(widths) >= 0.8 * (PHONE["width"] - 40), widths


@pytest.mark.parametrize("size", SIZES)
def test_every_chart_fits_its_column(pages, size):
    page, _ = pages(size)
    got = page.evaluate("""() => [...document.querySelectorAll('.chart')].map(c => {
      const r = c.getBoundingClientRect();
      const svg = c.querySelector('.main-svg').getBoundingClientRect();
      return [c.id, Math.round(r.left), Math.round(r.right), Math.round(svg.left),
              Math.round(svg.right)];
    })""")
    assert len(got) >= 10
    for cid, left, right, s_left, s_right in got:
        assert 0 <= left and right <= size["width"], (cid, left, right)
        assert left - 1 <= s_left and s_right <= right + 1, (cid, (left, right), (s_left, s_right))


@pytest.mark.parametrize("name", ["ec-emissions-1994", "china-soe-energy-2016"])
def test_the_other_scenarios_fit_a_phone_too(browser, tmp_path, name):
    out = write_report(analyze(load_scenario(SCENARIOS / f"{name}.yaml"), draws=200, seed=3),
                       tmp_path / f"{name}.html")
    page = browser.new_page(viewport=PHONE)
    try:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        n = page.locator("script.chart-spec").count()
        page.wait_for_function(
            "n => document.querySelectorAll('.chart .main-svg').length >= n", arg=n)
        assert errors == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.evaluate(_TABLES)["bad"] == []
        assert page.evaluate(_SQUEEZED) == []
    finally:
        page.close()


# ------------------------------------------------------------------------------- the charts
def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("size", SIZES)
def test_question_chart_is_labelled_by_the_questions_texts(pages, size):
    page, _ = pages(size)
    questions = load_scenario(FLAGSHIP).questions
    labels = page.eval_on_selector_all("#question-chart .ytick text",
                                       "ts => ts.map(t => t.textContent)")
    assert len(labels) == len(questions)
    ids = {q.id for q in questions}
    texts = [_squash(q.text) for q in reversed(questions)]  # plotly draws bottom up
    for label, text in zip(labels, texts):
        assert label not in ids
        shown = _squash(label).removesuffix("…")
        assert len(shown) >= 20 and text.startswith(shown), (label, text)
    # every label is within the chart (not cut at its left edge)
    chart = page.locator("#question-chart").bounding_box()
    lefts = page.eval_on_selector_all("#question-chart .ytick text",
                                      "ts => ts.map(t => t.getBoundingClientRect().left)")
    assert min(lefts) >= chart["x"] - 1


def test_question_chart_hover_shows_the_whole_question_and_its_interval(pages):
    page, _ = pages(DESKTOP)
    q = load_scenario(FLAGSHIP).questions[4]  # a long one: cut short on the axis
    assert len(q.text) > 100
    point = page.locator("#question-chart .scatterlayer .trace").first.locator(".point")
    n = point.count()
    point.nth(n - 1 - 4).hover(force=True)  # plotly draws bottom up
    hover = page.locator("#question-chart .hoverlayer .hovertext")
    hover.wait_for(state="visible", timeout=10_000)
    text = hover.text_content()
    assert _squash(q.text) in _squash(text)
    assert re.search(r"\d+(\.\d)?% \[\d+(\.\d)?–\d+(\.\d)?\]", text), text


def _axis_titles(page, cid: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#{cid} .infolayer [class^='g-x'][class$='title']",
        "gs => gs.map(g => g.textContent)")


@pytest.mark.parametrize("size", SIZES)
def test_position_charts_are_in_the_issues_own_units(pages, size):
    page, _ = pages(size)
    s = load_scenario(FLAGSHIP)
    units = [iss.unit for iss in s.issues]
    assert all(units)
    body = page.locator("main").inner_text()
    assert "share of the issue" not in body
    for k in range(len(s.tables)):
        cid = f"deal-chart-{k}"
        titles = _axis_titles(page, cid)
        assert titles == units, titles  # one strip per issue, each in its own units
        svg = page.locator(f"#{cid}").text_content()  # every layer of the chart
        assert "share of" not in svg and "%" not in svg
        for iss in s.issues:  # each strip is titled by the issue's name
            assert iss.id in _squash(svg)
    for k, iss in enumerate(s.issues):
        assert _axis_titles(page, f"issue-chart-{k}") == [iss.unit]


_RANGE = r"\[-?\d+(\.\d+)?(–|, )-?\d+(\.\d+)?\]"


def test_one_interval_notation_everywhere(pages):
    page, _ = pages(PHONE)
    answers = page.eval_on_selector_all("table.questions tbody td.num",
                                        "cs => cs.map(c => c.textContent.trim())")
    assert answers and all(re.fullmatch(r"\d+(\.\d)?% " + _RANGE, a) for a in answers), answers
    body = page.locator("main").inner_text()
    assert not re.search(r"\d%–\d", body), re.search(r".{30}\d%–\d.{30}", body)
    assert re.search(r"packages acceptable to all: \d+% " + _RANGE, body)
    assert re.search(r"first concluded in month \d+ " + _RANGE, body)
    assert "(5–95%:" not in body


# ------------------------------------------------------------ positions round by round (item 8)
@pytest.mark.parametrize("size", SIZES)
def test_round_charts_name_the_actors_and_use_the_issues_units(pages, size):
    """Per issue, the positions round by round: a strip per dynamic model, the y axes in the
    issue's own units, a legend of the actors' names that fits the chart (a phone too)."""
    from detente.labels import short_name

    page, _ = pages(size)
    s = load_scenario(FLAGSHIP)
    names = {_squash(short_name(a.name, a.id)) for a in s.actors}
    for k, iss in enumerate(s.issues):
        cid = f"rounds-chart-{k}"
        chart = page.locator(f"#{cid}").bounding_box()
        assert chart["x"] >= 0 and chart["x"] + chart["width"] <= size["width"]
        legend = page.eval_on_selector_all(
            f"#{cid} .legend .legendtext",
            "ts => ts.map(t => [t.textContent, t.getBoundingClientRect().right])")
        assert {_squash(text) for text, _ in legend} == names | {"forecastoutcome"}
        assert max(right for _, right in legend) <= chart["x"] + chart["width"] + 1
        y_titles = page.eval_on_selector_all(
            f"#{cid} .infolayer [class^='g-y'][class$='title']",
            "gs => gs.map(g => g.textContent)")
        assert [_squash(t) for t in y_titles] == [_squash(iss.unit)] * 3
        x_titles = _axis_titles(page, cid)
        assert [t.split(" ")[0] for t in x_titles] == ["eum", "exchange", "smp"]
        lines = page.locator(f"#{cid} .scatterlayer .trace").count()
        assert lines == 3 * (len(s.actors) + 1)


# --------------------------------------------------------- per-number provenance (item 8)
PATH = "stances.ru.territory.position"
_FIND = """path => [...document.querySelectorAll('.cite')].findIndex(
  c => c.querySelector('.tip-path code').textContent === path)"""
_TIP_BOX = """el => {
  const tip = el.querySelector('.tip');
  const r = tip.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(12, r.height / 2));
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          on_top: !!hit && tip.contains(hit), vw: document.documentElement.clientWidth,
          vh: window.innerHeight};
}"""


def _cite(page, path: str = PATH):
    i = page.evaluate(_FIND, path)
    assert i >= 0, path
    return page.locator(".cite").nth(i)


def _expected_titles(path: str = PATH) -> list[str]:
    s = load_scenario(FLAGSHIP)
    _, actor, issue, _ = path.split(".")
    by_id = {src.id: src for src in s.sources}
    return [by_id[sid].title for sid in s.stances[actor][issue].sources]


def _on_screen(box: dict) -> None:
    assert box["left"] >= 0 and box["right"] <= box["vw"], box
    assert box["top"] >= 0 and box["bottom"] <= box["vh"], box
    assert box["on_top"], "the tooltip is covered or clipped"


def test_sources_show_on_hover_and_on_keyboard_focus(pages):
    page, errors = pages(DESKTOP)
    cite = _cite(page)
    cite.evaluate("e => e.scrollIntoView({block: 'center'})")
    tip = cite.locator(".tip")
    assert not tip.is_visible()
    cite.hover()
    tip.wait_for(state="visible", timeout=5_000)
    text = " ".join(tip.inner_text().split())
    for title in _expected_titles():
        assert " ".join(title.split()) in text
    assert "Uncertain: triangular(75, 100, 100)" in text
    _on_screen(cite.evaluate(_TIP_BOX))
    page.mouse.move(2, 2)
    tip.wait_for(state="hidden", timeout=5_000)
    cite.focus()
    tip.wait_for(state="visible", timeout=5_000)
    _on_screen(cite.evaluate(_TIP_BOX))
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden", timeout=5_000)
    assert cite.get_attribute("aria-describedby") == tip.get_attribute("id")
    assert errors == []


@pytest.fixture(scope="module")
def phone(browser, report):
    """The report on a touch screen 390 px wide (a phone: touch events, no hover)."""
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(60_000)
    page.goto(report.as_uri())
    page.wait_for_function("document.documentElement.classList.contains('js')")
    yield page, errors
    ctx.close()


@pytest.mark.parametrize("path", [PATH, "actors.us-congress.capability",
                                  "no_deal.ru.expects.territory", "process.base_rate.pace"])
def test_sources_show_on_a_tap_on_a_phone(phone, path):
    """A tap shows a number's sources by it, whole and on top (not clipped by the table's
    scroller) and within the screen; a second tap or a tap elsewhere hides them; the page
    never scrolls sideways."""
    page, errors = phone
    cite = _cite(page, path)
    cite.evaluate("e => e.scrollIntoView({block: 'center'})")
    tip = cite.locator(".tip")
    assert not tip.is_visible()
    cite.tap()
    tip.wait_for(state="visible", timeout=5_000)
    box = cite.evaluate(_TIP_BOX)
    _on_screen(box)
    assert box["right"] - box["left"] >= 200  # readable, not squeezed
    assert "Sources for" in tip.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cite.tap()
    tip.wait_for(state="hidden", timeout=5_000)
    cite.tap()
    tip.wait_for(state="visible", timeout=5_000)
    page.locator("h1").tap()
    tip.wait_for(state="hidden", timeout=5_000)
    assert errors == []


def test_sources_show_without_javascript_too(browser, report):
    """Without the page's script, focus (a tap or the keyboard) still shows the sources, at
    the bottom of the window."""
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(report.as_uri())
        cite = page.locator(".cite").first
        tip = cite.locator(".tip")
        assert not tip.is_visible()
        cite.focus()
        tip.wait_for(state="visible", timeout=5_000)
        _on_screen(cite.evaluate(_TIP_BOX))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        ctx.close()
