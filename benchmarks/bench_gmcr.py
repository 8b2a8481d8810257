"""GMCR stability engine: random conflicts, all states feasible, all four concepts.

Run: `.venv/bin/python benchmarks/bench_gmcr.py [DMSxOPTIONS ...]` (e.g. 4x20).
Random payoffs per DM; options spread evenly over the DMs; both sanction rules.
This times the core solve only; `benchmarks/bench_stability_cli.py` times the command a user
types (`detente stability FILE` on random GMCR+ files, every analysis it prints).
"""

import sys
import time

import numpy as np

from detente.stability import Conflict, stability_solve
from detente.stability.model import Preference, Option
def rand(n_dm, k, seed=0, rev=False):
    rng = np.random.default_rng(seed)
    dms = tuple(f"D{i}" for i in range(n_dm))
    opts = tuple(Option(f"o{j}", dms[j % n_dm], rng.choice(["both","fwd","back"]) if rev else "both") for j in range(k))
    states = np.arange(1 << k)
    prefs = tuple(Preference(payoffs=tuple(zip(states.tolist(), rng.integers(0, 1 << k, 1 << k).tolist()))) for _ in dms)
    return Conflict(dms, opts, prefs)
if __name__ == "__main__":
  extra = [(int(a), int(b)) for a, b in (x.split('x') for x in sys.argv[1:])]
  for n_dm, k in (extra or [(4,12),(4,16),(3,12),(2,16)]):
      for rule in ("textbook","gmcrplus"):
        c = rand(n_dm, k)
        t=time.perf_counter(); c.payoffs; tp=time.perf_counter()-t
        t=time.perf_counter(); r = stability_solve(c, sanction_rule=rule); dt=time.perf_counter()-t
        t=time.perf_counter(); r2 = stability_solve(c, sanction_rule=rule); dt2=time.perf_counter()-t
        print(f"{n_dm} DMs {k} opts {c.n_states} states {rule}: build prefs {tp:.2f}s solve {dt:.3f}s (again {dt2:.3f}s) eq: " + " ".join(f"{k2}={int(r.equilibrium_mask(k2).sum())}" for k2 in r.concepts), flush=True)
