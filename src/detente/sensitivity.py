"""Which uncertain inputs drive each answer: global sensitivity on the Monte Carlo sample.

For every output (a question's truth per draw, or a numeric result) and every uncertain input,
the PAWN index (Pianosi & Wagener 2015, *Environmental Modelling & Software* 67:1–11; 2018)
measures how much the output's distribution changes when the input is fixed to a slice of its
range: the Kolmogorov–Smirnov distance between the conditional and the unconditional
distribution, summarised over ``slices`` equal-probability slices (we report the median, as
SALib does by default, and the maximum). It works on the existing sample (no special design)
and for binary outputs such as a question's yes/no. Computed with SALib's
``SALib.analyze.pawn`` (optional extra ``detente[sensitivity]``).

An index near 0: the input does not matter for that output; the larger, the more it drives it.
With fewer than :data:`MIN_DRAWS` draws, or no uncertain input, nothing is computed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["MIN_DRAWS", "SensitivityResult", "pawn_solve"]

MIN_DRAWS = 200


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """PAWN indices per output and input (``median``, ``maximum``), ranked."""

    method: str
    inputs: tuple[str, ...]
    outputs: dict[str, dict[str, np.ndarray]] = field(repr=False)
    slices: int = 10
    note: str | None = None

    def top(self, output: str, k: int = 3) -> list[tuple[str, float]]:
        """The k inputs with the largest median index for an output."""
        med = self.outputs[output]["median"]
        order = np.argsort(-med, kind="stable")[:k]
        return [(self.inputs[i], float(med[i])) for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "slices": self.slices, "note": self.note,
            "inputs": list(self.inputs),
            "outputs": {o: {inp: {"median": float(v["median"][i]),
                                  "maximum": float(v["maximum"][i])}
                            for i, inp in enumerate(self.inputs)}
                        for o, v in self.outputs.items()},
        }


def pawn_solve(x: np.ndarray, names: tuple[str, ...], outputs: dict[str, np.ndarray], *,
               slices: int = 10, seed: int = 0) -> SensitivityResult:
    """PAWN indices of every output with respect to every column of x (N, P).

    Outputs that do not vary (or have non-finite values in every draw) get indices of 0.
    """
    try:
        from SALib.analyze import pawn
    except ImportError:  # pragma: no cover - exercised only without the extra
        return SensitivityResult("pawn", names, {}, slices,
                                 note="SALib is not installed: pip install 'detente[sensitivity]'")
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    if n < MIN_DRAWS or p == 0:
        return SensitivityResult("pawn", names, {}, slices,
                                 note=f"needs at least {MIN_DRAWS} draws and an uncertain input")
    lo, hi = x.min(axis=0), x.max(axis=0)
    hi = np.where(hi > lo, hi, lo + 1.0)  # constant columns: any non-empty range
    problem = {"num_vars": p, "names": list(names), "bounds": np.c_[lo, hi].tolist()}
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, y in outputs.items():
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < MIN_DRAWS or np.ptp(y[ok]) == 0:
            out[name] = {"median": np.zeros(p), "maximum": np.zeros(p)}
            continue
        with warnings.catch_warnings():
            # inputs that take few distinct values leave empty slices: their index is 0
            warnings.simplefilter("ignore", RuntimeWarning)
            r = pawn.analyze(problem, x[ok], y[ok], S=slices, print_to_console=False, seed=seed)
        out[name] = {"median": np.nan_to_num(np.asarray(r["median"], dtype=float)),
                     "maximum": np.nan_to_num(np.asarray(r["maximum"], dtype=float))}
    return SensitivityResult("pawn", names, out, slices)
