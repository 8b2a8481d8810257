"""The long layout: one row per actor and issue (see :mod:`detente.importer.layouts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import Problem, ScenarioError
from ..scenario.located import did_you_mean
from .layouts import (COLUMNS, HUNDRED, REQUIRED, Imported, ImportedActor, ImportedIssue,
                      _canonical, _extra_cells, _norm, _num, make_id)
from .sheets import Row, Sheet, column_letter, number

__all__ = ["parse_long"]


@dataclass
class _Agreed:
    """Values given for one actor or issue on several rows: they must agree."""

    first_line: int
    values: dict[str, tuple[str, int, int]] = field(default_factory=dict)


def _agree(sheet: Sheet, rec: _Agreed, key: str, label: str, what: str, row: Row, col: int,
           P: list[Problem]) -> None:
    text = row.get(col)
    if not text:
        return
    if key not in rec.values:
        rec.values[key] = (text, row.line, col)
        return
    old, line, _ = rec.values[key]
    same = old == text
    if not same:
        a, b = number(old, sheet.decimal_comma), number(text, sheet.decimal_comma)
        same = a is not None and a == b
    if not same:
        P.append(sheet.problem(row.line, col, what, f"{label} has {what} {old!r} on line "
                               f"{line} but {text!r} here", f"give one {what} for {label}: the "
                               "same on every row, or on one row only"))


def parse_long(sheet: Sheet, wanted: set[str] | None, salience_scale: str) -> Imported:
    """A table with one row per actor and issue (see the module's description)."""
    P: list[Problem] = []
    head, data = sheet.rows[0], sheet.rows[1:]
    col: dict[str, int] = {}
    allowed = [a for aliases in COLUMNS.values() for a in aliases]
    for c, text in enumerate(head.cells, start=1):
        if not text:
            if any(r.get(c) for r in data):
                P.append(sheet.problem(head.line, c, "", "this column has no header but holds "
                                       "data", "head it with one of: " + ", ".join(COLUMNS)))
            continue
        name = _canonical(_norm(text))
        if name is None:
            guess = did_you_mean(_norm(text), allowed)
            P.append(sheet.problem(head.line, c, text, "unknown column", (
                f"did you mean '{guess}'? " if guess else "") + "the columns are "
                + ", ".join(COLUMNS) + "; rename or delete this one"))
        elif name in col:
            P.append(sheet.problem(head.line, c, text, f"a second '{name}' column (the first "
                                   f"is column {column_letter(col[name])})",
                                   "keep one of the two columns"))
        else:
            col[name] = c
    for name in REQUIRED:
        if name not in col:
            P.append(sheet.problem(head.line, None, "", f"the '{name}' column is missing",
                                   "the long layout needs the columns " + ", ".join(REQUIRED)))
    if not data:
        P.append(sheet.problem(head.line, None, "", "the header has no data rows below it",
                               "add one row per actor and issue"))
    if P:
        raise ScenarioError(P, sheet.file)
    actors: dict[str, _Agreed] = {}
    issues: dict[str, _Agreed] = {}
    given: dict[tuple[str, str], int] = {}
    raw: dict[tuple[str, str], tuple[Row, Decimal, Decimal]] = {}
    empty_rows = 0
    skipped: list[str] = []
    for row in data:
        _extra_cells(sheet, row, len(head.cells), P, "this cell is right of the last column "
                     "with a header", "give the column a header, or delete the cell")
        a, i = row.get(col["actor"]), row.get(col["issue"])
        if not a or not i:
            for k in ("actor", "issue"):
                if not row.get(col[k]):
                    P.append(sheet.problem(row.line, col[k], k, "is empty", "every row names "
                                           "an actor and an issue; fill it in or delete the row"))
            continue
        rec = actors.setdefault(a, _Agreed(row.line))
        for k in ("capability", "actor_name", "role"):
            if k in col:
                _agree(sheet, rec, k, f"actor {a!r}", k, row, col[k], P)
        if wanted is not None and i not in wanted and make_id(i, set()) not in wanted:
            if i not in skipped:
                skipped.append(i)
            continue
        irec = issues.setdefault(i, _Agreed(row.line))
        for k in ("issue_name", "unit", "status_quo", "scale_min", "scale_max"):
            if k in col:
                _agree(sheet, irec, k, f"issue {i!r}", k, row, col[k], P)
        if (a, i) in given:
            P.append(sheet.problem(row.line, col["issue"], "issue", f"actor {a!r} on issue "
                                   f"{i!r} is given twice (first on line {given[a, i]})",
                                   "keep one row per actor and issue"))
            continue
        given[a, i] = row.line
        ptext, stext = row.get(col["position"]), row.get(col["salience"])
        if not ptext and (not stext or number(stext, sheet.decimal_comma) == 0):
            empty_rows += 1  # DEU-style data: no position (and salience 0 or none)
            if "note" in col and row.get(col["note"]):
                P.append(sheet.problem(row.line, col["note"], "note", "a note on a row without "
                                       "a position", "give the position and salience, or move "
                                       "the note to the scenario file"))
            continue
        pos = _num(sheet, row, col["position"], "position", P)
        sal = _num(sheet, row, col["salience"], "salience", P)
        if pos is not None and sal is not None:
            raw[a, i] = (row, pos, sal)
    divisor = _salience_divisor(salience_scale, [s for _r, _p, s in raw.values()])
    result = _long_result(sheet, col, actors, issues, raw, divisor, P)
    if P:
        raise ScenarioError(P, sheet.file)
    result.skipped = skipped
    if empty_rows:
        result.notes.append(f"{empty_rows} row(s) give no position (and no salience, or 0): "
                            "those actors have no stance on those issues.")
    if salience_scale == "auto" and divisor == 1:
        result.warnings.append("every salience is at most 1, so they were read on a 0–1 scale; "
                               "if they are percentages, import with --salience-scale 100")
    return result


def _salience_divisor(scale: str, values: list[Decimal]) -> Decimal:
    if scale == "auto":
        return HUNDRED if any(v > 1 for v in values) else Decimal(1)
    return Decimal(scale)


def _long_result(sheet: Sheet, col: dict[str, int], actors: dict[str, _Agreed],
                 issues: dict[str, _Agreed], raw: dict[tuple[str, str], tuple[Row, Decimal,
                 Decimal]], divisor: Decimal, P: list[Problem]) -> Imported:
    def value(rec: _Agreed, key: str) -> tuple[str, int, int] | None:
        return rec.values.get(key)

    def num(rec: _Agreed, key: str) -> Decimal | None:
        v = value(rec, key)
        if v is None:
            return None
        n = number(v[0], sheet.decimal_comma)
        if n is None:
            P.append(sheet.problem(v[1], v[2], key, f"must be a number; got {v[0]!r}",
                                   "write a plain number"))
        return n

    out_actors, ids = {}, set()
    for a, rec in actors.items():
        cap = num(rec, "capability")
        if cap is None and value(rec, "capability") is None:
            P.append(sheet.problem(rec.first_line, col["capability"], "capability",
                                   f"actor {a!r} has no capability on any of its rows",
                                   "give its capability on one of its rows"))
        elif cap is not None and cap <= 0:
            v = value(rec, "capability")
            assert v is not None
            P.append(sheet.problem(v[1], v[2], "capability", f"must be above 0; got {v[0]}",
                                   "give the actor a positive capability (only ratios "
                                   "matter), or remove its rows"))
        name, role = value(rec, "actor_name"), value(rec, "role")
        out_actors[a] = ImportedActor(make_id(a, ids, "a"), name[0] if name else a, cap or Decimal(1),
                                      role=role[0] if role else None)
    out_issues, iids = {}, set()
    for i, rec in issues.items():
        lo, hi = num(rec, "scale_min"), num(rec, "scale_max")
        lo = Decimal(0) if lo is None else lo
        hi = HUNDRED if hi is None else hi
        iss = ImportedIssue(make_id(i, iids), (value(rec, "issue_name") or (i,))[0], lo, hi,
                            num(rec, "status_quo"), (value(rec, "unit") or (None,))[0])
        if lo >= hi:
            v = value(rec, "scale_max") or value(rec, "scale_min")
            assert v is not None
            P.append(sheet.problem(v[1], v[2], "scale", f"the scale of issue {i!r}, [{lo}, "
                                   f"{hi}], is empty or reversed", "scale_min must be below scale_max"))
        elif iss.status_quo is not None and not lo <= iss.status_quo <= hi:
            v = value(rec, "status_quo")
            assert v is not None
            P.append(sheet.problem(v[1], v[2], "status_quo", f"must be within the issue's "
                                   f"scale [{lo}, {hi}]; got {v[0]}", "move it into the scale, "
                                   "or widen the scale (scale_min, scale_max)"))
        out_issues[i] = iss
    stances: dict[str, dict[str, tuple[Decimal, Decimal, str | None]]] = {}
    salient: set[str] = set()
    for (a, i), (row, pos, sal) in raw.items():
        iss = out_issues[i]
        if not iss.lo <= pos <= iss.hi:
            P.append(sheet.problem(row.line, col["position"], "position", f"must be within "
                                   f"the scale of issue {i!r}, [{iss.lo}, {iss.hi}]; got "
                                   f"{row.get(col['position'])}", "fix the position, or give "
                                   "the issue's scale in scale_min and scale_max columns"))
        if not 0 <= sal <= divisor:
            P.append(sheet.problem(row.line, col["salience"], "salience", f"must be within "
                                   f"[0, {divisor}]; got {row.get(col['salience'])}",
                                   f"saliences run from 0 (no interest) to {divisor} (the "
                                   "highest attention)"))
        if sal > 0:
            salient.add(i)
        note = row.get(col["note"]) if "note" in col else ""
        stances.setdefault(out_actors[a].id, {})[iss.id] = (pos, sal / divisor, note or None)
    for i, rec in issues.items():
        if i not in salient and not P:  # (a problem above may be the reason)
            P.append(sheet.problem(rec.first_line, col["issue"], "issue", f"no actor has a "
                                   f"salience above 0 on issue {i!r}", "give some actor a "
                                   "salience above 0, or leave the issue out (--issues)"))
    scale = "0–100 scale, divided by 100" if divisor == HUNDRED else "0–1 scale, as given"
    notes = [f"Saliences were read on a {scale}; positions are on each issue's scale; "
             "capabilities are as given (only their ratios matter)."]
    return Imported("long", sheet.file, list(out_actors.values()), list(out_issues.values()),
                    stances, notes=notes)
