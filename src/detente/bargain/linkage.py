"""Linkage: bargaining issue by issue versus over one package.

For a table, each issue is first negotiated on its own, the other issues held
at the status quo: the single-issue deal is the Nash solution over that issue
alone (where a zone exists on it). The **issue-by-issue outcome** settles
every issue that has a single-issue zone at its single-issue deal and leaves
the others at the status quo. The **package** is the table's Nash deal over
all issues at once. The gain from linkage for each member is its utility of
the package minus its utility of the issue-by-issue outcome; the feasibility
gain is a zone for the package where no single issue has one.

Which issues each member trades away: its relative salience r_kj =
w_kj / mean_{l≠k} w_lj (r < 1: it cares less about issue j than the others
do, and concedes there in an exchange), and, in the package deal, whether the
issue ends farther from its ideal point than the status quo ("gives") or
closer ("gets") — the cross-issue trades of a "big deal" (Stokman & Van
Oosten 1994; Raiffa 1982 on logrolling).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import core
from .core import ZONE_TOL

__all__ = ["LinkageResult", "linkage_solve"]

MOVE_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class LinkageResult:
    single_zone: np.ndarray  # (N, I) bool: a zone exists on issue j alone
    single_deal: np.ndarray  # (N, I) normalised value of the single-issue deal (NaN: none)
    issue_by_issue: np.ndarray  # (N, I) the assembled issue-by-issue outcome
    issue_by_issue_utility: np.ndarray  # (N, K)
    issue_by_issue_acceptable: np.ndarray  # (N,) bool: every member still ≥ its no-deal value
    package_utility: np.ndarray  # (N, K)
    gain: np.ndarray  # (N, K) package − issue by issue
    package_only: np.ndarray  # (N,) bool: package zone but no single-issue zone
    relative_salience: np.ndarray  # (N, K, I)
    gives: np.ndarray  # (N, K, I) bool: the package moves issue j away from member k's ideal
    gets: np.ndarray  # (N, K, I) bool: … toward it


def linkage_solve(w, p, d, q, free, package_x, members) -> LinkageResult:
    """Issue-by-issue versus package bargaining for one table (arrays as in :mod:`.core`)."""
    n, k, m = w.shape
    free_any = free.any(axis=0)
    cols = np.flatnonzero(free_any)
    single_zone = np.zeros((n, m), bool)
    single_deal = np.full((n, m), np.nan)
    if cols.size:
        # all single-issue problems in one batch: row (draw, issue)
        r = cols.size
        rep = lambda a: np.repeat(a, r, axis=0)  # noqa: E731
        fr = np.zeros((n * r, m), bool)
        fr[np.arange(n * r), np.tile(cols, n)] = True
        fr &= rep(free)
        x, z = core.nash(rep(w), rep(p), rep(d), rep(q), fr, np.ones((n * r, k)))
        has = (z > ZONE_TOL) & fr.any(axis=1)
        val = x[np.arange(n * r), np.tile(cols, n)]
        single_zone[:, cols] = has.reshape(n, r)
        single_deal[:, cols] = np.where(has, val, np.nan).reshape(n, r)
    ibi = np.where(single_zone, single_deal, q)
    u_ibi = core.utilities(w, p, ibi)
    ok_pkg = ~np.isnan(package_x).any(axis=1)
    u_pkg = np.where(ok_pkg[:, None], core.utilities(w, p, np.nan_to_num(package_x)), np.nan)
    others = (w.sum(axis=1, keepdims=True) - w) / max(k - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(others > 0, w / others, np.where(w > 0, np.inf, np.nan))
    dist_pkg = np.abs(np.nan_to_num(package_x)[:, None, :] - p)
    dist_sq = np.abs(q[:, None, :] - p)
    gives = ok_pkg[:, None, None] & (dist_pkg > dist_sq + MOVE_TOL) & (w > 0)
    gets = ok_pkg[:, None, None] & (dist_pkg < dist_sq - MOVE_TOL) & (w > 0)
    return LinkageResult(
        single_zone=single_zone, single_deal=single_deal, issue_by_issue=ibi,
        issue_by_issue_utility=u_ibi,
        issue_by_issue_acceptable=(u_ibi >= d - 1e-12).all(axis=1),
        package_utility=u_pkg, gain=u_pkg - u_ibi,
        package_only=ok_pkg & ~single_zone.any(axis=1),
        relative_salience=rel, gives=gives, gets=gets,
    )
