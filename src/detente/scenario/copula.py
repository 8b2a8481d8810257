"""Rank correlation between uncertain inputs (the ``correlations`` section): a Gaussian copula.

Each entry asks for a Spearman rank correlation ρₛ between two uncertain parameters. Sampling
keeps every parameter's own distribution and imposes the correlations with a Gaussian copula
(Iman & Conover 1982 use the same normal-scores idea on a whole sample; the copula form works
draw by draw, so a chunk of draws still equals its slice of a longer run):

1. each correlated parameter's uniform u (its own random stream) becomes a normal score
   z = Φ⁻¹(u);
2. the scores are mixed, z′ = L z, where L L' = R and R holds the Pearson correlations
   r = 2 sin(π ρₛ / 6) — the Pearson correlation of normal scores that gives rank
   correlation ρₛ (Pearson 1907; Kruskal 1958);
3. u′ = Φ(z′) goes through the parameter's inverse CDF as before.

Continuous marginals then have exactly the requested rank correlation (Spearman's ρ is invariant
under the monotone inverse CDFs); ``choice`` parameters take few values and get ties, so their
rank correlation is smaller in magnitude. The alphabetically first correlated parameter keeps
its own draws; the others' draws change (they now depend on their partners' streams).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["check_correlations", "correlate", "pearson_of_rank"]

_TINY = 2.0 ** -53  # keep uniforms off 0 and 1, where normal scores are infinite


def pearson_of_rank(rank: float | np.ndarray) -> Any:
    """The Pearson correlation of bivariate normal scores with Spearman correlation ``rank``.

    >>> round(float(pearson_of_rank(0.5)), 4)
    0.5176
    """
    return 2.0 * np.sin(np.pi * np.asarray(rank, dtype=float) / 6.0)


def _matrix(paths: list[str], pairs: list[tuple[str, str, float]]) -> np.ndarray:
    idx = {p: k for k, p in enumerate(paths)}
    r = np.eye(len(paths))
    for a, b, rho in pairs:
        r[idx[a], idx[b]] = r[idx[b], idx[a]] = float(pearson_of_rank(rho))
    return r


def correlate(u: dict[str, np.ndarray], pairs: list[tuple[str, str, float]]) -> None:
    """Impose the rank correlations on the uniforms ``u`` (path → (N,)) in place."""
    if not pairs:
        return
    from scipy.special import ndtr, ndtri

    paths = sorted({p for a, b, _ in pairs for p in (a, b)})
    chol = np.linalg.cholesky(_matrix(paths, pairs))
    z = [ndtri(np.clip(u[p], _TINY, 1.0 - _TINY)) for p in paths]
    for k, p in enumerate(paths):
        if k == 0:
            continue  # L's first row is (1, 0, …): the first parameter keeps its draws
        # z′_k = Σ_j L_kj z_j, summed element by element in a fixed order: a BLAS matrix
        # product (z @ L') rounds differently with the number of rows (gemv for one draw,
        # gemm kernels and edge cases otherwise), and draw k must not depend on the chunk
        acc = z[0] * chol[k, 0]
        for j in range(1, k + 1):
            acc = acc + z[j] * chol[k, j]
        u[p] = ndtr(acc)


def check_correlations(data: dict[str, Any], add: Callable[..., None]) -> None:
    """Cross checks of the raw ``correlations`` section against ``uncertainty``."""
    entries = data.get("correlations")
    if not isinstance(entries, list):
        return
    uncertain = data.get("uncertainty") if isinstance(data.get("uncertainty"), dict) else {}
    seen: dict[frozenset[str], int] = {}
    good: list[tuple[str, str, float]] = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            continue
        pair, rho = e.get("between"), e.get("rank")
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            continue  # the schema reports the shape
        ok = True
        for j, p in enumerate(pair):
            if p not in uncertain:
                add(("correlations", i, "between", j),
                    f"{p!r} is not an uncertain parameter",
                    "give it a distribution under `uncertainty` first; only uncertain "
                    "parameters can be correlated")
                ok = False
        if pair[0] == pair[1]:
            add(("correlations", i, "between"), "a parameter cannot be correlated with itself",
                "name two different parameters")
            continue
        key = frozenset(pair)
        if key in seen:
            add(("correlations", i, "between"),
                f"this pair is already correlated (correlations[{seen[key]}])",
                "give each pair of parameters one rank correlation")
            continue
        seen[key] = i
        if ok and isinstance(rho, (int, float)) and not isinstance(rho, bool) and -1 < rho < 1:
            good.append((pair[0], pair[1], float(rho)))
    if good:
        paths = sorted({p for a, b, _ in good for p in (a, b)})
        low = float(np.linalg.eigvalsh(_matrix(paths, good)).min())
        if not low > 1e-9 or not math.isfinite(low):
            add(("correlations",),
                "these rank correlations cannot hold together: no joint distribution has them "
                "(their correlation matrix is not positive definite)",
                "weaken the strongest ones; e.g. if A and B, and B and C are strongly "
                "positively correlated, A and C cannot be strongly negatively correlated",
                key=True)
