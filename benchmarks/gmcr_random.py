"""Random GMCR+ save files (``.gmcr``) for benchmarks and tests: the format GMCR+ writes.

``random_gmcr(n_dms, n_options, seed)`` returns the JSON data of a conflict with ``n_dms``
decision makers and ``n_options`` options spread over them in contiguous blocks as evenly as
possible (12 options over 4 DMs: 3 each; 10: 3, 3, 2, 2), every state feasible (no
infeasibles), every option reversible, and for every DM six random *priority statements*
(option prioritisation, most important first) as GMCR+ saves them: a statement is a list of
``[option index, "Y"|"N"]`` pairs (one to three of them, distinct options), and about one in
three is an or-group ``{"compound": true, "members": [statement, statement]}``. Like a GMCR+
save file it carries ``coalitions`` (each DM alone), ``misperceptions`` (none),
``useManualPreferenceRanking: false``, ``program`` and ``version``.

Run as a script to write files: ``python benchmarks/gmcr_random.py OUT_DIR [DMSxOPTIONS ...]``
(default 4x8 4x10 4x12 4x14 4x16: 256 … 65,536 states).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["random_gmcr", "write_random_gmcr"]


def _statement(rng: np.random.Generator, k: int) -> list[list[Any]]:
    n = int(rng.integers(1, 4))
    opts = sorted(rng.choice(k, size=min(n, k), replace=False).tolist())
    return [[int(o), "Y" if rng.random() < 0.5 else "N"] for o in opts]


def random_gmcr(n_dms: int = 4, n_options: int = 12, seed: int = 0,
                statements: int = 6) -> dict[str, Any]:
    """The JSON data of a random GMCR+ save file (see the module docstring)."""
    if not 1 <= n_dms <= n_options:
        raise ValueError(f"need 1 <= DMs <= options; got {n_dms} DMs, {n_options} options")
    rng = np.random.default_rng(seed)
    # contiguous blocks as even as possible (10 options over 4 DMs: 3, 3, 2, 2)
    cuts = [i * (n_options // n_dms) + min(i, n_options % n_dms) for i in range(n_dms + 1)]
    dms = []
    for i in range(n_dms):
        prefs: list[Any] = []
        seen: set[str] = set()
        while len(prefs) < statements:
            if rng.random() < 1 / 3:
                st: Any = {"compound": True,
                           "members": [_statement(rng, n_options), _statement(rng, n_options)]}
            else:
                st = _statement(rng, n_options)
            key = json.dumps(st, sort_keys=True)
            if key not in seen:  # GMCR+ drops duplicate statements
                seen.add(key)
                prefs.append(st)
        dms.append({"name": f"DM{i + 1}", "options": list(range(cuts[i], cuts[i + 1])),
                    "preferences": prefs, "misperceptions": []})
    return {
        "options": [{"name": f"Option {j + 1}", "permittedDirection": "both"}
                    for j in range(n_options)],
        "decisionMakers": dms,
        "infeasibles": [],
        "coalitions": list(range(n_dms)),
        "useManualPreferenceRanking": False,
        "program": "gmcr-py",
        "version": "0.4.1",
    }


def write_random_gmcr(path: str | Path, n_dms: int = 4, n_options: int = 12,
                      seed: int = 0) -> Path:
    """Write :func:`random_gmcr` to ``path``; returns the path."""
    p = Path(path)
    p.write_text(json.dumps(random_gmcr(n_dms, n_options, seed)), encoding="utf-8")
    return p


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    specs = [tuple(int(v) for v in a.split("x")) for a in sys.argv[2:]] or \
        [(4, 8), (4, 10), (4, 12), (4, 14), (4, 16)]
    for n_dms, k in specs:
        f = write_random_gmcr(out / f"random_{n_dms}x{k}.gmcr", n_dms, k)
        print(f"{f}: {n_dms} DMs, {k} options, {1 << k} states")
