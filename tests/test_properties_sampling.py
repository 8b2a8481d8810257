"""Sampling a scenario's uncertainty, as Hypothesis properties over random scenarios.

The policy (src/detente/scenario/draws.py; docs/reference/scenario-format.md#uncertainty):
one SeedSequence per run; each uncertain parameter draws from its own streams, keyed by its
*path* and the block of :data:`BLOCK` draws; inverse-transform sampling truncated to the
parameter's valid range; correlations by a Gaussian copula in which "the alphabetically first
correlated parameter keeps the draws it would have without correlations"; ``N = 1`` is the
point estimate. Consequences checked here, on random small scenarios:

* the same seed gives the same draws (and the same ``analyze`` results), whatever form the
  seed takes;
* a scenario without uncertainty samples to its point values, N identical rows for any seed,
  and ``analyze`` then gives N identical rows equal to the point run; one draw is the point
  estimate even with uncertainty;
* listing the actors, the issues, the stances, the uncertain parameters or the correlations in
  another order relabels the draws and changes no number (streams are keyed by path);
* a chunk of draws (``start``) is exactly its slice of a longer run, across block boundaries;
* adding an (uncorrelated) uncertain parameter leaves every other parameter's draws unchanged;
  the first correlated parameter keeps its uncorrelated draws;
* samples stay within the parameters' valid ranges, and zero-spread distributions are constant.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from detente.analysis import analyze
from detente.errors import ScenarioError
from detente.scenario.draws import BLOCK, point_draws, sample
from detente.scenario.load import loads_scenario

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
ANALYZE = settings(max_examples=8, deadline=None)
ARRAYS = ("capability", "position", "salience", "status_quo", "expects", "expects_sd", "cost",
          "drift", "value")
seeds = st.integers(0, 2**63 - 1)


# =========================================================================== scenarios
def _num(x: float) -> float:
    return round(float(x), 4)


@st.composite
def _distribution(draw, lo: float, hi: float, kind: str) -> str:
    """A distribution inside [lo, hi] (finite), in the short text form."""
    u = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3, unique=True)))
    a, m, b = (_num(lo + f * (hi - lo)) for f in u)
    assume(a < m < b)
    sd = _num(draw(st.sampled_from([0.0, 0.05, 0.2])) * (hi - lo))
    names = ["normal", "truncnormal", "uniform", "triangular", "beta", "choice"]
    if kind == "capability":
        names = ["lognormal", "uniform", "triangular"]
    name = draw(st.sampled_from(names))
    if name == "normal":
        return f"normal({m}, {sd})"
    if name == "truncnormal":
        return f"truncnormal({m}, {sd}, {a}, {b})"
    if name == "uniform":
        return f"uniform({a}, {b})"
    if name == "triangular":
        return f"triangular({a}, {m}, {b})"
    if name == "beta":
        return f"beta({draw(st.sampled_from([0.5, 2, 5]))}, {draw(st.sampled_from([1, 3]))}, " \
               f"{a}, {b})"
    if name == "lognormal":
        return f"lognormal({_num(np.log(m))}, {draw(st.sampled_from([0, 0.3]))})"
    return f"choice([{a}, {m}, {b}], [1, 2, 1])"


@st.composite
def scenarios(draw, *, uncertain: bool = True, tables: bool = False) -> dict:
    """A random small scenario as plain data (``scenario_text`` turns it into YAML)."""
    n_a = draw(st.integers(2, 4), label="actors")
    n_i = draw(st.integers(1, 3), label="issues")
    actors = [{"id": f"a{k}", "name": f"Actor {k}", "capability": _num(draw(st.floats(0.2, 5)))}
              for k in range(n_a)]
    issues = []
    for j in range(n_i):
        lo = draw(st.sampled_from([0, -50, 10]))
        hi = lo + draw(st.sampled_from([1, 10, 100]))
        issues.append({"id": f"i{j}", "name": f"Issue {j}", "scale": [lo, hi],
                       "status_quo": _num(lo + draw(st.floats(0, 1)) * (hi - lo))})
    stances: dict = {}
    for k, a in enumerate(actors):
        for j, iss in enumerate(issues):
            # every actor has a stance, and every issue one (the loader requires it)
            if draw(st.integers(0, 3)) or j == k % n_i or k == j % n_a:
                lo, hi = iss["scale"]
                stances.setdefault(a["id"], {})[iss["id"]] = {
                    "position": _num(lo + draw(st.floats(0, 1)) * (hi - lo)),
                    "salience": _num(draw(st.floats(0.05, 1.0)))}
    no_deal = {}
    for a in actors:
        if draw(st.booleans()):
            iss = issues[draw(st.integers(0, n_i - 1))]
            lo, hi = iss["scale"]
            no_deal[a["id"]] = {"cost": _num(draw(st.floats(-0.2, 0.3))),
                                "drift": _num(draw(st.floats(0, 0.05))),
                                "expects": {iss["id"]: _num(lo + draw(st.floats(0, 1)) * (hi - lo))}}
    doc = {"detente": 1, "id": "prop", "title": "Property scenario", "as_of": dt.date(2025, 1, 1),
           "actors": actors, "issues": issues, "stances": stances}
    if no_deal:
        doc["no_deal"] = no_deal
    if tables:
        doc["tables"] = [{"id": "all", "members": [a["id"] for a in actors]}]
    if not uncertain:
        return doc
    # candidate uncertain parameters with their valid ranges
    cands = [(f"actors.{a['id']}.capability", 0.1, 6.0, "capability") for a in actors]
    cands += [(f"issues.{i['id']}.status_quo", *i["scale"], "value") for i in issues]
    for a, per in stances.items():
        for i in per:
            lo, hi = next(x["scale"] for x in issues if x["id"] == i)
            cands += [(f"stances.{a}.{i}.position", lo, hi, "value"),
                      (f"stances.{a}.{i}.salience", 0.0, 1.0, "value")]
    for a in actors:
        cands += [(f"no_deal.{a['id']}.cost", -0.5, 0.5, "value"),
                  (f"no_deal.{a['id']}.drift", 0.0, 0.1, "value")]
    cands.append(("process.breakdown", 0.0, 0.5, "value"))
    chosen = draw(st.lists(st.sampled_from(cands), min_size=1, max_size=6,
                           unique_by=lambda c: c[0]), label="uncertain")
    doc["uncertainty"] = {p: draw(_distribution(lo, hi, kind)) for p, lo, hi, kind in chosen}
    if len(chosen) >= 2 and draw(st.booleans()):
        pair = draw(st.lists(st.sampled_from([c[0] for c in chosen]), min_size=2, max_size=2,
                             unique=True))
        doc["correlations"] = [{"between": pair, "rank": draw(st.sampled_from([-0.6, 0.3, 0.8]))}]
    return doc


def scenario_text(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def load(doc: dict):
    return loads_scenario(scenario_text(doc), file="prop.yaml")


def _assert_draws_equal(a, b) -> None:
    assert a.actors == b.actors and a.issues == b.issues
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.has_stance, b.has_stance)
    assert a.process.keys() == b.process.keys()
    for k in a.process:
        np.testing.assert_array_equal(a.process[k], b.process[k], err_msg=k)


def _reordered(doc: dict, pa: list[int], pi: list[int], rev: bool) -> dict:
    """The same scenario with actors, issues, stances, uncertainty and correlations listed in
    another order."""
    d = dict(doc)
    d["actors"] = [doc["actors"][k] for k in pa]
    d["issues"] = [doc["issues"][k] for k in pi]
    order = [a["id"] for a in d["actors"]]
    iorder = [i["id"] for i in d["issues"]]
    d["stances"] = {a: {i: doc["stances"][a][i] for i in iorder if i in doc["stances"][a]}
                    for a in order if a in doc["stances"]}
    if "no_deal" in doc:
        d["no_deal"] = {a: doc["no_deal"][a] for a in order if a in doc["no_deal"]}
    if "uncertainty" in doc:
        items = list(doc["uncertainty"].items())
        d["uncertainty"] = dict(items[::-1] if rev else items)
    if "correlations" in doc and rev:
        d["correlations"] = [{**c, "between": c["between"][::-1]} for c in doc["correlations"]]
    return d


# =========================================================================== properties
@SETTINGS
@given(scenarios(), seeds, st.integers(1, 40))
def test_same_seed_same_draws_whatever_its_form(doc, seed, n):
    s = load(doc)
    a = sample(s, n, seed)
    _assert_draws_equal(a, sample(s, n, seed))
    _assert_draws_equal(a, sample(s, n, np.random.SeedSequence(seed)))
    np.testing.assert_array_equal(a.uncertain_values, sample(s, n, seed).uncertain_values)
    assert a.seed_entropy == seed
    assert a.uncertain_paths == tuple(sorted(doc["uncertainty"]))


@SETTINGS
@given(scenarios(uncertain=False), seeds, st.integers(1, 30))
def test_without_uncertainty_every_draw_is_the_point_estimate(doc, seed, n):
    s = load(doc)
    point = point_draws(s)
    _assert_draws_equal(sample(s, 1, seed), point)
    many = sample(s, n, seed)
    _assert_draws_equal(many, point_draws(s, n))
    for name in ARRAYS:
        arr = getattr(many, name)
        np.testing.assert_array_equal(arr, np.broadcast_to(getattr(point, name), arr.shape),
                                      err_msg=name)
    assert many.uncertain_paths == () and many.uncertain_values.shape == (n, 0)


@SETTINGS
@given(scenarios(), seeds, st.integers(1, 20), st.data())
def test_listing_things_in_another_order_relabels_the_draws(doc, seed, n, data):
    pa = data.draw(st.permutations(range(len(doc["actors"]))), label="actor order")
    pi = data.draw(st.permutations(range(len(doc["issues"]))), label="issue order")
    rev = data.draw(st.booleans(), label="reverse uncertainty and correlations")
    a = sample(load(doc), n, seed)
    b = sample(load(_reordered(doc, pa, pi, rev)), n, seed)
    assert b.actors == tuple(a.actors[k] for k in pa)
    assert b.issues == tuple(a.issues[k] for k in pi)
    np.testing.assert_array_equal(b.capability, a.capability[:, pa])
    for name in ("position", "salience", "expects", "expects_sd"):
        np.testing.assert_array_equal(getattr(b, name), getattr(a, name)[:, pa][:, :, pi],
                                      err_msg=name)
    np.testing.assert_array_equal(b.has_stance, a.has_stance[pa][:, pi])
    np.testing.assert_array_equal(b.status_quo, a.status_quo[:, pi])
    for name in ("cost", "drift", "value"):
        np.testing.assert_array_equal(getattr(b, name), getattr(a, name)[:, pa], err_msg=name)
    assert b.uncertain_paths == a.uncertain_paths
    np.testing.assert_array_equal(b.uncertain_values, a.uncertain_values)
    for k in a.process:
        # per actor: penalty, discount; per declared move (its own order): step
        want = a.process[k][:, pa] if k in ("penalty", "discount") else a.process[k]
        np.testing.assert_array_equal(b.process[k], want, err_msg=k)


@SETTINGS
@given(scenarios(), seeds, st.integers(0, 2 * BLOCK + 50), st.integers(1, 60))
def test_a_chunk_is_its_slice_of_a_longer_run(doc, seed, start, n):
    s = load(doc)
    part = sample(s, n, seed, start=start)
    full = sample(s, start + n, seed)
    _assert_draws_equal(part, full[start:start + n])
    np.testing.assert_array_equal(part.uncertain_values, full.uncertain_values[start:])


@SETTINGS
@given(scenarios(), seeds, st.integers(1, 30), st.data())
def test_adding_an_uncertain_parameter_leaves_the_others_draws_unchanged(doc, seed, n, data):
    """Common random numbers across scenario variants (draws.py `_uniforms`): every parameter
    draws from its own streams, so another parameter — if not correlated with it — cannot
    change its draws."""
    extra = data.draw(scenarios(), label="a second scenario's uncertainty")["uncertainty"]
    known = {p for p in extra if _path_exists(doc, p)} - set(doc["uncertainty"])
    assume(known)
    new = data.draw(st.sampled_from(sorted(known)), label="added")
    doc2 = {**doc, "uncertainty": {**doc["uncertainty"], new: extra[new]}}
    try:
        s2 = load(doc2)
    except ScenarioError:  # the added distribution may not fit this scenario's ranges
        assume(False)
    a = sample(load(doc), n, seed)
    b = sample(s2, n, seed)
    for j, path in enumerate(a.uncertain_paths):
        k = b.uncertain_paths.index(path)
        np.testing.assert_array_equal(b.uncertain_values[:, k], a.uncertain_values[:, j],
                                      err_msg=path)


def _path_exists(doc: dict, path: str) -> bool:
    parts = path.split(".")
    ids = {a["id"] for a in doc["actors"]}
    if parts[0] == "stances":
        return parts[2] in doc["stances"].get(parts[1], {})
    if parts[0] in ("actors", "no_deal"):
        return parts[1] in ids
    if parts[0] == "issues":
        return parts[1] in {i["id"] for i in doc["issues"]}
    return True


@SETTINGS
@given(scenarios(), seeds, st.integers(1, 30))
def test_the_first_correlated_parameter_keeps_its_draws(doc, seed, n):
    assume("correlations" in doc)
    s = load(doc)
    plain = load({k: v for k, v in doc.items() if k != "correlations"})
    a, b = sample(s, n, seed), sample(plain, n, seed)
    first = min(doc["correlations"][0]["between"])
    j = a.uncertain_paths.index(first)
    np.testing.assert_array_equal(a.uncertain_values[:, j], b.uncertain_values[:, j])
    for k, path in enumerate(a.uncertain_paths):  # the uncorrelated ones keep theirs too
        if path not in doc["correlations"][0]["between"]:
            np.testing.assert_array_equal(a.uncertain_values[:, k], b.uncertain_values[:, k])


@SETTINGS
@given(scenarios(), seeds, st.integers(1, 200))
def test_samples_stay_in_range_and_zero_spread_is_constant(doc, seed, n):
    s = load(doc)
    d = sample(s, n, seed)
    for arr in (d.position, d.status_quo, d.expects):
        assert ((arr >= 0.0) & (arr <= 1.0)).all()
    assert ((d.salience >= 0.0) & (d.salience <= 1.0)).all()
    assert (d.capability > 0).all()
    for k, path in enumerate(d.uncertain_paths):
        spec = doc["uncertainty"][path]
        if spec.startswith(("normal(", "truncnormal(")) and spec.split(", ")[1] in ("0.0", "0"):
            assert (d.uncertain_values[:, k] == d.uncertain_values[0, k]).all(), path
        if spec.startswith("choice(["):
            allowed = {float(v) for v in spec[len("choice(["):spec.index("]")].split(", ")}
            assert set(d.uncertain_values[:, k].tolist()) <= allowed, path


# =========================================================================== analyze
def _rows_equal_single(many, one, n: int) -> None:
    """Every per-draw array of ``many`` (N draws) has N rows equal to ``one``'s single row."""
    assert many.models == one.models
    for m in one.models:
        fm, fo = many.forecasts[m], one.forecasts[m]
        assert fm.outcome.shape[0] == n
        np.testing.assert_array_equal(fm.outcome, np.broadcast_to(fo.outcome, fm.outcome.shape),
                                      err_msg=m)
        if fo.path is not None:
            np.testing.assert_array_equal(fm.path, np.broadcast_to(fo.path, fm.path.shape),
                                          err_msg=m)
    for t, tr in one.tables.items():
        tm = many.tables[t]
        for name in ("no_deal", "zone_exists", "zone_value", "concession", "zone_share",
                     "ideal", "holds"):
            a, b = getattr(tm, name), getattr(tr, name)
            np.testing.assert_array_equal(a, np.broadcast_to(b, a.shape), err_msg=f"{t} {name}")
        for key, deal in tr.deals.items():
            for name in ("x", "utility", "gain"):
                a, b = getattr(tm.deals[key], name), getattr(deal, name)
                np.testing.assert_array_equal(a, np.broadcast_to(b, a.shape),
                                              err_msg=f"{t} {key} {name}")


