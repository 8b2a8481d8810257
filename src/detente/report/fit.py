"""Tables that fit the terminal: every number whole at any width (text wraps, never a number)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rich.cells import cell_len
from rich.table import Table

__all__ = ["Col", "fit_tables"]


@dataclass(frozen=True)
class Col:
    """A column of :func:`fit_tables`: numbers are never wrapped, cut or folded; text wraps."""

    header: str
    num: bool = True


_TEXT_MIN = 20  # a text column may be squeezed to this many cells (longer words then fold)


def _wrap_header(header: str, width: int) -> str:
    return "\n".join(textwrap.wrap(header, width, break_long_words=False)) or header


def fit_tables(width: int, cols: list[Col], rows: list[list[str]], *,
               title: str | None = None) -> list[Table]:
    """Rich tables showing ``rows`` within ``width`` cells, every number whole.

    Tries, in order: the summary's usual look (heavy header rule, column bars) with one-line
    headers, then with headers wrapped over several lines, then without column bars; when even
    that is too wide, the columns are split over several tables that each repeat the first.
    Number columns are sized to their widest cell (rich never shrinks them); text columns wrap.
    """
    n = len(cols)
    cells = [[cell_len(r[i]) for r in rows] for i in range(n)]
    words = [[cell_len(w) for r in rows for w in r[i].split()] for i in range(n)]

    def widths(wrap: bool) -> list[int]:
        out = []
        for i, c in enumerate(cols):
            head = (max(cell_len(w) for w in c.header.split()) if wrap
                    else cell_len(c.header))
            if c.num:
                out.append(max([head, *cells[i]]))
            else:
                out.append(min(max([head, *words[i], 1]), _TEXT_MIN))
        return out

    def need(ws: list[int], bars: bool) -> int:
        return sum(ws) + 2 * len(ws) + (len(ws) - 1 if bars else -2)

    def build(idx: list[int], ws: list[int], bars: bool, wrap: bool, ttl: str | None) -> Table:
        t = (Table(show_edge=False, title=ttl, title_justify="left") if bars else
             Table(box=None, pad_edge=False, title=ttl, title_justify="left"))
        for i in idx:
            c = cols[i]
            if c.num:
                head = _wrap_header(c.header, ws[i]) if wrap else c.header
                t.add_column(head, justify="right", no_wrap=True, overflow="fold")
            else:
                t.add_column(c.header, overflow="fold")
        for r in rows:
            t.add_row(*(r[i] for i in idx))
        return t

    every = list(range(n))
    for bars in (True, False):
        for wrap in (False, True):
            ws = widths(wrap)
            if need(ws, bars) <= width:
                return [build(every, ws, bars, wrap, title)]
    ws = widths(True)
    groups: list[list[int]] = []
    cur = [0]
    for i in range(1, n):
        if len(cur) > 1 and need([ws[j] for j in [*cur, i]], False) > width:
            groups.append(cur)
            cur = [0]
        cur.append(i)
    groups.append(cur)
    return [build(g, ws, False, True, title if k == 0 else None) for k, g in enumerate(groups)]
