"""The negotiation as a process in time: month by month, draw by draw.

For every table and draw, months t = 0 … H are simulated in order (the months are a Python
loop; the draws are vectorised). Each month (docs/explanation/process.md):

1. A comprehensive deal in force is tested: it *lapses* if some member would now gain by
   reneging (its no-deal value less its reneging penalty exceeds its utility of the deal:
   a commitment problem, Powell 2006) or by the reference-class lapse hazard.
2. Without a deal in force (and not in a month when one lapsed), the talks *meet* (from
   their start month, with the table's monthly chance) and a round *reaches a decision* with
   the base-rate pace, dispersed per table and draw by a gamma frailty (:func:`disperse`).
3. In a decisive round a *proposer* is recognised (probabilities, or alternating) and offers
   its best package that gives every other member what the proposer believes that member
   needs: the member's no-deal value *under the proposer's own belief* about the no-deal
   path, plus the member's value of waiting (:func:`~.proposals.continuation`). Once a
   member has rejected the proposer, the proposer knows that member's own no-deal value.
4. Every other member *accepts* when the package gives it at least its own no-deal value
   plus its value of waiting. All accept: the deal is *concluded*; it is *in force* in a
   month when every veto player off the table whose issues it moves also accepts it. A
   rejection ends the talks for good with the breakdown risk.
5. Declared *partial agreements* come onto the agenda with their own monthly chance while no
   comprehensive deal is in force; they are proposed and accepted the same way over their
   issues (no value of waiting: an interim step), run for their duration and lapse with their
   own hazard. A partial agreement settles only its issues: the issues it leaves open stay
   contested whether or not it is signed, so every member (and veto player) values them by
   its own belief either way and they do not enter its decision (:func:`~.values.open_issues`).

Random numbers come from their own streams per (table, purpose, month) and block of draws
(:func:`detente.scenario.draws._uniforms`), so a draw's path is the same whatever the chunking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaincinv

from ..bargain import core
from ..bargain.core import ZONE_TOL
from ..bargain.tables import VETO_TOL
from ..bargain.two_members import frontier2
from ..scenario.draws import Draws, _uniforms
from ..scenario.schema import Scenario
from ..utility import utility_weights
from .proposals import best_package, continuation
from .values import believed_values, open_issues, perceived

__all__ = ["PartialPath", "TablePath", "simulate_table"]

ACCEPT_TOL = 1e-9
"""A responder accepts a package worth at least its reservation less this (utility units)."""
MARGIN = 2e-7
"""Every member gains at least this from a package it accepts (twice
:data:`~detente.bargain.core.ZONE_TOL`, so that a concluded deal always lies in the zone); a
responder's value of waiting is met to within twice this."""


@dataclass(frozen=True, eq=False)
class PartialPath:
    """One partial agreement's path per draw and month ((N, T) arrays)."""

    id: str
    concluded: np.ndarray  # concluded in that month
    in_force: np.ndarray
    lapsed: np.ndarray  # lapsed in that month (not: expired as agreed)
    package: np.ndarray  # (N, I) the first concluded package (NaN: none)
    agenda: np.ndarray  # on the agenda in that month
    refusers: np.ndarray  # (N, T, K) bool: the member refused the package put that month


@dataclass(frozen=True, eq=False)
class TablePath:
    """One table's simulated negotiation per draw and month ((N, T) arrays)."""

    table: str
    months: np.ndarray  # (T,)
    talks: np.ndarray  # the talks met
    decisive: np.ndarray  # a round reached a decision
    proposer: np.ndarray  # (N, T) int: member index of the proposer, −1: none
    proposed: np.ndarray  # a package was put (the proposer saw one every member would take)
    rejected: np.ndarray
    rejecters: np.ndarray  # (N, T, K) bool
    concluded: np.ndarray  # a comprehensive deal concluded in that month
    in_force: np.ndarray
    lapsed: np.ndarray  # a comprehensive deal lapsed in that month
    reneged: np.ndarray  # … because a member would gain by reneging
    broke_down: np.ndarray  # the talks broke down for good in that month
    credible: np.ndarray  # the month's Nash deal is one no member would renege on (zone only)
    package: np.ndarray  # (N, I) the first concluded comprehensive package (NaN: none)
    optimism_blocks: np.ndarray  # (N,) no zone at month 0, but one if all expected the status quo
    blocker: np.ndarray  # (N,) the member whose expectation most exceeds the status quo's, −1
    members: tuple[str, ...]
    partials: dict[str, PartialPath] = field(default_factory=dict)

    def first(self, mask: np.ndarray) -> np.ndarray:
        """The first month where ``mask`` (N, T) is true, per draw (NaN: never)."""
        hit = mask.any(axis=1)
        return np.where(hit, self.months[np.argmax(mask, axis=1)], np.nan)


