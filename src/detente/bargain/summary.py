"""Plain-data summaries of table results, in the issues' own units and words.

Every number is summarised over draws the same way (:func:`stat`: mean, sd,
5/50/95 percentiles) and every yes/no result as the share of draws where it
holds (for one draw: 1.0 or 0.0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..labels import describe
from ..scenario.draws import Draws
from ..scenario.schema import Scenario
from .tables import Deal, TableResult

__all__ = ["stat", "table_to_dict"]


def stat(x: np.ndarray) -> dict[str, Any]:
    """mean, sd, p05, p50, p95 over the finite values, and the share of draws that had one."""
    x = np.asarray(x, dtype=float)
    ok = x[np.isfinite(x)]
    share = float(ok.size / x.size) if x.size else 0.0
    if ok.size == 0:
        return {"mean": None, "sd": None, "p05": None, "p50": None, "p95": None, "defined": 0.0}
    if ok.size == 1:
        v = float(ok[0])
        return {"mean": v, "sd": 0.0, "p05": v, "p50": v, "p95": v, "defined": share}
    p05, p50, p95 = np.percentile(ok, [5, 50, 95])
    return {"mean": float(ok.mean()), "sd": float(ok.std(ddof=1)), "p05": float(p05),
            "p50": float(p50), "p95": float(p95), "defined": share}


def share(mask: np.ndarray) -> float:
    return float(np.mean(mask)) if np.size(mask) else 0.0


PACKAGE_DECIMALS = 6
"""Package values are rounded to 1e-6 of the issue's units: the solvers are exact to ~1e-8 of
the scale, and 99.99999999417668 should read 100."""


def _package(s: Scenario, draws: Draws, x: np.ndarray) -> dict[str, Any]:
    xu = np.round(draws.to_user(x), PACKAGE_DECIMALS)
    out = {}
    for j, iss in enumerate(s.issues):
        st = stat(xu[:, j])
        st["meaning"] = None if st["p50"] is None else describe(iss, st["p50"])
        out[iss.id] = st
    return out


def _deal(s: Scenario, draws: Draws, deal: Deal, members: tuple[str, ...]) -> dict[str, Any]:
    return {
        "method": deal.method,
        "package": _package(s, draws, deal.x),
        "utility": {a: stat(deal.utility[:, k]) for k, a in enumerate(members)},
        "gain": {a: stat(deal.gain[:, k]) for k, a in enumerate(members)},
    }


def table_to_dict(s: Scenario, draws: Draws, r: TableResult) -> dict[str, Any]:
    """Everything about one table as plain data."""
    issues = [i.id for i in s.issues]
    link = r.linkage
    trades = {}
    for k, a in enumerate(r.members):
        trades[a] = {
            "relative_salience": {
                issues[j]: stat(link.relative_salience[:, k, j]) for j in range(len(issues))
                if r.free[j]
            },
            "gives": {issues[j]: share(link.gives[:, k, j]) for j in range(len(issues))
                      if link.gives[:, k, j].any()},
            "gets": {issues[j]: share(link.gets[:, k, j]) for j in range(len(issues))
                     if link.gets[:, k, j].any()},
        }
    strategies = {}
    for si, avoided in enumerate(r.holding.strategies):
        p = share(r.holding.exists & (r.holding.strategy == si))
        if p > 0:
            strategies[", ".join(avoided) or "(none)"] = p
    return {
        "table": r.table,
        "members": list(r.members),
        "no_deal": {a: stat(r.no_deal[:, k]) for k, a in enumerate(r.members)},
        "zone": {
            "exists": share(r.zone_exists),
            "max_min_gain": stat(r.zone_value),
            "concession_needed": stat(np.where(r.zone_exists, np.nan, r.concession)),
            "share_of_packages": stat(r.zone_share),
        },
        "deal": _deal(s, draws, r.deals["nash"], r.members),
        "alternatives": {
            name: _deal(s, draws, d, r.members) for name, d in r.deals.items() if name != "nash"
        },
        "ideal_utility": {a: stat(r.ideal[:, k]) for k, a in enumerate(r.members)},
        "vetoes": [
            {
                "actor": v.actor,
                "issues": None if v.issues is None else list(v.issues),
                "applies": share(v.applies),
                "accepts": share(v.accepts),
                "margin": stat(v.margin),
                "utility": stat(v.utility),
                "no_deal": stat(v.no_deal),
            }
            for v in r.vetoes
        ],
        "holds": share(r.holds),
        "holding_deal": {
            "exists": share(r.holding.exists),
            **_deal(s, draws, r.holding.deal, r.members),
            "avoided_vetoes": strategies,
        },
        "linkage": {
            "single_issue_zone": {issues[j]: share(link.single_zone[:, j])
                                  for j in range(len(issues)) if r.free[j]},
            "single_issue_deal": {issues[j]: stat(draws.to_user(link.single_deal)[:, j])
                                  for j in range(len(issues)) if r.free[j]},
            "issue_by_issue": _package(s, draws, link.issue_by_issue),
            "issue_by_issue_acceptable": share(link.issue_by_issue_acceptable),
            "issue_by_issue_utility": {a: stat(link.issue_by_issue_utility[:, k])
                                       for k, a in enumerate(r.members)},
            "gain_from_linkage": {a: stat(link.gain[:, k]) for k, a in enumerate(r.members)},
            "package_only": share(link.package_only),
            "trades": trades,
        },
    }
