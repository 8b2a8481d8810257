"""Terminal rendering of the per-table bargaining results."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from .fit import Col, fit_tables

__all__ = ["render_tables"]


def _v(st: dict[str, Any] | None, many: bool, digits: int = 1, sign: bool = False,
       interval: bool = True) -> str:
    """The median over draws, with its 5–95% range when there are draws and it is wide."""
    if not st or st.get("p50") is None:
        return "—"
    f = f"{{:{'+' if sign else ''}.{digits}f}}"
    text = f.format(st["p50"])
    if many and interval and st["p05"] != st["p95"]:
        g = f"{{:.{digits if digits >= 2 else 0}f}}"
        sep = ", " if min(st["p05"], st["p95"]) < 0 else "–"
        text += f" [{g.format(st['p05'])}{sep}{g.format(st['p95'])}]"
    return text


def holding_sentences(t: dict[str, Any], many: bool, *, pct=lambda v: f"{v:.0%}",
                      strong=lambda w: w, quotes: tuple[str, str] = ("'", "'")) -> list[str]:
    """Whether a table's deal holds, in words (terminal and HTML report); ``strong`` marks the
    verdict, ``quotes`` enclose the column name."""
    hd = t["holding_deal"]
    if many:
        return [f"P(the deal holds) = {pct(t['holds'])}; P(some deal holds) = {pct(hd['exists'])}."]
    if t["holds"]:
        return [f"The deal {strong('holds')}."]
    out = [f"The deal {strong('does not hold')}."]
    if hd["exists"]:
        av = next(iter(hd["avoided_vetoes"]), "(none)")
        how = ("by winning every veto player's acceptance" if av == "(none)"
               else f"by leaving the issues of {av} untouched")
        out.append(f"A deal that holds exists {how} (column {quotes[0]}holds{quotes[1]}).")
    else:
        out.append("No deal at this table would hold.")
    return out


def linkage_sentence(lk: dict[str, Any], many: bool, *, pct=lambda v: f"{v:.0%}",
                     negation: str = "not") -> str:
    """The linkage verdict in words (terminal and HTML report): on how many issues a zone
    exists alone, and whether bargaining issue by issue would do."""
    single = [i for i, p in lk["single_issue_zone"].items() if p >= 0.5]
    if many:
        tail = (f"the issue-by-issue outcome is acceptable to every member in "
                f"{pct(lk['issue_by_issue_acceptable'])} of draws; only the package has a "
                f"zone in {pct(lk['package_only'])}")
    else:
        tail = ("the issue-by-issue outcome is acceptable to every member"
                if lk["issue_by_issue_acceptable"] else
                f"the issue-by-issue outcome is {negation} acceptable to every member")
        if lk["package_only"]:
            tail += "; only the package has a zone"
    return (f"a zone exists on {len(single)} of {len(lk['single_issue_zone'])} issues alone; "
            f"{tail}.")


def render_tables(analysis, console: Console, data: dict[str, Any] | None = None) -> None:
    """One block per table: zone, deals, who accepts, whether it holds, linkage."""
    d = analysis.to_dict() if data is None else data
    s = analysis.scenario
    many = analysis.draws > 1
    for tid, t in d["tables"].items():
        table = next(x for x in s.tables if x.id == tid)
        title = f" — {table.name}" if table.name and table.name != tid else ""
        console.print()
        console.print(f"[bold]Table {tid}[/bold]{title} — members: {', '.join(t['members'])}")
        z = t["zone"]
        if not many:
            if z["exists"]:
                console.print(
                    f"  Zone of agreement: yes — every member can gain "
                    f"{z['max_min_gain']['p50']:.3f} at once; packages acceptable to all: "
                    f"{z['share_of_packages']['p50']:.0%}."
                )
            else:
                need = max(0.0, -z["max_min_gain"]["p50"])
                how = (f"it would open if every member's no-deal value fell by {need:.3f}"
                       if need >= 5e-4 else "no package gives every member a strict gain")
                console.print(f"  Zone of agreement: [bold]none[/bold] — {how}.")
        else:
            sh = z["share_of_packages"]
            console.print(
                f"  P(zone of agreement) = {z['exists']:.0%}; packages acceptable to all: "
                f"{sh['p50']:.0%} [{sh['p05']:.0%}–{sh['p95']:.0%}]"
            )
        cols = [Col("issue", num=False), Col("status quo"), Col("DEAL"), Col("Nash·cap"),
                Col("KS"), Col("holds"), Col("by issue")]
        alt = t["alternatives"]
        rows = [[iss.id, f"{iss.status_quo:g}",
                 _v(t["deal"]["package"][iss.id], many),
                 _v(alt["nash_capability"]["package"][iss.id], many, interval=False),
                 _v(alt["kalai_smorodinsky"]["package"][iss.id], many, interval=False),
                 _v(t["holding_deal"]["package"][iss.id], many, interval=False),
                 _v(t["linkage"]["issue_by_issue"][iss.id], many, interval=False)]
                for iss in s.issues]
        for pk in fit_tables(console.width, cols, rows):
            console.print(pk)
        console.print(
            "  [dim]DEAL = Nash bargaining solution (equal weights); Nash·cap = weighted by "
            "capability; KS = Kalai–Smorodinsky; holds = best deal every veto player accepts; "
            "by issue = each issue bargained alone."
            + (" Medians over draws; [5–95%] for the DEAL." if many else "") + "[/dim]"
        )
        cols = [Col("member", num=False), Col("no-deal value"), Col("gain from the deal"),
                Col("gain from linkage"), Col("concedes on", num=False)]
        rows = []
        for a in t["members"]:
            tr = t["linkage"]["trades"][a]
            gives = [i for i, p in tr["gives"].items() if p >= 0.5]
            rows.append([a, _v(t["no_deal"][a], many, 2),
                         _v(t["deal"]["gain"][a], many, 2, sign=True),
                         _v(t["linkage"]["gain_from_linkage"][a], many, 2, sign=True),
                         ", ".join(gives) or "—"])
        for mb in fit_tables(console.width, cols, rows):
            console.print(mb)
        if t["vetoes"]:
            parts = []
            for v in t["vetoes"]:
                if not many:
                    verdict = "accepts" if v["accepts"] >= 0.5 else "rejects"
                    if v["applies"] < 0.5:
                        verdict += ", but its veto does not apply"
                else:
                    verdict = (f"accepts in {v['accepts']:.0%} of draws, "
                               f"its veto applies in {v['applies']:.0%}")
                parts.append(f"{v['actor']} {verdict} (margin {_v(v['margin'], many, 3, True)})")
            console.print("  Veto players off the table: " + "; ".join(parts) + ".")
            for line in holding_sentences(t, many, strong=lambda w: f"[bold]{w}[/bold]"):
                console.print("  " + line)
        console.print("  Linkage: " + linkage_sentence(t["linkage"], many,
                                                      negation="[bold]not[/bold]"))
