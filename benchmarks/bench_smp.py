"""Time per turn of detente's KTAB Spatial Model of Politics, against KTAB's published C++ figures.

Run: `.venv/bin/python benchmarks/bench_smp.py [--repeat 3] [--turns 5]`.
Random actors as KTAB's SMPActor::randomize (capability U(10, 200), saliences summing to
0.75–0.99), one dimension, one draw; the figure is the median over repeats of the wall time of
`smp_run` divided by the turns it ran. KTAB's reference figures (C++ -O2, 2 cores, from
docs/MODELS.md): 0.27 s per turn at 40 actors, 6.3 s at 80, ~120 s at 160.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from detente.forecast.smp import smp_run

KTAB_SECONDS_PER_TURN = {40: 0.27, 80: 6.3, 160: 120.0}


def actors(a: int, dims: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cap = rng.uniform(10.0, 200.0, (1, a))
    pos = rng.uniform(0.0, 1.0, (1, a, dims))
    sal = rng.uniform(0.1, 1.0, (1, a, dims))
    sal = sal / sal.sum(axis=-1, keepdims=True) * rng.uniform(0.75, 0.99, (1, a, 1))
    return cap, pos, sal


def per_turn(a: int, turns: int, repeat: int) -> float:
    times = []
    for r in range(repeat):
        cap, pos, sal = actors(a, 1, seed=r)
        t0 = time.perf_counter()
        run = smp_run(cap, pos, sal, max_turns=turns)
        times.append((time.perf_counter() - t0) / int(run.n_turns[0]))
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--turns", type=int, default=5)
    args = ap.parse_args()
    print(f"{'actors':>6}  {'detente s/turn':>14}  {'KTAB s/turn':>11}  {'speed-up':>8}")
    for a, ktab in KTAB_SECONDS_PER_TURN.items():
        t = per_turn(a, args.turns, args.repeat)
        print(f"{a:>6}  {t:>14.4f}  {ktab:>11.2f}  {ktab / t:>7.0f}x")


if __name__ == "__main__":
    main()
