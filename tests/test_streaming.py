"""Streamed aggregation: chunk results reduced to digests in the worker, merged exactly.

Streamed numbers do not depend on the chunk size, the backend or the order in which chunks
arrive; against the exact (in-memory) summary of the same draws, shares and probabilities are
identical, means and sds equal to rounding, and quantiles within the sketch's relative
accuracy of numpy's."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import random

import numpy as np
import pytest

from detente import load_scenario
from detente.analysis import StreamedRunError, analyze
from detente.analysis import pipeline as pipeline_mod
from detente.analysis.chunks import stream_chunk
from detente.analysis.summary import summarise
from detente.montecarlo import plan_chunks
from detente.montecarlo.digest import Merger, digest
from detente.montecarlo.providers import Digests, Exact
from detente.montecarlo.sketch import ALPHA, Sketch
from detente.scenario.draws import BLOCK

from ._montecarlo import EC_UNCERTAIN, FLAGSHIP
from ._montecarlo import as_json as _json


@pytest.fixture(scope="module")
def ec_streamed(ec_uncertain):
    return analyze(ec_uncertain, draws=2100, seed=11, stream=True, chunk_size=1024)


# ------------------------------------------------------------------ the sketch on its own
def _bracket_ok(got: float, x: np.ndarray, q: float) -> bool:
    """``got`` is numpy's q-quantile of x up to α on each of the two order statistics it
    interpolates between (the sketch's guarantee)."""
    s = np.sort(x[np.isfinite(x)])
    h = (s.size - 1) * q
    lo, hi = s[math.floor(h)], s[min(math.floor(h) + 1, s.size - 1)]
    want = np.percentile(s, q * 100)
    return abs(got - want) <= ALPHA * max(abs(lo), abs(hi)) + 1e-12


@pytest.mark.parametrize("name", ["normal", "lognormal", "uniform_signed", "mass_points",
                                  "discrete", "tiny_and_zero"])
def test_sketch_quantiles_match_numpy_within_alpha(name):
    rng = np.random.default_rng(7)
    n = 20_000
    x = {
        "normal": rng.normal(50, 10, n),
        "lognormal": rng.lognormal(0.0, 2.0, n),
        "uniform_signed": rng.uniform(-3, 5, n),
        "mass_points": np.where(rng.random(n) < 0.6, 70.0, rng.uniform(60, 70, n)),
        "discrete": rng.choice([0.0, 25.0, 50.0, 100.0], n),
        "tiny_and_zero": np.r_[np.zeros(n // 2), rng.normal(0, 1e-13, n // 2)],
    }[name]
    x[::97] = np.nan  # non-finite values are left out, as stat() does
    chunks = [x[i: i + 3000] for i in range(0, n, 3000)]
    sk = Sketch.of(chunks[0])
    for c in chunks[1:]:
        sk = sk.merge(Sketch.of(c))
    whole = Sketch.of(x)
    assert np.array_equal(sk.keys, whole.keys) and np.array_equal(sk.counts, whole.counts)
    for q in (0.0, 0.05, 0.25, 0.5, 0.95, 1.0):
        got = sk.quantile(q)
        assert got == whole.quantile(q)
        assert _bracket_ok(got, x, q), (name, q, got, np.nanpercentile(x, q * 100))
    assert sk.quantile(0.0) == np.nanmin(x) and sk.quantile(1.0) == np.nanmax(x)
    if name in ("mass_points", "discrete"):  # a mass at a bucket's edge is exact
        assert sk.quantile(0.5) == np.nanmedian(x)


def test_digests_merge_in_any_order_to_the_same_numbers():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 3.0, 10 * BLOCK + 17)
    x[rng.random(x.size) < 0.1] = np.nan
    starts = list(range(0, x.size, BLOCK))
    parts = [{"x": digest("stat", x[s: s + BLOCK], s),
              "m": digest("medians", np.c_[x[s: s + BLOCK], -x[s: s + BLOCK]], s),
              "b": digest("share", x[s: s + BLOCK] > 6, s)} for s in starts]
    answers = set()
    for seed in range(4):
        order = list(range(len(parts)))
        random.Random(seed).shuffle(order)
        m = Merger()
        for i in order:
            m.add(parts[i])
        S = Digests(m.items)
        answers.add(json.dumps([S.stat("x", None), S.medians("m", None), S.share("b", None)]))
    assert len(answers) == 1
    got = json.loads(answers.pop())
    exact = Exact().stat("x", lambda: x)
    assert got[0]["defined"] == exact["defined"]
    assert got[0]["mean"] == pytest.approx(exact["mean"], rel=1e-12)
    assert got[0]["sd"] == pytest.approx(exact["sd"], rel=1e-12)
    assert got[2] == float(np.sum(x > 6) / x.size)
    for q, key in ((0.05, "p05"), (0.5, "p50"), (0.95, "p95")):
        assert _bracket_ok(got[0][key], x, q)


def test_shorter_paths_are_extended_with_their_final_round():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([[5.0, 6.0, 7.0, 8.0]])
    m = Merger()
    m.add({"p": digest("medians", b, BLOCK)})
    m.add({"p": digest("medians", a, 0)})
    padded = np.array([[1, 2, 2, 2], [3, 4, 4, 4], [5, 6, 7, 8]], float)
    assert Digests(m.items).medians("p", None) == Exact().medians("p", lambda: padded)


# ------------------------------------------------------------------ whole analyses
class _Check:
    """Answers like Exact, and checks the streamed digest of every key against it."""

    streamed = False

    def __init__(self, digests):
        self.S, self.E, self.seen = Digests(digests), Exact(), []

    def stat(self, key, fn):
        x = np.asarray(fn(), dtype=float)
        e, s = self.E.stat(key, lambda: x), self.S.stat(key, None)
        assert e["defined"] == s["defined"], key
        if e["mean"] is not None:
            assert s["mean"] == pytest.approx(e["mean"], rel=1e-12, abs=1e-300), key
            assert abs(s["sd"] - e["sd"]) <= 1e-12 * max(e["sd"], abs(e["mean"])), key
            for q, name in ((0.05, "p05"), (0.5, "p50"), (0.95, "p95")):
                assert _bracket_ok(s[name], x, q), (key, name, s[name], e[name])
        self.seen.append(key)
        return e

    def share(self, key, fn):
        e = self.E.share(key, fn)
        assert self.S.share(key, None) == e, key
        return e

    def shares(self, key, fn):
        e = self.E.shares(key, fn)
        assert self.S.shares(key, None) == e, key
        return e

    def mean(self, key, fn):
        e = self.E.mean(key, fn)
        assert self.S.mean(key, None) == pytest.approx(e, rel=1e-12), key
        return e

    def medians(self, key, fn):
        x = np.asarray(fn(), dtype=float)
        got = self.S.medians(key, None)
        assert len(got) == x.shape[1], key
        for r, v in enumerate(got):
            assert _bracket_ok(v, x[:, r], 0.5), (key, r)
        return self.E.medians(key, lambda: x)

    def categories(self, key, fn):
        e = self.E.categories(key, fn)
        assert self.S.categories(key, None) == e, key
        return e


def test_streamed_equals_exact_key_by_key_on_the_same_draws(ec_uncertain_run, ec_streamed):
    check = _Check(ec_streamed.digests.items)
    summarise(ec_uncertain_run, check)
    assert len(check.seen) > 50
    de, ds = ec_uncertain_run.to_dict(), ec_streamed.to_dict()
    assert (de["aggregation"], ds["aggregation"]) == ("exact", "streamed (quantiles ±0.1%)")
    assert de["questions"] == ds["questions"]  # probabilities and intervals: exact counts
    assert de["timelines"].keys() == ds["timelines"].keys()
    for tid in de["timelines"]:
        for k in ("months", "zone_share", "holds_share"):
            assert de["timelines"][tid][k] == ds["timelines"][tid][k]
    assert de["sensitivity"] == ds["sensitivity"]  # ≤ 20,000 draws: the same sample
    assert de["trails"] == ds["trails"]


def test_streamed_numbers_do_not_depend_on_chunks_or_backend(ec_uncertain, ec_streamed):
    ref = _json(ec_streamed)
    assert _json(analyze(ec_uncertain, draws=2100, seed=11, stream=True, chunk_size=2048)) == ref
    assert _json(analyze(ec_uncertain, draws=2100, seed=11, stream=True, chunk_size=1024,
                         backend="processes", workers=2)) == ref


def test_chunks_arriving_in_any_order_merge_to_the_same_result(ec_uncertain, ec_streamed):
    from detente.random import as_seed_sequence

    ss = as_seed_sequence(11)
    models = ec_streamed.models
    res = [stream_chunk(ec_uncertain, ss, s0, n, models, True, 0)
           for s0, n in plan_chunks(2100, 1024)]
    for order in ([2, 0, 1], [1, 2, 0]):
        m = Merger()
        for i in order:
            m.add(res[i].digests)
        again = dataclasses.replace(ec_streamed, digests=Digests(m.items))
        assert _json(again) == _json(ec_streamed)


def test_flagship_streamed_against_exact_with_paths_of_different_lengths():
    """Two chunks of 1,024 and 76 draws: SMP stops at a different turn in each; the streamed
    per-round medians extend the shorter chunk with its final round, as merge() does."""
    s = load_scenario(FLAGSHIP)
    kw = {"draws": 1100, "seed": 5, "models": ("compromise", "smp"), "sensitivity": False}
    exact = analyze(s, **kw)
    streamed = analyze(s, stream=True, chunk_size=1024, **kw)
    check = _Check(streamed.digests.items)
    summarise(exact, check)
    assert any(k.endswith("path_median") for k in streamed.digests.items)
    assert [q.to_dict() for q in exact.questions] == [q.to_dict() for q in streamed.questions]
    assert streamed.streamed and streamed.first_draw.forecasts["smp"].outcome.shape[0] == 1


def test_sensitivity_uses_the_first_draws_of_a_long_streamed_run(ec_uncertain, monkeypatch):
    monkeypatch.setattr(pipeline_mod, "SENSITIVITY_SAMPLE", 1024)
    monkeypatch.setattr(pipeline_mod, "STREAM_ABOVE", 2000)
    a = analyze(ec_uncertain, draws=2100, seed=11, chunk_size=1024)  # streamed: above the threshold
    assert a.streamed
    assert "ranked on the first 1,024 of 2,100 draws" in a.sensitivity.note
    first = analyze(ec_uncertain, draws=1024, seed=11)
    got = a.sensitivity.to_dict()
    assert got.pop("note") and first.sensitivity.to_dict()["outputs"] == got["outputs"]


def test_a_streamed_run_renders_and_the_cli_streams(ec_streamed, tmp_path):
    from rich.console import Console

    from detente.report.terminal import render_summary

    buf = io.StringIO()
    render_summary(ec_streamed, Console(file=buf, width=200))
    text = buf.getvalue()
    assert "streamed: quantiles ±0.1%" in text and "Questions" in text
    pytest.importorskip("jinja2")
    pytest.importorskip("plotly")
    from detente.report.html import render_html

    assert "summarised chunk by chunk" in render_html(ec_streamed)
    f = tmp_path / "ec.yaml"
    f.write_text(EC_UNCERTAIN, encoding="utf-8")
    out = tmp_path / "s.json"
    from detente.cli import main

    assert main(["analyze", str(f), "-n", "1100", "--seed", "4", "--no-store", "--stream",
                 "--json", str(out)]) == 0
    assert json.loads(out.read_text())["aggregation"].startswith("streamed")


def test_sketch_quantile_with_exact_neighbours_is_numpys_bit_for_bit():
    """Where both order statistics are exact (one value per bucket), the sketch gives
    np.percentile's value to the last bit: the virtual index is (n − 1)·q, as numpy computes
    it (n·q + (1 − q) − 1 rounds differently, e.g. 0.04999999999999993 for n = 2)."""
    rng = np.random.default_rng(0)
    tried = 0
    for n in range(2, 60):
        x = rng.lognormal(0.0, 3.0, n)
        sk = Sketch.of(x)
        if sk.keys.size != n:
            continue
        tried += 1
        for q in (0.05, 0.5, 0.95):
            assert sk.quantile(q) == float(np.percentile(x, q * 100)), (n, q)
    assert tried > 30


@pytest.mark.parametrize("draws", [2, 3])
def test_a_streamed_run_of_a_few_draws_equals_the_exact_one(ec_uncertain, draws):
    """Few draws: every value is alone in its bucket, so streamed quantiles are exact too."""
    exact = analyze(ec_uncertain, draws=draws, seed=3).to_dict()
    streamed = analyze(ec_uncertain, draws=draws, seed=3, stream=True).to_dict()
    exact.pop("aggregation")
    streamed.pop("aggregation")
    assert json.dumps(streamed, sort_keys=True) == json.dumps(exact, sort_keys=True)


def test_a_streamed_run_holds_no_per_draw_results_and_says_why(ec_streamed, ec_uncertain_run):
    """One meaning per field: a per-draw field never hands out draw 0 as if it were every draw
    (issue 15, item 3); draw 0 is read as such, from ``first_draw``."""
    assert ec_streamed.per_draw is None and ec_uncertain_run.per_draw is not None
    for name in ("inputs", "forecasts", "status_quo_utility", "no_deal", "tables", "timelines",
                 "process"):
        with pytest.raises(StreamedRunError, match=rf"Analysis\.{name} .*2,100 draws"):
            getattr(ec_streamed, name)
        assert getattr(ec_uncertain_run, name) is getattr(ec_uncertain_run.per_draw, name)
    with pytest.raises(StreamedRunError):
        ec_streamed.forecast_user("compromise")
    assert all(q.truth is None for q in ec_streamed.questions)
    assert all(q.truth.shape == (2100,) for q in ec_uncertain_run.questions)
    # draw 0 is there in either kind, and is the same draw
    for a in (ec_streamed, ec_uncertain_run):
        assert a.first_draw.n == 1
    np.testing.assert_array_equal(ec_streamed.first_draw.inputs.position,
                                  ec_uncertain_run.first_draw.inputs.position)
    np.testing.assert_array_equal(ec_uncertain_run.first_draw.inputs.position,
                                  ec_uncertain_run.inputs.position[:1])
