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
    """Per certain answer: what it becomes under each relaxation tried — the ones that move it
    first — one relaxation a line, wrapped in its own column."""
    from rich.table import Table

    if not certain:
        return
    draws = next((r.draws for c in certain for r in c.tried), 0)
    con.print(Text.assemble(("Certain answers and what they rest on", "bold"),
                            f" (each re-asked with one assumption relaxed; same seed, "
                            f"{draws:,} draws)"))
    for c in certain:
        con.print(f"  • {c.question}: {pct(c.probability)}", markup=False)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=4)
        grid.add_column(justify="right")
        grid.add_column(ratio=1, overflow="fold")
        moved = c.moved
        for r in (*moved, *(r for r in c.tried if r not in moved)):
            grid.add_row("", pct(r.probability), r.text)
        if not c.tried:
            grid.add_row("", "", "no declared assumption bears on it: it follows from the "
                                 "inputs (positions, saliences, costs)")
        elif not moved:
            grid.add_row("", "→", "no single relaxation tried moves it: it rests on the inputs "
                                  "themselves")
        con.print(grid)
