"""How a table's prospects move month by month as no-deal values drift.

No-deal values change over time (``drift``: fading support, deadlines, war
fatigue): d_i(t) = U_i(q_i) − cost_i − drift_i·t (DESIGN.md). For each month
t = 0, 1, …, H this module recomputes, for one table and every draw at once:
whether a zone of agreement exists, the table's deal (Nash, equal weights),
who accepts it and whether it holds (every veto player off the table whose
issues it moves accepts). From these: the first month a zone exists and the
first month the deal holds (NaN: not within the horizon).

All months are solved in one batch (draws × months along the batch axis); month 0 is taken
from the table's own analysis when it is given, and a month whose no-deal values equal the
month before's (no drift) copies its answer. Each draw's answer is its own: the solvers'
results do not depend on the other rows of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bargain import core
from .bargain.core import ZONE_TOL
from .bargain.tables import VETO_TOL, TableResult, deal_holds, veto_checks
from .scenario.draws import Draws
from .scenario.schema import Scenario
from .process.proposals import nash_from
from .utility import no_deal_values, utility_weights

__all__ = ["TableTimeline", "table_timeline"]


@dataclass(frozen=True, eq=False)
class TableTimeline:
    """One table's prospects per draw and month (arrays (N, T), deals (N, T, I))."""

    table: str
    months: np.ndarray  # (T,)
    zone: np.ndarray  # (N, T) bool
    zone_value: np.ndarray  # (N, T) > ZONE_TOL iff a zone exists (where a month was started
    # from the month before's deal: the smallest member gain there, a lower bound of the value)
    deal: np.ndarray  # (N, T, I) normalised; NaN where no zone
    accepts: dict[str, np.ndarray]  # actor → (N, T) bool: U(deal) ≥ no-deal value
    holds: np.ndarray  # (N, T) bool

    def first_month(self, mask: np.ndarray) -> np.ndarray:
        """The first month where ``mask`` (N, T) is true, per draw (NaN: never)."""
        hit = mask.any(axis=1)
        return np.where(hit, self.months[np.argmax(mask, axis=1)], np.nan)

    @property
    def first_zone(self) -> np.ndarray:
        return self.first_month(self.zone)

    @property
    def first_hold(self) -> np.ndarray:
        return self.first_month(self.holds)


def table_timeline(scenario: Scenario, draws: Draws, table_id: str,
                   months: np.ndarray | int, *, known: TableResult | None = None,
                   shift: np.ndarray | None = None) -> TableTimeline:
    """The table's zone, deal, acceptance and holding for each month (0 … H if an int).

    ``known``: the table's :func:`~detente.bargain.bargain_tables` result for the same draws;
    its zone value and deal are month 0's (checked: same no-deal values), not solved again.
    ``shift`` (N, I, T): how unilateral moves shift the no-deal state each month
    (:func:`detente.utility.beliefs`).
    """
    t = np.arange(int(months) + 1, dtype=float) if np.ndim(months) == 0 else np.asarray(
        months, dtype=float)
    table = next(tb for tb in scenario.tables if tb.id == table_id)
    n, n_t = draws.n, t.size
    wall = utility_weights(draws.salience)
    dall = no_deal_values(draws, t, shift)  # (N, A, T)
    idx = [draws.actors.index(a) for a in table.members]
    k, m = len(idx), draws.status_quo.shape[1]
    w, p, q = wall[:, idx], draws.position[:, idx], draws.status_quo
    dm = dall[:, idx, :]  # (N, K, T)
    free = (w > 0).any(axis=1)
    x, z = np.full((n, n_t, m), np.nan), np.full((n, n_t), np.nan)
    have = np.zeros((n, n_t), bool)
    if known is not None and n_t and t[0] == 0.0 and np.array_equal(known.no_deal, dm[:, :, 0]):
        x[:, 0], z[:, 0], have[:, 0] = known.deal.x, known.zone_value, True
    # a month whose members' no-deal values are those of the month before has its answer
    same = np.zeros((n, n_t), bool)
    same[:, 1:] = (dm[:, :, 1:] == dm[:, :, :-1]).all(axis=1)
    todo = ~have & ~same
    if k == 2:  # exact and cheap: the (draw, month) problems left, in one batch
        di, ti = np.nonzero(todo)
        if di.size:
            x[di, ti], z[di, ti] = core.nash(w[di], p[di], dm[di, :, ti], q[di], free[di],
                                             np.ones((di.size, k)))
    for j in range(n_t):
        if k != 2 and todo[:, j].any():
            # month by month, each started from the month before's deal where every member
            # still prefers it to no deal (no phase-I search needed)
            r = todo[:, j]
            x0 = x[r, j - 1] if j > 0 else None
            x[r, j], z[r, j] = nash_from(w[r], p[r], dm[r, :, j], q[r], free[r],
                                         np.ones((int(r.sum()), k)), x0)
        if j > 0:
            c = same[:, j]
            x[c, j], z[c, j] = x[c, j - 1], z[c, j - 1]
    # batch rows: (draw, month), draw-major
    rep = lambda a: np.repeat(a, n_t, axis=0)  # noqa: E731
    x, z = x.reshape(n * n_t, m), z.reshape(n * n_t)
    zone = z > ZONE_TOL
    d_all = np.moveaxis(dall, 2, 1).reshape(n * n_t, -1)  # (rows, A)
    u_all = core.utilities(rep(wall), rep(draws.position), np.nan_to_num(x))
    accepts_all = (u_all >= d_all - VETO_TOL) & zone[:, None]
    vetoes = [(imp.actor, None if imp.issues is None else list(imp.issues))
              for imp in scenario.implementation if imp.actor not in table.members]
    checks = veto_checks(x, draws.actors, rep(draws.position), rep(wall), d_all, rep(q), vetoes,
                         np.array(draws.issues))
    holds = deal_holds(zone, checks)
    shape = (n, n_t)
    return TableTimeline(
        table=table_id, months=t, zone=zone.reshape(shape), zone_value=z.reshape(shape),
        deal=x.reshape(n, n_t, -1),
        accepts={a: accepts_all[:, i].reshape(shape) for i, a in enumerate(draws.actors)},
        holds=holds.reshape(shape),
    )
