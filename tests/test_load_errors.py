"""The loader's error handling: every class of bad input, each with its exact message and place.

Each test starts from a valid base scenario (:func:`base`), changes one thing, and pins the
problem the user sees: line, column, field path, message (and hint where it matters). Where a
test changes the rendered YAML, the expected line and column are found in the text by
:func:`at`, independently of the loader.
"""

from __future__ import annotations

import copy
import datetime as dt
import textwrap
import time
from typing import Any

import pytest
import yaml

from detente import ScenarioError, load_scenario, loads_scenario
from detente.errors import Problem
from detente.scenario.load import MAX_DEPTH, MAX_NODES

FILE = "x.yaml"
DELETE = object()

BASE: dict[str, Any] = {
    "detente": 1,
    "id": "base",
    "title": "Base scenario",
    "as_of": dt.date(2025, 1, 1),
    "sources": [{"id": "src1", "title": "A source"}],
    "actors": [
        {"id": "us", "name": "United States", "capability": 2},
        {"id": "ru", "name": "Russia", "capability": 1},
        {"id": "ua", "name": "Ukraine", "capability": 1},
    ],
    "issues": [
        {"id": "territory", "name": "Territory", "scale": [0, 100], "status_quo": 50},
        {"id": "sanctions", "name": "Sanctions", "status_quo": 0},
    ],
    "stances": {
        "us": {"territory": {"position": 20, "salience": 0.8}},
        "ru": {
            "territory": {"position": 90, "salience": 0.9},
            "sanctions": {"position": 0, "salience": 0.5},
        },
        "ua": {"territory": {"position": 0, "salience": 1.0}},
    },
    "no_deal": {"ru": {"cost": 0.1, "expects": {"territory": 60}}},
    "tables": [{"id": "talks", "members": ["us", "ru"]}],
    "implementation": [{"actor": "ua"}],
    "uncertainty": {"stances.ru.territory.position": "normal(80, 5)"},
    "questions": [{"id": "q1", "text": "A deal?", "when": {"zone": {"table": "talks"}}}],
}


