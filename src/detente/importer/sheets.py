"""Reading a spreadsheet (CSV, TSV or .xlsx) into rows of text cells that know where they are.

Every cell keeps its line (row) and column, so that whatever is wrong with it can be reported
as ``file:line:column``. Nothing is dropped here: rows whose cells are all empty are the only
rows left out, and they hold nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import DetenteError, Problem, ScenarioError

__all__ = ["MAX_BYTES", "Row", "Sheet", "column_letter", "number", "read_sheet"]

MAX_BYTES = 10 * 1024 * 1024
"""Largest file accepted (10 MiB), as for scenario files."""

XLSX_EXTRA = "pip install 'detente[xlsx]'"

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


@dataclass(frozen=True)
class Row:
    """One row of the sheet: its line (1-based) and its cells, whitespace stripped."""

    line: int
    cells: tuple[str, ...]

    def get(self, column: int) -> str:
        """The cell in ``column`` (1-based); '' beyond the row's end."""
        return self.cells[column - 1] if 0 < column <= len(self.cells) else ""


@dataclass(frozen=True)
class Sheet:
    """The rows of one table and how to name places in it."""

    file: str  # shown in messages: the path, and the worksheet of a workbook
    rows: tuple[Row, ...]
    decimal_comma: bool = False  # ';' or tab separated: '0,5' is a number
    kind: str = "csv"  # 'csv' or 'xlsx'

    def problem(self, line: int | None, column: int | None, what: str, message: str,
                hint: str | None = None) -> Problem:
        """A problem at a cell; ``what`` names the column (its header) or the field."""
        path = what
        if column is not None:
            path = f"{what} (column {column_letter(column)})" if what else \
                f"column {column_letter(column)}"
        return Problem(line, column, path, message, hint, file=self.file)


def column_letter(n: int) -> str:
    """A 1-based column number as a spreadsheet's letters.

    >>> column_letter(1), column_letter(26), column_letter(28)
    ('A', 'Z', 'AB')
    """
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def number(text: str, decimal_comma: bool = False) -> Decimal | None:
    """A cell's number, exactly as written (a Decimal), or None when it is not a finite number.

    >>> number("44.7"), number(" 1e3"), number("0,5", decimal_comma=True), number("45%")
    (Decimal('44.7'), Decimal('1E+3'), Decimal('0.5'), None)
    """
    t = text.strip()
    if decimal_comma and _DECIMAL_COMMA.fullmatch(t):
        t = t.replace(",", ".")
    if not _NUMBER.fullmatch(t):
        return None
    try:
        v = Decimal(t)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None
    return v if v.is_finite() else None


def _fail(file: str, message: str, hint: str | None = None, line: int | None = None) -> None:
    raise ScenarioError([Problem(line, None, "", message, hint, file=file)], file)