@ANALYZE
@given(scenarios(uncertain=False, tables=True), seeds, st.integers(2, 4))
def test_analyze_without_uncertainty_gives_n_copies_of_the_point_run(doc, seed, n):
    s = load(doc)
    one = analyze(s, sensitivity=False)
    many = analyze(s, draws=n, seed=seed, sensitivity=False)
    assert one.draws == 1 and many.draws == n
    _rows_equal_single(many, one, n)


@ANALYZE
@given(scenarios(tables=True), seeds, st.integers(2, 5))
def test_analyze_same_seed_same_result_and_one_draw_is_the_point_estimate(doc, seed, n):
    s = load(doc)
    a = analyze(s, draws=n, seed=seed, sensitivity=False)
    b = analyze(s, draws=n, seed=seed, sensitivity=False)
    assert a.seed == b.seed == seed
    for m in a.models:
        np.testing.assert_array_equal(a.forecasts[m].outcome, b.forecasts[m].outcome, err_msg=m)
    for t in a.tables:
        np.testing.assert_array_equal(a.tables[t].deal.x, b.tables[t].deal.x, err_msg=t)
    _assert_draws_equal(a.inputs, b.inputs)
    _assert_draws_equal(a.inputs, sample(s, n, seed))  # analyze runs on exactly these draws
    # "one draw is the point estimate", with or without a seed
    point, seeded = analyze(s, sensitivity=False), analyze(s, draws=1, seed=seed,
                                                           sensitivity=False)
    _assert_draws_equal(point.inputs, point_draws(s))
    _rows_equal_single(seeded, point, 1)
