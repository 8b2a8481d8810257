"""Monte Carlo in chunks: identical numbers whatever the chunk size or backend; progress;
Ctrl-C; interval coverage; sensitivity indices on a function with published values."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from detente import load_scenario, loads_scenario
from detente.analysis import analyze
from detente.errors import DetenteError
from detente.montecarlo import merge, plan_chunks, run_chunks
from detente.answers import wilson_interval

from ._montecarlo import EC, EC_UNCERTAIN, FLAGSHIP, ROOT
from ._montecarlo import as_json as _json


def test_plan_chunks_covers_every_draw_once_in_whole_blocks():
    for n in (1, 5, 1023, 1024, 1025, 5000, 100_000):
        for size in (None, 1, 1024, 3000):
            chunks = plan_chunks(n, size, workers=2)
            assert chunks[0][0] == 0
            assert sum(c for _, c in chunks) == n
            assert all(s % 1024 == 0 for s, _ in chunks)
            assert all(a[0] + a[1] == b[0] for a, b in zip(chunks, chunks[1:]))
    with pytest.raises(ValueError):
        plan_chunks(0)


def test_a_pool_gets_chunks_that_keep_every_worker_busy():
    """10,000 draws on two workers: two chunks of five blocks, not five of two (which leaves
    one worker with three chunks and the other idle for the last); no plan on a pool is slower
    by the plan's own cost model than one chunk per block or about four per worker."""
    from detente.montecarlo import CHUNK_OVERHEAD

    assert [c for _, c in plan_chunks(10_000, workers=2)] == [5120, 4880]

    def wall(chunks, workers):
        loads = [0] * workers
        for c in sorted((c for _, c in chunks), reverse=True):
            loads[loads.index(min(loads))] += c + CHUNK_OVERHEAD
        return max(loads)

    for n in (1500, 3000, 10_000, 33_000, 100_000):
        for w in (2, 3, 4, 8):
            best = wall(plan_chunks(n, workers=w), w)
            assert best <= wall(plan_chunks(n, 1024), w)
            assert best <= wall(plan_chunks(n, 1024 * max(1, -(-n // 1024) // (4 * w))), w)


@pytest.mark.parametrize("chunk_size", [1024, 2048])
def test_chunk_size_does_not_change_a_single_number(ec_uncertain, ec_uncertain_run, chunk_size):
    chunked = analyze(ec_uncertain, draws=2100, seed=11, chunk_size=chunk_size)
    assert _json(chunked) == _json(ec_uncertain_run)
    for m in ec_uncertain_run.models:
        np.testing.assert_array_equal(chunked.forecasts[m].outcome,
                                      ec_uncertain_run.forecasts[m].outcome)


def test_process_pool_gives_identical_numbers(ec_uncertain, ec_uncertain_run):
    pooled = analyze(ec_uncertain, draws=2100, seed=11, backend="processes", workers=2, chunk_size=1024)
    assert _json(pooled) == _json(ec_uncertain_run)


def test_dask_local_cluster_gives_identical_numbers(ec_uncertain, ec_uncertain_run):
    pytest.importorskip("distributed", reason="Dask is in the test extra: pip install -e '.[test]'")
    seen = []
    run = analyze(ec_uncertain, draws=2100, seed=11, backend="dask", workers=2, chunk_size=1024,
                  progress=lambda done, total: seen.append((done, total)))
    assert _json(run) == _json(ec_uncertain_run)
    assert seen[0] == (0, 2100) and seen[-1] == (2100, 2100)


def test_flagship_tables_questions_and_dynamic_paths_merge_exactly():
    """Two chunks of unequal size: bargaining tables, timelines, questions and SMP paths
    (whose number of turns differs between chunks) equal a single pass."""
    s = load_scenario(FLAGSHIP)
    kw = dict(draws=1100, seed=5, models=("compromise", "smp"), sensitivity=False)
    one = analyze(s, **kw)
    two = analyze(s, chunk_size=1024, **kw)
    assert _json(one) == _json(two)
    np.testing.assert_array_equal(one.forecasts["smp"].path, two.forecasts["smp"].path)
    for q1, q2 in zip(one.questions, two.questions):
        np.testing.assert_array_equal(q1.truth, q2.truth)
        assert (q1.probability, q1.interval) == (q2.probability, q2.interval)


def test_progress_is_reported_in_order_and_ends_at_the_total(ec_uncertain):
    seen = []
    analyze(ec_uncertain, draws=3000, seed=1, chunk_size=1024, progress=lambda d, t: seen.append((d, t)))
    assert [d for d, _ in seen] == [0, 1024, 2048, 3000]
    assert {t for _, t in seen} == {3000}


def test_merge_pads_shorter_round_paths_with_their_final_state():
    a = np.arange(2 * 2 * 1, dtype=float).reshape(2, 2, 1)
    b = np.arange(1 * 4 * 1, dtype=float).reshape(1, 4, 1)
    m = merge([a, b])
    assert m.shape == (3, 4, 1)
    np.testing.assert_array_equal(m[0, :, 0], [0, 1, 1, 1])


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"backend": "threads"}, "unknown backend 'threads'"),
        ({"backend": "processes", "workers": 0}, "workers must be at least 1"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "--scheduler needs --backend dask"),
    ],
)
def test_bad_backend_options_are_clear_errors(ec_uncertain, kw, message):
    with pytest.raises(DetenteError, match=message):
        analyze(ec_uncertain, draws=10, seed=1, chunk_size=1024, **kw)


