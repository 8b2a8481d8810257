"""``detente import``: a scenario file from a spreadsheet of actors, positions, saliences and
capabilities.

Two layouts are read (:mod:`detente.importer.layouts`): KTAB's SMP CSV input, and a long table
with one row per actor and issue (as in DEU-style data), from CSV, TSV or an .xlsx workbook
(the last needs the optional extra ``detente[xlsx]``). The result is the text of a scenario
file that has been validated by the same loader as every scenario, with a source that names
the imported file cited on every actor, issue and stance. What the file does not say (each
issue's status quo when it has no ``status_quo`` column, the date ``as_of``) is filled with a
stated placeholder and reported as a warning, never guessed silently::

    from detente.importer import import_scenario
    result = import_scenario("SOE-Pol-Comp.csv", as_of="2016-05-10")
    result.scenario      # the validated Scenario
    result.text          # the YAML to save
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..errors import DetenteError, Problem, ScenarioError
from .ktab import parse_ktab
from .layouts import Imported, detect_layout, make_id
from .long import parse_long
from .sheets import read_sheet

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

__all__ = ["IMPORT_HELP", "LAYOUTS", "ImportResult", "import_file", "import_scenario",
           "yaml_number"]

IMPORT_HELP = """Import actors, positions, saliences and capabilities from a spreadsheet into a
scenario file: KTAB's SMP CSV layout, or one row per actor and issue (.csv, .tsv or .xlsx; the
last needs detente[xlsx]). See docs/how-to/import-from-a-spreadsheet.md.

\b
  -o, --output PATH            the scenario file (default FILE.yaml; '-': stdout)
  --force                      overwrite an existing file
  --layout auto|ktab|long      the file's layout (default: told from its first line)
  --issues ISSUE,ISSUE         import only these issues (ids or names as in the file)
  --sheet NAME                 the worksheet of an .xlsx workbook
  --salience-scale auto|1|100  the salience that means the highest attention (long layout)
  --id, --title                the scenario's id and title
  --as-of YYYY-MM-DD           the date the data describe (default: today)
"""
"""The help of ``detente import``."""

LAYOUTS = ("auto", "ktab", "long")
SALIENCE_SCALES = ("auto", "1", "100")
SOURCE_ID = "imported-file"
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_PLAIN = re.compile(r"[^\W\d_][\w .()/&+'-]*")  # starts with a letter; no YAML punctuation


@dataclass(frozen=True)
class ImportResult:
    """The scenario file's text, the validated scenario, and what the user should check."""

    text: str
    scenario: Scenario  # detente.scenario.schema.Scenario
    layout: str
    warnings: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        s = self.scenario
        n = sum(len(v) for v in s.stances.values())
        return (f"{len(s.actors)} actors, {len(s.issues)} issue{'s' * (len(s.issues) != 1)}, "
                f"{n} stance{'s' * (n != 1)}")


def yaml_number(v: Decimal) -> str:
    """A number as YAML reads it back exactly, without an exponent.

    >>> yaml_number(Decimal("44.7") / 100), yaml_number(Decimal("100.0")), yaml_number(Decimal("1E+3"))
    ('0.447', '100', '1000')
    """
    s = format(v.normalize(), "f")
    return "0" if s in ("-0", "+0") else s


