"""The certain answers in the terminal: which assumption each 0% or 100% answer rests on
(:mod:`detente.certainty`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from .numbers import pct

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..certainty import CertainAnswer

__all__ = ["certain_count", "render_certainty", "render_hint"]


def certain_count(analysis: Analysis) -> int:
    """How many questions of a Monte Carlo run are answered 0% or 100%."""
    if analysis.draws < 2:
        return 0
    return sum(a.probability in (0.0, 1.0) for a in analysis.questions)


def render_hint(analysis: Analysis, con: Console) -> None:
    """One line pointing to ``--why-certain`` when some answers are 0% or 100%."""
    k = certain_count(analysis)
    if k:
        con.print(f"{k} answer(s) are 0% or 100% in every draw: `--why-certain` re-asks each "
                  f"without the assumptions that bear on it.", markup=False)


def render_certainty(certain: tuple[CertainAnswer, ...], con: Console) -> None:
    """Per certain answer: the relaxations that move it (with the new answer) and those that
    do not."""
    if not certain:
        return
    con.print(Text.assemble(("Certain answers and what they rest on", "bold"),
                            " (each re-asked with one assumption relaxed; same seed, "
                            f"{certain[0].tried[0].draws if certain[0].tried else 0:,} draws)"))
    for c in certain:
        con.print(f"  • {c.question}: {pct(c.probability)}", markup=False)
        if not c.tried:
            con.print("      no declared assumption bears on it: it follows from the inputs "
                      "(positions, saliences, costs)", markup=False)
            continue
        for r in c.moved:
            con.print(f"      {pct(r.probability)} {r.text}", markup=False)
        same = [r for r in c.tried if r not in c.moved]
        if same:
            con.print(f"      still {pct(c.probability)} "
                      + "; ".join(r.text for r in same), markup=False)
        if not c.moved:
            con.print("      → no single relaxation tried moves it: it rests on the inputs "
                      "themselves", markup=False)
