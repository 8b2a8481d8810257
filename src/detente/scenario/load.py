"""Load a scenario file: YAML with positions → validated, immutable :class:`Scenario`.

Loading is all-or-nothing. Every problem found (YAML syntax, types, ranges,
unknown keys, dangling references, …) is collected and raised at once as a
:class:`~detente.errors.ScenarioError` whose problems carry file, line, column,
field path and a hint. Nothing in the file is ever evaluated as code: YAML is
read with the safe loader, and distributions are parsed by a small grammar.

Defences against hostile or broken input: a size limit checked before reading,
binary detection, a cap on the number of nodes after alias expansion (YAML
"billion laughs"), a nesting-depth cap (also catches recursive aliases).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import Problem, ScenarioError
from .located import PathT, Positions, _fmt, did_you_mean  # noqa: F401  (re-exported)
from .schema import Scenario

M = TypeVar("M", bound=BaseModel)

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "load_scenario", "loads_scenario", "read_yaml",
           "scenario_from_data"]

MAX_BYTES = 10 * 1024 * 1024
"""Largest scenario file accepted (10 MiB). Real scenarios are a few kB."""
MAX_NODES = 200_000
"""Most YAML nodes after alias expansion (guards against alias bombs)."""
MAX_DEPTH = 64
"""Deepest nesting accepted."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)



class _TooBig(Exception):
    pass


class _TooDeep(Exception):
    pass


