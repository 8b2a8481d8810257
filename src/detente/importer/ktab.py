"""KTAB's SMP CSV layout (see :mod:`detente.importer.layouts`)."""

from __future__ import annotations

from decimal import Decimal

from ..errors import Problem, ScenarioError
from .layouts import (HUNDRED, Imported, ImportedActor, ImportedIssue, _count, _extra_cells,
                      _in_range, _positive, make_id)
from .sheets import Sheet

__all__ = ["parse_ktab"]


def parse_ktab(sheet: Sheet, wanted: set[str] | None) -> Imported:
    """A KTAB SMP CSV file (see the module's description)."""
    P: list[Problem] = []
    rows = sheet.rows
    first = rows[0]
    n_act, n_dim = _count(first.get(3)), _count(first.get(4))
    for col, n, what in ((3, n_act, "number of actors"), (4, n_dim, "number of dimensions")):
        if not n:
            P.append(sheet.problem(first.line, col, what, "must be a whole number above 0; "
                                   f"got {first.get(col)!r}", "KTAB's first line reads: "
                                   "scenario name, description, actors, dimensions"))
    if P:
        raise ScenarioError(P, sheet.file)
    assert n_act and n_dim
    _extra_cells(sheet, first, 4, P, "KTAB's first line has four fields",
                 "remove the cell, or put it in the description (second field)")
    if len(rows) < 2:
        raise ScenarioError([sheet.problem(first.line + 1, None, "", "the header line is "
                             "missing", "line 2 reads: Actor, Description, Power, then a "
                             "position and a salience column per dimension")], sheet.file)
    head, data = rows[1], rows[2:]
    width = 3 + 2 * n_dim
    _extra_cells(sheet, head, width, P, f"line 1 declares {n_dim} dimension(s), so the header "
                 f"has {width} columns", "fix the number of dimensions on line 1 (column D), "
                 "or remove the extra columns")
    issues: list[ImportedIssue] = []
    cols: list[int] = []
    taken: set[str] = set()
    skipped: list[str] = []
    for d in range(n_dim):
        col = 4 + 2 * d
        name = head.get(col)
        if not name:
            P.append(sheet.problem(head.line, col, "dimension name", "is empty", "name the "
                                   "dimension in the header (e.g. 'Policy Position')"))
            name = f"Dimension {d + 1}"
        iid = make_id(name, taken)
        if wanted is None or iid in wanted or name in wanted:
            issues.append(ImportedIssue(iid, name))
            cols.append(col)
        else:
            skipped.append(name)
    if len(data) != n_act:
        where = data[n_act] if len(data) > n_act else None
        P.append(sheet.problem(
            where.line if where else first.line, None if where else 3,
            "" if where else "number of actors",
            f"line 1 declares {n_act} actor(s); the file has {len(data)} actor row(s)",
            "make the number of actors on line 1 (column C) match the actor rows"))
    actors: list[ImportedActor] = []
    stances: dict[str, dict[str, tuple[Decimal, Decimal, str | None]]] = {}
    ids: set[str] = set()
    seen: dict[str, int] = {}
    notes: list[str] = []
    warnings: list[str] = []
    for row in data:
        _extra_cells(sheet, row, width, P, f"an actor row has {width} columns for "
                     f"{n_dim} dimension(s)", "remove the cell, or fix the number of "
                     "dimensions on line 1")
        name, desc = row.get(1), row.get(2)
        if not name:
            P.append(sheet.problem(row.line, 1, head.get(1) or "Actor", "the actor's name is "
                                   "empty", "give every actor a short name, e.g. 'XJ'"))
            continue
        if name in seen:
            P.append(sheet.problem(row.line, 1, head.get(1) or "Actor", f"actor {name!r} is "
                                   f"listed twice (first on line {seen[name]})",
                                   "give each actor one row, with a distinct name"))
            continue
        seen[name] = row.line
        cap = _positive(sheet, row, 3, head.get(3) or "Power", P)
        aid = make_id(name, ids, "a")
        note = None if aid == name else f"KTAB name: {name}"
        actors.append(ImportedActor(aid, desc or name, cap or Decimal(1), note=note))
        total = Decimal(0)
        for iss, col in zip(issues, cols):
            pos = _in_range(sheet, row, col, head.get(col) or iss.name, Decimal(0), HUNDRED, P)
            sal = _in_range(sheet, row, col + 1, head.get(col + 1) or "salience", Decimal(0),
                            HUNDRED, P)
            if pos is not None and sal is not None:
                stances.setdefault(aid, {})[iss.id] = (pos, sal / HUNDRED, None)
                total += sal
        if total > HUNDRED:
            warnings.append(f"line {row.line}: {name}'s saliences add up to {total}, which "
                            "KTAB refuses (at most 100); detente's SMP scales them down to 100 "
                            "in all, the other models use them as given")
    if P:
        raise ScenarioError(P, sheet.file)
    notes.append("Positions are on KTAB's 0–100 scale; saliences are KTAB's 0–100 values "
                 f"divided by 100; capabilities ('{head.get(3) or 'Power'}') are as given "
                 "(only their ratios matter).")
    return Imported("ktab", sheet.file, actors, issues, stances, title=first.get(1) or None,
                    description=first.get(2) or None, notes=notes, warnings=warnings,
                    skipped=skipped)
