"""Errors detente reports to its users.

Every problem a user can fix is a :class:`Problem` with a location (file, line,
column, field path), a message and a hint. A :class:`ScenarioError` carries all
problems found in one file, so a user sees everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DetenteError", "Problem", "ScenarioError"]


class DetenteError(Exception):
    """Base class for errors that are the user's to fix (shown without a traceback)."""

    exit_code = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, where it is, and how to fix it."""

    line: int | None
    column: int | None
    path: str
    message: str
    hint: str | None = None
    file: str = field(default="<string>", compare=False)

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.path + ': ' if self.path else ''}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class ScenarioError(DetenteError):
    """A scenario could not be loaded; ``problems`` lists every reason."""

    exit_code = 65  # EX_DATAERR

    def __init__(self, problems: list[Problem], file: str = "<string>"):
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.path))
        self.file = file
        n = len(self.problems)
        head = f"{file}: {n} problem{'s' if n != 1 else ''} found"
        super().__init__(head + "\n" + "\n".join(p.format() for p in self.problems))
