"""Per-table bargaining: the zone, the deals, who accepts them, and whether they hold.

:func:`bargain_tables` takes the numeric inputs (:class:`~detente.scenario.Draws`)
and the scenario's tables and veto players, and returns one frozen
:class:`TableResult` per table, every array with the leading draw axis.

The table's **deal** is the Nash bargaining solution with equal weights; the
capability-weighted Nash solution and Kalai–Smorodinsky are reported beside it.
Issues no member of the table cares about stay at the status quo.

**Exclusion.** A veto player outside the table (``implementation``) must accept
a deal that moves any issue its veto covers (all issues unless it lists some):
it accepts when U_v(deal) ≥ d_v. The deal *holds* when every veto player whose
issues it touches accepts. The **best holding deal** is the best deal (Nash,
equal weights) among those that hold: the table's deal itself where it holds;
otherwise, for every subset of the veto players with listed issues, leave those
players' issues at the status quo and require every other veto player's
acceptance; take the feasible variant with the highest Nash product (at most
2³ variants are searched; beyond that only "satisfy all" and "avoid all").
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import numpy as np

from ..scenario.draws import Draws
from ..scenario.schema import Scenario
from ..utility import no_deal_values, utility_weights
from . import core, two_members
from .core import ZONE_TOL, Side
from .linkage import LinkageResult, linkage_solve
from .sums import pairwise_sum

__all__ = ["Deal", "HoldingDeal", "TableResult", "VetoCheck", "bargain_tables"]

VETO_TOL = 1e-9
"""A veto player accepts when its utility is within this of its no-deal value or above."""
TOUCH_TOL = 1e-6
"""A deal touches an issue when it moves it more than this (normalised units)."""
MAX_ENUMERATED_VETOES = 3
BOUND_SLACK = 1e-13
"""Rounding allowance when a variant's Nash product is compared with its exact upper bound."""
ZONE_SHARE_POINTS = 1024
"""Sobol points per draw for the share of acceptable packages (error ~1/1024 for smooth sets)."""


@dataclass(frozen=True, eq=False)
class Deal:
    """One bargaining solution at one table: the package and what each member gets."""

    method: str
    x: np.ndarray  # (N, I) normalised; NaN where there is no zone
    utility: np.ndarray  # (N, K)
    gain: np.ndarray  # (N, K): utility − no-deal value


@dataclass(frozen=True, eq=False)
class VetoCheck:
    """Would a veto player outside the table accept the table's deal?"""

    actor: str
    issues: tuple[str, ...] | None
    applies: np.ndarray  # (N,) bool: the deal touches an issue the veto covers
    utility: np.ndarray  # (N,)
    no_deal: np.ndarray  # (N,)
    margin: np.ndarray  # (N,) utility − no-deal value
    accepts: np.ndarray  # (N,) bool


@dataclass(frozen=True, eq=False)
class HoldingDeal:
    """The best deal the table could make that every relevant veto player accepts."""

    exists: np.ndarray  # (N,) bool
    deal: Deal
    avoided: tuple[str, ...]  # veto players whose issues were left untouched (draw 0)
    strategy: np.ndarray  # (N,) int: index into ``strategies``
    strategies: tuple[tuple[str, ...], ...]  # each: the veto players avoided

    @classmethod
    def concat(cls, parts: list[HoldingDeal]) -> HoldingDeal:
        """Join chunks of draws: their strategies (which can differ when many veto players
        are scoped) are united in canonical order and each chunk's indices mapped onto it."""
        allsets = _canonical({s for p in parts for s in p.strategies})
        at = {s: i for i, s in enumerate(allsets)}
        strategy = np.concatenate([
            np.where(p.strategy >= 0, np.array([at[s] for s in p.strategies] + [-1])[p.strategy],
                     -1) for p in parts])
        deal = Deal(parts[0].deal.method, *(np.concatenate([getattr(p.deal, f) for p in parts])
                                            for f in ("x", "utility", "gain")))
        return cls(np.concatenate([p.exists for p in parts]), deal, parts[0].avoided, strategy,
                   tuple(allsets))


