"""The process model's results in words and numbers: the most likely paths, and why.

:func:`path_codes` names each draw's course at a table ("months 0–2: partial
'energy-truce'; months 3–5: deal, lapsed") so that the most likely courses can be counted;
:func:`process_to_dict` is the JSON summary (through a digest provider, so streamed runs
summarise the same way) with the sentences that explain it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scenario.draws import Draws
from ..scenario.schema import Scenario

__all__ = ["BANDS", "band", "path_codes", "process_to_dict"]

BANDS = ((0, 2), (3, 5), (6, 11), (12, 23), (24, 59), (60, 240))
"""Month bands in which paths are told (a path's months are coarsened to them)."""


def band(month: float, horizon: float | None = None) -> str:
    """The band of months a month falls in, cut at the horizon ("months 6–11", "month 12")."""
    m = int(month)
    for lo, hi in BANDS:
        if lo <= m <= hi:
            if horizon is not None:
                hi = min(hi, int(horizon))
            return f"month {lo}" if hi == lo else f"months {lo}–{hi}"
    return f"month {m}"


def _first(mask: np.ndarray, months: np.ndarray) -> np.ndarray:
    hit = mask.any(axis=1)
    return np.where(hit, months[np.argmax(mask, axis=1)], np.nan)


def _band_index(month: np.ndarray) -> np.ndarray:
    """Each month's index in :data:`BANDS` (−1: NaN, no event)."""
    lows = np.array([lo for lo, _ in BANDS], dtype=float)
    idx = np.searchsorted(lows, np.nan_to_num(month, nan=-1.0), side="right") - 1
    return np.where(np.isfinite(month), idx, -1)


def path_codes(tp: Any, horizon: float) -> tuple[list[str], np.ndarray]:
    """Each draw's course at the table, as (labels, codes (N,)).

    A course is the band of months in which each event first happened (each partial
    agreement, the deal) and how the deal fared; draws are grouped by these few integers
    (``np.unique``) and a label is written once per distinct course, in order of first draw.
    """
    months = tp.months
    names = [f"partial '{pid}'" for pid in tp.partials]
    firsts = [_first(pp.concluded, months) for pp in tp.partials.values()]
    fc = _first(tp.concluded, months)
    keys = np.stack([*(_band_index(m) for m in firsts), _band_index(fc),
                     (tp.concluded.any(axis=1) & ~tp.in_force.any(axis=1)).astype(int),
                     tp.lapsed.any(axis=1).astype(int),
                     (~np.isfinite(fc) & tp.broke_down.any(axis=1)).astype(int)], axis=1)
    rows, first, codes = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # labels in order of their first draw
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    labels = []
    for row in rows[order]:
        *pb, db, vetoed, lapsed, broke = (int(v) for v in row)
        ev = [(b, k, names[k]) for k, b in enumerate(pb) if b >= 0]
        if db >= 0:
            txt = "deal" + (" (a veto player rejects it)" if vetoed else "")
            ev.append((db, len(names), txt + (", lapsed" if lapsed else "")))
        words = [f"{band(BANDS[b][0], horizon)}: {txt}" for b, _, txt in sorted(ev)]
        if db < 0:
            words += ["talks broke down"] * broke + [f"no deal by month {int(horizon)}"]
        labels.append("; ".join(words))
    return labels, rank[np.asarray(codes).reshape(-1)]


def _pct(x: float | None) -> str:
    """A share in words: whole percent, one decimal below 1% (never "0%" for a share > 0)."""
    if x is None:
        return "—"
    if 0 < x < 0.01 or 0.99 < x < 1:
        return f"{x:.1%}"
    return f"{x:.0%}"


def _terms(scenario: Scenario, draws: Draws, proc: Any, tid: str, tp: Any, key: str,
           S: Any) -> dict[str, Any]:
    """Per issue, what a concluded deal contains as the questions about terms read it: the
    members' compromise (or the package, ``process.terms_point``) plus the model error."""
    from .terms import read_term, terms_point

    point = terms_point(scenario, draws, tid, tp.package)  # once per table, not per issue
    seed = None if proc.point else proc.seed
    return {iss: S.stat(f"{key}.terms.{iss}", lambda j=j: read_term(
        scenario, draws, seed, proc.start, tid, point, j)) for j, iss in enumerate(draws.issues)}


def process_to_dict(scenario: Scenario, draws: Draws, proc: Any, S: Any) -> dict[str, Any]:
    """The JSON summary of a :class:`~detente.process.ProcessResult` (every reduction over
    draws through the digest provider ``S``)."""
    months = [float(m) for m in proc.months]
    horizon = months[-1]
    out: dict[str, Any] = {"months": months, "assumptions": list(proc.assumptions),
                           "terms_point": scenario.process.terms_point,
                           "tables": {}, "unilateral": []}
    for tid, tp in proc.tables.items():
        key = f"process.{tid}"
        tl = proc.timelines[tid]
        rec: dict[str, Any] = {
            "zone": S.shares(f"{key}.zone", lambda tl=tl: tl.zone),
            "talks": S.shares(f"{key}.talks", lambda tp=tp: tp.talks),
            "concluded_so_far": S.shares(f"{key}.concluded_so_far",
                                         lambda tp=tp: np.cumsum(tp.concluded, 1) > 0),
            "in_force": S.shares(f"{key}.in_force", lambda tp=tp: tp.in_force),
            "lapsed_so_far": S.shares(f"{key}.lapsed_so_far",
                                      lambda tp=tp: np.cumsum(tp.lapsed, 1) > 0),
            "available_not_credible": S.shares(
                f"{key}.available_not_credible", lambda tp=tp, tl=tl: tl.zone & ~tp.credible),
            "rejected": S.shares(f"{key}.rejected", lambda tp=tp: tp.rejected),
            "first_concluded_month": S.stat(f"{key}.first_concluded_month",
                                            lambda tp=tp: tp.first(tp.concluded)),
            "first_zone_month": S.stat(f"{key}.first_zone_month",
                                       lambda tl=tl: tl.first_zone),
        }
        rec["package"] = {
            iss: S.stat(f"{key}.package.{iss}",
                        lambda tp=tp, j=j: draws.to_user(tp.package)[:, j])
            for j, iss in enumerate(draws.issues)}
        rec["terms"] = _terms(scenario, draws, proc, tid, tp, key, S)
        rec["proposer_of_deal"] = S.categories(f"{key}.proposer_of_deal", lambda tp=tp: (
            [*tp.members, "none"], _deal_proposer(tp)))
        rec["partials"] = {
            pid: {"concluded_so_far": S.shares(f"{key}.partials.{pid}.concluded_so_far",
                                               lambda pp=pp: np.cumsum(pp.concluded, 1) > 0),
                  "in_force": S.shares(f"{key}.partials.{pid}.in_force",
                                       lambda pp=pp: pp.in_force),
                  "lapsed_so_far": S.shares(f"{key}.partials.{pid}.lapsed_so_far",
                                            lambda pp=pp: np.cumsum(pp.lapsed, 1) > 0),
                  "on_agenda": S.share(f"{key}.partials.{pid}.on_agenda",
                                       lambda pp=pp: pp.agenda.any(axis=1)),
                  "refused_by": {
                      m: S.share(f"{key}.partials.{pid}.refused_by.{m}",
                                 lambda pp=pp, i=i: pp.refusers[:, :, i].any(axis=1))
                      for i, m in enumerate(tp.members)}}
            for pid, pp in tp.partials.items()}
        paths = S.categories(f"{key}.paths", lambda tp=tp: path_codes(tp, horizon))
        rec["paths"] = [{"path": p, "probability": v} for p, v in
                        sorted(paths.items(), key=lambda kv: -kv[1])[:6]]
        why = {
            "no_zone_now": S.share(f"{key}.why.no_zone_now", lambda tl=tl: ~tl.zone[:, 0]),
            "optimism_closes_zone_now": S.share(f"{key}.why.optimism",
                                                lambda tp=tp: tp.optimism_blocks),
            "blocker": S.categories(f"{key}.why.blocker", lambda tp=tp: (
                [*tp.members, "none"], np.where(tp.blocker < 0, len(tp.members), tp.blocker))),
            "vetoed": S.share(f"{key}.why.vetoed", lambda tp=tp: (
                tp.concluded.any(axis=1) & ~tp.in_force.any(axis=1))),
            "reneged": S.share(f"{key}.why.reneged", lambda tp=tp: tp.reneged.any(axis=1)),
            "broke_down": S.share(f"{key}.why.broke_down", lambda tp=tp: tp.broke_down.any(1)),
        }
        members = [draws.actors.index(a) for a in tp.members]
        agenda = [iss for j, iss in enumerate(draws.issues)
                  if draws.has_stance[members, j].any()]
        around = ("the members' compromise" if scenario.process.terms_point == "compromise"
                  else "the concluded package")
        why["sentences"] = _sentences(tid, rec, why, horizon, agenda, around)
        rec["why"] = why
        out["tables"][tid] = rec
    for k, mv in enumerate(proc.unilateral):
        j = draws.issues.index(mv.issue)
        span = draws.scale_hi[j] - draws.scale_lo[j]
        target = lambda mv=mv, j=j, span=span: draws.scale_lo[j] + mv.target * span  # noqa: E731
        path = lambda mv=mv, j=j, span=span: draws.scale_lo[j] + (  # noqa: E731
            draws.status_quo[:, j, None] + mv.shift) * span
        out["unilateral"].append({
            "actor": mv.actor, "issue": mv.issue, "option": mv.option,
            "target": S.stat(f"process.unilateral.{k}.target", target),
            "path_median": S.medians(f"process.unilateral.{k}.path_median", path),
            "tightens": S.share(f"process.unilateral.{k}.lowers",
                                lambda mv=mv, j=j: mv.target < draws.status_quo[:, j] - 1e-9),
            "eases": S.share(f"process.unilateral.{k}.raises",
                             lambda mv=mv, j=j: mv.target > draws.status_quo[:, j] + 1e-9),
        })
    return out


def _deal_proposer(tp: Any) -> np.ndarray:
    k = len(tp.members)
    first = np.argmax(tp.concluded, axis=1)
    who = np.take_along_axis(tp.proposer, first[:, None], axis=1)[:, 0]
    return np.where(tp.concluded.any(axis=1), who, k)


def _sentences(tid: str, rec: dict[str, Any], why: dict[str, Any], horizon: float,
               agenda: list[str] | None = None, around: str = "") -> list[str]:
    h = int(horizon)
    conc = rec["concluded_so_far"][-1] if rec["concluded_so_far"] else 0.0
    out = [f"No comprehensive deal at {tid} by month {h} in {_pct(1 - conc)} of draws."]
    fm = rec["first_concluded_month"]
    if fm.get("p50") is not None and conc > 0:
        out.append(f"Where one is concluded, the median month is {fm['p50']:.0f} "
                   f"[{fm['p05']:.0f}–{fm['p95']:.0f}].")
        terms = [f"{iss} {st['p50']:.0f} [{st['p05']:.0f}–{st['p95']:.0f}]"
                 for iss in agenda or [] if (st := rec.get("terms", {}).get(iss))
                 and st.get("p50") is not None]
        if terms:
            out.append(f"What it contains, as questions about terms read it (around {around}, "
                       f"with the model error; median [5–95%]): " + "; ".join(terms) + ".")
    if why["no_zone_now"] > 0:
        s = f"No zone of agreement at month 0 in {_pct(why['no_zone_now'])} of draws"
        if why["optimism_closes_zone_now"] > 0:
            blk = {k: v for k, v in why["blocker"].items() if k != "none"}
            top = max(blk, key=blk.get) if blk else None
            s += (f"; in {_pct(why['optimism_closes_zone_now'])} of draws the members' own "
                  "expectations close a zone that would exist if all expected the status quo")
            if top is not None:
                s += f" (mostly {top}'s expectation: {_pct(blk[top])} of draws)"
        out.append(s + ".")
    zm = rec["first_zone_month"]
    if zm.get("p50") is not None and zm["p50"] > 0:
        out.append(f"The zone opens in month {zm['p50']:.0f} (median over draws where it "
                   "opens).")
    anc = max(rec["available_not_credible"], default=0.0)
    if anc > 0:
        out.append(f"A deal is available but not credible (a member would gain by reneging "
                   f"within the window) in up to {_pct(anc)} of draws in some month.")
    if why["vetoed"] > 0:
        out.append(f"A veto player off the table rejects the concluded deal in "
                   f"{_pct(why['vetoed'])} of draws: concluded, but never in force.")
    if why["reneged"] > 0:
        out.append(f"A member reneges on a concluded deal in {_pct(why['reneged'])} of draws.")
    for pid, pr in rec["partials"].items():
        if pr["concluded_so_far"]:
            s = (f"Partial agreement '{pid}' concluded by month {h} in "
                 f"{_pct(pr['concluded_so_far'][-1])} of draws")
            if pr.get("on_agenda") is not None:
                # what limits it: how often it comes up, and who turns it down when it does
                s += f"; on the agenda in {_pct(pr['on_agenda'])}"
                refused = sorted(((v, m) for m, v in pr.get("refused_by", {}).items()
                                  if v > 0), reverse=True)
                if refused:
                    s += "; refused at least once by " + ", ".join(
                        f"{m} in {_pct(v)}" for v, m in refused)
            out.append(s + ".")
    return out
