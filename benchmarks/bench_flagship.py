"""The flagship with every analysis, 10,000 draws: serial against a 2-process pool.

    .venv/bin/python benchmarks/bench_flagship.py [--draws 10000] [--workers 2] [--repeat 2]

Target (issue 6): ≤ 20 s wall on 2 cores with every analysis landed (five forecast models and
their ensemble, both tables' bargaining with vetoes, holding deals and linkage, the month-by-month
timelines of the ten questions, PAWN sensitivity). Also checks that both backends give the same
JSON, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from detente import load_scenario
from detente.analysis import analyze

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    s = load_scenario(ROOT / "scenarios" / "ukraine-2025-02.yaml")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {args.draws:,} draws, seed 1")
    results = {}
    for label, kw in (("serial", {}),
                      ("processes", {"backend": "processes", "workers": args.workers})):
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            a = analyze(s, draws=args.draws, seed=1, **kw)
            best = min(best, time.perf_counter() - t0)
        results[label] = (best, json.dumps(a.to_dict(), sort_keys=True))
        print(f"  {label:<10} {best:6.1f} s (best of {args.repeat})")
    same = results["serial"][1] == results["processes"][1]
    print(f"  speed-up {results['serial'][0] / results['processes'][0]:.2f}x; "
          f"identical JSON: {same}")
    # the command a user types, end to end: start-up, loading, every analysis, the summary,
    # the terminal rendering and the JSON file (the run history is left out: --no-store)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "flagship.json"
        cmd = [str(Path(sys.executable).with_name("detente")), "analyze",
               str(ROOT / "scenarios" / "ukraine-2025-02.yaml"), "--draws", str(args.draws),
               "--seed", "1", "--backend", "processes", "--workers", str(args.workers),
               "--json", str(out), "--no-store"]
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "COLUMNS": "80"})
            best = min(best, time.perf_counter() - t0)
        cli_same = json.loads(out.read_text())["questions"] == json.loads(
            results["processes"][1])["questions"]
    print(f"  command    {best:6.1f} s (best of {args.repeat}; `detente analyze … --backend "
          f"processes --json FILE`, end to end); same answers: {cli_same}")
    return 0 if same and cli_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
