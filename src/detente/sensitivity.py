"""Which uncertain inputs drive each answer: global sensitivity on the Monte Carlo sample.

For every output (a question's truth per draw, or a numeric result) and every uncertain input,
the PAWN index (Pianosi & Wagener 2015, *Environmental Modelling & Software* 67:1–11; 2018)
measures how much the output's distribution changes when the input is fixed to a slice of its
range: the Kolmogorov–Smirnov distance between the conditional and the unconditional
distribution, summarised over ``slices`` equal-probability slices (we report the median, as
SALib does by default, and the maximum). It works on the existing sample (no special design)
and for binary outputs such as a question's yes/no. The indices are SALib's
``SALib.analyze.pawn`` (same slices, same Kolmogorov–Smirnov statistic; tests compare the two
on random samples), computed here without the p-values SALib's ``ks_2samp`` also works out and
we do not use — at 10,000 draws those cost most of the time (its exact method applies up to
10,000 draws). SALib stays the reference implementation in the tests.

An index near 0: the input does not matter for that output; the larger, the more it drives it.
With fewer than :data:`MIN_DRAWS` draws, or no uncertain input, nothing is computed.
"""

from __future__ import annotations

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


def _pawn_indices(x: np.ndarray, y: np.ndarray, slices: int) -> tuple[np.ndarray, np.ndarray]:
    """Median and maximum over slices of the KS distance between y within a slice of each
    input and y overall — SALib's PAWN: slice s of input d holds the draws with
    q_s <= x_d < q_(s+1), q the input's quantiles at 0, 1/S, ..., 1 (so the largest value falls
    in no slice); an empty slice is left out."""
    n, p = x.shape
    u, rank = np.unique(y, return_inverse=True)  # y's distinct values; each draw's one
    f_all = np.cumsum(np.bincount(rank, minlength=u.size)) / n  # ECDF of y at u
    step = 1 / slices
    seq = np.arange(0, 1 + step, step)
    med, mx = np.zeros(p), np.zeros(p)
    for d in range(p):
        xd = x[:, d]
        q = np.nanquantile(xd, seq)
        stat = np.full(slices, np.nan)
        for s in range(slices):
            sel = (xd >= q[s]) & (xd < q[s + 1])
            m = int(sel.sum())
            if m == 0:
                continue
            f_sel = np.cumsum(np.bincount(rank[sel], minlength=u.size)) / m
            stat[s] = np.max(np.abs(f_sel - f_all))
        if np.isfinite(stat).any():
            med[d], mx[d] = np.nanmedian(stat), np.nanmax(stat)
    return med, mx


def pawn_solve(x: np.ndarray, names: tuple[str, ...], outputs: dict[str, np.ndarray], *,
               slices: int = 10, seed: int = 0) -> SensitivityResult:
    """PAWN indices of every output with respect to every column of x (N, P).

    Outputs that do not vary (or have non-finite values in every draw) get indices of 0.
    """
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    if n < MIN_DRAWS or p == 0:
        return SensitivityResult("pawn", names, {}, slices,
                                 note=f"needs at least {MIN_DRAWS} draws and an uncertain input")
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, y in outputs.items():
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < MIN_DRAWS or np.ptp(y[ok]) == 0:
            out[name] = {"median": np.zeros(p), "maximum": np.zeros(p)}
            continue
        med, mx = _pawn_indices(x[ok], y[ok], slices)
        out[name] = {"median": med, "maximum": mx}
    return SensitivityResult("pawn", names, out, slices)