def pace_dispersion(scenario: Scenario) -> float:
    """The scenario's ``process.pace_dispersion``, else the dev-fitted default."""
    from ..scenario.process import DEFAULT_PACE_DISPERSION

    sd = scenario.process.pace_dispersion
    return DEFAULT_PACE_DISPERSION if sd is None else float(sd)


def disperse(pace: np.ndarray, var: float, u: np.ndarray | None) -> np.ndarray:
    """This negotiation's monthly pace per draw: the declared ``pace`` (N,) is a monthly
    chance, i.e. a hazard rate h = −ln(1 − pace); the negotiation's own rate is h·F with F a
    gamma frailty of mean 1 and variance ``var`` (its quantile at uniforms ``u``; None: the
    point estimate, F = 1), so its pace is 1 − (1 − pace)^F. A pace of exactly 0 or 1 is
    certain by declaration and stays. A variance below 1e-9 counts as 0 (the gamma law's
    shape 1/var would overflow)."""
    pace = np.asarray(pace, dtype=float)
    if u is None or var < 1e-9:
        return pace
    pace = np.broadcast_to(pace, u.shape)
    inner = (pace > 0.0) & (pace < 1.0)
    frailty = gammaincinv(1.0 / var, np.clip(u, 1e-12, 1.0 - 1e-12)) * var
    p = np.clip(pace, 0.0, 1.0 - 1e-12)
    return np.where(inner, -np.expm1(np.log1p(-p) * frailty), pace)


def _recognition(scenario: Scenario, draws: Draws, table_id: str, idx: list[int]
                 ) -> tuple[np.ndarray, bool]:
    tp = scenario.process.tables.get(table_id)
    rec = None if tp is None else tp.recognition
    if rec == "alternating":
        return np.full((draws.n, 2), 0.5), True
    if isinstance(rec, dict):
        wts = np.array([rec.get(a, 0.0) for a in (draws.actors[i] for i in idx)], float)
        rho = np.broadcast_to(wts / wts.sum(), (draws.n, len(idx))).copy()
    else:
        cap = draws.capability[:, idx]
        rho = cap / cap.sum(axis=1, keepdims=True)
    return rho, False