def test_cli_backends_write_identical_json(tmp_path, ec_uncertain):
    f = tmp_path / "ec.yaml"
    f.write_text(EC_UNCERTAIN, encoding="utf-8")
    outs = []
    for extra in ([], ["--backend", "processes", "--workers", "2", "--chunk-size", "1024"]):
        out = tmp_path / f"r{len(outs)}.json"
        from detente.cli import main

        assert main(["analyze", str(f), "-n", "1500", "--seed", "4", "--no-store",
                     "--json", str(out), *extra]) == 0
        d = json.loads(out.read_text())
        outs.append(d)
    assert outs[0] == outs[1]


def test_cli_rejects_an_unknown_backend_as_a_usage_error(capsys):
    from detente.cli import main

    assert main(["analyze", str(EC), "--backend", "gpu"]) == 2
    assert "'gpu' is not one of serial, processes, dask" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_ctrl_c_stops_cleanly(backend, tmp_path):
    """SIGINT to the whole process group (as a terminal sends it): exit 130, one line on
    stderr, no traceback, no worker left behind, no output file written."""
    out = tmp_path / "never.json"
    cmd = [sys.executable, "-m", "detente", "analyze", str(FLAGSHIP), "-n", "50000", "--seed",
           "1", "--no-store", "--backend", backend, "--workers", "2", "--json", str(out)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True, cwd=ROOT)
    time.sleep(4)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err.decode()
    assert err.decode().strip() == "Interrupted."
    assert not out.exists()
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(p.pid, 0)  # the group is gone: no orphaned workers


# ----------------------------------------------------------------- statistical checks
def test_wilson_interval_covers_the_true_probability_95_percent_of_the_time():
    """Coverage by simulation (Brown, Cai & DasGupta 2001): for n = 200 draws, the 95%
    interval should contain p in about 95% of repeated runs (±1.5 points for 4,000 runs)."""
    rng = np.random.default_rng(20261125)
    n, runs = 200, 4000
    for p in (0.05, 0.3, 0.5, 0.8):
        ks = rng.binomial(n, p, size=runs)
        hit = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(int(k), n) for k in ks)])
        assert 0.93 <= hit <= 0.975, (p, hit)


def test_question_probability_is_the_share_of_draws_with_its_interval(ec_uncertain):
    """P(compromise forecast ≥ 4.25), near the forecast's median: the probability is the hand
    count over the sampled draws, and its interval is the Wilson interval of that count."""
    head = EC.read_text(encoding="utf-8").split("\nquestions:\n")[0]
    s = loads_scenario(head + EC_UNCERTAIN.split(EC.read_text(encoding="utf-8"))[1] + """
questions:
  - id: late
    text: Will the compromise forecast be 4.25 or later?
    when: {outcome: {issue: emission_standard_date, source: compromise, at_least: 4.25}}
""")
    # the forecast itself, not the outcome: no model error of terms
    s = s.model_copy(update={"process": s.process.model_copy(update={"terms_error": 0.0})})
    a = analyze(s, draws=4000, seed=3, models=("compromise",), sensitivity=False)
    q = next(q for q in a.questions if q.id == "late")
    f = a.forecast_user("compromise")[:, 0]
    k = int(np.sum(f >= 4.25))
    assert 0.2 < k / 4000 < 0.8
    assert q.probability == k / 4000
    assert q.interval == wilson_interval(k, 4000)


