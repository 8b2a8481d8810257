"""The terminal report of a stability analysis (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ..scenario.conflict import describe_state

__all__ = ["render_stability"]

_MAX_ROWS = 15
_NAMES = {"nash": "Nash", "gmr": "GMR (general metarationality)",
          "smr": "SMR (symmetric metarationality)", "seq": "SEQ (sequential stability)"}


def render_stability(run: dict[str, Any], console: Console) -> None:
    """Per concept: the equilibria (vector and the options taken) and each DM's stable states."""
    r = run["result"]
    opts = run["options"]
    sq = run["status_quo"]
    console.print(f"[bold]{run['title']}[/bold]  ({run['source']})", markup=True)
    console.print(f"detente {r.version} · GMCR stability · sanction rule {r.sanction_rule} · "
                  f"{len(r.states)} feasible states · {r.seconds * 1000:.0f} ms", markup=False)
    owners = ", ".join(f"{i + 1} {o} ({w})" for i, (o, w) in enumerate(zip(opts, run["owners"])))
    console.print(f"Options (vector order): {owners}", markup=False)
    if sq is not None:
        console.print(f"Status quo: {sq} — {describe_state(opts, sq)}", markup=False)
        where = [c for c in r.concepts if sq in r.equilibria(c)]
        console.print("The status quo is an equilibrium under "
                      + (", ".join(_NAMES[c].split(" ")[0] for c in where) if where else
                         "no concept"), markup=False)
    for c in r.concepts:
        eq = r.equilibria(c)
        console.print()
        console.print(f"[bold]{_NAMES.get(c, c)}[/bold]: {len(eq)} equilibri"
                      f"{'um' if len(eq) == 1 else 'a'}")
        if eq:
            t = Table(show_edge=False, box=None, pad_edge=False)
            t.add_column("state", no_wrap=True)
            t.add_column("options taken")
            shown_eq = list(eq[:_MAX_ROWS])
            if sq in eq and sq not in shown_eq:
                shown_eq.append(sq)
            for s in shown_eq:
                mark = "  (status quo)" if s == sq else ""
                t.add_row(s, describe_state(opts, s) + mark)
            console.print(t)
            if len(eq) > len(shown_eq):
                console.print(f"  … and {len(eq) - len(shown_eq)} more (all of them with --json)",
                              markup=False)
        for i, dm in enumerate(r.decision_makers):
            st = r.stable_states(c, i)
            shown = " ".join(st[:12]) + (f" … (+{len(st) - 12})" if len(st) > 12 else "")
            console.print(f"  stable for {dm}: {len(st)} of {len(r.states)}"
                          + (f" — {shown}" if st else ""), markup=False, soft_wrap=True)