def read_sheet(path: Path, *, sheet: str | None = None) -> Sheet:
    """The rows of a CSV/TSV file or of one worksheet of an .xlsx workbook."""
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".ods", ".numbers"):
        _fail(file, f"{suffix} files cannot be read",
              "save the sheet as .xlsx or as CSV (UTF-8) and import that")
    if not path.exists():
        _fail(file, "no such file", "check the path")
    if path.is_dir():
        _fail(file, "this is a directory, not a file", "pass a .csv, .tsv or .xlsx file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        _fail(file, f"the file is {size / 1024 / 1024:.1f} MB; the limit is 10 MB")
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if sheet is not None:
        _fail(file, "--sheet applies to .xlsx workbooks only", "leave --sheet out for a CSV file")
    try:
        data = path.read_bytes()
    except OSError as e:
        _fail(file, f"cannot read the file: {e.strerror}")
    return _read_csv(data, file, tab=suffix in (".tsv", ".tab"))


def _decode(data: bytes, file: str) -> str:
    if data.startswith(b"PK\x03\x04"):
        _fail(file, "this is a workbook (.xlsx), not a CSV text file",
              "give the file the .xlsx extension, or save the sheet as CSV")
    if b"\x00" in data:
        _fail(file, "this is not a text file (it holds NUL bytes)",
              "export the sheet as CSV (UTF-8)", line=data[: data.index(b"\x00")].count(b"\n") + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        _fail(file, f"this is not UTF-8 text (byte 0x{data[e.start]:02x})",
              "save it as 'CSV UTF-8' (in Excel: File › Save As › CSV UTF-8)", line=line)
    raise AssertionError  # pragma: no cover


def _records(text: str, delimiter: str) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of every record, or csv.Error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True)
    out = []
    last = 0
    for fields in reader:
        out.append((last + 1, reader.line_num, fields))
        last = reader.line_num
    return out


def _looks_like_table(records: list[tuple[int, int, list[str]]]) -> bool:
    """Whether a delimiter splits the first two rows into several cells."""
    rows = [f for _a, _b, f in records if any(c.strip() for c in f)][:2]
    return bool(rows) and all(len(f) >= 3 for f in rows)


def _read_csv(data: bytes, file: str, *, tab: bool) -> Sheet:
    text = _decode(data, file)
    if not text.strip():
        _fail(file, "the file is empty", "export the sheet with its header row and data")
    delimiter = "\t" if tab else ","
    said = re.match(r"sep=(.)\r?\n", text)  # Excel's first line naming the separator
    if said:  # (left as a blank line, so that line numbers stay true)
        delimiter, text = said.group(1), "\n" + text[said.end():]
    try:
        records = _records(text, delimiter)
        if not (tab or said) and not _looks_like_table(records):  # ';' separated (Europe)
            for other in (";", "\t"):
                alt = _records(text, other)
                if _looks_like_table(alt):
                    delimiter, records = other, alt
                    break
    except csv.Error as e:  # pragma: no cover - the lenient reader raises only on NUL bytes
        _fail(file, f"cannot read the file as CSV: {e}")
    rows = []
    problems = []
    for first, last, fields in records:
        cells = tuple(c.strip() for c in fields)
        if not any(cells):
            continue
        if last > first or any("\n" in c or "\r" in c for c in cells):
            problems.append(Problem(
                first, None, "", f"this row runs over lines {first}–{last}: a quotation mark "
                "is not closed, or a cell holds a line break",
                "close the quote (\"…\"), or remove the line break from the cell", file=file))
            continue
        rows.append(Row(first, cells))
    if problems:
        raise ScenarioError(problems, file)
    return Sheet(file, tuple(rows), decimal_comma=delimiter != ",")


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, float):
        return repr(v)  # the shortest text that reads back as the same number
    return str(v).strip()


def _read_xlsx(path: Path, sheet: str | None) -> Sheet:
    file = str(path)
    try:
        import openpyxl
    except ImportError:
        raise DetenteError(f"{file}: reading .xlsx workbooks needs the optional extra "
                           f"(openpyxl is missing): {XLSX_EXTRA}; or save the sheet as CSV "
                           "(UTF-8) and import that") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # a damaged or encrypted workbook: openpyxl raises many kinds
        _fail(file, f"cannot read the workbook: {e}", "open it in a spreadsheet program and "
              "save it again as .xlsx, or save the sheet as CSV (UTF-8)")
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            _fail(file, f"there is no worksheet {sheet!r}",
                  "the worksheets are " + ", ".join(repr(n) for n in names))
        tables = {}
        for name in names if sheet is None else [sheet]:
            rows = []
            for k, values in enumerate(book[name].iter_rows(values_only=True), start=1):
                cells = tuple(_cell_text(v) for v in values)
                if any(cells):
                    rows.append(Row(k, cells))
            if rows:
                tables[name] = rows
    finally:
        book.close()
    if not tables:
        _fail(file if sheet is None else f"{file}[{sheet}]", "the worksheet is empty"
              if sheet else "the workbook holds no data", "put the header row and data in it")
    if len(tables) > 1:
        _fail(file, f"the workbook has {len(tables)} worksheets with data: "
              + ", ".join(repr(n) for n in tables),
              "choose the one to import with --sheet NAME")
    name, rows = next(iter(tables.items()))
    return Sheet(f"{file}[{name}]", tuple(rows), kind="xlsx")
