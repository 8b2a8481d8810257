"""What a reader sees, in words (issue 13, items 5 and 6): no "EU" for expected utility next to
an actor called eu, the models' steps as plain sentences with the scenario's names, the defaults
a 0% or 100% rests on said next to it; install hints that name a real extra, a licence that
installs without warnings, docs that match the code, and `ensemble` as a question source."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
import yaml
from rich.console import Console

from detente import ScenarioError, load_scenario, loads_scenario
from detente.analysis import analyze
from detente.labels import default_assumptions, short_name
from detente.report.terminal import render_summary
from detente.report.trails import format_trail_entry

from .conftest import ROOT, SCENARIOS

FLAGSHIP = SCENARIOS / "ukraine-2025-02.yaml"
BORDER = ROOT / "docs" / "examples" / "border-talks.yaml"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def flagship():
    return analyze(load_scenario(FLAGSHIP))  # the point estimate: trails, tables, questions


def _summary(a, width: int = 100) -> str:
    con = Console(width=width, highlight=False, soft_wrap=False, force_terminal=False)
    with con.capture() as cap:
        render_summary(a, con)
    return cap.get()


# ------------------------------------------------------------------------------ item 5: words
EU_AS_NUMBER = re.compile(r"\bEU\s*[+\-−]?\d")


def test_expected_utility_is_never_called_eu(flagship):
    """The flagship has an actor `eu` (the European allies): "EU +0.04" would read as theirs."""
    text = _summary(flagship)
    assert "How the dynamic models got there" in text
    assert not EU_AS_NUMBER.search(text), EU_AS_NUMBER.search(text)
    assert "expected utility of challenging the other" in text
    html = pytest.importorskip("detente.report.html", exc_type=ImportError)
    page = html.render_html(flagship)
    assert not EU_AS_NUMBER.search(page)
    assert "expected utility of challenging the other" in page


def test_trails_are_plain_sentences_with_the_scenarios_names(flagship):
    s = flagship.scenario
    lines = {m: [format_trail_entry(e, flagship) for e in flagship.forecasts[m].trail[:20]]
             for m in ("eum", "exchange", "smp")}
    every = [line for ls in lines.values() for line in ls]
    assert every and all(line.endswith(".") for line in every)
    for line in every:
        assert "gives way" not in line and "adopts bargain" not in line
        assert "->" not in line and "(→" not in line and "— EU" not in line
        assert not re.search(r"\b(us|ru|ua|eu|us-congress)\b", line), line  # names, not ids
        assert not re.search(r"\bon (ceasefire|territory|sanctions_relief)\b", line), line
    names = {short_name(a.name) for a in s.actors}
    assert names == {"United States", "Russia", "Ukraine", "European allies",
                     "US Congress pro-Ukraine / pro-sanctions bloc"}
    for ls in lines.values():
        assert any(any(n in line for n in names) for line in ls)
    assert any(re.search(r"compels \w[\w ]* to move from \d+ to \d+", x) for x in lines["eum"])
    assert all(" trade concessions — " in x and "each gains" in x for x in lines["exchange"])
    assert all(re.search(r"keeps its position|adopts the bargain (it offered|.+ offered it)", x)
               for x in lines["smp"])
    assert any("Ceasefire" in x or "Territory" in x for x in lines["eum"] + lines["exchange"])


def test_trail_values_keep_a_decimal_on_narrow_scales():
    a = analyze(load_scenario(SCENARIOS / "ec-emissions-1994.yaml"), bargain=False)
    first = format_trail_entry(a.forecasts["eum"].trail[0], a)
    assert re.search(r"from \d+\.\d to \d+\.\d", first), first


def test_the_flagships_defaults_are_named_where_they_make_an_answer_certain():
    """us and us-congress have no `expects`: their no-deal value is the status quo's utility.
    A zone question at 100% that rests on it is listed under that default."""
    s = load_scenario(FLAGSHIP)
    answers = {q.id: 0.5 for q in s.questions} | {"us-russia-zone-3m": 1.0,
                                                  "ukraine-accepts-6m": 0.0}
    found = default_assumptions(s, answers, draws=1000)
    (expects,) = [d for d in found if "no `expects`" in d.text]
    assert "(us)" in expects.text and "(us-congress)" in expects.text
    assert "(ru)" not in expects.text and "(ua)" not in expects.text
    # ukraine-accepts-6m is about ua at us-russia (members us, ru): it rests on us too
    assert set(expects.questions) == {"us-russia-zone-3m", "ukraine-accepts-6m"}
    assert not any("uncertainty" in d.text for d in found)  # the flagship has some


TOY = """
detente: 1
id: toy
title: Two parties who expect nothing to change
as_of: 2025-01-01
actors:
  - {id: a, name: Aland (the north), capability: 1}
  - {id: b, name: Borland, capability: 1}
  - {id: c, name: Cisland, capability: 0.5}
