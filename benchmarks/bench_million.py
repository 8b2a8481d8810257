"""A million draws of the flagship through a Dask LocalCluster, streamed: wall time and the peak
memory of the whole process tree.

Run: `.venv/bin/python benchmarks/bench_million.py [--draws 1000000] [--workers 2]`.

`analyze(…, backend="dask", stream=True)` on a LocalCluster of ``--workers`` single-threaded
worker processes: each chunk (4,096 draws) is summarised in its worker, and only mergeable
digests reach this process (detente.montecarlo.digest). A thread samples the resident set size (RSS) of
this process and of every process below it (the Dask nannies and workers) every 0.5 s; the
figure reported is the largest sum seen. Summing RSS counts shared pages (libraries) once per
process, so it overstates the true footprint a little: an upper bound. The issue's target:
peak ≤ 4 GB for 1,000,000 draws.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import psutil  # a dependency of Dask distributed (the dask extra)

from detente import load_scenario
from detente.analysis import analyze

FLAGSHIP = ROOT / "scenarios" / "ukraine-2025-02.yaml"
GB = 1024**3


class TreeMemory(threading.Thread):
    """Samples the summed RSS of this process and all its descendants."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.me = psutil.Process(os.getpid())
        self.peak = 0
        self.peak_parent = 0
        self.peak_procs = 0
        self.current = 0
        self._halt = threading.Event()

    def sample(self) -> int:
        procs = [self.me]
        try:
            procs += self.me.children(recursive=True)
        except psutil.Error:
            pass
        total = 0
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.Error:  # a process that just ended
                continue
            total += rss
            if p.pid == self.me.pid:
                self.peak_parent = max(self.peak_parent, rss)
        self.current = total
        self.peak = max(self.peak, total)
        self.peak_procs = max(self.peak_procs, len(procs))
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--chunk-size", type=int, default=None)
    ap.add_argument("--json", metavar="PATH", help="also write the analysis summary here")
    args = ap.parse_args()

    s = load_scenario(FLAGSHIP)
    mem = TreeMemory()
    mem.start()
    t0 = time.perf_counter()
    marks: list[dict[str, float]] = []
    step = max(1, args.draws // 20)

    def progress(done: int, total: int) -> None:
        if done == 0 or done == total or done // step != marks[-1]["done"] // step:
            rec = {"done": done, "seconds": time.perf_counter() - t0,
                   "tree_gb": mem.sample() / GB, "peak_gb": mem.peak / GB}
            marks.append(rec)
            print(f"{done:>9,} / {total:,} draws  {rec['seconds']:8.1f} s  tree "
                  f"{rec['tree_gb']:.2f} GB  peak {rec['peak_gb']:.2f} GB", flush=True)

    a = analyze(s, draws=args.draws, seed=args.seed, backend="dask", workers=args.workers,
                chunk_size=args.chunk_size, stream=True, progress=progress)
    t_analyze = time.perf_counter() - t0
    d = a.to_dict()
    wall = time.perf_counter() - t0
    mem.stop()
    cpu = os.times()  # the workers have ended: their CPU time is in the children's fields
    cpu_s = cpu.user + cpu.system + cpu.children_user + cpu.children_system
    if args.json:
        Path(args.json).write_text(json.dumps(d, indent=1, default=str), encoding="utf-8")
    digest_mb = len(__import__("pickle").dumps(a.digests)) / 1e6
    out = {
        "draws": args.draws, "workers": args.workers, "seed": args.seed,
        "wall_s": round(wall, 1), "analyze_s": round(t_analyze, 1),
        "ms_per_draw_per_worker": round(1000 * t_analyze * args.workers / args.draws, 3),
        "cpu_s": round(cpu_s, 1), "cpu_ms_per_draw": round(1000 * cpu_s / args.draws, 3),
        "peak_tree_gb": round(mem.peak / GB, 3), "peak_parent_gb": round(mem.peak_parent / GB, 3),
        "processes": mem.peak_procs, "merged_digests_mb": round(digest_mb, 1),
        "aggregation": d["aggregation"],
        "questions": {q["id"]: [round(q["probability"], 4), [round(v, 4) for v in
                                                             q["interval_95"]]]
                      for q in d["questions"]},
        "memory_by_progress": [(m["done"], round(m["tree_gb"], 3)) for m in marks],
    }
    print(json.dumps(out, indent=1), flush=True)


if __name__ == "__main__":
    main()