def test_pawn_reproduces_the_published_ishigami_indices():
    """Pianosi & Wagener (2018, Env. Modelling & Software 108:197–207) report median PAWN
    indices of about (0.50, 0.16, 0.29) for the Ishigami function (A = 2, B = 1) from 500
    samples with 10 slices; SALib's own test uses the same values."""
    pytest.importorskip("SALib")
    from SALib.test_functions import Ishigami

    from detente.sensitivity import pawn_solve

    got = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        x = rng.uniform(-math.pi, math.pi, size=(500, 3))
        y = Ishigami.evaluate(x, A=2.0, B=1.0)
        r = pawn_solve(x, ("x1", "x2", "x3"), {"y": y}).to_dict()["outputs"]["y"]
        got.append([r[k]["median"] for k in ("x1", "x2", "x3")])
    mean = np.mean(got, axis=0)
    np.testing.assert_allclose(mean, [0.50, 0.16, 0.29], atol=0.05)
    assert mean[0] > mean[2] > mean[1]  # the published ranking


def test_holding_strategies_from_different_chunks_are_united_and_remapped():
    """With more than three scoped veto players the strategies searched depend on the draws;
    chunks with different lists join into one canonical list, every index remapped."""
    from detente.bargain.tables import Deal, HoldingDeal

    def deal(n):
        return Deal("nash (holding)", np.arange(2 * n, dtype=float).reshape(n, 2),
                    np.zeros((n, 2)), np.zeros((n, 2)))

    every = ("a", "b", "c", "d")
    p1 = HoldingDeal(np.array([True, False]), deal(2), every, np.array([1, -1]),
                     ((), every, ("b",)))
    p2 = HoldingDeal(np.array([True, True]), deal(2), (), np.array([2, 0]),
                     ((), every, ("c",)))
    m = merge([p1, p2])
    assert m.strategies == ((), ("b",), ("c",), every)
    assert m.strategy.tolist() == [3, -1, 2, 0]
    assert [m.strategies[i] if i >= 0 else None for i in m.strategy] == [
        every, None, ("c",), ()]
    assert m.deal.x.shape == (4, 2) and m.avoided == every


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"chunk_size": 0}, "chunk size must be at least 1"),
        ({"chunk_size": 1.5}, "chunk size must be at least 1"),
        ({"backend": "processes", "workers": 2.5}, "workers must be at least 1"),
    ],
)
def test_bad_chunk_and_worker_values_are_clear_errors(ec_uncertain, kw, message):
    with pytest.raises(DetenteError, match=message):
        analyze(ec_uncertain, draws=2000, seed=1, **kw)


def test_a_malformed_scheduler_address_is_a_clear_error(ec_uncertain):
    pytest.importorskip("distributed")
    with pytest.raises(DetenteError, match="cannot reach the Dask scheduler at notanaddress"):
        analyze(ec_uncertain, draws=10, seed=1, backend="dask", scheduler="notanaddress")


def test_an_interruption_between_chunks_stops_the_workers_at_once(ec_uncertain):
    """Ctrl-C (or an error) in the progress callback, outside the backend's generator, must
    still stop the pool, even while the exception (and its traceback) is held, e.g. by a
    notebook."""
    import multiprocessing as mp

    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) == 2:  # after the first chunk
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        analyze(ec_uncertain, draws=8192, seed=1, backend="processes", workers=2, chunk_size=1024,
                progress=progress)
    assert info.value.__traceback__ is not None  # still held
    assert mp.active_children() == []


def _fails_at_two(s, n):
    if s == 2:
        raise ValueError("boom at 2")
    return s * 10


def test_the_pool_runs_many_chunks_a_few_at_a_time_and_forgets_them():
    from detente.montecarlo import pool

    got = {}
    chunks = [(i, 1) for i in range(40) if i != 2]  # more chunks than the window holds
    run_chunks(_fails_at_two, chunks, lambda s, n: (s, n), backend="processes", workers=2,
               fold=got.__setitem__)
    assert got == {k: s * 10 for k, (s, _) in enumerate(chunks)}
    assert pool._SHARED == {}  # the jobs are not kept after the run


def test_a_worker_error_reaches_the_caller_and_stops_the_pool():
    from detente.montecarlo import pool

    with pytest.raises(ValueError, match="boom at 2"):
        run_chunks(_fails_at_two, [(i, 1) for i in range(8)], lambda s, n: (s, n),
                   backend="processes", workers=2, fold=lambda i, r: None)
    assert pool._SHARED == {}