def _pick(u: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """The member recognised by uniforms u (R,) under probabilities rho (R, K)."""
    cdf = np.cumsum(rho, axis=1)
    cdf[:, -1] = 1.0
    return (u[:, None] >= cdf).sum(axis=1).clip(0, rho.shape[1] - 1)


def simulate_table(scenario: Scenario, draws: Draws, table_id: str, months: np.ndarray,
                   dall: np.ndarray, belief: tuple[np.ndarray, np.ndarray],
                   ss: np.random.SeedSequence, start: int, zone: np.ndarray,
                   nash_deal: np.ndarray, window: int, point: bool = False) -> TablePath:
    """Simulate one table (see the module docstring).

    ``dall`` (N, A, T + window): every actor's own no-deal value per month (the months
    after the horizon serve the commitment test); ``belief``: (mean, sd) (N, A, I, T+window)
    of every actor's belief about the no-deal state; ``zone`` and ``nash_deal``: the table's
    zone of agreement (N, T) and Nash deal (N, T, I) under every member's own beliefs;
    ``point``: the point estimate (the pace is not dispersed).
    """
    table = next(tb for tb in scenario.tables if tb.id == table_id)
    pr = scenario.process
    tp = pr.tables.get(table_id)
    t_start = 0.0 if tp is None else tp.start
    chance = 1.0 if tp is None else tp.chance
    n, nt = draws.n, months.size
    idx = [draws.actors.index(a) for a in table.members]
    k = len(idx)
    wall = utility_weights(draws.salience)
    w, pos, q = wall[:, idx], draws.position[:, idx], draws.status_quo
    free = (w > 0).any(axis=1)
    rho, alternating = _recognition(scenario, draws, table_id, idx)
    pc = draws.process
    breakdown = pc["breakdown"]
    delta = (1.0 - breakdown)[:, None] * pc["discount"][:, idx]
    pace, lapse_h, penalty = pc["pace"], pc["lapse"], pc["penalty"]
    pace = disperse(pace, pace_dispersion(scenario),
                    None if point else _uniforms(ss, f"process:{table_id}:frailty", n, start))
    d_own = dall[:, idx, :]  # (N, K, T+W)
    mean, sd = belief
    perc = perceived(w, pos, mean[:, idx][..., :nt], sd[:, idx][..., :nt],
                      draws.cost[:, idx], draws.drift[:, idx], draws.value[:, idx], months)
    vetoes = [(draws.actors.index(imp.actor),
               None if imp.issues is None else [draws.issues.index(i) for i in imp.issues])
              for imp in scenario.implementation if imp.actor not in table.members]
    f2 = frontier2(w, pos, q, free) if k == 2 else None

    def u(name: str, t: int) -> np.ndarray:
        return _uniforms(ss, f"process:{table_id}:{name}:{t}", n, start)

    def veto_ok(x: np.ndarray, t: int, settles: np.ndarray | None = None) -> np.ndarray:
        """Every veto player off the table whose issues ``x`` moves accepts it (a partial
        agreement's veto players judge it on the issues it ``settles``, as members do)."""
        ok = np.ones(x.shape[0], bool)
        have = np.isfinite(x).all(axis=1)
        xx = np.nan_to_num(x)
        for a, iss in vetoes:
            moved = (np.abs(xx - q) > 1e-9) if iss is None else (
                np.abs(xx[:, iss] - q[:, iss]) > 1e-9)
            moved = moved.any(axis=1)
            wa, pa = wall[:, a:a + 1], draws.position[:, a:a + 1]
            ua = core.utilities(wa, pa, xx)[:, 0]
            if settles is not None:
                believed = believed_values(wa, pa, mean[:, a:a + 1, :, t], sd[:, a:a + 1, :, t])
                ua = ua - open_issues(wa, pa, q, settles, believed, explicit[:, a:a + 1])[:, 0]
            ok &= ~moved | (ua >= dall[:, a, t] - VETO_TOL)
        return ok & have

    # ---- credibility of each month's Nash deal (the static answer): no member would gain by
    # reneging within the window
    credible = np.zeros((n, nt), bool)
    for t in range(nt):
        x = nash_deal[:, t]
        have = zone[:, t] & np.isfinite(x).all(axis=1)
        ux = core.utilities(w, pos, np.nan_to_num(x))  # (N, K)
        later = d_own[:, :, t + 1:t + 1 + window]
        worst = later.max(axis=2) if later.shape[2] else np.full((n, k), -np.inf)
        credible[:, t] = have & (ux >= worst - penalty[:, idx] - ACCEPT_TOL).all(axis=1)

    # ---- mutual optimism at month 0: would a zone exist if every member expected the status quo?
    d_sq = perceived(w, pos, q[:, None, :, None], np.zeros((n, 1, q.shape[1], 1)),
                      draws.cost[:, idx], draws.drift[:, idx], draws.value[:, idx],
                      months[:1])[:, 0, :, 0]
    if f2 is not None:
        from ..bargain.two_members import maxmin2

        z_sq, _ = maxmin2(f2, d_sq)
    else:
        z_sq, _ = core.zone(w, pos, d_sq, q, free)
    optimism = ~zone[:, 0] & (z_sq > ZONE_TOL)
    gap = d_own[:, :, 0] - d_sq
    blocker = np.where(optimism, np.argmax(gap, axis=1), -1)

    rec = {name: np.zeros((n, nt), bool) for name in (
        "talks", "decisive", "proposed", "rejected", "concluded", "in_force", "lapsed",
        "reneged", "broke_down")}
    proposer = np.full((n, nt), -1)
    rejecters = np.zeros((n, nt, k), bool)
    learned = np.zeros((n, k, k), bool)
    active = np.zeros(n, bool)  # a comprehensive deal is concluded and has not lapsed
    dead = np.zeros(n, bool)  # the talks broke down for good
    deal = np.full((n, q.shape[1]), np.nan)
    first_pkg = np.full((n, q.shape[1]), np.nan)
    rounds = np.zeros(n, int)
    partials = [pa for pa in pr.partials if pa.table == table_id]
    pstate = {pa.id: dict(active=np.zeros(n, bool), since=np.zeros(n), x=np.full(
        (n, q.shape[1]), np.nan), first=np.full((n, q.shape[1]), np.nan),
        concluded=np.zeros((n, nt), bool), in_force=np.zeros((n, nt), bool),
        lapsed=np.zeros((n, nt), bool), agenda=np.zeros((n, nt), bool),
        refusers=np.zeros((n, nt, k), bool)) for pa in partials}
    rows_all = np.arange(n)
    explicit = ~np.isnan(draws.value)  # (N, A): a declared no-deal value, no beliefs
    settles = {pa.id: np.isin(draws.issues, pa.issues) for pa in partials}

    for t in range(nt):
        tm = float(months[t])
        # 1. a deal in force: reneging and the reference-class lapse
        if active.any():
            ux = core.utilities(w, pos, np.nan_to_num(deal))
            renege = active & ((d_own[:, :, t] - penalty[:, idx]) > ux + ACCEPT_TOL).any(axis=1)
            hazard = active & (u("lapse", t) < lapse_h)
            gone = renege | hazard
            rec["lapsed"][:, t] = gone
            rec["reneged"][:, t] = renege
            active &= ~gone
            deal[gone] = np.nan
        # 2. the talks meet; a round reaches a decision
        # (not in a month when a deal lapsed: the talks resume the month after)
        meets = ~active & ~dead & ~rec["lapsed"][:, t] & (tm >= t_start) & (
            u("talks", t) < chance)
        rec["talks"][:, t] = meets
        decide = meets & (u("pace", t) < pace)
        rec["decisive"][:, t] = decide
        r = rows_all[decide]
        if r.size:
            # 3. the proposer and its offer
            if alternating:
                kp = rounds[r] % 2
            else:
                kp = _pick(u("proposer", t)[r], rho[r])
            rounds[r] += 1
            proposer[r, t] = kp
            d_t = d_own[r, :, t]
            cont = continuation(w[r], pos[r], d_t, q[r], free[r], rho[r], delta[r],
                                alternating=alternating,
                                frontier=None if f2 is None else _sub2(f2, r),
                                start=nash_deal[r, t])
            premium = np.nan_to_num(np.maximum(cont - d_t, 0.0))
            view = perc[r, kp, :, t]  # (R, K): what the proposer believes each member needs
            known = learned[r, kp]  # (R, K)
            base = np.where(known, d_t, view)
            floors = np.maximum(base + premium - MARGIN, base + MARGIN)
            floors[np.arange(r.size), kp] = d_t[np.arange(r.size), kp] + MARGIN
            x, ok = best_package(w[r], pos[r], floors, q[r], free[r], kp,
                                 None if f2 is None else _sub2(f2, r))
            rec["proposed"][r, t] = ok
            # 4. the answers
            ux = core.utilities(w[r], pos[r], np.nan_to_num(x))
            need = d_t + premium
            yes = (ux >= need - 2 * MARGIN) & (ux - d_t > ZONE_TOL)
            yes[np.arange(r.size), kp] = True
            allyes = ok & yes.all(axis=1)
            no = ok[:, None] & ~yes
            rejecters[r, t] = no
            rec["rejected"][r, t] = ok & ~allyes
            learned[r, kp] |= no
            cr = r[allyes]
            rec["concluded"][cr, t] = True
            active[cr] = True
            deal[cr] = x[allyes]
            fresh = cr[~np.isfinite(first_pkg[cr]).all(axis=1)]
            first_pkg[fresh] = deal[fresh]
            rej = r[ok & ~allyes]
            br = rej[u("breakdown", t)[rej] < breakdown[rej]]
            dead[br] = True
            rec["broke_down"][br, t] = True
        rec["in_force"][:, t] = active & veto_ok(deal, t)
        # 5. partial agreements
        for pa in partials:
            st = pstate[pa.id]
            on = st["active"]
            if on.any():
                expired = on & (pa.duration is not None) & (tm - st["since"] >= (
                    pa.duration or 0.0))
                lapsed = on & ~expired & (u(f"partial:{pa.id}:lapse", t) < pa.lapse)
                st["lapsed"][:, t] = lapsed
                on &= ~(expired | lapsed)
            agenda = meets & ~on & (u(f"partial:{pa.id}:agenda", t) < pa.chance)
            rp = rows_all[agenda]
            if rp.size:
                pfree = np.zeros_like(free[rp])
                pfree[:, [draws.issues.index(i) for i in pa.issues]] = True
                pfree &= free[rp]
                kp = _pick(u(f"partial:{pa.id}:proposer", t)[rp], rho[rp])
                ex, sp = explicit[rp][:, idx], settles[pa.id]
                # issue by issue, each member's no-deal value under its own belief and
                # under the proposer's: (R, K, I)
                bm, bs = mean[rp, :, :, t][:, idx], sd[rp, :, :, t][:, idx]
                ar = np.arange(rp.size)
                own = believed_values(w[rp], pos[rp], bm, bs)
                theirs = believed_values(w[rp], pos[rp], bm[ar, kp][:, None], bs[ar, kp][:, None])
                d_t = d_own[rp, :, t] + open_issues(w[rp], pos[rp], q[rp], sp, own, ex)
                view = perc[rp, kp, :, t] + open_issues(w[rp], pos[rp], q[rp], sp, theirs, ex)
                floors = np.where(learned[rp, kp], d_t, view) + MARGIN
                floors[np.arange(rp.size), kp] = d_t[np.arange(rp.size), kp] + MARGIN
                x, ok = best_package(w[rp], pos[rp], floors, q[rp], pfree, kp)
                ux = core.utilities(w[rp], pos[rp], np.nan_to_num(x))
                gains = (ux - d_t) > ZONE_TOL
                yes = ok & gains.all(axis=1)
                st["agenda"][rp, t] = True
                st["refusers"][rp, t] = ok[:, None] & ~gains
                learned[rp, kp] |= ok[:, None] & ~gains  # a refusal tells the proposer
                cp = rp[yes]
                st["concluded"][cp, t] = True
                on[cp] = True
                st["since"][cp] = tm
                st["x"][cp] = x[yes]
                fresh = cp[~np.isfinite(st["first"][cp]).all(axis=1)]
                st["first"][fresh] = x[yes][np.isin(cp, fresh)]
            st["in_force"][:, t] = on & veto_ok(st["x"], t, settles[pa.id])

    return TablePath(
        table=table_id, months=months, proposer=proposer, rejecters=rejecters,
        credible=credible, package=first_pkg, members=tuple(table.members),
        optimism_blocks=optimism, blocker=blocker,
        partials={pa.id: PartialPath(
            pa.id, pstate[pa.id]["concluded"], pstate[pa.id]["in_force"],
            pstate[pa.id]["lapsed"], pstate[pa.id]["first"], pstate[pa.id]["agenda"],
            pstate[pa.id]["refusers"]) for pa in partials},
        **rec)


def _sub2(f: Any, rows: np.ndarray) -> Any:
    from .proposals import _rows

    return _rows(f, rows)
