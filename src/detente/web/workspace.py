"""The web app's workspace: a folder of scenario files that the app owns.

A scenario is addressed by its *name*, an id (``^[a-z0-9][a-z0-9_-]{0,63}$``) that maps to
``<workspace>/<name>.yaml`` and to nothing else: no request can name a path. Symbolic links are
never followed (a link in the workspace is treated as missing), and every resolved path is
checked to lie inside the workspace.

Saving is atomic (a temporary file in the same folder, then :func:`os.replace`) and never loses
the last good version: a scenario that does not validate is refused unless the caller forces a
*draft* save, and whenever a save replaces a valid file, that file is first kept as
``.backup/<name>.yaml``. So the backup always holds the last version that validated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import threading
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import DetenteError, Problem, ScenarioError
from ..scenario.starter import starter_text

__all__ = [
    "NAME_PATTERN",
    "Validation",
    "Workspace",
    "WorkspaceError",
    "check_name",
    "validate_text",
]

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_NAME = re.compile(NAME_PATTERN.replace("$", r"\Z"))
MARKER = ".detente-workspace"
BACKUPS = ".backup"
MAX_TEXT = 2 * 1024 * 1024
"""Largest scenario text the app stores (2 MiB; real scenarios are a few kB)."""


class WorkspaceError(DetenteError):
    """A request about the workspace that cannot be done; ``status`` is its HTTP status."""

    status = 400

    def __init__(self, message: str, status: int = 400, problems: list[Problem] | None = None):
        super().__init__(message)
        self.status = status
        self.problems = list(problems or [])


def check_name(name: str) -> str:
    """``name`` if it is a valid scenario name, else a :class:`WorkspaceError` (400).

    >>> check_name("ukraine-2025-02")
    'ukraine-2025-02'
    >>> check_name("../etc/passwd")
    Traceback (most recent call last):
    ...
    detente.web.workspace.WorkspaceError: '../etc/passwd' is not a scenario name: ...
    """
    if not isinstance(name, str) or not _NAME.match(name):
        shown = name if isinstance(name, str) and len(name) <= 80 else "(too long)"
        raise WorkspaceError(
            f"{shown!r} is not a scenario name: use 1–64 lower-case letters, digits, '-' or "
            "'_', starting with a letter or digit (e.g. my-negotiation)")
    return name


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Validation:
    """The result of validating a scenario text: every problem, or a short summary."""

    valid: bool
    problems: tuple[Problem, ...] = ()
    summary: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "problems": [p.to_dict() for p in self.problems],
                "summary": self.summary}


def _unencodable(text: str, file: str) -> Problem | None:
    """A problem for a character that UTF-8 cannot hold (a lone surrogate such as
    ``"\\ud800"`` in the JSON of a request), else None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        before = text[:e.start]
        line = before.count("\n") + 1
        column = e.start - (before.rfind("\n") + 1) + 1
        return Problem(line, column, "", f"character U+{ord(text[e.start]):04X} cannot be "
                       "stored as UTF-8 (a lone surrogate)", "remove it, or send the "
                       "character itself instead of half of a \\u escape pair", file=file)
    return None


def validate_text(text: str, file: str) -> Validation:
    """Validate scenario text as ``detente validate`` does (``file`` labels the problems)."""
    from ..scenario.load import loads_scenario

    bad = _unencodable(text, file)
    if bad is not None:
        return Validation(False, (bad,))
    try:
        s = loads_scenario(text, file=file)
    except ScenarioError as e:
        return Validation(False, tuple(e.problems))
    return Validation(True, (), {
        "id": s.id, "title": s.title, "actors": len(s.actors), "issues": len(s.issues),
        "tables": len(s.tables), "uncertain_parameters": len(s.uncertainty),
        "questions": len(s.questions)})


@dataclass(frozen=True)
class ScenarioInfo:
    """One scenario in the workspace, for listings."""

    name: str
    title: str | None
    valid: bool
    problems: int
    size: int
    modified: str

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class _Cached:
    key: tuple[int, int]
    info: ScenarioInfo


