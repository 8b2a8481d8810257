"""Time the exchange model on the flagship scenario, optionally against an earlier version.

Run: `.venv/bin/python benchmarks/bench_exchange.py [--draws 10000] [--repeat 2] [--baseline REV]`.
Loads scenarios/ukraine-2025-02.yaml, samples the draws (seed 1) and times
`registry.get("exchange").fn(capability, position, salience)` with its defaults: wall and CPU
seconds, best of the repeats. With `--baseline REV` the module as it was at git revision REV
(`git show REV:src/detente/forecast/exchange.py`) runs on the same draws in the same process,
alternating with the current one (the machine is shared: compare ratios, not absolute times),
and the script reports whether the two give bit-identical outcome, path and trail.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from detente.forecast import registry
from detente.scenario.draws import sample
from detente.scenario.load import load_scenario



def baseline(rev: str) -> Callable[..., Any]:
    """``exchange_forecast`` as it was at git revision ``rev``: the whole package at that
    revision is extracted under another name (``detente_at_REV``), so the model's own modules
    (split across several files since 2026-12-04) import each other as they did then."""
    import importlib
    import io
    import tarfile
    import tempfile

    tar = subprocess.run(["git", "archive", rev, "src/detente"], cwd=ROOT, check=True,
                         capture_output=True).stdout
    tmp = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        tf.extractall(tmp, filter="data")
    name = "detente_at_" + "".join(c if c.isalnum() else "_" for c in rev)
    (tmp / "src" / "detente").rename(tmp / "src" / name)
    sys.path.insert(0, str(tmp / "src"))
    return importlib.import_module(f"{name}.forecast.exchange").exchange_forecast


def timed(fn: Callable[..., Any], args: tuple[np.ndarray, ...]) -> tuple[float, float, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    res = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--baseline", metavar="REV", help="git revision to compare against")
    args = ap.parse_args()
    d = sample(load_scenario(ROOT / "scenarios" / "ukraine-2025-02.yaml"), args.draws, 1)
    inputs = (d.capability, d.position, d.salience)
    runs = {"current": registry.get("exchange").fn}
    if args.baseline:
        runs = {f"baseline {args.baseline}": baseline(args.baseline), **runs}
    best: dict[str, tuple[float, float]] = {}
    results: dict[str, Any] = {}
    for _ in range(args.repeat):
        for name, fn in runs.items():
            wall, cpu, results[name] = timed(fn, inputs)
            print(f"{name:>20}: wall {wall:6.2f} s  cpu {cpu:6.2f} s", flush=True)
            old = best.get(name, (np.inf, np.inf))
            best[name] = (min(old[0], wall), min(old[1], cpu))
    print(f"{args.draws} draws, {d.position.shape[1]} actors × {d.position.shape[2]} issues; "
          "best of", args.repeat)
    for name, (wall, cpu) in best.items():
        print(f"{name:>20}: wall {wall:6.2f} s  cpu {cpu:6.2f} s")
    if args.baseline:
        (b_wall, b_cpu), (c_wall, c_cpu) = best.values()
        print(f"speed-up: wall {b_wall / c_wall:.2f}x  cpu {b_cpu / c_cpu:.2f}x")
        a, b = results.values()
        same = (np.array_equal(a.outcome, b.outcome, equal_nan=True)
                and np.array_equal(a.path, b.path, equal_nan=True) and a.trail == b.trail)
        diff = float(np.nanmax(np.abs(a.path - b.path))) if a.path.size else 0.0
        print(f"bit-identical outcome, path and trail: {same} (max |Δpath| {diff:.3g})")


if __name__ == "__main__":
    main()