def _canonical(strategies) -> list[tuple[str, ...]]:
    """Strategies (sets of veto players avoided) in a fixed order: by size, then by the veto
    players' order (taken from the largest strategy, which lists every scoped veto player)."""
    strategies = list(strategies)
    order = max(strategies, key=len) if strategies else ()
    return sorted(strategies, key=lambda s: (len(s), [order.index(a) for a in s]))


@dataclass(frozen=True, eq=False)
class TableResult:
    """Everything computed for one table."""

    table: str
    members: tuple[str, ...]
    no_deal: np.ndarray  # (N, K)
    zone_exists: np.ndarray  # (N,) bool
    zone_value: np.ndarray  # (N,) max-min gain
    concession: np.ndarray  # (N,) smallest uniform concession that opens a zone (0 if open)
    zone_share: np.ndarray  # (N,) share of the (free) issue space that is acceptable
    deals: dict[str, Deal]
    ideal: np.ndarray  # (N, K) best acceptable utility per member (KS ideal point)
    vetoes: tuple[VetoCheck, ...]
    holds: np.ndarray  # (N,) bool
    holding: HoldingDeal
    linkage: LinkageResult
    free: np.ndarray = field(repr=False)  # (I,) bool: issues some member cares about

    @property
    def deal(self) -> Deal:
        return self.deals["nash"]


@functools.lru_cache(maxsize=8)
def _sobol(dim: int, m: int) -> np.ndarray:
    """The first 2**m points of the unscrambled Sobol sequence after the all-zero one (cached,
    read-only)."""
    from scipy.stats import qmc

    pts = qmc.Sobol(d=dim, scramble=False).random_base2(m + 1)[1: 2**m + 1] if dim else (
        np.zeros((0, 0)))
    pts.setflags(write=False)
    return pts


