"""Sections of the HTML report (:mod:`.html`) built from the analysis's JSON summary: each
table's deal and who accepts it, the stability picture, the timelines; and the number formats
every section shares (the terminal's: a median with its 5–95% range in brackets, a share with
its 95% interval in brackets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis import Analysis
from .tables import _v as _stat  # the median with its 5–95% range, as in the terminal
from .tables import holding_sentences, linkage_sentence
from .terminal import _pct

if TYPE_CHECKING:  # pragma: no cover
    from ..stability.run import StabilityRun

__all__ = ["stability_run", "stability_view", "tables_view", "timeline_rows", "timelines_view"]

_MAX_EQUILIBRIA = 20


# ------------------------------------------------------------------------------------ format
def _num(v: float | None, digits: int = 1, sign: bool = False) -> str:
    if v is None or not np.isfinite(v):
        return "—"
    return f"{v:{'+' if sign else ''}.{digits}f}"


def _share(v: float, many: bool) -> str:
    if many:
        return _pct(v)
    return "yes" if v >= 0.5 else "no"


def _range(lo: float, hi: float) -> str:
    """A range of shares in the report's one interval notation, the terminal's: the bracket
    after the value, the unit written once ("[43–48]" after "46%")."""
    return f"[{_pct(lo).rstrip('%')}–{_pct(hi).rstrip('%')}]"


def _pct_interval(v: float, lo: float, hi: float) -> str:
    """A share with its interval: "46% [43–48]"."""
    return f"{_pct(v)} {_range(lo, hi)}"


def _zone_text(z: dict[str, Any], many: bool) -> str:
    if many:
        sh = z["share_of_packages"]
        return (f"P(zone of agreement) = {_pct(z['exists'])}; packages acceptable to all: "
                f"{_pct_interval(sh['p50'], sh['p05'], sh['p95'])}.")
    if z["exists"]:
        return (f"Zone of agreement: yes — every member can gain {z['max_min_gain']['p50']:.3f} "
                f"at once; packages acceptable to all: {z['share_of_packages']['p50']:.0%}.")
    need = max(0.0, -z["max_min_gain"]["p50"])
    how = (f"it would open if every member's no-deal value fell by {need:.3f}" if need >= 5e-4
           else "no package gives every member a strict gain")
    return f"Zone of agreement: none — {how}."


def _holds_text(t: dict[str, Any], many: bool) -> list[str]:
    if not t["vetoes"]:
        return ["No veto player sits outside this table: a deal needs only its members' "
                "acceptance."]
    return holding_sentences(t, many, pct=_pct, quotes=("“", "”"))


def tables_view(analysis: Analysis, data: dict[str, Any], many: bool,
                cites: Any = None) -> list[dict[str, Any]]:
    """Per table: the package, each member's no-deal value, gain and trades, the veto players
    and the linkage sentence. ``cites`` (:class:`~.html_inputs.Cites`) gives the inputs shown
    (the status quo, the no-deal values) their sources."""
    s = analysis.scenario

    def cite(*args: Any, **kw: Any) -> Any:
        return cites(*args, **kw) if cites is not None else None

    out = []
    for k, (tid, t) in enumerate(data["tables"].items()):
        table = next(x for x in s.tables if x.id == tid)
        alt = t["alternatives"]
        rows = []
        for iss in s.issues:
            deal = t["deal"]["package"][iss.id]
            hold = t["holding_deal"]["package"][iss.id]
            by = t["linkage"]["issue_by_issue"][iss.id]
            rows.append({
                "issue": iss.id, "name": iss.name, "unit": iss.unit,
                "scale": (float(iss.scale[0]), float(iss.scale[1])),
                "anchors": sorted(float(v) for v in iss.anchors),
                "sq": f"{iss.status_quo:g}", "sq_value": float(iss.status_quo),
                "sq_cite": cite(f"issues.{iss.id}.status_quo", iss),
                "deal": _stat(deal, many), "deal_value": deal["p50"],
                "deal_lo": deal["p05"], "deal_hi": deal["p95"],
                "nash_cap": _stat(alt["nash_capability"]["package"][iss.id], many,
                                  interval=False),
                "ks": _stat(alt["kalai_smorodinsky"]["package"][iss.id], many, interval=False),
                "holds": _stat(hold, many, interval=False), "holds_value": hold["p50"],
                "by_issue": _stat(by, many, interval=False), "by_issue_value": by["p50"],
                "meaning": deal.get("meaning") or "—"})
        members = []
        for a in t["members"]:
            tr = t["linkage"]["trades"][a]
            members.append({
                "actor": a, "no_deal": _stat(t["no_deal"][a], many, 2),
                "no_deal_cite": cite(f"no_deal.{a}", s.no_deal.get(a), prefix=f"no_deal.{a}."),
                "gain": _stat(t["deal"]["gain"][a], many, 2, sign=True),
                "linkage": _stat(t["linkage"]["gain_from_linkage"][a], many, 2, sign=True),
                "gives": ", ".join(i for i, p in tr["gives"].items() if p >= 0.5) or "—",
                "gets": ", ".join(i for i, p in tr["gets"].items() if p >= 0.5) or "—"})
        vetoes = []
        for v in t["vetoes"]:
            if many:
                verdict = (f"accepts in {_pct(v['accepts'])} of draws; its veto applies in "
                           f"{_pct(v['applies'])}")
            else:
                verdict = "accepts" if v["accepts"] >= 0.5 else "rejects"
                if v["applies"] < 0.5:
                    verdict += ", but its veto does not apply"
            vetoes.append({"actor": v["actor"], "verdict": verdict,
                           "issues": ", ".join(v["issues"]) if v["issues"] else "all issues",
                           "margin": _stat(v["margin"], many, 3, sign=True)})
        lk = t["linkage"]
        link_text = linkage_sentence(lk, many, pct=_pct)
        avoided = [("winning every veto player's acceptance" if name == "(none)" else
                    f"leaving the issues of {name} untouched")
                   + (f" ({_pct(p)} of draws)" if many else "")
                   for name, p in t["holding_deal"]["avoided_vetoes"].items()]
        out.append({
            "id": tid, "k": k, "name": table.name if table.name and table.name != tid else None,
            "members": t["members"], "zone": _zone_text(t["zone"], many), "package": rows,
            "member_rows": members, "vetoes": vetoes, "holds": _holds_text(t, many),
            "holding_avoided": avoided,
            "linkage": link_text[0].upper() + link_text[1:],
            "linkage_rows": [{"table": tid, "member": a,
                              "p50": lk["gain_from_linkage"][a]["p50"],
                              "lo": lk["gain_from_linkage"][a]["p05"],
                              "hi": lk["gain_from_linkage"][a]["p95"]} for a in t["members"]
                             if lk["gain_from_linkage"][a]["p50"] is not None],
        })
    return out


def stability_run(scenario: Any) -> StabilityRun:
    """The scenario's stability analysis (:func:`detente.stability.scenario.analyse_scenario`),
    for a report made without an :class:`~detente.analysis.Analysis` that carries it."""
    from ..stability.scenario import analyse_scenario

    return analyse_scenario(scenario)


def stability_view(analysis: Analysis, run: StabilityRun | None) -> dict[str, Any] | None:
    from ..scenario.conflict import describe_state
    from .stability import _NAMES

    s = analysis.scenario
    if run is None:
        if s.conflict is None:
            return None
        run = stability_run(s)
    r, opts, sq = run.result, run.options, run.status_quo
    concepts = list(r.concepts)
    eqs = {c: set(r.equilibria(c)) for c in concepts}
    order = {st: i for i, st in enumerate(r.states)}
    states = sorted({st for c in concepts for st in eqs[c]},
                    key=lambda st: (st != sq, -sum(st in eqs[c] for c in concepts),
                                    order.get(st, 0)))
    rows = [{"state": st, "words": describe_state(opts, st), "sq": st == sq,
             "marks": [st in eqs[c] for c in concepts]} for st in states[:_MAX_EQUILIBRIA]]
    out: dict[str, Any] = {
        "concepts": [{"id": c, "name": _NAMES.get(c, c), "n": len(eqs[c])} for c in concepts],
        "n_states": len(r.states), "rows": rows, "more": max(0, len(states) - len(rows)),
        "options": [{"id": o, "owner": w} for o, w in zip(opts, run.owners)],
        "dms": [{"dm": dm, "stable": [len(r.stable_states(c, i)) for c in concepts]}
                for i, dm in enumerate(r.decision_makers)],
        "sanction_rule": r.sanction_rule, "status_quo": None, "why": [], "moves": [],
        "coalitions": []}
    if sq is not None:
        where = [_NAMES.get(c, c).split(" ")[0] for c in concepts if sq in eqs[c]]
        out["status_quo"] = {"state": sq, "words": describe_state(opts, sq),
                             "where": ", ".join(where) if where else "no concept"}
    out["why"] = [e.text().splitlines()[0] for e in run.explanations.get("gmr", ())]
    for concept, res in run.status_quo_analysis.items():
        if concept not in ("nash", "gmr"):
            continue
        label = _NAMES[concept].split(" ")[0]
        paths = ["; ".join(f"{dm}: {a} → {b}" for dm, a, b in res.paths.get(eq, []))
                 for eq in res.equilibria if eq != res.status_quo][:3]
        out["moves"].append({
            "text": f"From the status quo, unilateral improvements reach {len(res.reachable)} "
                    f"state(s); {label} equilibria among them: "
                    + (", ".join(res.equilibria) if res.equilibria else "none")
                    + (" (search truncated)" if res.truncated else "") + ".",
            "paths": [f"to {eq} ({describe_state(opts, eq)}): {p}" for eq, p in
                      zip([e for e in res.equilibria if e != res.status_quo], paths)]})
    co = run.coalitions
    if co is not None:
        for concept in ("nash", "gmr"):
            eq = co.equilibria(concept)
            out["coalitions"].append({
                "concept": _NAMES[concept].split(" ")[0],
                "states": [f"{st} ({describe_state(opts, st)})" for st in eq[:6]],
                "more": max(0, len(eq) - 6)})
    return out


def timeline_rows(tls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per month (the union over tables), two cells per table: zone and holds."""
    months = sorted({m for tl in tls for m in tl["months"]})
    at = [{m: (z, h) for m, z, h in zip(tl["months"], tl["zone_text"], tl["holds_text"])}
          for tl in tls]
    return [{"month": m, "cells": [c for by in at for c in by.get(m, ("—", "—"))]}
            for m in months]


def timelines_view(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for tid, tl in data["timelines"].items():
        first = {}
        for key in ("first_zone_month", "first_hold_month"):
            st = tl[key]
            first[key] = ("not within the horizon" if st["p50"] is None else
                          f"month {st['p50']:.0f} (median over the {_pct(st['defined'])} of "
                          "draws where it happens)")
        out.append({"table": tid, "months": [int(m) for m in tl["months"]],
                    "zone": tl["zone_share"], "holds": tl["holds_share"],
                    "zone_text": [_pct(v) for v in tl["zone_share"]],
                    "holds_text": [_pct(v) for v in tl["holds_share"]], **first})
    return out