@dataclass
class Workspace:
    """The folder of scenarios (see the module's docstring for its guarantees)."""

    root: Path
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cache: dict[str, _Cached] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: str | os.PathLike[str], *, examples: bool = True) -> Workspace:
        """Open (and create) a workspace. On its first start, an empty workspace receives the
        example scenarios bundled with detente (``examples=False``: none)."""
        path = Path(root).expanduser()
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise WorkspaceError(f"cannot create the workspace folder {path}: {e.strerror}; "
                                 "pass another one with --workspace") from None
        if not path.is_dir():
            raise WorkspaceError(f"the workspace {path} is not a folder; pass a folder with "
                                 "--workspace")
        ws = cls(path.resolve())
        marker = ws.root / MARKER
        if not marker.exists():
            if examples and not any(ws.root.glob("*.yaml")):
                ws._copy_examples()
            marker.write_text("This folder is a detente web app workspace.\n", encoding="utf-8")
        return ws

    def _copy_examples(self) -> None:
        folder = files("detente.web") / "examples"
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            name = item.name.removesuffix(".yaml")
            if item.name.endswith(".yaml") and _NAME.match(name):
                self._write(self.root / item.name, item.read_text(encoding="utf-8"))

    # ------------------------------------------------------------------------ paths
    def path(self, name: str) -> Path:
        """The file of scenario ``name``: inside the workspace, never through a link."""
        p = self.root / f"{check_name(name)}.yaml"
        if p.is_symlink():
            raise WorkspaceError(f"no scenario {name!r} in the workspace", 404)
        if not p.resolve().is_relative_to(self.root) or p.parent != self.root:
            raise WorkspaceError(f"{name!r} is not a scenario name")  # pragma: no cover
        return p

    def _read(self, p: Path, name: str) -> tuple[str, os.stat_result]:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(p, flags)
        except FileNotFoundError:
            raise WorkspaceError(f"no scenario {name!r} in the workspace", 404) from None
        except OSError as e:  # ELOOP: a link put there by hand
            raise WorkspaceError(f"no scenario {name!r} in the workspace ({e.strerror})",
                                 404) from None
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise WorkspaceError(f"no scenario {name!r} in the workspace", 404)
            data = fh.read(MAX_TEXT + 1)
        if len(data) > MAX_TEXT:
            raise WorkspaceError(f"scenario {name!r} is larger than {MAX_TEXT:,} bytes", 413)
        return data.decode("utf-8", "replace"), st

    # ------------------------------------------------------------------------ reading
    def read(self, name: str) -> str:
        """The scenario's text (404 when there is none)."""
        return self._read(self.path(name), name)[0]

    def info(self, name: str) -> ScenarioInfo:
        text, st = self._read(self.path(name), name)
        key = (st.st_mtime_ns, st.st_size)
        hit = self._cache.get(name)
        if hit is not None and hit.key == key:
            return hit.info
        v = validate_text(text, f"{name}.yaml")
        title = v.summary["title"] if v.summary else _title_of(text)
        modified = dt.datetime.fromtimestamp(st.st_mtime, dt.UTC).isoformat(timespec="seconds")
        info = ScenarioInfo(name, title, v.valid, len(v.problems), st.st_size, modified)
        self._cache[name] = _Cached(key, info)
        return info

    def list(self) -> list[ScenarioInfo]:
        """Every scenario in the workspace, by name (links and odd file names are skipped)."""
        out = []
        for p in sorted(self.root.glob("*.yaml")):
            name = p.name.removesuffix(".yaml")
            if not _NAME.match(name) or p.is_symlink() or not p.is_file():
                continue
            try:
                out.append(self.info(name))
            except WorkspaceError:
                continue
        return out

    def backup(self, name: str) -> str | None:
        """The last valid version replaced by a save, if any."""
        p = self.root / BACKUPS / f"{check_name(name)}.yaml"
        if p.parent.is_symlink() or p.is_symlink() or not p.is_file():
            return None  # a link (to a folder or file elsewhere) put there by hand
        return self._read(p, name)[0]

    # ------------------------------------------------------------------------ writing
    def save(self, name: str, text: str, *, force: bool = False,
             base_sha256: str | None = None) -> dict[str, Any]:
        """Validate and save a scenario; returns the validation and what was kept.

        Invalid text is refused (422, with its problems) unless ``force`` (a draft). With
        ``base_sha256`` the save is refused (409) when the file changed since it was read.
        """
        p = self.path(name)
        bad = _unencodable(text, f"{name}.yaml")
        if bad is not None:  # not even a draft can be written
            raise WorkspaceError("not saved: the text has a character UTF-8 cannot hold", 422,
                                 [bad])
        if len(text.encode("utf-8")) > MAX_TEXT:
            raise WorkspaceError(f"the scenario is larger than {MAX_TEXT:,} bytes", 413)
        v = validate_text(text, f"{name}.yaml")
        if not v.valid and not force:
            n = len(v.problems)
            raise WorkspaceError(
                f"not saved: the scenario has {n} problem{'s' if n != 1 else ''}; fix "
                f"{'them' if n != 1 else 'it'}, or save it as a draft (force)", 422,
                list(v.problems))
        with self._lock:
            backed_up = False
            if p.exists():
                old = self.read(name)
                if base_sha256 is not None and sha256(old) != base_sha256:
                    raise WorkspaceError(
                        f"not saved: {name}.yaml changed since you opened it; reload it and "
                        "apply your changes again", 409)
                if old != text and validate_text(old, f"{name}.yaml").valid:
                    backups = self.root / BACKUPS
                    if backups.is_symlink():  # planted by hand: never write through it
                        raise WorkspaceError("not saved: the workspace's backup folder "
                                             f"{backups} is a link; remove it", 500)
                    backups.mkdir(exist_ok=True)
                    self._write(backups / f"{name}.yaml", old)
                    backed_up = True
            elif base_sha256 is not None:
                raise WorkspaceError(f"not saved: {name}.yaml was deleted since you opened it",
                                     409)
            self._write(p, text)
        self._cache.pop(name, None)
        return {"name": name, "saved": True, "draft": not v.valid, "sha256": sha256(text),
                "backup": backed_up, **v.to_dict()}

    def create(self, name: str, template: str = "starter") -> str:
        """A new scenario from the starter template (``template="starter"``) or as a copy of
        another scenario in the workspace; 409 if ``name`` exists."""
        p = self.path(name)
        if template == "starter":
            text = starter_text(name)
        else:
            text = self.read(check_name(template))
        with self._lock:
            if p.exists() or p.is_symlink():
                raise WorkspaceError(f"a scenario {name!r} exists already; choose another name",
                                     409)
            self._write(p, text)
        return text

    def _write(self, path: Path, text: str) -> None:
        try:
            write_text_atomic(path, text, fsync=True, newline="")
        except OSError as e:
            raise WorkspaceError(f"cannot write {path.name}: {e.strerror}", 500) from None


def _title_of(text: str) -> str | None:
    m = re.search(r"(?m)^title:\s*(.+?)\s*$", text)
    return m.group(1).strip("'\"") if m else None