issues:
  - {id: x, name: Border, status_quo: 50}
stances:
  a: {x: {position: 80, salience: 1}}
  b: {x: {position: 20, salience: 1}}
no_deal:
  a: {cost: 0.05}
  b: {cost: 0.02}
tables:
  - {id: t, members: [a, b]}
implementation:
  - {actor: c}
questions:
  - {id: zone, text: "Is there a zone of agreement at t?", when: {zone: {table: t, by_month: 3}}}
"""


def test_a_zone_by_construction_is_said_to_be_one():
    """No `expects` and a cost for every member: the status quo itself beats no deal, so the
    zone is certain whatever the positions — the summary says so next to the 100%."""
    s = loads_scenario(TOY)
    a = analyze(s, draws=200, seed=1)
    assert a.questions[0].probability == 1.0
    text = _summary(a, width=80)
    block = text[text.index("Defaults assumed"):text.index("Questions (")]
    assert "Aland (a) and Borland (b): no `expects` under `no_deal`" in " ".join(block.split())
    assert "At table t a zone of agreement exists by construction" in " ".join(block.split())
    assert "resting on it: zone 100%" in " ".join(block.split())
    assert "Cisland (c): no stance on any issue" in " ".join(block.split())
    assert "No `uncertainty` section" in " ".join(block.split())
    assert max(len(line) for line in text.splitlines()) <= 80


def test_no_defaults_block_when_the_scenario_declares_everything():
    d = yaml.safe_load(TOY)
    d["no_deal"] = {"a": {"cost": 0.05, "expects": {"x": 60}},
                    "b": {"cost": 0.02, "expects": {"x": 40}},
                    "c": {"value": 0.4}}
    d["uncertainty"] = {"stances.a.x.position": "uniform(70, 90)"}
    s = loads_scenario(yaml.safe_dump(d))
    assert default_assumptions(s, {"zone": 1.0}, draws=100) == []
    assert "Defaults assumed" not in _summary(analyze(s, draws=50, seed=1))


def test_a_point_estimate_lists_no_questions_under_a_default():
    """Every point-estimate answer is yes or no; listing them all would be noise."""
    text = _summary(analyze(loads_scenario(TOY)))
    assert "Defaults assumed" in text and "resting on it" not in text


# -------------------------------------------------------------------- item 6: install and docs
def test_the_licence_is_an_spdx_string_that_setuptools_reads():
    """A licence table (`{text = …}`) and `License ::` classifiers make setuptools ≥ 77 warn on
    every install; the SPDX string needs setuptools ≥ 77 (PEP 639)."""
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0"
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
    (req,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    assert tuple(int(x) for x in req.partition(">=")[2].split(".")) >= (77,)


@pytest.mark.slow
def test_building_prints_no_deprecation_warning(tmp_path):
    """The build an install runs (isolated, with the newest setuptools the index offers):
    no SetuptoolsDeprecationWarning, which pip shows on every install. Skipped when no package
    index can be reached."""
    import shutil

    proj = tmp_path / "proj"
    shutil.copytree(ROOT / "src" / "detente", proj / "src" / "detente",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for f in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / f, proj / f)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w",
                        str(tmp_path / "dist"), str(proj)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and "setuptools" in r.stdout + r.stderr and (
            "No matching distribution" in r.stdout + r.stderr
            or "Could not find a version" in r.stdout + r.stderr):
        pytest.skip("no package index with setuptools >= 77 reachable")
    assert r.returncode == 0, r.stderr[-2000:]
    out = r.stdout + r.stderr  # pip ≥ 25 passes the backend's warnings on as BuildBackendWarning
    bad = re.search(r"(?i)deprecat|BuildBackendWarning", out)
    assert bad is None, out[max(0, bad.start() - 500):][:1500]


EXTRA = re.compile(r"detente\[([a-z,]+)\]|'\.\[([a-z,]+)\]'")


def test_every_install_hint_names_an_extra_that_exists():
    """`pip install 'detente'` alone installs nothing new: a hint names the extra."""
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    files = [*sorted((ROOT / "src" / "detente").rglob("*.py")),
             *sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md", ROOT / "Makefile"]
    named = set()
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"pip install '?detente'?(?![\[\w])", text), f
        for m in EXTRA.finditer(text):
            named |= set((m.group(1) or m.group(2)).split(","))
    assert named and named <= extras, named - extras
    assert {"report", "web", "dask", "postgres"} <= named


def test_sensitivity_needs_no_salib(monkeypatch):
    """What the README and `make demo` show under "What drives the answers" is computed
    without the `sensitivity` extra (SALib)."""
    monkeypatch.setitem(sys.modules, "SALib", None)  # `import SALib` now fails
    a = analyze(load_scenario(BORDER), draws=300, seed=1)
    assert a.sensitivity is not None and a.sensitivity.outputs
    text = _summary(a)
    assert "What drives the answers" in text
    assert "pip install" not in text and "SALib" not in text


def test_make_demo_runs_the_readmes_command():
    """`make demo` prints what the README's Monte Carlo tour shows: same file, draws and seed
    (the backend does not change the numbers), and the extras it installs suffice."""
    mk = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo = mk[mk.index("\ndemo:") + 1:]
    demo = demo[: demo.index("\n\n")].replace("\\\n", " ")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (tour,) = {c for c in re.findall(r"^\$ (detente analyze \S+ --draws \d+ .*)$", readme, re.M)
               if "--draws 2000" in c}

    def opts(cmd: str) -> dict[str, str]:
        words = cmd.split()
        path = next(w for w in words if w.endswith(".yaml"))
        return {"file": path, "draws": words[words.index("--draws") + 1],
                "seed": words[words.index("--seed") + 1]}

    assert opts(demo) == opts(tour)
    assert "--workers 2" in demo  # the README: "on two processes"
    assert "installed-report" in demo.split("\n", 1)[0]


STALE = ("will be computed", "will be answered", "not yet computed", "are not yet evaluated")


def test_docs_do_not_promise_what_is_already_done():
    """Question probabilities are computed (since the bargaining and timeline analyses)."""
    for f in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = f.read_text(encoding="utf-8").lower()
        for phrase in STALE:
            assert phrase not in text, f"{f.relative_to(ROOT)}: {phrase!r}"


ENSEMBLE_Q = {"id": "ens", "text": "Will the ensemble put the border at 50 or beyond?",
              "when": {"outcome": {"issue": "border", "source": "ensemble", "at_least": 50}}}


def test_ensemble_is_a_question_source():
    d = yaml.safe_load(BORDER.read_text(encoding="utf-8"))
    d["questions"] = [*d.get("questions", []), ENSEMBLE_Q]
    s = loads_scenario(yaml.safe_dump(d, allow_unicode=True))
    assert s.questions[-1].when.outcome.source == "ensemble"
    d["tables"].append({"id": "ensemble", "members": ["aster", "borea"]})
    with pytest.raises(ScenarioError, match="table id 'ensemble' is also the name"):
        loads_scenario(yaml.safe_dump(d, allow_unicode=True))


def test_an_ensemble_question_is_answered_from_the_models_mean():
    import numpy as np

    d = yaml.safe_load(BORDER.read_text(encoding="utf-8"))
    d["questions"] = [ENSEMBLE_Q]
    d.setdefault("process", {})["terms_error"] = 0  # the model's point, no model error
    s = loads_scenario(yaml.safe_dump(d, allow_unicode=True))
    a = analyze(s, draws=100, seed=3)
    ens, _ = a.ensemble_user()
    j = a.inputs.issues.index("border")
    assert a.questions[0].probability == pytest.approx(float(np.mean(ens[:, j] >= 50)))