def base() -> dict[str, Any]:
    """A fresh copy of the valid base scenario as plain data."""
    return copy.deepcopy(BASE)


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of plain values, as people write them: scale: [0, 100]."""

    def represent_list(self, data):  # noqa: D102
        flow = all(not isinstance(x, (list, dict)) for x in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def dump(d: dict[str, Any]) -> str:
    return yaml.dump(d, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000,
                     default_flow_style=False)


def render(*edits: tuple[tuple[Any, ...], Any], **top: Any) -> str:
    """YAML text of the base scenario with changes applied.

    ``edits`` are ``(path, value)`` pairs (``value`` :data:`DELETE` removes the entry);
    keyword arguments replace top-level fields.
    """
    d = base()
    for path, value in [*edits, *(((k,), v) for k, v in top.items())]:
        cur = d
        for p in path[:-1]:
            cur = cur[p]
        if value is DELETE:
            del cur[path[-1]]
        else:
            cur[path[-1]] = value
    return dump(d)


def problems(text: str | bytes) -> list[Problem]:
    with pytest.raises(ScenarioError) as ei:
        loads_scenario(text, file=FILE)
    assert all(p.file == FILE for p in ei.value.problems)
    return ei.value.problems


def one(text: str | bytes) -> Problem:
    found = problems(text)
    assert len(found) == 1, "\n".join(p.format() for p in found)
    return found[0]


def at(text: str, needle: str, *, after: str | None = None, offset: int = 0) -> tuple[int, int]:
    """(line, column), 1-based, of ``needle`` in ``text`` (searching from ``after``), + offset."""
    start = text.index(after) if after is not None else 0
    i = text.index(needle, start) + offset
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


def _last(text: str, needle: str) -> tuple[int, int]:
    """(line, column) of the last occurrence of ``needle``."""
    i = text.rindex(needle)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def where(p: Problem) -> tuple[int | None, int | None, str, str]:
    return p.line, p.column, p.path, p.message


def test_base_is_valid():
    s = loads_scenario(render(), file=FILE)
    assert s.actor_ids() == ("us", "ru", "ua")


def test_helper_renders_block_yaml():
    text = render()
    assert "actors:\n- id: us\n  name: United States\n  capability: 2\n" in text
    assert "as_of: 2025-01-01\n" in text


# --------------------------------------------------------------------------- wrong types
def test_text_where_number():
    text = render((("actors", 0, "capability"), "big"))
    p = one(text)
    assert where(p) == (*at(text, "big"), "actors[0].capability", "must be a number; got 'big'")
    assert p.hint == "capability is relative clout: any positive number; only ratios matter"


def test_quoted_number_is_text_not_number():
    text = render((("stances", "us", "territory", "salience"), "0.5"))
    p = one(text)
    assert where(p) == (*at(text, "'0.5'"), "stances.us.territory.salience",
                        "must be a number; got '0.5'")


def test_boolean_where_number():
    text = render((("actors", 1, "capability"), True))
    assert where(one(text)) == (*at(text, "true"), "actors[1].capability",
                                "must be a number; got true")


def test_null_where_number():
    text = render((("issues", 0, "status_quo"), None))
    assert where(one(text)) == (*at(text, "null"), "issues[0].status_quo",
                                "must be a number; got nothing (null)")


def test_number_where_text():
    text = render((("actors", 0, "name"), 5))
    assert where(one(text)) == (*at(text, "5", after="name:"), "actors[0].name",
                                "must be text; got 5")


def test_number_where_text_top_level():
    text = render(title=5)
    assert where(one(text)) == (3, 8, "title", "must be text; got 5")


def test_list_where_mapping():
    text = render((("stances", "us"), ["territory"]))
    assert where(one(text)) == (*at(text, "[territory]"), "stances.us",
                                "must be a mapping of fields; got a list")


def test_text_where_mapping_item():
    text = render((("actors", 2), "ua"))
    p = one(text)
    assert where(p) == (*at(text, "ua", after="- id: ru"), "actors[2]",
                        "must be a mapping of fields; got 'ua'")


def test_mapping_where_list_does_not_cascade():
    """A broken `actors` section is one problem, not one per reference to an actor."""
    text = render(actors={"us": 1})
    assert where(one(text)) == (*at(text, "us: 1"), "actors", "must be a list; got a mapping")


def test_text_where_list():
    text = render((("actors", 0, "sources"), "src1"))
    p = one(text)
    assert where(p) == (*at(text, "src1", after="- id: us"), "actors[0].sources",
                        "must be a list; got 'src1'")
    assert p.hint == "list source ids defined under `sources`, e.g. [article]"


def test_text_where_boolean():
    text = render((("questions", 0, "resolution"), {"outcome": "yes"}))
    assert where(one(text)) == (*at(text, "'yes'"), "questions[0].resolution.outcome",
                                "must be true or false; got 'yes'")


def test_invalid_id():
    text = render((("tables", 0, "id"), "1talks"))
    p = one(text)
    assert where(p) == (*at(text, "1talks"), "tables[0].id", "'1talks' is not a valid id")
    assert p.hint == "ids start with a letter and use letters, digits, '-' or '_' (e.g. us-russia)"


def test_wrong_format_version():
    text = render(detente=2)
    p = one(text)
    assert where(p) == (1, 10, "detente", "must be 1; got 2")
    assert p.hint == "the format version is 1"


def test_missing_required_field():
    text = render((("issues", 1, "status_quo"), DELETE))
    p = one(text)
    assert where(p) == (*at(text, "id: sanctions"), "issues[1]",
                        "missing required field 'status_quo'")
    assert p.hint == "the status quo is a value on the issue's scale"


def test_too_few_actors():
    d = base()
    d["actors"] = d["actors"][:1]
    d["stances"] = {"us": d["stances"]["us"]}
    d["no_deal"] = {}
    d["tables"] = []
    d["implementation"] = []
    d["uncertainty"] = {}
    d["questions"] = []
    d["issues"] = d["issues"][:1]
    text = dump(d)
    assert where(one(text)) == (*at(text, "- id: us"), "actors", "needs at least 2 items; got 1")


def test_empty_text_field():
    text = render(title="   ")
    assert where(one(text)) == (*at(text, "'   '"), "title", "must not be empty")


# --------------------------------------------------------------------------- out of range
def test_salience_above_one():
    text = render((("stances", "us", "territory", "salience"), 1.4))
    p = one(text)
    assert where(p) == (*at(text, "1.4"), "stances.us.territory.salience",
                        "must be within [0, 1]; got 1.4")
    assert p.format() == (
        f"{FILE}:{p.line}:{p.column}: stances.us.territory.salience: must be within [0, 1]; "
        "got 1.4\n    hint: salience is how much the actor cares about the issue: "
        "0 (not at all) to 1 (most)"
    )


def test_salience_negative():
    text = render((("stances", "ua", "territory", "salience"), -0.1))
    assert where(one(text)) == (*at(text, "-0.1"), "stances.ua.territory.salience",
                                "must be within [0, 1]; got -0.1")


@pytest.mark.parametrize("cap", [0, -1.5])
def test_capability_not_positive(cap):
    text = render((("actors", 1, "capability"), cap))
    assert where(one(text)) == (*at(text, f"capability: {cap}", offset=12), "actors[1].capability",
                                f"must be greater than 0; got {cap:g}")


def test_status_quo_outside_scale():
    text = render((("issues", 0, "status_quo"), 150))
    p = one(text)
    assert where(p) == (*at(text, "150"), "issues[0].status_quo",
                        "the status quo must be within the issue's scale [0, 100]; got 150")
    assert p.hint == "issue 'territory' runs from 0 to 100"


def test_status_quo_outside_custom_scale():
    """Narrowing a scale puts the status quo and every value on that issue outside: all reported."""
    text = render((("issues", 0, "scale"), [4, 10]), (("issues", 0, "status_quo"), 3))
    found = problems(text)
    assert [(p.line, p.path, p.message) for p in found] == [
        (at(text, "status_quo: 3")[0], "issues[0].status_quo",
         "the status quo must be within the issue's scale [4, 10]; got 3"),
        (at(text, "position: 20")[0], "stances.us.territory.position",
         "position must be within the issue's scale [4, 10]; got 20"),
        (at(text, "position: 90")[0], "stances.ru.territory.position",
         "position must be within the issue's scale [4, 10]; got 90"),
        (at(text, "position: 0", after="ua:")[0], "stances.ua.territory.position",
         "position must be within the issue's scale [4, 10]; got 0"),
        (at(text, "territory: 60")[0], "no_deal.ru.expects.territory",
         "an expected value must be within the issue's scale [4, 10]; got 60"),
        (at(text, "normal(80, 5)")[0], "uncertainty.stances.ru.territory.position",
         "the distribution's mean (80) lies outside the parameter's range [4, 10]"),
    ]


def test_position_outside_scale():
    text = render((("stances", "us", "territory", "position"), -5))
    p = one(text)
    assert where(p) == (*at(text, "-5"), "stances.us.territory.position",
                        "position must be within the issue's scale [0, 100]; got -5")
    assert p.hint == "issue 'territory' runs from 0 to 100"


def test_expected_no_deal_value_outside_scale():
    text = render((("no_deal", "ru", "expects", "territory"), 500))
    assert where(one(text)) == (
        *at(text, "500"), "no_deal.ru.expects.territory",
        "an expected value must be within the issue's scale [0, 100]; got 500")


def test_anchor_outside_scale():
    text = render((("issues", 1, "anchors"), {0: "none", 200: "all"}))
    assert where(one(text)) == (*at(text, "200:"), "issues[1].anchors[200]",
                                "an anchor point must be within the issue's scale [0, 100]; "
                                "got 200")


def test_anchor_key_not_a_number():
    text = render((("issues", 1, "anchors"), {"low": "none"}))
    assert where(one(text)) == (*at(text, "low"), "issues[1].anchors.low",
                                "key 'low': must be a number; got 'low'")


@pytest.mark.parametrize("scale", [[100, 0], [50, 50]])
def test_scale_lo_not_below_hi(scale):
    text = render((("issues", 0, "scale"), scale), (("issues", 0, "status_quo"), 50),
                  (("stances", "us", "territory", "position"), 50),
                  (("stances", "ru", "territory", "position"), 50),
                  (("stances", "ua", "territory", "position"), 50),
                  (("no_deal", "ru", "expects", "territory"), 50),
                  uncertainty={})
    p = one(text)
    assert where(p) == (*at(text, f"[{scale[0]}, {scale[1]}]"), "issues[0].scale",
                        f"the scale's lo must be less than hi; got [{scale[0]}, {scale[1]}]")
    assert p.hint == "write the scale as [lo, hi]; to reverse a scale, relabel its anchors instead"


@pytest.mark.parametrize("scale,got", [([0], "1 value"), ([0, 50, 100], "3 values")])
def test_scale_with_wrong_number_of_values(scale, got):
    text = render((("issues", 1, "scale"), scale))
    p = one(text)
    assert where(p) == (*at(text, "scale: [0", after="id: sanctions", offset=7), "issues[1].scale",
                        f"a scale is [lo, hi]; got {got}")
    assert p.hint == "write the scale as [lo, hi], e.g. [0, 100]"


def test_scale_as_text():
    text = render((("issues", 1, "scale"), "0-100"))
    assert where(one(text)) == (*at(text, "0-100"), "issues[1].scale",
                                "must be a list; got '0-100'")


@pytest.mark.parametrize("value,shown", [(".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf")])
def test_not_finite(value, shown):
    text = render().replace("capability: 2", f"capability: {value}")
    assert where(one(text)) == (*at(text, value), "actors[0].capability",
                                f"must be a finite number; got {shown}")


def test_nan_position():
    text = render().replace("position: 20", "position: .NaN")
    assert where(one(text)) == (*at(text, ".NaN"), "stances.us.territory.position",
                                "must be a finite number; got nan")


def test_no_salient_stance_on_an_issue():
    text = render((("stances", "ru", "sanctions", "salience"), 0))
    p = one(text)
    assert where(p) == (*at(text, "- id: sanctions", offset=2), "issues[1]",
                        "no actor has a stance with salience > 0 on issue 'sanctions'")


# --------------------------------------------------------------------------- unknown keys
def test_unknown_top_level_key_did_you_mean():
    text = render(titel="Typo")
    p = one(text)
    assert where(p) == (*at(text, "titel"), "titel", "unknown field 'titel'")
    assert p.hint == (
        "did you mean 'title'? allowed here: detente, id, title, as_of, description, notes, "
        "sources, actors, issues, stances, no_deal, tables, implementation, conflict, "
        "uncertainty, correlations, process, questions")


def test_unknown_nested_key_did_you_mean():
    text = render((("actors", 0, "capabilty"), 3))
    p = one(text)
    assert where(p) == (*at(text, "capabilty"), "actors[0].capabilty", "unknown field 'capabilty'")
    assert p.hint == ("did you mean 'capability'? allowed here: id, name, capability, role, "
                      "sources, note")


def test_unknown_stance_key_did_you_mean():
    text = render((("stances", "us", "territory", "salince"), 0.3))
    p = one(text)
    assert where(p) == (*at(text, "salince"), "stances.us.territory.salince",
                        "unknown field 'salince'")
    assert p.hint == "did you mean 'salience'? allowed here: position, salience, sources, note"


def test_unknown_no_deal_key_did_you_mean():
    text = render((("no_deal", "ru", "costs"), 0.2))
    p = one(text)
    assert where(p) == (*at(text, "costs"), "no_deal.ru.costs", "unknown field 'costs'")
    assert p.hint == ("did you mean 'cost'? allowed here: cost, drift, value, expects, "
                      "sources, note")


def test_unknown_key_inside_a_condition_did_you_mean():
    text = render((("questions", 0, "when"),
                   {"all": [{"outcome": {"issue": "territory", "atleast": 60}}]}))
    found = problems(text)
    assert [where(p) for p in found] == [
        (*at(text, "issue: territory", after="when:"), "questions[0].when.all[0].outcome",
         "an outcome condition needs at_least, at_most or both"),
        (*at(text, "atleast"), "questions[0].when.all[0].outcome.atleast",
         "unknown field 'atleast'"),
    ]
    assert found[1].hint == ("did you mean 'at_least'? allowed here: issue, source, at_least, "
                             "at_most")


def test_unknown_key_inside_a_distribution_did_you_mean():
    text = render(uncertainty={"stances.ru.territory.position":
                               {"dist": "normal", "mean": 80, "sdev": 5}})
    found = problems(text)
    assert [where(p) for p in found] == [
        (*at(text, "dist: normal"), "uncertainty.stances.ru.territory.position",
         "missing required field 'sd'"),
        (*at(text, "sdev"), "uncertainty.stances.ru.territory.position.sdev",
         "unknown field 'sdev'"),
    ]
    assert found[1].hint == "did you mean 'sd'? allowed here: dist, mean, sd"


# --------------------------------------------------------------------------- references
def test_stance_of_undefined_actor():
    text = render((("stances", "uk"), {"territory": {"position": 1, "salience": 0.5}}))
    p = one(text)
    assert where(p) == (*at(text, "uk:"), "stances.uk", "'uk' is not a defined actor")
    assert p.hint == "defined actors: us, ru, ua"


def test_stance_on_undefined_issue():
    text = render((("stances", "us", "teritory"), {"position": 1, "salience": 0.5}))
    p = one(text)
    assert where(p) == (*at(text, "teritory:"), "stances.us.teritory",
                        "'teritory' is not a defined issue")
    assert p.hint == "did you mean 'territory'? defined issues: territory, sanctions"


def test_table_member_undefined():
    text = render((("tables", 0, "members"), ["us", "rus"]))
    p = one(text)
    assert where(p) == (*at(text, "rus"), "tables[0].members[1]", "'rus' is not a defined actor")
    assert p.hint == "did you mean 'us'? defined actors: us, ru, ua"


def test_table_member_listed_twice():
    text = render((("tables", 0, "members"), ["us", "ru", "us"]))
    assert where(one(text)) == (*at(text, "us]", after="members"), "tables[0].members[2]",
                                "'us' is listed twice at this table")


def test_table_needs_two_members():
    text = render((("tables", 0, "members"), ["us"]))
    p = one(text)
    assert where(p) == (*at(text, "[us]"), "tables[0].members",
                        "a table needs at least two members")


def test_implementation_undefined_actor_and_issue():
    text = render(implementation=[{"actor": "ukr"}, {"actor": "us", "issues": ["sanction"]}])
    found = problems(text)
    assert [where(p) for p in found] == [
        (*at(text, "ukr"), "implementation[0].actor", "'ukr' is not a defined actor"),
        (*at(text, "sanction]"), "implementation[1].issues[0]",
         "'sanction' is not a defined issue"),
    ]
    assert found[1].hint == "did you mean 'sanctions'? defined issues: territory, sanctions"


def test_implementation_veto_listed_twice():
    text = render(implementation=[{"actor": "ua"}, {"actor": "ua"}])
    p = one(text)
    line, col = _last(text, "- actor: ua")
    assert where(p) == (line, col + 9, "implementation[1].actor",
                        "'ua' is listed twice as a veto player")


def test_no_deal_of_undefined_actor_and_expects_undefined_issue():
    text = render(no_deal={"ru": {"expects": {"territry": 50}}, "xx": {"cost": 0.1}})
    found = problems(text)
    assert [where(p) for p in found] == [
        (*at(text, "territry"), "no_deal.ru.expects.territry", "'territry' is not a defined issue"),
        (*at(text, "xx:"), "no_deal.xx", "'xx' is not a defined actor"),
    ]


def test_question_predicates_reference_undefined_ids():
    text = render(questions=[
        {"id": "q1", "text": "Q?", "when": {"zone": {"table": "talk"}}},
        {"id": "q2", "text": "Q?", "when": {"accepts": {"actor": "uz", "table": "talks"}}},
        {"id": "q3", "text": "Q?", "when": {"not": {"outcome": {"issue": "terr", "at_least": 5}}}},
        {"id": "q4", "text": "Q?", "when": {"outcome": {"issue": "territory",
                                                        "source": "compromis", "at_most": 5}}},
    ])
    found = problems(text)
    assert [where(p) for p in found] == [
        (*at(text, "talk\n"), "questions[0].when.zone.table", "'talk' is not a defined table"),
        (*at(text, "uz"), "questions[1].when.accepts.actor", "'uz' is not a defined actor"),
        (*at(text, "terr\n"), "questions[2].when.not.outcome.issue",
         "'terr' is not a defined issue"),
        (*at(text, "compromis"), "questions[3].when.outcome.source",
         "'compromis' is neither a forecast model, the ensemble nor a table"),
    ]
    assert found[0].hint == "did you mean 'talks'? defined tables: talks"
    from detente.forecast import registry

    options = ", ".join([*registry.names(), "ensemble", "talks"])
    assert found[3].hint == f"did you mean 'compromise'? choose one of: {options}"


def test_citation_of_undefined_source():
    text = render((("actors", 0, "sources"), ["src2"]),
                  (("stances", "ru", "territory", "sources"), ["src1", "nosuch"]))
    found = problems(text)
    assert [where(p) for p in found] == [
        (*at(text, "src2"), "actors[0].sources[0]", "'src2' is not a defined source"),
        (*at(text, "nosuch"), "stances.ru.territory.sources[1]",
         "'nosuch' is not a defined source"),
    ]
    assert found[0].hint == "did you mean 'src1'? defined sources: src1"
    assert found[1].hint == "defined sources: src1"


def test_citation_in_uncertainty_long_form():
    text = render(uncertainty={"stances.ru.territory.position":
                               {"distribution": "normal(80, 5)", "sources": ["src9"]}})
    assert where(one(text)) == (*at(text, "src9"),
                                "uncertainty.stances.ru.territory.position.sources[0]",
                                "'src9' is not a defined source")


# --------------------------------------------------------------------------- duplicates
@pytest.mark.parametrize("section,item", [
    ("actors", {"id": "us", "name": "Again", "capability": 1}),
    ("issues", {"id": "sanctions", "name": "Again", "status_quo": 1}),
    ("sources", {"id": "src1", "title": "Again"}),
    ("tables", {"id": "talks", "members": ["us", "ua"]}),
    ("questions", {"id": "q1", "text": "Again?", "when": {"zone": {"table": "talks"}}}),
])
def test_duplicate_ids(section, item):
    d = base()
    d[section].append(item)
    text = dump(d)
    needle = f"- id: {item['id']}\n"
    first = at(text, needle, after=f"\n{section}:")[0]
    i = text.rindex(needle) + 2  # the second entry's `id:`
    line, col = text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1
    p = one(text)
    assert where(p) == (line, col + 4, f"{section}[{len(d[section]) - 1}].id",
                        f"duplicate id {item['id']!r} (first used at line {first})")
    assert p.hint == "every id in a section must be unique"


def test_duplicate_yaml_key_top_level():
    text = render() + "title: Again\n"
    p = one(text)
    assert where(p) == (text.count("\n"), 1, "title",
                        "duplicate key 'title' (first defined at line 3)")
    assert p.hint == "remove one of the two entries or give it another name"


def test_duplicate_yaml_key_nested():
    text = render().replace("      salience: 0.8\n", "      salience: 0.8\n      salience: 0.7\n")
    line, col = at(text, "salience: 0.7")
    assert where(one(text)) == (line, col, "stances.us.territory.salience",
                                f"duplicate key 'salience' (first defined at line {line - 1})")


# --------------------------------------------------------------------------- distributions
P = "stances.ru.territory.position"
S = "stances.ru.territory.salience"
NAMES = "normal, truncnormal, uniform, triangular, beta, lognormal, choice"


def _dist(path: str, spec: Any) -> tuple[str, tuple[int, int]]:
    text = render(uncertainty={path: spec})
    return text, at(text, path + ":", offset=len(path) + 2)


@pytest.mark.parametrize("spec,message", [
    ("normal 80, 5",
     "cannot read distribution 'normal 80, 5'; write it as name(parameters), e.g. normal(95, 5)"),
    ("normal(80, five)",
     "distribution parameters must be plain numbers; got 'normal(80, five)'"),
    ("normal(mean=80, sd=5)",
     "distribution parameters must be plain numbers; got 'normal(mean=80, sd=5)'"),
    ("choice(10, 20)",
     "cannot read 'choice(10, 20)'; write choice([v1, v2, ...]) or choice([v...], [w...])"),
    ("choice([a, b])", "choice() takes lists of numbers; got 'choice([a, b])'"),
])
def test_distribution_bad_syntax(spec, message):
    text, (line, col) = _dist(P, spec)
    assert where(one(text)) == (line, col, "uncertainty." + P, message)


def test_distribution_unknown_name():
    text, (line, col) = _dist(P, "gauss(80, 5)")
    assert where(one(text)) == (line, col, "uncertainty." + P,
                                f"unknown distribution 'gauss'; use one of {NAMES}")


def test_distribution_unknown_name_in_mapping_form():
    text = render(uncertainty={P: {"dist": "gaussian", "mean": 80, "sd": 5}})
    p = one(text)
    assert where(p) == (*at(text, "dist: gaussian"), "uncertainty." + P,
                        f"unknown distribution 'gaussian'; use one of {NAMES}")


def test_distribution_long_form_key_misspelt():
    text = render(uncertainty={P: {"distributon": "normal(80, 5)"}})
    p = one(text)
    assert where(p) == (*at(text, "distributon"), "uncertainty." + P,
                        "a distribution written as a mapping needs 'dist' (one of "
                        f"{NAMES}); got the keys distributon")
    assert p.hint == "did you mean 'distribution'?"


def test_distribution_not_text_or_mapping():
    text, (line, col) = _dist(P, 5)
    assert where(one(text)) == (line, col, "uncertainty." + P,
                                "a distribution is written as text, e.g. normal(95, 5), or as a "
                                "mapping with 'dist'; got 5")


@pytest.mark.parametrize("path,spec,message", [
    (P, "normal(80)", "normal() takes mean, sd; got 1 parameter(s) in 'normal(80)'"),
    (P, "uniform(1, 2, 3)", "uniform() takes low, high; got 3 parameter(s) in 'uniform(1, 2, 3)'"),
    (S, "beta(2)", "beta() takes a, b[, low, high]; got 1 parameter(s) in 'beta(2)'"),
    (P, "triangular()", "triangular() takes low, mode, high; got 0 parameter(s) in "
                        "'triangular()'"),
])
def test_distribution_wrong_arity(path, spec, message):
    text, (line, col) = _dist(path, spec)
    assert where(one(text)) == (line, col, "uncertainty." + path, message)


def test_distribution_negative_sd():
    text, (line, col) = _dist(P, "normal(80, -1)")
    p = one(text)
    assert where(p) == (line, col, f"uncertainty.{P}.sd", "must be 0 or more; got -1")
    assert p.hint == "the standard deviation is 0 or more"


def test_distribution_beta_shape_not_positive():
    text, (line, col) = _dist(S, "beta(0, 2)")
    assert where(one(text)) == (line, col, f"uncertainty.{S}.a", "must be greater than 0; got 0")


@pytest.mark.parametrize("spec,message", [
    ("uniform(60, 40)", "low (60) must be less than high (40)"),
    ("uniform(50, 50)", "low (50) must be less than high (50)"),
    ("truncnormal(50, 5, 60, 40)", "low (60) must be less than high (40)"),
    ("triangular(10, 90, 50)", "mode (90) must lie between low (10) and high (50)"),
    ("choice([10, 20], [1])", "choice has 2 values but 1 weight; give one weight per value"),
    ("choice([10, 20], [0, 0])", "choice weights must not all be 0"),
])
def test_distribution_inconsistent_parameters(spec, message):
    text, (line, col) = _dist(P, spec)
    assert where(one(text)) == (line, col, "uncertainty." + P, message)


@pytest.mark.parametrize("path,spec,message", [
    (S, "normal(1.5, 0.1)", "the distribution's mean (1.5) lies outside the parameter's range "
                            "[0, 1]"),
    (P, "uniform(50, 150)", "the distribution's high (150) lies outside the parameter's range "
                            "[0, 100]"),
    (P, "choice([10, 120])", "the distribution's values[1] (120) lies outside the parameter's "
                             "range [0, 100]"),
    ("actors.us.capability", "normal(-1, 1)",
     "the distribution's mean (-1) lies outside the parameter's range [0, inf]"),
])
def test_distribution_outside_the_parameters_range(path, spec, message):
    text, (line, col) = _dist(path, spec)
    p = one(text)
    assert where(p) == (line, col, "uncertainty." + path, message)
    assert p.hint == ("samples are kept within the parameter's range; centre the distribution "
                      "inside it")


ALLOWED = ("actors.<actor>.capability, issues.<issue>.status_quo, "
           "stances.<actor>.<issue>.position, stances.<actor>.<issue>.salience, "
           "no_deal.<actor>.cost, no_deal.<actor>.drift, no_deal.<actor>.value, "
           "no_deal.<actor>.expects.<issue>, process.beliefs.half_life, "
           "process.base_rate.pace, process.base_rate.lapse, process.breakdown, "
           "process.commitment.penalty.<actor>, process.discount.<actor>, "
           "process.unilateral.<actor>.<issue>.step")


@pytest.mark.parametrize("path,message", [
    ("stances.ru.territry.position", "no issue 'territry' (did you mean 'territory'?)"),
    ("stances.uk.territory.position", "no actor 'uk'"),
    ("actors.usa.capability", "no actor 'usa' (did you mean 'us'?)"),
    ("issues.sanction.status_quo", "no issue 'sanction' (did you mean 'sanctions'?)"),
    ("no_deal.ru.expects.land", "no issue 'land'"),
    ("stances.us.sanctions.salience",
     "actor 'us' has no stance on 'sanctions'; add it under `stances` first"),
    ("actors.us.power", f"'actors.us.power' is not an uncertain parameter; use one of: {ALLOWED}"),
    ("title", f"'title' is not an uncertain parameter; use one of: {ALLOWED}"),
])
def test_unknown_uncertainty_path(path, message):
    text = render(uncertainty={path: "normal(0.5, 0.1)"})
    assert where(one(text)) == (*at(text, path + ":", after="uncertainty:"), "uncertainty." + path,
                                message)


# --------------------------------------------------------------------------- predicates
KINDS = ("zone, concluded, in_force, lapsed, unilateral, talks, credible, holds, accepts, "
         "outcome, equilibrium, all, any, not")


def _when(when: Any) -> str:
    return render((("questions", 0, "when"), when))


def test_predicate_unknown_kind():
    text = _when({"zones": {"table": "talks"}})
    p = one(text)
    assert where(p) == (*at(text, "zones"), "questions[0].when",
                        f"unknown condition 'zones'; use one of {KINDS}")
    assert p.hint == "did you mean 'zone'?"


def test_the_old_deal_condition_says_what_it_became():
    text = _when({"deal": {"table": "talks", "by_month": 3}})
    p = one(text)
    assert where(p) == (*at(text, "deal:", after="when:"), "questions[0].when",
                        "the condition 'deal' is now 'zone' (a zone of agreement exists); for "
                        "a deal actually concluded use 'concluded' (process model)")


def test_predicate_unknown_kind_nested():
    text = _when({"any": [{"zone": {"table": "talks"}}, {"hold": {"table": "talks"}}]})
    p = one(text)
    assert where(p) == (*at(text, "hold:"), "questions[0].when.any[1]",
                        f"unknown condition 'hold'; use one of {KINDS}")
    assert p.hint == "did you mean 'holds'?"


def test_predicate_two_kinds():
    text = _when({"zone": {"table": "talks"}, "holds": {"table": "talks"}})
    assert where(one(text)) == (*at(text, "zone:", after="when:"), "questions[0].when",
                                f"a condition has exactly one of {KINDS}; got 2 keys: 'zone', "
                                "'holds'")


@pytest.mark.parametrize("when,shown", [("a deal at talks", "'a deal at talks'"),
                                        (["deal"], "a list"), ({}, "an empty mapping")])
def test_predicate_not_a_mapping(when, shown):
    text = _when(when)
    p = one(text)
    assert (p.path, p.message) == (
        "questions[0].when",
        f"a condition is a mapping with one key, e.g. {{zone: {{table: T}}}}; got {shown}")


def test_predicate_outcome_without_bounds():
    text = _when({"outcome": {"issue": "territory"}})
    p = one(text)
    assert where(p) == (*at(text, "issue: territory"), "questions[0].when.outcome",
                        "an outcome condition needs at_least, at_most or both")
    assert p.hint == "e.g. {issue: territory, at_least: 60}"


def test_predicate_missing_argument():
    text = _when({"zone": {}})
    assert where(one(text)) == (*at(text, "{}"), "questions[0].when.zone",
                                "missing required field 'table'")


def test_predicate_empty_combination():
    text = _when({"all": []})
    assert where(one(text)) == (*at(text, "[]", after="when:"), "questions[0].when.all",
                                "needs at least 1 item; got 0")


def test_predicate_equilibrium_needs_a_conflict_section():
    text = _when({"equilibrium": {"state": "ceasefire"}})
    p = one(text)
    assert where(p) == (*at(text, "state:"), "questions[0].when.equilibrium",
                        "equilibrium conditions need the scenario's `conflict` section")


# --------------------------------------------------------------------------- file-level input
EMPTY = ("the file is empty",
         "start from a template: `detente new NAME` writes a commented scenario")


@pytest.mark.parametrize("text", ["", "   \n\n", "# just a comment\n  # another\n\n",
                                  b"", b"\xef\xbb\xbf# BOM and a comment\n"])
def test_empty_or_comments_only(text):
    p = one(text)
    assert (p.line, p.column, p.path, p.message, p.hint) == (1, 1, "", *EMPTY)


def test_empty_document_marker_only():
    p = one("---\n...\n")
    assert (p.line, p.column, p.message) == (1, 1, "the file is empty")


def test_binary_file():
    p = one(b"PK\x03\x04\x00\x00binary")
    assert where(p) == (None, None, "", "this is not a text file (it contains NUL bytes)")
    assert p.hint == "scenario files are UTF-8 YAML text; check the file name"


def test_not_utf8():
    text = render().encode().replace(b"Russia", b"R\xfcssia")
    line, col = at(render(), "Russia", offset=1)
    p = one(text)
    offset = render().encode().index(b"Russia") + 1
    assert where(p) == (line, col, "",
                        f"this is not UTF-8 text (byte 0xfc at offset {offset})")
    assert p.hint == "save the file as UTF-8"


def test_utf8_with_bom_loads():
    s = loads_scenario(b"\xef\xbb\xbf" + render().encode(), file=FILE)
    assert s.id == "base"


def test_50_mb_file_rejected_by_size_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:  # sparse: 50 MiB of NUL bytes, nothing a parser would accept
        fh.truncate(50 * 1024 * 1024)
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as ei:
        load_scenario(path)
    assert time.perf_counter() - t0 < 1.0
    (p,) = ei.value.problems
    assert (p.file, p.line, p.path, p.message) == (str(path), None, "",
                                                   "the file is 50.0 MB; the limit is 10 MB")
    assert p.hint == "a scenario is a few kilobytes of YAML; is this the right file?"


def test_oversized_text_rejected_by_size():
    p = one("a: " + "x" * (11 * 1024 * 1024))
    assert p.message == "the file is 11.0 MB; the limit is 10 MB"


BOMB = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """)