def _walk(node: yaml.Node, problems: list[Problem], file: str) -> tuple[Any, Positions]:
    """Build plain Python data from a composed node tree, recording positions."""
    ctor = yaml.constructor.SafeConstructor()
    values: dict[PathT, tuple[int, int]] = {}
    keys: dict[PathT, tuple[int, int]] = {}
    starts: dict[PathT, int] = {}
    count = 0

    def pos(n: yaml.Node) -> tuple[int, int]:
        return n.start_mark.line + 1, n.start_mark.column + 1

    def bad_tag(n: yaml.Node, path: PathT) -> None:
        line, col = pos(n)
        problems.append(Problem(line, col, _fmt(path),
                                f"unsupported YAML tag {_show_tag(n.tag)!r}",
                                "remove the tag; scenario files hold plain values only",
                                file=file))

    def scalar(n: yaml.Node, path: PathT) -> Any:
        try:
            return ctor.construct_object(n, deep=True)
        except yaml.constructor.ConstructorError:
            bad_tag(n, path)
        except (ValueError, OverflowError) as e:
            line, col = pos(n)
            if n.tag == "tag:yaml.org,2002:timestamp":
                msg = f"{n.value!r} is not a valid date ({e})"
                hint = "write the date as YYYY-MM-DD, e.g. 2025-02-15"
            else:
                msg, hint = f"cannot read {n.value!r} ({e})", None
            problems.append(Problem(line, col, _fmt(path), msg, hint, file=file))
        return n.value

    def build(n: yaml.Node, path: PathT, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _TooBig
        if depth > MAX_DEPTH:
            raise _TooDeep
        values[path] = pos(n)
        if isinstance(n, yaml.ScalarNode):
            v = scalar(n, path)
            off = 1 if n.style in ("'", '"') else 0 if not n.style else None
            if (off is not None and isinstance(v, str)
                    and n.start_mark.line == n.end_mark.line
                    and n.end_mark.column - n.start_mark.column == len(v) + 2 * off):
                starts[path] = off
            return v
        if isinstance(n, yaml.SequenceNode):
            if n.tag != "tag:yaml.org,2002:seq":
                bad_tag(n, path)
            return [build(c, path + (i,), depth + 1) for i, c in enumerate(n.value)]
        if isinstance(n, yaml.MappingNode):
            if n.tag != "tag:yaml.org,2002:map":
                bad_tag(n, path)
            out: dict[Any, Any] = {}
            for knode, vnode in n.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    line, col = pos(knode)
                    problems.append(
                        Problem(line, col, _fmt(path), "merge keys ('<<') are not supported",
                                "write the fields out in full", file=file)
                    )
                    continue
                if not isinstance(knode, yaml.ScalarNode):
                    line, col = pos(knode)
                    problems.append(
                        Problem(line, col, _fmt(path), "a mapping key must be a plain value",
                                "use a name or number as the key", file=file)
                    )
                    continue
                k = scalar(knode, path)
                try:
                    hash(k)
                except TypeError:  # pragma: no cover - scalars are hashable
                    k = str(k)
                if k in out:
                    line, col = pos(knode)
                    first = keys.get(path + (k,), (None, None))[0]
                    problems.append(
                        Problem(line, col, _fmt(path + (k,)),
                                f"duplicate key {k!r} (first defined at line {first})",
                                "remove one of the two entries or give it another name",
                                file=file)
                    )
                    continue
                keys[path + (k,)] = pos(knode)
                out[k] = build(vnode, path + (k,), depth + 1)
            return out
        raise TypeError(f"unexpected YAML node {n!r}")  # pragma: no cover

    data = build(node, (), 0)
    return data, Positions(values, keys, starts)


def _show_tag(tag: str) -> str:
    """A tag as it is written in the file: 'tag:yaml.org,2002:python/…' → '!!python/…'."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag




def read_model(text: str | bytes, model: type[M], *, file: str) -> tuple[M, Any, Positions]:
    """Read a YAML (or JSON) file's text into the pydantic ``model``: (the model, the plain
    data, their positions); every problem located in the file (line, field), as for
    scenarios."""
    from .messages import pydantic_problems

    if not text.strip():
        raise ScenarioError([Problem(1, 1, "", "the file is empty", None, file=file)], file)
    data, positions, problems = read_yaml(text, file=file)
    if problems:
        raise ScenarioError(problems, file)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(1, 1, "", "expected a mapping of fields", None,
                                     file=file)], file)
    try:
        return model.model_validate(data), data, positions
    except ValidationError as e:
        raise ScenarioError(pydantic_problems(e, data, positions, file, model), file) from None


def read_yaml(
    text: str | bytes, *, file: str = "<string>"
) -> tuple[Any, Positions, list[Problem]]:
    """Parse YAML safely into plain data, positions and non-fatal problems (duplicate keys).

    Fatal problems (syntax, size, binary, bombs) raise ScenarioError at once.
    """
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise ScenarioError([_too_large(size, file)], file)
    if isinstance(text, bytes):
        text = _decode(text, file)
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise ScenarioError([_empty(file)], file)
    problems: list[Problem] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as e:
        if "nesting depth" in str(e.problem):  # libyaml's own depth limit
            raise ScenarioError([_too_deep(file)], file) from None
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        msg = f"YAML syntax error: {e.problem or e.context}"
        if e.context and e.problem:
            msg += f" ({e.context})"
        raise ScenarioError(
            [Problem(line, col, "", msg,
                     "check indentation (spaces, not tabs), colons and quotes around this line",
                     file=file)],
            file,
        ) from None
    except yaml.YAMLError as e:
        raise ScenarioError([Problem(None, None, "", f"YAML error: {e}", None, file=file)],
                            file) from None
    except RecursionError:
        raise ScenarioError([_too_deep(file)], file) from None
    nodes = [n for n in nodes if n is not None]
    if len(nodes) != 1:
        if not nodes:
            raise ScenarioError([_empty(file)], file)
        line = nodes[1].start_mark.line + 1
        raise ScenarioError(
            [Problem(line, 1, "", "the file holds more than one YAML document ('---')",
                     "keep one scenario per file", file=file)],
            file,
        )
    try:
        data, positions = _walk(nodes[0], problems, file)
    except _TooBig:
        raise ScenarioError(
            [Problem(None, None, "",
                     f"the file expands to more than {MAX_NODES:,} values "
                     "(aliases/anchors expanded); refusing to load it",
                     "this looks like a YAML alias bomb; write the values out instead of "
                     "nesting aliases", file=file)],
            file,
        ) from None
    except (_TooDeep, RecursionError):
        raise ScenarioError([_too_deep(file)], file) from None
    return data, positions, problems


def _empty(file: str) -> Problem:
    return Problem(1, 1, "", "the file is empty",
                   "start from a template: `detente new NAME` writes a commented scenario",
                   file=file)


def _too_deep(file: str) -> Problem:
    return Problem(None, None, "",
                   f"the file nests deeper than {MAX_DEPTH} levels (or an alias refers to itself)",
                   "a scenario needs only a few levels of nesting", file=file)


def _too_large(size: int, file: str) -> Problem:
    return Problem(None, None, "",
                   f"the file is {size / 1024 / 1024:.1f} MB; the limit is "
                   f"{MAX_BYTES / 1024 / 1024:.0f} MB",
                   "a scenario is a few kilobytes of YAML; is this the right file?", file=file)


def _decode(data: bytes, file: str) -> str:
    if b"\x00" in data[:65536]:
        raise ScenarioError(
            [Problem(None, None, "",
                     "this is not a text file (it contains NUL bytes)",
                     "scenario files are UTF-8 YAML text; check the file name", file=file)],
            file,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        text = data[: e.start].decode("utf-8", "replace")
        line = text.count("\n") + 1
        col = len(text) - (text.rfind("\n") + 1) + 1
        raise ScenarioError(
            [Problem(line, col, "",
                     f"this is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})",
                     "save the file as UTF-8", file=file)],
            file,
        ) from None


def loads_scenario(text: str | bytes, *, file: str = "<string>",
                   models: tuple[str, ...] | None = None) -> Scenario:
    """Load a scenario from YAML text. Raises ScenarioError listing every problem.

    ``models``: the forecast models a question's ``outcome.source`` may name (default: the
    built-in ones, :data:`~detente.scenario.checks.BUILTIN_MODELS`; pass
    ``detente.forecast.registry.names()`` to admit models registered since).
    """
    data, positions, problems = read_yaml(text, file=file)
    if data is None and not problems:  # e.g. a lone '---'
        raise ScenarioError([_empty(file)], file)
    if not isinstance(data, dict):
        if not any(p.path == "" for p in problems):  # e.g. an unsupported tag says it better
            problems.append(
                Problem(1, 1, "", f"a scenario is a mapping of fields (id, title, actors, …); "
                        f"got {_kind(data)}", "start from `detente new NAME`", file=file))
        raise ScenarioError(problems, file)
    return _validate(data, positions, problems, file, models)


def scenario_from_data(data: object, *, file: str = "<python>",
                       models: tuple[str, ...] | None = None) -> Scenario:
    """A scenario from plain Python data (the YAML file's structure as dicts and lists),
    checked exactly as a file is: every problem at once, each with its field path and a hint
    (no line numbers: there is no file). ``models``: as for :func:`loads_scenario`."""
    if not isinstance(data, dict):
        raise ScenarioError([Problem(None, None, "", f"a scenario is a mapping of fields (id, "
                                     f"title, actors, …); got {_kind(data)}",
                                     "pass the sections as keyword arguments", file=file)], file)
    return _validate(data, Positions({}, {}), [], file, models)


def _validate(data: dict[str, Any], positions: Positions, problems: list[Problem], file: str,
              models: tuple[str, ...] | None) -> Scenario:
    from .checks import check_references
    from .messages import pydantic_problems

    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        read_paths = {p.path for p in problems}
        found = [p for p in pydantic_problems(e, data, positions, file) if p.path not in read_paths]
    else:
        found = []
    found.extend(check_references(data, positions, file, models))
    # A list that is "too short" only because some items failed: report the items.
    found = [
        p for p in found
        if not (p.message.startswith("needs at least")
                and any(q is not p and q.path.startswith(p.path + "[") for q in found))
    ]
    problems.extend(found)
    problems = _dedupe(problems)
    if problems or scenario is None:
        raise ScenarioError(problems, file)
    return scenario


def load_scenario(path: str | os.PathLike[str], *,
                  models: tuple[str, ...] | None = None) -> Scenario:
    """Load and validate a scenario file. Raises ScenarioError listing every problem
    (``models``: as for :func:`loads_scenario`)."""
    p = Path(path)
    file = str(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ScenarioError([Problem(None, None, "", "no such file",
                                     "check the path; `detente new NAME` creates a scenario",
                                     file=file)], file) from None
    except OSError as e:
        raise ScenarioError([Problem(None, None, "", f"cannot read the file: {e.strerror}", None,
                                     file=file)], file) from None
    if p.is_dir():
        raise ScenarioError([Problem(None, None, "", "this is a directory, not a scenario file",
                                     "pass a .yaml file", file=file)], file)
    if st.st_size > MAX_BYTES:
        raise ScenarioError([_too_large(st.st_size, file)], file)
    try:
        with open(p, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as e:
        raise ScenarioError([Problem(None, None, "", f"cannot read the file: {e.strerror}", None,
                                     file=file)], file) from None
    if len(data) > MAX_BYTES:
        raise ScenarioError([_too_large(len(data), file)], file)
    return loads_scenario(data, file=file, models=models)


def _kind(v: Any) -> str:
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return f"the text {v[:40]!r}"
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"the number {v!r}" if isinstance(v, (int, float)) else type(v).__name__


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in problems:
        key = (p.line, p.column, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
