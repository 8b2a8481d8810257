"""The terminal report of a stability analysis (rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from ..scenario.conflict import describe_state

if TYPE_CHECKING:  # pragma: no cover
    from ..stability.run import StabilityRun

__all__ = ["render_stability"]

_MAX_ROWS = 15
_NAMES = {"nash": "Nash", "gmr": "GMR (general metarationality)",
          "smr": "SMR (symmetric metarationality)", "seq": "SEQ (sequential stability)",
          "sim": "SIM (simultaneous stability)",
          "seqsim": "SEQ+SIM (sequential or simultaneous stability)"}


def render_stability(run: StabilityRun, console: Console) -> None:
    """Per concept: the equilibria (vector and the options taken) and each DM's stable states."""
    r = run.result
    opts = run.options
    sq = run.status_quo
    console.print(f"[bold]{run.title}[/bold]  ({run.source})", markup=True)
    console.print(f"detente {r.version} · GMCR stability · sanction rule {r.sanction_rule} · "
                  f"{len(r.states)} feasible states · {r.seconds * 1000:.0f} ms", markup=False)
    owners = ", ".join(f"{i + 1} {o} ({w})" for i, (o, w) in enumerate(zip(opts, run.owners)))
    console.print(f"Options (vector order): {owners}", markup=False)
    if sq is not None:
        console.print(f"Status quo: {sq} — {describe_state(opts, sq)}", markup=False)
        where = [c for c in r.concepts if sq in r.equilibria(c)]
        console.print("The status quo is an equilibrium under "
                      + (", ".join(_NAMES.get(c, c).split(" ")[0] for c in where) if where else
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
    if {"sim", "seqsim"} & set(r.concepts):
        console.print()
        what = ("unilateral improvements" if getattr(r, "sim_responses", "improvements")
                == "improvements" else "unilateral moves")
        console.print(f"SIM: each improvement is met by the opponents' {what} made at the same "
                      "time from the same state (Fraser & Hipel 1984; GMCR II, GMCR+); SEQ+SIM: "
                      "stable under SEQ or SIM.", markup=False, soft_wrap=True)
    _render_status_quo(run, console)
    for c, inv in run.inverse.items():
        console.print()
        console.print(f"[bold]Inverse GMCR[/bold] ({_NAMES.get(c, c).split(' ')[0]})")
        console.print(inv.text(), markup=False, soft_wrap=True)
    if run.exported:
        console.print()
        console.print(f"State graph written to {run.exported}", markup=False)


def _render_status_quo(run: StabilityRun, console: Console) -> None:
    """Why the status quo holds, where unilateral improvements lead, and coalitions."""
    opts = run.options
    exps = run.explanations
    if "gmr" in exps:
        console.print()
        console.print("[bold]Why the status quo holds or not[/bold] (GMR; the JSON has every "
                      "sanction and Nash too)")
        for e in exps["gmr"]:
            console.print("  " + e.text().splitlines()[0], markup=False)
    sqa = run.status_quo_analysis
    for concept in ("nash", "gmr"):
        res = sqa.get(concept)
        if res is None:
            continue
        label = _NAMES[concept].split(" ")[0]
        others = [e for e in res.equilibria if e != res.status_quo]
        console.print()
        console.print(f"[bold]From the status quo[/bold], unilateral improvements reach "
                      f"{len(res.reachable)} state(s); {label} equilibria among them: "
                      + (", ".join(res.equilibria) if res.equilibria else "none")
                      + (" (search truncated)" if res.truncated else ""))
        for eq in others[:3]:
            steps = "; ".join(f"{dm}: {a} → {b}" for dm, a, b in res.paths.get(eq, []))
            console.print(f"  to {eq} ({describe_state(opts, eq)}): {steps}", markup=False)
    co = run.coalitions
    if co is not None:
        console.print()
        for concept in ("nash", "gmr"):
            ceq = co.equilibria(concept)
            label = _NAMES[concept].split(" ")[0]
            shown = "; ".join(f"{s} ({describe_state(opts, s)})" for s in ceq[:4])
            console.print(f"Coalition {label} equilibria (Kilgour et al. 2001): "
                          + (shown if ceq else "none")
                          + (f" … (+{len(ceq) - 4})" if len(ceq) > 4 else ""), markup=False)
    limits = list(run.limits)
    if limits:
        console.print()
        for line in limits:
            console.print(line, markup=False, soft_wrap=True)
