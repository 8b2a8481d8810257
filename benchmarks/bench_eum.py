"""Timings of the expected-utility model (src/detente/forecast/eum.py).

Run: `.venv/bin/python benchmarks/bench_eum.py`. Targets: one round for 50 actors ≤ 10 ms;
10,000 Monte Carlo draws of the EC case (Bueno de Mesquita 1994, 10 actors) for 10 rounds ≤ 5 s.
Each figure is the median of repeated runs in one process.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from detente.forecast.eum import eum_forecast, eum_rounds

# EC car-emission standards (Bueno de Mesquita 1994, p. 78): capability, position 4..10, salience
EC = np.array([
    (0.08, 4, 80), (0.08, 7, 40), (0.03, 4, 20), (0.16, 4, 80), (0.16, 10, 60),
    (0.16, 10, 60), (0.16, 10, 90), (0.05, 7, 10), (0.05, 4, 100), (0.08, 7, 70),
])


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(0)
    n_act = 50
    c = rng.uniform(0.1, 1.0, (1, n_act))
    x = rng.uniform(0.0, 1.0, (1, n_act, 1))
    s = rng.uniform(0.1, 1.0, (1, n_act, 1))
    t = median_time(lambda: eum_rounds(c, x, s, rounds=1, trail=False), 30)
    print(f"one round, 50 actors, 1 draw:        {1e3 * t:8.2f} ms  (target 10 ms)")

    n = 10_000
    c0 = EC[None, :, 0]
    x0 = ((EC[:, 1] - 4.0) / 6.0)[None, :, None]
    s0 = (EC[:, 2] / 100.0)[None, :, None]
    cn = c0 * rng.lognormal(0.0, 0.1, (n, 10))
    xn = np.clip(x0 + rng.normal(0.0, 0.05, (n, 10, 1)), 0.0, 1.0)
    sn = np.clip(s0 + rng.normal(0.0, 0.05, (n, 10, 1)), 0.0, 1.0)
    t = median_time(lambda: eum_forecast(cn, xn, sn, rounds=10), 3)
    print(f"EC case, 10,000 draws, 10 rounds:     {t:8.2f} s   (target 5 s)")
    out = eum_forecast(cn, xn, sn, rounds=10).outcome[:, 0] * 6.0 + 4.0
    q = np.quantile(out, [0.05, 0.5, 0.95])
    print(f"  forecast (years) 5/50/95%: {q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f}")


if __name__ == "__main__":
    main()