def test_billion_laughs_rejected_fast():
    t0 = time.perf_counter()
    p = one(BOMB)
    assert time.perf_counter() - t0 < 1.0
    assert where(p) == (None, None, "",
                        f"the file expands to more than {MAX_NODES:,} values "
                        "(aliases/anchors expanded); refusing to load it")
    assert p.message.startswith("the file expands to more than ")
    assert p.hint == ("this looks like a YAML alias bomb; write the values out instead of "
                      "nesting aliases")


TOO_DEEP = (f"the file nests deeper than {MAX_DEPTH} levels (or an alias refers to itself)")


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n",
                                  render() + "notes: &n [1, *n]\n"])
def test_recursive_alias(text):
    p = one(text)
    assert where(p) == (None, None, "", TOO_DEEP)
    assert p.hint == "a scenario needs only a few levels of nesting"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 5000])
def test_deeply_nested_flow(depth):
    p = one("a: " + "[" * depth + "]" * depth + "\n")
    assert where(p) == (None, None, "", TOO_DEEP)


def test_deeply_nested_block():
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 10))
    assert where(one(text)) == (None, None, "", TOO_DEEP)


def test_nesting_just_within_the_limit_is_not_a_depth_error():
    text = render(notes=None).replace("notes: null", "notes: " + "[" * 60 + "]" * 60)
    p = one(text)
    assert p.path == "notes" and p.message == "must be text; got a list"