def _text(s: str) -> str:
    """A string as a YAML scalar that reads back as itself (in block or flow context)."""
    if _PLAIN.fullmatch(s) and s == s.strip() and yaml.safe_load(s) == s:
        return s
    quoted = json.dumps(s, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    try:
        if yaml.safe_load(quoted) == s:
            return quoted
    except yaml.YAMLError:  # a character YAML does not allow unescaped
        pass
    return json.dumps(s)


def _block(key: str, text: str, indent: str) -> list[str]:
    lines = [f"{indent}{key}: |"]
    for para in text.split("\n"):
        wrapped = textwrap.wrap(para, 88 - len(indent)) or [""]
        lines += [f"{indent}  {w}".rstrip() for w in wrapped]
    return lines


def _flow(pairs: list[tuple[str, str | None]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs if v is not None) + "}"


def _to_yaml(imp: Imported, *, sid: str, title: str, as_of: dt.date, source: str,
             layout_name: str) -> str:
    cite = f"[{SOURCE_ID}]"
    no_sq = [repr(i.name) for i in imp.issues if i.status_quo is None]
    out = [f"# Imported with `detente import` from {' '.join(source.split())} ({layout_name}).",
           "# Check before relying on it: as_of, and every number the file did not give "
           "(see notes)."]
    out += ["detente: 1", f"id: {sid}", f"title: {_text(title)}", f"as_of: {as_of.isoformat()}"]
    if imp.description:
        out.append(f"description: {_text(imp.description)}")
    notes = [f"Imported from {source} with `detente import` ({layout_name})."] + imp.notes
    if no_sq:
        notes.append("The file gives no status quo for " + ", ".join(no_sq) + ": each is set "
                     "to the midpoint of its scale as a placeholder. Replace it with the "
                     "expected course of events without an agreement.")
    if imp.skipped:
        notes.append("Not imported (left out with --issues): " + ", ".join(imp.skipped) + ".")
    out += _block("notes", "\n".join(notes), "")
    out += ["sources:", f"  - id: {SOURCE_ID}", f"    title: {_text(source)}",
            f"    note: {_text(f'The file this scenario was imported from ({layout_name}).')}"]
    out.append("actors:")
    for a in imp.actors:
        out.append("  - " + _flow([("id", _text(a.id)), ("name", _text(a.name)),
                                   ("capability", yaml_number(a.capability)),
                                   ("role", a.role and _text(a.role)),
                                   ("note", a.note and _text(a.note)), ("sources", cite)]))
    out.append("issues:")
    for i in imp.issues:
        sq = i.status_quo if i.status_quo is not None else (i.lo + i.hi) / 2
        out += [f"  - id: {_text(i.id)}", f"    name: {_text(i.name)}",
                f"    scale: [{yaml_number(i.lo)}, {yaml_number(i.hi)}]"]
        if i.unit:
            out.append(f"    unit: {_text(i.unit)}")
        out += [f"    status_quo: {yaml_number(sq)}", f"    sources: {cite}"]
        if i.status_quo is None:
            out.append("    note: Placeholder status quo (the scale's midpoint); the imported "
                       "file gives none.")
    out.append("stances:" if imp.stances else "stances: {}")
    for aid, by_issue in imp.stances.items():
        out.append(f"  {_text(aid)}:")
        for iid, (pos, sal, note) in by_issue.items():
            out.append(f"    {_text(iid)}: " + _flow([
                ("position", yaml_number(pos)), ("salience", yaml_number(sal)),
                ("note", note and _text(note)), ("sources", cite)]))
    return "\n".join(out) + "\n"


def _as_of(value: str | dt.date | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DetenteError(f"--as-of: {value!r} is not a date; write YYYY-MM-DD") from None


def import_scenario(
    path: str | Path,
    *,
    layout: str = "auto",
    issues: list[str] | None = None,
    sheet: str | None = None,
    salience_scale: str = "auto",
    scenario_id: str | None = None,
    title: str | None = None,
    as_of: str | dt.date | None = None,
    output: str | None = None,
) -> ImportResult:
    """Read ``path`` (CSV, TSV or .xlsx) in ``layout`` ('auto', 'ktab' or 'long') and return
    the scenario file's text, validated.

    ``issues`` keeps only these issues (ids or names as in the file); ``sheet`` chooses a
    workbook's worksheet; ``salience_scale`` ('auto', '1' or '100', long layout only) is the
    salience that means the highest attention; ``scenario_id``, ``title`` and ``as_of``
    (default: the file's name, KTAB's scenario name, today) fill the scenario's header.
    ``output`` names the file in the validation's messages. Problems in the input raise
    :class:`~detente.errors.ScenarioError` with each cell's line and column.
    """
    if layout not in LAYOUTS:
        raise DetenteError(f"--layout: {layout!r} is not one of " + ", ".join(LAYOUTS))
    if salience_scale not in SALIENCE_SCALES:
        raise DetenteError(f"--salience-scale: {salience_scale!r} is not one of "
                           + ", ".join(SALIENCE_SCALES))
    if scenario_id is not None and not _ID.fullmatch(scenario_id):
        raise DetenteError(f"--id: {scenario_id!r} is not an id (a letter, then up to 63 "
                           "letters, digits, '-' or '_')")
    day = _as_of(as_of)
    path = Path(path)
    sh = read_sheet(path, sheet=sheet)
    if not sh.rows:
        raise ScenarioError([Problem(None, None, "", "the file holds no data", None,
                                     file=sh.file)], sh.file)
    found = layout if layout != "auto" else detect_layout(sh)
    if found is None:
        raise ScenarioError([sh.problem(
            sh.rows[0].line, None, "", "cannot tell the file's layout from its first line",
            "use KTAB's SMP layout (line 1: name, description, number of actors, number of "
            "dimensions) or a header row with the columns actor, issue, position, salience, "
            "capability; see docs/how-to/import-from-a-spreadsheet.md")], sh.file)
    wanted = None if issues is None else {w.strip() for w in issues if w.strip()}
    if found == "ktab":
        if salience_scale not in ("auto", "100"):
            raise DetenteError("--salience-scale: KTAB's layout fixes saliences on 0–100; "
                               "leave the option out")
        imp = parse_ktab(sh, wanted)
        layout_name = "KTAB SMP layout"
    else:
        imp = parse_long(sh, wanted, salience_scale)
        layout_name = "long layout"
    if wanted is not None:
        have = {i.id for i in imp.issues} | {i.name for i in imp.issues}
        have |= set(imp.skipped) | {make_id(s, set()) for s in imp.skipped}
        unknown = sorted(wanted - have)
        if unknown or not imp.issues:
            names = [i.name for i in imp.issues] + imp.skipped
            raise ScenarioError([Problem(None, None, "--issues", (
                "no such issue: " + ", ".join(unknown)) if unknown else "no issue chosen",
                "the file's issues are " + ", ".join(repr(n) for n in names), file=sh.file)],
                sh.file)
    warnings = list(imp.warnings)
    missing = [repr(i.name) for i in imp.issues if i.status_quo is None]
    if missing:
        warnings.append("no status quo in the file for " + ", ".join(missing) + ": set to "
                        "the midpoint of the scale as a placeholder; edit it in the scenario")
    if as_of is None:
        warnings.append(f"as_of set to today ({day.isoformat()}); give the date the data "
                        "describe with --as-of")
    sid = scenario_id or make_id(path.stem, set())
    text = _to_yaml(imp, sid=sid, title=title or imp.title or path.stem, as_of=day,
                    source=path.name, layout_name=layout_name)
    name = output or f"{path.stem}.yaml"
    try:
        from ..scenario.load import loads_scenario  # here: `detente --help` stays light

        scenario = loads_scenario(text, file=name)
    except ScenarioError as e:  # a check that only the whole scenario can make
        raise ScenarioError(list(e.problems), f"{name} (imported from {sh.file})") from None
    return ImportResult(text, scenario, found, tuple(warnings))


def import_file(file: str | Path, output: str | Path | None = None, *, force: bool = False,
                **options) -> tuple[ImportResult, Path | None]:
    """:func:`import_scenario` for ``detente import``: also where to write the result.

    ``output`` defaults to ``file`` with the suffix .yaml; '-' means standard output (returned
    as None). An existing file is never replaced without ``force``, and the input never.
    """
    file = Path(file)
    path = file.with_suffix(".yaml") if output is None else Path(output)
    if str(path) == "-":
        return import_scenario(file, output="<stdout>", **options), None
    if path.exists() and (not force or path.resolve() == file.resolve()):
        if path.resolve() == file.resolve():
            raise DetenteError(f"{path} is the file being imported; choose another name with -o")
        raise DetenteError(f"{path} already exists; nothing was changed (use --force to "
                           "overwrite, or choose another name with -o)")
    return import_scenario(file, output=str(path), **options), path
