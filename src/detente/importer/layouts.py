"""The two spreadsheet layouts ``detente import`` reads, each into the same :class:`Imported`.

**KTAB** (the CSV input of KAPSARC's KTAB Spatial Model of Politics, ``smpc --csv``): line 1
holds the scenario's name, its description, the number of actors and the number of dimensions;
line 2 is a header ``Actor, Description, Power, <dimension>, <salience>, …`` with one
position/salience pair of columns per dimension; then one row per actor: name, description,
capability, and a position (0–100) and salience (0–100, at most 100 in all per actor) per
dimension. A trailing comma on any line is allowed, as in KTAB's own examples.

**Long** (one row per actor and issue, as in DEU-style data): a header row naming the columns,
in any order: ``actor``, ``issue``, ``position``, ``salience``, ``capability`` (required) and
``actor_name``, ``role``, ``issue_name``, ``unit``, ``scale_min``, ``scale_max``,
``status_quo``, ``note`` (optional). Capability, name and role belong to the actor and the
issue columns to the issue: give them on one of its rows or repeat them, but never differently.

Every cell is either used or refused with its place: nothing in the file is dropped silently.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import Problem
from .sheets import Row, Sheet, number

__all__ = ["COLUMNS", "HUNDRED", "REQUIRED", "Imported", "ImportedActor", "ImportedIssue",
           "detect_layout", "make_id"]

HUNDRED = Decimal(100)
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")

COLUMNS: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "actor_id"),
    "issue": ("issue", "issue_id"),
    "position": ("position",),
    "salience": ("salience",),
    "capability": ("capability", "power", "influence"),
    "actor_name": ("actor_name",),
    "role": ("role",),
    "issue_name": ("issue_name",),
    "unit": ("unit",),
    "scale_min": ("scale_min", "scale_lo"),
    "scale_max": ("scale_max", "scale_hi"),
    "status_quo": ("status_quo", "reference_point"),
    "note": ("note",),
}
"""The long layout's columns and the headers accepted for each (case and spaces ignored)."""
REQUIRED = ("actor", "issue", "position", "salience", "capability")

@dataclass
class ImportedActor:
    id: str
    name: str
    capability: Decimal
    role: str | None = None
    note: str | None = None


@dataclass
class ImportedIssue:
    id: str
    name: str
    lo: Decimal = Decimal(0)
    hi: Decimal = HUNDRED
    status_quo: Decimal | None = None
    unit: str | None = None


@dataclass
class Imported:
    """What a file holds, in detente's terms: saliences already on [0, 1]."""

    layout: str
    file: str
    actors: list[ImportedActor]
    issues: list[ImportedIssue]
    stances: dict[str, dict[str, tuple[Decimal, Decimal, str | None]]]
    title: str | None = None
    description: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # issues left out (--issues)


def make_id(text: str, taken: set[str], prefix: str = "i") -> str:
    """A scenario id for ``text``: itself when it is one, else a lower-case slug (after
    ``prefix`` when it does not start with a letter); unique among ``taken``.

    >>> make_id("XJ", set()), make_id("Policy Position", set()), make_id("Österreich", set())
    ('XJ', 'policy-position', 'osterreich')
    >>> make_id("2nd issue", {"i-2nd-issue"})
    'i-2nd-issue-2'
    """
    t = text.strip()
    if not _ID.fullmatch(t):
        t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
        t = re.sub(r"[^A-Za-z0-9_-]+", "-", t).strip("-_").lower()
        if not t[:1].isalpha():
            t = f"{prefix}-{t}".rstrip("-")
        t = t[:60]
    base, k = t, 2
    while t in taken:
        t, k = f"{base[:60]}-{k}", k + 1
    taken.add(t)
    return t


def _count(text: str) -> int | None:
    v = number(text)
    return int(v) if v is not None and v == v.to_integral_value() and v >= 0 else None


def detect_layout(sheet: Sheet) -> str | None:
    """'ktab', 'long', or None when the first rows fit neither layout."""
    if not sheet.rows:
        return None
    first = sheet.rows[0]
    if _count(first.get(3)) is not None and _count(first.get(4)) is not None:
        return "ktab"
    heads = {_norm(c) for c in first.cells}
    if {"actor", "issue"} <= {_canonical(h) for h in heads}:
        return "long"
    return None


def _norm(header: str) -> str:
    return re.sub(r"[\s-]+", "_", header.strip().lower())


def _canonical(header: str) -> str | None:
    for name, aliases in COLUMNS.items():
        if header in aliases:
            return name
    return None


def _extra_cells(sheet: Sheet, row: Row, width: int, problems: list[Problem], why: str,
                 hint: str) -> None:
    for c in range(width + 1, len(row.cells) + 1):
        if row.get(c):
            problems.append(sheet.problem(row.line, c, "", f"{why}; got {row.get(c)!r}", hint))

def _num(sheet: Sheet, row: Row, col: int, what: str, P: list[Problem]) -> Decimal | None:
    text = row.get(col)
    if not text:
        P.append(sheet.problem(row.line, col, what, "is empty", "write a number"))
        return None
    v = number(text, sheet.decimal_comma)
    if v is None:
        P.append(sheet.problem(row.line, col, what, f"must be a number; got {text!r}",
                               "write a plain number such as 45 or 0.8 (no % sign or units)"))
    return v


def _positive(sheet: Sheet, row: Row, col: int, what: str, P: list[Problem]) -> Decimal | None:
    v = _num(sheet, row, col, what, P)
    if v is not None and v <= 0:
        P.append(sheet.problem(row.line, col, what, f"must be above 0; got {row.get(col)}",
                               "give the actor a positive capability (only ratios matter), "
                               "or remove the actor"))
        return None
    return v


def _in_range(sheet: Sheet, row: Row, col: int, what: str, lo: Decimal, hi: Decimal,
              P: list[Problem]) -> Decimal | None:
    v = _num(sheet, row, col, what, P)
    if v is not None and not lo <= v <= hi:
        P.append(sheet.problem(row.line, col, what, f"must be within [{lo}, {hi}]; got "
                               f"{row.get(col)}", f"write a value from {lo} to {hi}"))
        return None
    return v
