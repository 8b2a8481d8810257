"""Output as every face writes it: the terminal console, errors on stderr, JSON to stdout or
to a file written atomically. One home for the command line, the run history's commands and
anything else that prints (no face imports another's private helpers)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from ..atomic import write_text_atomic
from ..errors import DetenteError

__all__ = ["CANNOT_WRITE", "OutputError", "console", "emit", "eprint", "write_atomic",
           "write_json"]

CANNOT_WRITE = 73
"""The exit code of an output that cannot be written (EX_CANTCREAT)."""


class OutputError(DetenteError):
    exit_code = CANNOT_WRITE


def console() -> Console:
    """Standard output console, made per call so COLUMNS and redirection are honoured."""
    return Console(highlight=False, soft_wrap=False)


def eprint(text: str) -> None:
    """Errors go to stderr unwrapped, so file:line:col locations stay on one line."""
    sys.stderr.write(text.rstrip("\n") + "\n")


def write_atomic(path: Path, text: str) -> None:
    """Write a file so a reader never sees it half-written and a failure loses nothing
    (:func:`detente.atomic.write_text_atomic`), creating its folder if needed."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the folder {directory}: {e.strerror}") from None
    try:
        write_text_atomic(path, text)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}") from None


def write_json(doc: dict[str, Any], output: Path | None, said: str) -> None:
    """A JSON document to stdout (no output, or '-'), or atomically to a file, then
    ``said.format(path=output)`` on the terminal."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        console().print(said.format(path=output), markup=False)


def emit(data: dict[str, Any] | Callable[[], dict[str, Any]], json_path: str | None,
         render: Callable[[Console], None], what: str = "Results") -> None:
    """JSON to stdout ('-'), or the terminal rendering plus an optional JSON file. ``data`` may
    be a function: then the JSON is made only when it is written."""

    def payload() -> str:
        doc = data() if callable(data) else data
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    if json_path == "-":
        sys.stdout.write(payload())
        return
    con = console()
    render(con)
    if json_path:
        write_atomic(Path(json_path), payload())
        con.print(f"{what} written to {json_path}", markup=False)