SYNTAX_HINT = "check indentation (spaces, not tabs), colons and quotes around this line"


def test_yaml_syntax_error_bad_indentation():
    text = render().replace("- id: ru\n", "- id: ru\n   bad: [\n")
    p = one(text)
    assert where(p) == (*at(text, ": [", after="   bad"), "",
                        "YAML syntax error: mapping values are not allowed in this context")
    assert p.hint == SYNTAX_HINT


@pytest.mark.parametrize("text,line,col,message", [
    ("a: b: c\n", 1, 5, "YAML syntax error: mapping values are not allowed in this context"),
    ('title: "abc\n', 2, 1, "YAML syntax error: found unexpected end of stream "
                            "(while scanning a quoted scalar)"),
    ("a:\n\tb: 1\n", 2, 1, "YAML syntax error: found character that cannot start any token "
                           "(while scanning for the next token)"),
])
def test_yaml_syntax_errors(text, line, col, message):
    assert where(one(text)) == (line, col, "", message)


def test_multiple_documents():
    base_text = render()
    text = base_text + "---\nid: other\n"
    p = one(text)
    assert where(p) == (base_text.count("\n") + 2, 1, "",
                        "the file holds more than one YAML document ('---')")
    assert p.hint == "keep one scenario per file"


@pytest.mark.parametrize("text,kind", [("- a\n- b\n", "a list"),
                                       ("hello\n", "the text 'hello'"),
                                       ("42\n", "the number 42"),
                                       ("null\n", "the file is empty")])
