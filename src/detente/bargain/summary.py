"""Plain-data summaries of table results, in the issues' own units and words.

Every number is summarised over draws the same way (:func:`stat`: mean, sd,
5/50/95 percentiles) and every yes/no result as the share of draws where it
holds (for one draw: 1.0 or 0.0).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..montecarlo.digest import Exact, share, stat
from ..labels import describe
from ..scenario.draws import Draws
from ..scenario.schema import Scenario
from .tables import Deal, TableResult

__all__ = ["share", "stat", "table_to_dict"]


PACKAGE_DECIMALS = 6
"""Package values are rounded to 1e-6 of the issue's units: the solvers are exact to ~1e-8 of
the scale, and 99.99999999417668 should read 100."""


def _package(s: Scenario, draws: Draws, x: np.ndarray, S: Any, key: str) -> dict[str, Any]:
    # every issue's column from one conversion, on first use
    xu = functools.cache(lambda: np.round(draws.to_user(x), PACKAGE_DECIMALS))
    out = {}
    for j, iss in enumerate(s.issues):
        st = S.stat(f"{key}.{iss.id}", lambda j=j: xu()[:, j])
        st["meaning"] = None if st["p50"] is None else describe(iss, st["p50"])
        out[iss.id] = st
    return out


def _deal(s: Scenario, draws: Draws, deal: Deal, members: tuple[str, ...], S: Any,
          key: str) -> dict[str, Any]:
    return {
        "method": deal.method,
        "package": _package(s, draws, deal.x, S, f"{key}.package"),
        "utility": {a: S.stat(f"{key}.utility.{a}", lambda k=k: deal.utility[:, k])
                    for k, a in enumerate(members)},
        "gain": {a: S.stat(f"{key}.gain.{a}", lambda k=k: deal.gain[:, k])
                 for k, a in enumerate(members)},
    }


def table_to_dict(s: Scenario, draws: Draws, r: TableResult, S: Any = None) -> dict[str, Any]:
    """Everything about one table as plain data.

    ``S`` answers every reduction over draws by key (:mod:`detente.montecarlo.digest`; default: exact, at
    once); what is reported depends only on ``S``'s answers and on the scenario.
    """
    if S is None:
        S = Exact()
    t = f"tables.{r.table}"
    issues = [i.id for i in s.issues]
    link = r.linkage
    trades = {}
    for k, a in enumerate(r.members):
        key = f"{t}.linkage.trades.{a}"
        gives = {issues[j]: S.share(f"{key}.gives.{issues[j]}", lambda k=k, j=j: link.gives[:, k, j])
                 for j in range(len(issues))}
        gets = {issues[j]: S.share(f"{key}.gets.{issues[j]}", lambda k=k, j=j: link.gets[:, k, j])
                for j in range(len(issues))}
        trades[a] = {
            "relative_salience": {
                issues[j]: S.stat(f"{key}.relative_salience.{issues[j]}",
                                  lambda k=k, j=j: link.relative_salience[:, k, j])
                for j in range(len(issues)) if r.free[j]
            },
            "gives": {i: p for i, p in gives.items() if p > 0},
            "gets": {i: p for i, p in gets.items() if p > 0},
        }
    hd = r.holding
    strategies = S.categories(f"{t}.holding_deal.avoided_vetoes", lambda: (
        [", ".join(avoided) or "(none)" for avoided in hd.strategies],
        np.where(hd.exists, hd.strategy, -1)))
    return {
        "table": r.table,
        "members": list(r.members),
        "no_deal": {a: S.stat(f"{t}.no_deal.{a}", lambda k=k: r.no_deal[:, k])
                    for k, a in enumerate(r.members)},
        "zone": {
            "exists": S.share(f"{t}.zone.exists", lambda: r.zone_exists),
            "max_min_gain": S.stat(f"{t}.zone.max_min_gain", lambda: r.zone_value),
            "concession_needed": S.stat(f"{t}.zone.concession_needed",
                                        lambda: np.where(r.zone_exists, np.nan, r.concession)),
            "share_of_packages": S.stat(f"{t}.zone.share_of_packages", lambda: r.zone_share),
        },
        "deal": _deal(s, draws, r.deals["nash"], r.members, S, f"{t}.deal"),
        "alternatives": {
            name: _deal(s, draws, d, r.members, S, f"{t}.alternatives.{name}")
            for name, d in r.deals.items() if name != "nash"
        },
        "ideal_utility": {a: S.stat(f"{t}.ideal_utility.{a}", lambda k=k: r.ideal[:, k])
                          for k, a in enumerate(r.members)},
        "vetoes": [
            {
                "actor": v.actor,
                "issues": None if v.issues is None else list(v.issues),
                **{name: getattr(S, how)(f"{t}.vetoes.{i}.{name}", lambda v=v, name=name:
                                         getattr(v, name))
                   for name, how in (("applies", "share"), ("accepts", "share"),
                                     ("margin", "stat"), ("utility", "stat"),
                                     ("no_deal", "stat"))},
            }
            for i, v in enumerate(r.vetoes)
        ],
        "holds": S.share(f"{t}.holds", lambda: r.holds),
        "holding_deal": {
            "exists": S.share(f"{t}.holding_deal.exists", lambda: hd.exists),
            **_deal(s, draws, hd.deal, r.members, S, f"{t}.holding_deal"),
            "avoided_vetoes": strategies,
        },
        "linkage": _linkage(s, draws, r, S, f"{t}.linkage", trades),
    }


def _linkage(s: Scenario, draws: Draws, r: TableResult, S: Any, key: str,
             trades: dict[str, Any]) -> dict[str, Any]:
    issues = [i.id for i in s.issues]
    link = r.linkage
    single = functools.cache(lambda: draws.to_user(link.single_deal))
    return {
        "single_issue_zone": {issues[j]: S.share(f"{key}.single_issue_zone.{issues[j]}",
                                                 lambda j=j: link.single_zone[:, j])
                              for j in range(len(issues)) if r.free[j]},
        "single_issue_deal": {issues[j]: S.stat(f"{key}.single_issue_deal.{issues[j]}",
                                                lambda j=j: single()[:, j])
                              for j in range(len(issues)) if r.free[j]},
        "issue_by_issue": _package(s, draws, link.issue_by_issue, S, f"{key}.issue_by_issue"),
        "issue_by_issue_acceptable": S.share(f"{key}.issue_by_issue_acceptable",
                                             lambda: link.issue_by_issue_acceptable),
        "issue_by_issue_utility": {a: S.stat(f"{key}.issue_by_issue_utility.{a}",
                                             lambda k=k: link.issue_by_issue_utility[:, k])
                                   for k, a in enumerate(r.members)},
        "gain_from_linkage": {a: S.stat(f"{key}.gain_from_linkage.{a}",
                                        lambda k=k: link.gain[:, k])
                              for k, a in enumerate(r.members)},
        "package_only": S.share(f"{key}.package_only", lambda: link.package_only),
        "trades": trades,
    }
