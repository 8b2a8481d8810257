"""`detente stability FILE` end to end, the command a user types, on random GMCR+ save files.

Run: ``.venv/bin/python benchmarks/bench_stability_cli.py [--sizes 8 10 12 14 16] [--repeat 3]``

For each size, a random 4-DM ``.gmcr`` file (``benchmarks/gmcr_random.py``: options spread
evenly, every state feasible, six random priority statements per DM) is written to a temporary
folder and ``detente stability FILE`` is run in a fresh process (start-up, import, loading,
every analysis the command prints by default, the terminal rendering) at 80 columns; the
figure is the median wall time of ``--repeat`` runs. ``--json`` also times ``--json FILE``.
``--profile SIZE`` writes a cProfile of one run at that many options to ``--profile-out``.
``--pythonpath DIR`` runs another checkout's ``src`` (for before/after comparisons).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gmcr_random import write_random_gmcr


def command(extra: list[str] | None = None) -> list[str]:
    exe = Path(sys.executable).with_name("detente")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "detente"]
    return base + (extra or [])


def run_once(args: list[str], env: dict[str, str], timeout: float
             ) -> tuple[float, int, str, float]:
    """Wall time, exit code, output (stderr on failure) and CPU time (user + system)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout,
                           check=False)
    except subprocess.TimeoutExpired:
        return float("inf"), -1, f"timed out after {timeout:.0f} s", float("inf")
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return dt, p.returncode, p.stdout if p.returncode == 0 else p.stderr, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[8, 10, 12, 14, 16],
                    help="numbers of options (states = 2^options), 4 DMs")
    ap.add_argument("--dms", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", action="store_true", help="also time --json FILE")
    ap.add_argument("--extra", nargs="*", default=[], help="further arguments to the command")
    ap.add_argument("--pythonpath", help="a src/ folder to run instead of the installed one")
    ap.add_argument("--profile", type=int, help="profile one run at this many options")
    ap.add_argument("--profile-out", default="stability.prof")
    ap.add_argument("--keep", help="write the .gmcr files (and outputs) to this folder")
    a = ap.parse_args()

    env = dict(os.environ, COLUMNS="80", DETENTE_DATA_DIR=tempfile.mkdtemp())
    if a.pythonpath:
        env["PYTHONPATH"] = a.pythonpath
    out = Path(a.keep) if a.keep else Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"command: {' '.join(command(['stability', 'FILE'] + a.extra))}", flush=True)
    if a.profile:
        f = write_random_gmcr(out / f"random_{a.dms}x{a.profile}.gmcr", a.dms, a.profile, a.seed)
        args = [sys.executable, "-m", "cProfile", "-o", a.profile_out, "-m", "detente",
                "stability", str(f)] + a.extra
        dt, rc, _, _ = run_once(args, env, a.timeout)
        print(f"profile of {1 << a.profile} states written to {a.profile_out} ({dt:.2f} s, "
              f"exit {rc}); read it with python -m pstats", flush=True)
        return
    base = [run_once(command(["--help"]), env, a.timeout) for _ in range(a.repeat)]
    print(f"# `detente --help` (start-up and import only): "
          f"{statistics.median(b[0] for b in base):.2f} s wall, "
          f"{statistics.median(b[3] for b in base):.2f} s CPU; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    print("| states | options | command, wall (median) | CPU | runs | output lines |"
          + (" with --json FILE |" if a.json else ""))
    print("|---|---|---|---|---|---|" + ("---|" if a.json else ""))
    for k in a.sizes:
        f = write_random_gmcr(out / f"random_{a.dms}x{k}.gmcr", a.dms, k, a.seed)
        times, cpus, lines, note = [], [], 0, ""
        for _ in range(a.repeat):
            dt, rc, text, cpu = run_once(command(["stability", str(f)] + a.extra), env,
                                         a.timeout)
            if rc != 0:
                note = text.strip().splitlines()[-1] if text.strip() else f"exit {rc}"
                break
            times.append(dt)
            cpus.append(cpu)
            lines = len(text.splitlines())
            if a.keep:
                (out / f"random_{a.dms}x{k}.txt").write_text(text)
        cell = (f"{statistics.median(times):.2f} s | {statistics.median(cpus):.2f} s"
                if times and not note else f"— ({note}) | —")
        row = f"| {1 << k:,} | {k} | {cell} | {len(times)} | {lines} |"
        if a.json:
            jt = []
            for _ in range(a.repeat if times else 0):
                dt, rc, text, _ = run_once(command(["stability", str(f), "--json",
                                                    str(out / f"random_{a.dms}x{k}.json")]
                                                   + a.extra), env, a.timeout)
                if rc == 0:
                    jt.append(dt)
            row += f" {statistics.median(jt):.2f} s |" if jt else " — |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