def test_top_level_not_a_mapping(text, kind):
    p = one(text)
    message = f"a scenario is a mapping of fields (id, title, actors, …); got {kind}"
    assert where(p) == (1, 1, "", kind if kind == "the file is empty" else message)


def test_nonexistent_path(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as ei:
        load_scenario(path)
    (p,) = ei.value.problems
    assert (p.file, p.line, p.column, p.message) == (str(path), None, None, "no such file")
    assert p.hint == "check the path; `detente new NAME` creates a scenario"
    assert str(ei.value) == (f"{path}: 1 problem found\n{path}: no such file\n"
                             "    hint: check the path; `detente new NAME` creates a scenario")


def test_directory(tmp_path):
    with pytest.raises(ScenarioError) as ei:
        load_scenario(tmp_path)
    (p,) = ei.value.problems
    assert (p.file, p.message, p.hint) == (str(tmp_path),
                                           "this is a directory, not a scenario file",
                                           "pass a .yaml file")


def test_load_scenario_reports_the_path_as_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(render((("stances", "us", "territory", "salience"), 1.4)))
    with pytest.raises(ScenarioError) as ei:
        load_scenario(path)
    (p,) = ei.value.problems
    assert p.format().startswith(f"{path}:{p.line}:{p.column}: stances.us.territory.salience: ")


@pytest.mark.parametrize("value,message", [
    ("2025-02-30", "'2025-02-30' is not a valid date (day is out of range for month)"),
    ("2025-13-01", "'2025-13-01' is not a valid date (month must be in 1..12)"),
])
def test_invalid_date(value, message):
    text = render().replace("as_of: 2025-01-01", f"as_of: {value}")
    p = one(text)
    assert where(p) == (4, 8, "as_of", message)
    assert p.hint == "write the date as YYYY-MM-DD, e.g. 2025-02-15"


@pytest.mark.parametrize("value,shown", [("next week", "'next week'"), ("2025", "2025"),
                                         ("'2025/01/01'", "'2025/01/01'")])
def test_not_a_date(value, shown):
    text = render().replace("as_of: 2025-01-01", f"as_of: {value}")
    assert where(one(text)) == (4, 8, "as_of", f"must be a date written YYYY-MM-DD; got {shown}")


def test_invalid_date_nested():
    text = render((("sources", 0, "date"), "DATE")).replace("date: DATE", "date: 2020-02-30")
    assert where(one(text)) == (*at(text, "2020-02-30"), "sources[0].date",
                                "'2020-02-30' is not a valid date (day is out of range for month)")


TAG_HINT = "remove the tag; scenario files hold plain values only"


@pytest.mark.parametrize("value,tag", [
    ("!!python/object/apply:os.system ['echo pwned']", "!!python/object/apply:os.system"),
    ("!!python/object/apply:os.system {args: [echo]}", "!!python/object/apply:os.system"),
    ("!!python/name:os.system ''", "!!python/name:os.system"),
    ("!!python/object/new:tuple [[1]]", "!!python/object/new:tuple"),
    ("!custom value", "!custom"),
    ("!!set {a, b}", "!!set"),
])
def test_unsupported_tags(value, tag, capsys):
    text = render() + f"notes: {value}\n"
    p = one(text)
    assert where(p) == (text.count("\n"), 8, "notes", f"unsupported YAML tag {tag!r}")
    assert p.hint == TAG_HINT
    assert capsys.readouterr().out == ""  # nothing was executed


def test_unsupported_tag_on_the_whole_file():
    p = one("!!python/object/apply:os.system ['echo pwned']\n")
    assert where(p) == (1, 1, "", "unsupported YAML tag '!!python/object/apply:os.system'")


def test_merge_keys_not_supported():
    text = render() + "description: &d {a: 1}\nnotes:\n  <<: *d\n"
    found = problems(text)
    assert [p.message for p in found] == ["must be text; got a mapping",
                                          "merge keys ('<<') are not supported"]
    assert found[1].path == "notes"


def test_complex_mapping_key():
    text = render() + "? [a, b]\n: 1\n"
    p = one(text)
    assert (p.line, p.path, p.message) == (text.count("\n") - 1, "",
                                           "a mapping key must be a plain value")


# --------------------------------------------------------------------------- all at once
def test_all_problems_at_once():
    d = base()
    d["titel"] = "typo"
    d["actors"][0]["capability"] = -1
    d["stances"]["us"]["territory"]["salience"] = 1.4
    d["tables"][0]["members"] = ["us", "rus"]
    d["uncertainty"] = {P: "gauss(1, 2)"}
    d["questions"][0]["when"] = {"deals": {"table": "talks"}}
    text = dump(d) + "title: Again\n"
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        ("actors[0].capability", "must be greater than 0; got -1"),
        ("stances.us.territory.salience", "must be within [0, 1]; got 1.4"),
        ("tables[0].members[1]", "'rus' is not a defined actor"),
        ("uncertainty." + P, f"unknown distribution 'gauss'; use one of {NAMES}"),
        ("questions[0].when", f"unknown condition 'deals'; use one of {KINDS}"),
        ("titel", "unknown field 'titel'"),
        ("title", "duplicate key 'title' (first defined at line 3)"),
    ]
    lines = [p.line for p in found]
    assert lines == sorted(lines)
    with pytest.raises(ScenarioError) as ei:
        loads_scenario(text, file=FILE)
    assert str(ei.value).startswith(f"{FILE}: 7 problems found\n{FILE}:")


