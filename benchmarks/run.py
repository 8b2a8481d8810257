"""detente benchmarks: plain, repeatable timings recorded in benchmarks/RESULTS.md.

Run: `make bench` (or `.venv/bin/python benchmarks/run.py [--json out.json]`).
Each figure is the median of repeated runs in one process; compare figures as
ratios measured in the same run, never across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "ukraine-2025-02.yaml"


def median_time(fn, repeat: int, number: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def bench_import(repeat: int = 7) -> dict[str, float]:
    def run(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t0

    base = statistics.median(run("pass") for _ in range(repeat))
    imp = statistics.median(run("import detente") for _ in range(repeat))
    full = statistics.median(run("import detente.analysis") for _ in range(repeat))
    cli = statistics.median(run("import detente.cli") for _ in range(repeat))
    return {
        "python_startup_s": base,
        "import_detente_s": imp - base,
        "import_detente_analysis_s": full - base,
        "import_detente_cli_s": cli - base,
    }


def bench_load(repeat: int = 30) -> dict[str, float]:
    from detente import load_scenario

    text_size = FLAGSHIP.stat().st_size
    t = median_time(lambda: load_scenario(FLAGSHIP), repeat)
    return {"flagship_bytes": text_size, "load_validate_flagship_s": t}


def bench_compromise(n: int = 10_000, repeat: int = 30) -> dict[str, float]:
    from detente import load_scenario, sample
    from detente.forecast import compromise_forecast, weighted_median_forecast

    s = load_scenario(FLAGSHIP)
    t_sample = median_time(lambda: sample(s, n, 0), max(3, repeat // 5))
    d = sample(s, n, 0)
    t_comp = median_time(lambda: compromise_forecast(d.capability, d.position, d.salience),
                         repeat)
    t_med = median_time(lambda: weighted_median_forecast(d.capability, d.position, d.salience),
                        repeat)
    one = point = d[:1]
    t_one = median_time(lambda: compromise_forecast(one.capability, one.position, one.salience),
                        repeat * 10)
    del point
    return {
        "draws": n,
        "actors": len(s.actors),
        "issues": len(s.issues),
        "sample_10k_s": t_sample,
        "compromise_10k_s": t_comp,
        "median_10k_s": t_med,
        "compromise_1_s": t_one,
        "compromise_10k_per_draw_vs_1_ratio": (t_comp / n) / t_one,
    }


def bench_analyze(n: int = 10_000, repeat: int = 5) -> dict[str, float]:
    from detente import analyze, load_scenario

    s = load_scenario(FLAGSHIP)
    return {
        "analyze_flagship_10k_no_bargain_s": median_time(
            lambda: analyze(s, draws=n, seed=0, bargain=False), repeat),
        "analyze_flagship_1_s": median_time(lambda: analyze(s), repeat),
    }


def bench_bargain(n: int = 10_000) -> dict[str, float]:
    from detente import load_scenario, sample
    from detente.bargain import core
    from detente.bargain.frontier import grid_frontier, grid_utilities, pareto_mask
    from detente.bargain.tables import bargain_tables
    from detente.utility import no_deal_values, utility_weights

    rng = np.random.default_rng(0)
    levels = np.linspace(0, 1, 11)
    t_pruned, t_sweep, sizes = [], [], []
    for _ in range(20):  # 3 parties, 5 issues, 11 levels: 161,051 packages
        w = rng.random((3, 5))
        w /= w.sum(axis=1, keepdims=True)
        p = rng.random((3, 5))
        t_pruned.append(median_time(lambda: grid_frontier(w, p, levels), 3))
        sizes.append(len(grid_frontier(w, p, levels)[0]))
    for _ in range(3):
        w = rng.random((3, 5))
        w /= w.sum(axis=1, keepdims=True)
        p = rng.random((3, 5))
        u = grid_utilities(w, p, levels)
        t_sweep.append(median_time(lambda: pareto_mask(u), 1))
    s = load_scenario(FLAGSHIP)
    d = sample(s, n, 0)
    wall = utility_weights(d.salience)
    dall = no_deal_values(d, 0.0)
    nash_times = {}
    for table in s.tables:
        idx = [d.actors.index(a) for a in table.members]
        w, p, dd = wall[:, idx], d.position[:, idx], dall[:, idx]
        free = (w > 0).any(axis=1)
        alpha = np.ones((n, len(idx)))
        nash_times[table.id] = median_time(
            lambda: core.nash(w, p, dd, d.status_quo, free, alpha), 3)
    t_tables = median_time(lambda: bargain_tables(s, d), 1)
    d1 = sample(s, 1, 0)
    t_tables_1 = median_time(lambda: bargain_tables(s, d1), 5)
    return {
        "grid_frontier_161051_median_s": statistics.median(t_pruned),
        "grid_frontier_161051_max_s": max(t_pruned),
        "grid_frontier_points_median": statistics.median(sizes),
        "pareto_mask_all_161051_sweep_median_s": statistics.median(t_sweep),
        **{f"nash_zone_10k_{k}_s": v for k, v in nash_times.items()},
        "nash_zone_10k_both_tables_s": sum(nash_times.values()),
        "bargain_tables_flagship_10k_s": t_tables,
        "bargain_tables_flagship_1_s": t_tables_1,
    }


def machine() -> dict[str, str]:
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": str(os.cpu_count()),
        "numpy": np.__version__,
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", help="also write the figures as JSON here")
    args = ap.parse_args()
    res = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
    res["import"] = bench_import()
    res["load"] = bench_load()
    res["compromise"] = bench_compromise()
    res["analyze"] = bench_analyze()
    res["bargain"] = bench_bargain()
    text = json.dumps(res, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
