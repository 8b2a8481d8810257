"""Unilateral moves while there is no deal: an issue one actor controls alone.

An actor that controls an issue alone (its sanctions, its aid) sets the issue's no-deal
value by its best response, once, from month 0's inputs: among values spread over its
``range`` (and today's), the one that leaves it best off — its utility of the deal it then
expects at each of its tables (the Nash deal, given every member's no-deal value under the
moved status quo), or, where no zone remains, its own no-deal value. Tightening pressure
(lowering the other side's no-deal value to win a better deal) and reward (easing to open a
zone) both come out of the same rule. The issue then moves toward that value by at most
``step`` a month, and every actor's belief about the no-deal state moves with it. Each move
is chosen with the other moves at today's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..bargain import core
from ..bargain.core import ZONE_TOL
from ..scenario.draws import Draws, _uniforms
from ..scenario.schema import Scenario
from ..utility import no_deal_values, utility_weights
from .proposals import nash_from

if TYPE_CHECKING:
    from ..bargain.tables import TableResult

__all__ = ["CANDIDATES", "UnilateralPath", "choose", "freeze", "unilateral_paths"]

CANDIDATES = 3
"""Values tried over a move's range (its two ends and its middle), plus today's value."""


@dataclass(frozen=True, eq=False)
class UnilateralPath:
    """A unilateral move per draw: the value chosen and the shift of the no-deal state by
    month (normalised units; add to the status quo)."""

    actor: str
    issue: str
    target: np.ndarray  # (N,) normalised
    shift: np.ndarray  # (N, T)
    option: str | None = None


def _value(scenario: Scenario, draws: Draws, a: int, shift: np.ndarray,
           known: dict[str, TableResult]) -> np.ndarray:
    """Actor a's value of the no-deal state shifted by ``shift`` (N, I), per draw.

    Draws whose shift is zero are month 0 itself: a table's month-0 bargaining result in
    ``known`` (same no-deal values) answers them without solving again."""
    d = no_deal_values(draws, 0.0, shift)
    wall = utility_weights(draws.salience)
    still = ~shift.any(axis=1)
    vals, count = np.zeros(draws.n), 0
    for tb in scenario.tables:
        idx = [draws.actors.index(m) for m in tb.members]
        if a not in idx:
            continue
        w, p, q = wall[:, idx], draws.position[:, idx], draws.status_quo
        free = (w > 0).any(axis=1)
        kn = known.get(tb.id)
        x = np.full(q.shape, np.nan)
        ok = np.zeros(draws.n, bool)
        solve = np.ones(draws.n, bool)
        if kn is not None:
            reuse = still & (kn.no_deal == d[:, idx]).all(axis=1)
            x[reuse] = kn.deal.x[reuse]
            ok[reuse] = kn.zone_value[reuse] > ZONE_TOL
            solve = ~reuse
        if solve.any():
            x0 = None if kn is None else kn.deal.x[solve]
            xs, z = nash_from(w[solve], p[solve], d[solve][:, idx], q[solve], free[solve],
                              np.ones((int(solve.sum()), len(idx))), x0)
            x[solve], ok[solve] = xs, z > ZONE_TOL
        ua = core.utilities(wall[:, a:a + 1], draws.position[:, a:a + 1], np.nan_to_num(x))[:, 0]
        vals += np.where(ok, ua, d[:, a])
        count += 1
    return vals / count if count else d[:, a]


def unilateral_paths(scenario: Scenario, draws: Draws, months: np.ndarray, *,
                     known: dict[str, TableResult] | None = None,
                     ss: np.random.SeedSequence | None = None, start: int = 0
                     ) -> list[UnilateralPath]:
    """Every declared unilateral move's chosen value and path over ``months``.

    ``ss`` (the run's seed sequence; None: the point estimate) and ``start`` (the chunk's first
    draw) draw the logit choice (:func:`choose`); the point estimate takes the best response."""
    from ..scenario.process import DEFAULT_CHOICE_NOISE

    lam = scenario.process.choice_noise
    lam = DEFAULT_CHOICE_NOISE if lam is None else float(lam)
    out = []
    n = draws.n
    for k, mv in enumerate(scenario.process.unilateral):
        j = draws.issues.index(mv.issue)
        a = draws.actors.index(mv.actor)
        lo_u, hi_u = sorted(mv.range)
        span = draws.scale_hi[j] - draws.scale_lo[j]
        lo, hi = (lo_u - draws.scale_lo[j]) / span, (hi_u - draws.scale_lo[j]) / span
        q = draws.status_quo[:, j]
        grid = np.linspace(lo, hi, CANDIDATES)
        # today's value first, so that a tie keeps the issue where it is
        cands = [np.clip(q, lo, hi)] + [np.full(n, g) for g in grid]
        values = []
        for c in cands:
            sh = np.zeros((n, len(draws.issues)))
            sh[:, j] = c - q
            values.append(_value(scenario, draws, a, sh, known or {}))
        u = None if ss is None or lam == 0 else _uniforms(
            ss, f"process:unilateral:{mv.actor}:{mv.issue}", n, start)
        cand = np.stack(cands, axis=1)  # (N, C)
        vals = np.stack(values, axis=1)
        for c in range(1, cand.shape[1]):  # a value listed twice (today's on the grid) once
            vals[:, c] = np.where((cand[:, :c] == cand[:, c:c + 1]).any(axis=1), -np.inf,
                                  vals[:, c])
        pick = choose(vals, lam, u)
        target = cand[np.arange(n), pick]
        step = draws.process["step"][:, k] / span  # (N,): uncertain where declared so
        gap = target - q
        moved = np.minimum(step[:, None] * months[None, :], np.abs(gap)[:, None])
        out.append(UnilateralPath(mv.actor, mv.issue, target, np.sign(gap)[:, None] * moved,
                                  mv.option))
    return out


def choose(values: np.ndarray, lam: float, u: np.ndarray | None) -> np.ndarray:
    """The candidate each draw picks (N,) from its utilities ``values`` (N, C).

    ``u`` None or ``lam`` 0: the best response (the first of equals, so a tie keeps the issue
    where it is). Otherwise the logit quantal response (McKelvey & Palfrey 1995): candidate c
    with probability exp(v_c / λ) / Σ exp(v / λ), drawn with the uniforms ``u`` (N,).

    >>> choose(np.array([[0.1, 0.3, 0.3]]), 0.0, None).tolist()
    [1]
    >>> v = np.array([[0.0, np.log(3.0)]])  # with λ = 1: probabilities 1/4 and 3/4
    >>> choose(np.repeat(v, 2, axis=0), 1.0, np.array([0.2, 0.3])).tolist()
    [0, 1]
    """
    if u is None or lam == 0:  # a later candidate wins only by more than 1e-12
        pick = np.zeros(values.shape[0], dtype=int)
        best = values[:, 0].copy()
        for c in range(1, values.shape[1]):
            better = values[:, c] > best + 1e-12
            pick = np.where(better, c, pick)
            best = np.where(better, values[:, c], best)
        return pick
    w = np.exp((values - values.max(axis=1, keepdims=True)) / lam)
    cdf = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    return (u[:, None] >= cdf).sum(axis=1).clip(0, values.shape[1] - 1)


def freeze(gap: np.ndarray, step: np.ndarray | float, covered: np.ndarray) -> np.ndarray:
    """A move's shift of the no-deal value (N, T) when agreements in force hold it still.

    ``gap`` (N,): from the status quo to the value chosen (normalised); ``step`` (N,) or a
    number: how far it can move in a month (normalised); ``covered`` (N, T): a comprehensive deal or partial
    agreement that settles the issue is in force that month (months 0, 1, 2, …). In such a
    month the issue stays where it was (the agreement freezes it, as the 2013 Joint Plan of
    Action froze Iran's enrichment and new sanctions); otherwise it moves toward the chosen
    value by at most ``step``. With no month covered this is the unfrozen path
    sign(gap) · min(step · t, |gap|).
    """
    n, nt = covered.shape
    out = np.zeros((n, nt))
    size = np.abs(gap)
    for t in range(1, nt):
        prev = out[:, t - 1]
        nxt = prev + np.sign(gap) * np.minimum(step, size - np.abs(prev))
        out[:, t] = np.where(covered[:, t], prev, nxt)
    return out