def test_never_partial():
    """A bad file raises; nothing is returned, nothing half-built escapes."""
    result = "untouched"
    with pytest.raises(ScenarioError) as ei:
        result = loads_scenario(render((("actors", 0, "capability"), 0)), file=FILE)
    assert result == "untouched"
    assert ei.value.problems and ei.value.file == FILE
    assert not hasattr(ei.value, "scenario")


def test_a_reference_error_alone_still_fails():
    """Schema-valid but referentially broken files are refused too."""
    text = render((("tables", 0, "members"), ["us", "xx"]))
    with pytest.raises(ScenarioError):
        loads_scenario(text, file=FILE)


def test_problem_format_and_dict():
    text = render((("actors", 0, "capability"), "big"))
    p = one(text)
    assert p.format() == (
        f"x.yaml:{p.line}:{p.column}: actors[0].capability: must be a number; got 'big'\n"
        "    hint: capability is relative clout: any positive number; only ratios matter")
    assert p.to_dict() == {"file": FILE, "line": p.line, "column": p.column,
                           "path": "actors[0].capability", "message": "must be a number; got 'big'",
                           "hint": p.hint}


def test_table_id_clashing_with_a_model_name_is_refused():
    text = render(tables=[{"id": "median", "members": ["us", "ru"]}])
    with pytest.raises(ScenarioError) as ei:
        loads_scenario(text, file="x.yaml")
    msgs = [p.message for p in ei.value.problems]
    assert any("table id 'median' is also the name of a forecast model" in m for m in msgs)


