"""Where things are in a scenario file, and the words for what is wrong there.

The shared vocabulary of the loader, the checks and the messages: :class:`Positions` (path →
line and column), :func:`_fmt` (a path as ``stances.us.territory``), :func:`did_you_mean` and
:func:`model_fields_at` (the fields a block allows). It imports no other module of the
scenario package but :mod:`.types`, so that every one of them can import it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from .types import Cited

__all__ = ["PathT", "Positions", "did_you_mean", "model_fields_at"]

PathT = tuple[Union[str, int], ...]


@dataclass
class Positions:
    """Where each value (and each mapping key) sits in the file: path → (line, column)."""

    values: dict[PathT, tuple[int, int]]
    keys: dict[PathT, tuple[int, int]]
    text_start: dict[PathT, int] = field(default_factory=dict)
    """For one-line text values written without escapes: the offset of the text's first
    character from the value's column (1 when quoted), so a column inside the text is exact."""

    def locate(self, path: PathT, *, key: bool = False) -> tuple[int | None, int | None]:
        if key and path in self.keys:
            return self.keys[path]
        p = tuple(path)
        while p:
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), (None, None))


def _fmt(path: PathT) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def did_you_mean(word: str, options: list[str]) -> str | None:
    """Suggest the closest option, or None."""
    m = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return m[0] if m else None


def model_fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The field names allowed by the model found at ``loc`` (for 'did you mean')."""
    t: Any = model
    for elem in loc:
        t = _unwrap(t, elem)
        if t is None:
            return None
    t = _strip(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        names = [f.alias or name for name, f in t.model_fields.items()]
        if issubclass(t, Cited):  # the shared citation fields go last: the block's own matter more
            names = [n for n in names if n not in _CITED] + [n for n in names if n in _CITED]
        return names
    return None


_CITED = ("sources", "note")


def _strip(t: Any) -> Any:
    from typing import Annotated

    while get_origin(t) is Annotated:
        t = get_args(t)[0]
    return t


def _unwrap(t: Any, elem: Any) -> Any:
    t = _strip(t)
    origin = get_origin(t)
    if origin is Union:
        # a tag (pydantic puts it in the error location): choose the member whose tag matches
        for a in get_args(t):
            meta = getattr(a, "__metadata__", ())
            if any(getattr(x, "tag", None) == elem for x in meta):
                return get_args(a)[0]
        models = [_strip(a) for a in get_args(t)]
        for m in models:
            if isinstance(m, type) and issubclass(m, BaseModel):
                names = {f.alias or n: n for n, f in m.model_fields.items()}
                if elem in names:
                    return m.model_fields[names[elem]].annotation
        non_none = [m for m in models if m is not type(None)]
        if len(non_none) == 1:
            return _unwrap(non_none[0], elem)
        return None
    if isinstance(t, type) and issubclass(t, BaseModel):
        names = {f.alias or n: n for n, f in t.model_fields.items()}
        if elem in names:
            return t.model_fields[names[elem]].annotation
        return None
    if origin in (tuple, list):
        args = get_args(t)
        return args[0] if args else None
    if origin is dict:
        return get_args(t)[1]
    return None
