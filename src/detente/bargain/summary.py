"""A table's results summarised over draws, as typed records in the issues' own units and words.

Every number is summarised over draws the same way (a :class:`~detente.montecarlo.providers.Stat`:
mean, sd, 5/50/95 percentiles) and every yes/no result as the share of draws where it holds (for
one draw: 1.0 or 0.0). :func:`table_summary` gives a :class:`TableSummary` (editors and type
checkers know its fields); its ``to_dict()`` is the table's entry in ``Analysis.to_dict()``.

Each reduction is asked of the provider ``S`` under a key, the record's path in that JSON
(``tables.<table>.holding_deal.avoided_vetoes``): a streamed run's chunks keep one digest per key
(:mod:`detente.montecarlo.providers`). The keys name reductions; the results are read from the
records.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..labels import describe
from ..montecarlo.providers import Exact, Provider, Stat, column
from ..scenario.draws import Draws
from ..scenario.schema import Scenario
from .tables import Deal, TableResult, VetoCheck

__all__ = ["DealSummary", "HoldingDealSummary", "IssueValue", "LinkageSummary", "TableSummary",
           "TradesSummary", "VetoSummary", "ZoneSummary", "table_summary", "table_to_dict"]


PACKAGE_DECIMALS = 6
"""Package values are rounded to 1e-6 of the issue's units: the solvers are exact to ~1e-8 of
the scale, and 99.99999999417668 should read 100."""


def _plain(v: Any) -> Any:
    """A record's value as JSON-ready data (records by their ``to_dict``, tuples as lists)."""
    if hasattr(v, "to_dict"):
        return v.to_dict()
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


class _Record:
    """``to_dict()``: the fields in declaration order, as plain data."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name))
                for f in dataclasses.fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class IssueValue:
    """A package's value on one issue over draws (issue units) and its label at the median."""

    value: Stat
    meaning: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.value, "meaning": self.meaning}


@dataclass(frozen=True, eq=False)
class DealSummary(_Record):
    """A deal: its method, its package per issue, each member's utility and gain."""

    method: str
    package: Mapping[str, IssueValue]
    utility: Mapping[str, Stat]
    gain: Mapping[str, Stat]


@dataclass(frozen=True, eq=False)
class ZoneSummary(_Record):
    """The zone of agreement: the share of draws with one, the smallest member gain at the best
    package, the concession needed where there is none, the share of packages acceptable to all."""

    exists: float
    max_min_gain: Stat
    concession_needed: Stat
    share_of_packages: Stat


@dataclass(frozen=True, eq=False)
class VetoSummary(_Record):
    """A veto player off the table: where its veto applies, whether it accepts the deal."""

    actor: str
    issues: tuple[str, ...] | None
    applies: float
    accepts: float
    margin: Stat
    utility: Stat
    no_deal: Stat


@dataclass(frozen=True, eq=False)
class HoldingDealSummary:
    """The best deal every veto player accepts: the share of draws with one, the deal, and
    which vetoes it avoids (share of draws per set of avoided vetoes)."""

    exists: float
    deal: DealSummary
    avoided_vetoes: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"exists": self.exists, **self.deal.to_dict(),
                "avoided_vetoes": dict(self.avoided_vetoes)}


@dataclass(frozen=True, eq=False)
class TradesSummary(_Record):
    """One member's trades in the package: its relative salience per free issue, and the share
    of draws in which it gives (gets) on each issue (issues with a share above 0)."""

    relative_salience: Mapping[str, Stat]
    gives: Mapping[str, float]
    gets: Mapping[str, float]


@dataclass(frozen=True, eq=False)
class LinkageSummary(_Record):
    """What linking the issues adds: each issue alone, issue by issue, and the package."""

    single_issue_zone: Mapping[str, float]
    single_issue_deal: Mapping[str, Stat]
    issue_by_issue: Mapping[str, IssueValue]
    issue_by_issue_acceptable: float
    issue_by_issue_utility: Mapping[str, Stat]
    gain_from_linkage: Mapping[str, Stat]
    package_only: float
    trades: Mapping[str, TradesSummary]


@dataclass(frozen=True, eq=False)
class TableSummary(_Record):
    """Everything about one table, summarised over draws."""

    table: str
    members: tuple[str, ...]
    no_deal: Mapping[str, Stat]
    zone: ZoneSummary
    deal: DealSummary
    alternatives: Mapping[str, DealSummary]
    ideal_utility: Mapping[str, Stat]
    vetoes: tuple[VetoSummary, ...]
    holds: float
    holding_deal: HoldingDealSummary
    linkage: LinkageSummary


def _package(s: Scenario, draws: Draws, x: np.ndarray, S: Provider,
             key: str) -> dict[str, IssueValue]:
    # every issue's column from one conversion, on first use
    xu = functools.cache(lambda: np.round(draws.to_user(x), PACKAGE_DECIMALS))
    out = {}
    for j, iss in enumerate(s.issues):
        st = S.stat(f"{key}.{iss.id}", column(xu, j))
        out[iss.id] = IssueValue(st, None if st["p50"] is None else describe(iss, st["p50"]))
    return out


def _deal(s: Scenario, draws: Draws, deal: Deal, members: tuple[str, ...], S: Provider,
          key: str) -> DealSummary:
    return DealSummary(
        method=deal.method,
        package=_package(s, draws, deal.x, S, f"{key}.package"),
        utility={a: S.stat(f"{key}.utility.{a}", column(deal.utility, k))
                 for k, a in enumerate(members)},
        gain={a: S.stat(f"{key}.gain.{a}", column(deal.gain, k))
              for k, a in enumerate(members)},
    )