def test_beta_without_range_on_a_0_100_parameter_is_refused():
    text = render(uncertainty={"stances.us.territory.position": "beta(2, 5)"})
    with pytest.raises(ScenarioError) as ei:
        loads_scenario(text, file="x.yaml")
    (p,) = [p for p in ei.value.problems if "beta" in p.message]
    assert p.message == "beta(a, b) samples in [0, 1], but this parameter runs from 0 to 100"
    assert p.hint == "give the range: beta(a, b, low, high), e.g. beta(2, 5, 0, 100)"
    ok = render(uncertainty={"stances.us.territory.salience": "beta(2, 5)"})
    loads_scenario(ok, file="x.yaml")


def test_a_model_registered_since_is_admitted_when_its_name_is_passed():
    import yaml as _yaml

    from detente import ScenarioError as _SE
    from detente.scenario.checks import BUILTIN_MODELS

    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "border-talks.yaml"
    d = _yaml.safe_load(path.read_text(encoding="utf-8"))
    d["questions"] = [{"id": "q", "text": "?", "when": {"outcome": {
        "issue": d["issues"][0]["id"], "source": "mymodel", "at_least": 0}}}]
    text = _yaml.safe_dump(d, allow_unicode=True)
    with pytest.raises(_SE, match="'mymodel' is neither a forecast model"):
        loads_scenario(text)
    s = loads_scenario(text, models=(*BUILTIN_MODELS, "mymodel"))
    assert s.questions[0].when.outcome.source == "mymodel"