def zone_share(w, p, d, q, free_issues: np.ndarray, *, points: int | None = None) -> np.ndarray:
    """Share of the free issue space in which every member gets at least its no-deal value.

    Quasi-Monte Carlo over the first :data:`ZONE_SHARE_POINTS` points of an
    unscrambled Sobol sequence (scipy.stats.qmc), the same points for every draw,
    so a draw's share does not depend on how many draws are run.
    """
    n, k, _ = w.shape
    fi = np.flatnonzero(free_issues)
    if fi.size == 0:
        return np.zeros(n)
    if points is None:
        points = ZONE_SHARE_POINTS
    pts = _sobol(fi.size, int(np.log2(points)))  # skips the all-zero first point
    npts, nf = pts.shape
    cols = [np.ascontiguousarray(pts[:, c]) for c in range(nf)]
    share = np.zeros(n)
    chunk = max(1, 2**17 // (npts * k))  # draws per pass: the work arrays stay in cache
    fixed_u = (w * (1.0 - np.abs(q[:, None, :] - p)))[:, :, ~free_issues].sum(axis=2)  # (N, K)
    for s in range(0, n, chunk):
        sl = slice(s, s + chunk)
        ws, ps = w[sl], p[sl]
        # U_k at every point: each free issue's term w·(1 − |point − p|) (issue, draw, member,
        # point), summed over issues in numpy's pairwise order, on top of the fixed issues' part
        terms = np.empty((nf, ws.shape[0], k, npts))
        for c, j in enumerate(fi):
            tc = terms[c]
            np.subtract(cols[c], ps[:, :, j, None], out=tc)
            np.abs(tc, out=tc)
            np.subtract(1.0, tc, out=tc)
            np.multiply(ws[:, :, j, None], tc, out=tc)
        uu = fixed_u[sl][:, :, None] + pairwise_sum(terms)
        ok = uu >= d[sl][:, :, None]
        share[sl] = np.logical_and.reduce(ok, axis=1).mean(axis=1)
    return share


def _deal(method: str, x: np.ndarray, w, p, d) -> Deal:
    u = core.utilities(w, p, np.nan_to_num(x))
    u = np.where(np.isnan(x).any(axis=1)[:, None], np.nan, u)
    return Deal(method, x, u, u - d)


def veto_checks(x, actors, position, wall, dall, q, vetoes, issues) -> tuple[VetoCheck, ...]:
    """Would each veto player ``(actor, issues or None)`` accept the deals ``x`` (rows, I)?

    ``position``, ``wall`` (rows, A, I) and ``dall`` (rows, A) hold every actor's ideal points,
    utility weights and no-deal values for the same rows (draws, or draws × months).
    """
    out = []
    no_deal = np.isnan(x).any(axis=1)
    moved = np.abs(np.nan_to_num(x) - q) > TOUCH_TOL
    for actor, scope in vetoes:
        v = actors.index(actor)
        cols = np.ones(len(issues), bool) if scope is None else np.isin(issues, scope)
        applies = (moved & cols).any(axis=1) & ~no_deal
        u = core.utilities(wall[:, v:v + 1], position[:, v:v + 1], np.nan_to_num(x))[:, 0]
        u = np.where(no_deal, np.nan, u)
        margin = u - dall[:, v]
        out.append(VetoCheck(actor, None if scope is None else tuple(scope), applies, u,
                             dall[:, v], margin, margin >= -VETO_TOL))
    return tuple(out)


def deal_holds(zone: np.ndarray, checks: tuple[VetoCheck, ...]) -> np.ndarray:
    """A deal holds where a zone exists and every veto player whose issues it moves accepts."""
    holds = zone.copy()
    for c in checks:
        holds &= ~c.applies | c.accepts
    return holds


def _nash_bound(w, p, d, q, free) -> np.ndarray:
    """Two members: the largest log Nash product (equal weights) without side constraints
    (exact frontier), an upper bound on it with side constraints; −inf where no zone."""
    return two_members.nash2(two_members.frontier2(w, p, q, free), d, np.ones((w.shape[0], 2)))[0]


def _holding(draws: Draws, w, p, d, q, free, vetoes, issues, wall, dall, deal_x, holds,
             checks) -> HoldingDeal:
    n, k, m = w.shape
    scoped = [a for a, s in vetoes if s is not None]
    if len(scoped) <= MAX_ENUMERATED_VETOES:
        subsets = [c for r in range(len(scoped) + 1) for c in itertools.combinations(scoped, r)]
    else:
        subsets = [(), tuple(scoped)]
    search = list(subsets)
    best_val = np.full(n, -np.inf)
    best_x = np.full((n, m), np.nan)
    best_s = np.full(n, -1)
    # Where the table's deal holds, it is the best holding deal (nothing beats the
    # unconstrained Nash product); it avoids the scoped veto players whose issues it leaves
    # alone. The search below needs every satisfied veto player to gain strictly (as a zone
    # does), so on its own it misses deals that hold because a veto player is indifferent.
    touched = np.array([c.applies for c in checks if c.issues is not None], bool).T
    touched = touched.reshape(n, len(scoped))
    for row in np.unique(touched[holds], axis=0):
        avoid = tuple(a for a, t in zip(scoped, row, strict=True) if not t)
        if avoid not in subsets:
            subsets.append(avoid)
        sel = holds & (touched == row).all(axis=1)
        best_s[sel] = subsets.index(avoid)
        best_val[sel] = np.inf
        best_x[sel] = deal_x[sel]
    # The search runs only for the draws where the table's deal does not hold (each draw's
    # solution is its own, whatever else is in the batch). With two members, the Nash product
    # under side constraints is at most the one without them (the exact frontier): a variant
    # is not solved for the draws where even that cannot beat the best variant so far.
    rows = np.flatnonzero(~holds)
    ws, ps, ds, qs = w[rows], p[rows], d[rows], q[rows]
    for si, avoid in enumerate(search if rows.size else ()):
        fix = np.zeros(m, bool)
        for a, s in vetoes:
            if a in avoid:
                fix |= np.isin(issues, s)
        fr = free[rows] & ~fix[None, :]
        sel = np.arange(rows.size)
        if k == 2:
            sel = np.flatnonzero(_nash_bound(ws, ps, ds, qs, fr) > best_val[rows] + 1e-12
                                 - BOUND_SLACK)
            if not sel.size:
                continue
        r = rows[sel]
        need = [a for a, _ in vetoes if a not in avoid]
        idx = [draws.actors.index(a) for a in need]
        side = Side(wall[r][:, idx], draws.position[r][:, idx], dall[r][:, idx]) if idx else None
        x, z = core.nash(ws[sel], ps[sel], ds[sel], qs[sel], fr[sel], np.ones((r.size, k)), side)
        g = core.utilities(ws[sel], ps[sel], np.nan_to_num(x)) - ds[sel]
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.where((z > ZONE_TOL) & (g > 0).all(axis=1),
                           np.log(np.where(g > 0, g, 1.0)).sum(axis=1), -np.inf)
        better = val > best_val[r] + 1e-12
        best_val[r] = np.where(better, val, best_val[r])
        best_x[r] = np.where(better[:, None], x, best_x[r])
        best_s[r] = np.where(better, si, best_s[r])
    exists = best_s >= 0
    deal = _deal("nash (holding)", np.where(exists[:, None], best_x, np.nan), w, p, d)
    avoided = subsets[best_s[0]] if exists[0] else ()
    canon = _canonical(tuple(s) for s in subsets)  # the same order whatever the batch
    remap = np.array([canon.index(tuple(s)) for s in subsets] + [-1])
    return HoldingDeal(exists, deal, tuple(avoided), remap[best_s], tuple(canon))


def bargain_tables(scenario: Scenario, draws: Draws, *, months: float = 0.0) -> dict[str, TableResult]:
    """Bargaining analysis of every table in the scenario at ``months`` after as_of."""
    wall = utility_weights(draws.salience)
    dall = no_deal_values(draws, months)
    q = draws.status_quo
    issues = np.array(draws.issues)
    veto_all = [(imp.actor, None if imp.issues is None else list(imp.issues))
                for imp in scenario.implementation]
    out: dict[str, TableResult] = {}
    for table in scenario.tables:
        idx = [draws.actors.index(a) for a in table.members]
        w, p, d = wall[:, idx], draws.position[:, idx], dall[:, idx]
        cap = draws.capability[:, idx]
        n, k, m = w.shape
        cares = (w > 0).any(axis=1)  # (N, I)
        free = cares
        z, xz = core.zone(w, p, d, q, free)
        start = (z, xz)
        x_nash, _ = core.nash(w, p, d, q, free, np.ones((n, k)), start=start)
        alpha = cap / cap.sum(axis=1, keepdims=True) * k
        x_cap, _ = core.nash(w, p, d, q, free, alpha, start=start)
        x_ks, ideal = core.kalai_smorodinsky(w, p, d, q, free, start=start)
        deals = {
            "nash": _deal("nash", x_nash, w, p, d),
            "nash_capability": _deal("nash_capability", x_cap, w, p, d),
            "kalai_smorodinsky": _deal("kalai_smorodinsky", x_ks, w, p, d),
        }
        outside = [(a, s) for a, s in veto_all if a not in table.members]
        checks = veto_checks(x_nash, draws.actors, draws.position, wall, dall, q, outside,
                             issues)
        holds = deal_holds(z > ZONE_TOL, checks)
        holding = _holding(draws, w, p, d, q, free, outside, issues, wall, dall, x_nash, holds,
                           checks)
        link = linkage_solve(w, p, d, q, free, deals["nash"].x, list(table.members))
        out[table.id] = TableResult(
            table=table.id, members=tuple(table.members), no_deal=d,
            zone_exists=z > ZONE_TOL, zone_value=z, concession=np.where(z < -1e-12, -z, 0.0),
            zone_share=zone_share(w, p, d, q, free.any(axis=0)),
            deals=deals, ideal=ideal, vetoes=checks, holds=holds, holding=holding,
            linkage=link, free=free.any(axis=0),
        )
    return out