def table_summary(s: Scenario, draws: Draws, r: TableResult,
                  S: Provider | None = None) -> TableSummary:
    """Everything about one table, summarised over draws.

    ``S`` answers every reduction over draws by key (:mod:`detente.montecarlo.providers`;
    default: exact, at once); what is reported depends only on ``S``'s answers and on the
    scenario.
    """
    if S is None:
        S = Exact()
    t = f"tables.{r.table}"
    issues = [i.id for i in s.issues]
    link = r.linkage
    trades = {}
    for k, a in enumerate(r.members):
        key = f"{t}.linkage.trades.{a}"
        gives = {issues[j]: S.share(f"{key}.gives.{issues[j]}",
                                    column(link.gives, k, j))
                 for j in range(len(issues))}
        gets = {issues[j]: S.share(f"{key}.gets.{issues[j]}",
                                   column(link.gets, k, j))
                for j in range(len(issues))}
        trades[a] = TradesSummary(
            relative_salience={
                issues[j]: S.stat(f"{key}.relative_salience.{issues[j]}",
                                  column(link.relative_salience, k, j))
                for j in range(len(issues)) if r.free[j]
            },
            gives={i: p for i, p in gives.items() if p > 0},
            gets={i: p for i, p in gets.items() if p > 0},
        )
    hd = r.holding
    strategies = S.categories(f"{t}.holding_deal.avoided_vetoes", lambda: (
        [", ".join(avoided) or "(none)" for avoided in hd.strategies],
        np.where(hd.exists, hd.strategy, -1)))
    return TableSummary(
        table=r.table,
        members=tuple(r.members),
        no_deal={a: S.stat(f"{t}.no_deal.{a}", column(r.no_deal, k))
                 for k, a in enumerate(r.members)},
        zone=ZoneSummary(
            exists=S.share(f"{t}.zone.exists", lambda: r.zone_exists),
            max_min_gain=S.stat(f"{t}.zone.max_min_gain", lambda: r.zone_value),
            concession_needed=S.stat(f"{t}.zone.concession_needed",
                                     lambda: np.where(r.zone_exists, np.nan, r.concession)),
            share_of_packages=S.stat(f"{t}.zone.share_of_packages", lambda: r.zone_share),
        ),
        deal=_deal(s, draws, r.deals["nash"], r.members, S, f"{t}.deal"),
        alternatives={
            name: _deal(s, draws, d, r.members, S, f"{t}.alternatives.{name}")
            for name, d in r.deals.items() if name != "nash"
        },
        ideal_utility={a: S.stat(f"{t}.ideal_utility.{a}", column(r.ideal, k))
                       for k, a in enumerate(r.members)},
        vetoes=tuple(_veto(v, S, f"{t}.vetoes.{i}") for i, v in enumerate(r.vetoes)),
        holds=S.share(f"{t}.holds", lambda: r.holds),
        holding_deal=HoldingDealSummary(
            exists=S.share(f"{t}.holding_deal.exists", lambda: hd.exists),
            deal=_deal(s, draws, hd.deal, r.members, S, f"{t}.holding_deal"),
            avoided_vetoes=strategies,
        ),
        linkage=_linkage(s, draws, r, S, f"{t}.linkage", trades),
    )


def table_to_dict(s: Scenario, draws: Draws, r: TableResult,
                  S: Provider | None = None) -> dict[str, Any]:
    """:func:`table_summary` as plain data (the table's entry in ``Analysis.to_dict()``)."""
    return table_summary(s, draws, r, S).to_dict()


def _veto(v: VetoCheck, S: Provider, key: str) -> VetoSummary:
    return VetoSummary(
        actor=v.actor,
        issues=None if v.issues is None else tuple(v.issues),
        applies=S.share(f"{key}.applies", lambda: v.applies),
        accepts=S.share(f"{key}.accepts", lambda: v.accepts),
        margin=S.stat(f"{key}.margin", lambda: v.margin),
        utility=S.stat(f"{key}.utility", lambda: v.utility),
        no_deal=S.stat(f"{key}.no_deal", lambda: v.no_deal),
    )


def _linkage(s: Scenario, draws: Draws, r: TableResult, S: Provider, key: str,
             trades: dict[str, TradesSummary]) -> LinkageSummary:
    issues = [i.id for i in s.issues]
    link = r.linkage
    single = functools.cache(lambda: draws.to_user(link.single_deal))
    return LinkageSummary(
        single_issue_zone={issues[j]: S.share(f"{key}.single_issue_zone.{issues[j]}",
                                              column(link.single_zone, j))
                           for j in range(len(issues)) if r.free[j]},
        single_issue_deal={issues[j]: S.stat(f"{key}.single_issue_deal.{issues[j]}",
                                             column(single, j))
                           for j in range(len(issues)) if r.free[j]},
        issue_by_issue=_package(s, draws, link.issue_by_issue, S, f"{key}.issue_by_issue"),
        issue_by_issue_acceptable=S.share(f"{key}.issue_by_issue_acceptable",
                                          lambda: link.issue_by_issue_acceptable),
        issue_by_issue_utility={a: S.stat(f"{key}.issue_by_issue_utility.{a}",
                                          column(link.issue_by_issue_utility, k))
                                for k, a in enumerate(r.members)},
        gain_from_linkage={a: S.stat(f"{key}.gain_from_linkage.{a}",
                                     column(link.gain, k))
                           for k, a in enumerate(r.members)},
        package_only=S.share(f"{key}.package_only", lambda: link.package_only),
        trades=trades,
    )
