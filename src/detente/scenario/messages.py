"""Turn pydantic validation errors into problems a user can act on."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem
from .located import Positions, _fmt, did_you_mean, model_fields_at
from .schema import DIST_PARAMS, PREDICATE_KINDS, Scenario, _show

__all__ = ["FIELD_HINTS", "pydantic_problems"]

_TAGS = set(DIST_PARAMS) | set(PREDICATE_KINDS) | {"__invalid__", "distribution"}

FIELD_HINTS: dict[str, str] = {
    "salience": "salience is how much the actor cares about the issue: 0 (not at all) to 1 (most)",
    "capability": "capability is relative clout: any positive number; only ratios matter",
    "position": "a position is a value on the issue's scale (see the issue's `scale`)",
    "status_quo": "the status quo is a value on the issue's scale",
    "scale": "write the scale as [lo, hi], e.g. [0, 100]",
    "id": "ids start with a letter and use letters, digits, '-' or '_' (e.g. us-russia)",
    "members": "list the actor ids at this table, e.g. [us, ru]",
    "as_of": "write the date as YYYY-MM-DD, e.g. 2025-02-15",
    "date": "write the date as YYYY-MM-DD",
    "cost": "cost is in utility units: 0.1 means walking away costs a tenth of the utility range",
    "drift": "drift is the monthly change of the no-deal cost, in utility units per month",
    "sd": "the standard deviation is 0 or more",
    "sources": "list source ids defined under `sources`, e.g. [article]",
    "detente": "the format version is 1",
}


def _raw_path(loc: tuple[Any, ...], data: Any) -> tuple[tuple[Any, ...], bool]:
    """Map a pydantic loc to the path in the YAML data (dropping union tags)."""
    cur = data
    out: list[Any] = []
    is_key = False
    lost = False
    for elem in loc:
        if elem == "[key]":
            is_key = True
            continue
        if lost:
            out.append(elem)
            continue
        if isinstance(cur, dict) and elem in cur:
            cur = cur[elem]
            out.append(elem)
        elif isinstance(cur, list) and isinstance(elem, int) and 0 <= elem < len(cur):
            cur = cur[elem]
            out.append(elem)
        elif isinstance(elem, str) and elem in _TAGS:
            continue
        else:
            out.append(elem)
            lost = True
    return tuple(out), is_key


def _items(n: Any) -> str:
    return f"{n} item" + ("" if n == 1 else "s")


def _is_scale_arity(path: tuple[Any, ...], t: str) -> bool:
    """pydantic's view of a scale with the wrong number of values (checks.py says it better)."""
    if t == "missing" and len(path) >= 2 and path[-2] == "scale" and isinstance(path[-1], int):
        return True
    return t == "too_long" and bool(path) and path[-1] == "scale"


def _message(err: dict[str, Any]) -> str:
    t = err["type"]
    v = err.get("input")
    ctx = err.get("ctx") or {}
    if t in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return f"must be a number; got {_show(v)}"
    if t == "finite_number":
        return f"must be a finite number; got {_show(v)}"
    if t in ("string_type",):
        return f"must be text; got {_show(v)}"
    if t == "string_pattern_mismatch":
        return f"{_show(v)} is not a valid id"
    if t == "string_too_short":
        return "must not be empty"
    if t == "string_too_long":
        return f"is too long (max {ctx.get('max_length')} characters)"
    if t in ("tuple_type", "list_type"):
        return f"must be a list; got {_show(v)}"
    if t in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of fields; got {_show(v)}"
    if t in ("too_short",):
        return f"needs at least {_items(ctx.get('min_length'))}; got {ctx.get('actual_length')}"
    if t in ("too_long",):
        return f"has more than {_items(ctx.get('max_length'))}"
    if t == "literal_error":
        return f"must be {ctx.get('expected')}; got {_show(v)}"
    if t in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return f"must be a date written YYYY-MM-DD; got {_show(v)}"
    if t in ("bool_type", "bool_parsing"):
        return f"must be true or false; got {_show(v)}"
    if t == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more; got {_show(v)}"
    if t == "less_than_equal":
        return f"must be {ctx.get('le')} or less; got {_show(v)}"
    if t == "union_tag_invalid":
        return f"{_show(v)} is not one of the allowed kinds"
    return str(err.get("msg", t))


def pydantic_problems(
    e: ValidationError, data: Any, positions: Positions, file: str,
    model: type[BaseModel] = Scenario,
) -> list[Problem]:
    """Located problems (file, line, field, hint) for a failed validation of ``data`` (read
    with ``positions``) against ``model``; an unknown field's hint lists ``model``'s fields
    at that place."""
    problems = []
    for err in e.errors(include_url=False):
        loc = tuple(err["loc"])
        t = err["type"]
        path, is_key = _raw_path(loc, data)
        hint = None
        if _is_scale_arity(path, t):
            continue
        if t == "missing":
            parent, name = path[:-1], path[-1]
            line, col = positions.locate(parent)
            msg = f"missing required field {name!r}"
            hint = FIELD_HINTS.get(str(name)) or f"add `{name}:` here"
            problems.append(Problem(line, col, _fmt(parent), msg, hint, file=file))
            continue
        if t == "extra_forbidden":
            name = path[-1]
            line, col = positions.locate(path, key=True)
            allowed = model_fields_at(model, tuple(x for x in loc[:-1]))
            msg = f"unknown field {name!r}"
            if allowed:
                guess = did_you_mean(str(name), allowed)
                hint = (f"did you mean {guess!r}? " if guess else "") + "allowed here: " + ", ".join(
                    allowed
                )
            problems.append(Problem(line, col, _fmt(path), msg, hint, file=file))
            continue
        line, col = positions.locate(path, key=is_key)
        msg = _message(err)
        if is_key:
            msg = f"key {path[-1]!r}: {msg}"
        last = next((p for p in reversed(path) if isinstance(p, str)), "")
        if t == "string_pattern_mismatch":
            hint = FIELD_HINTS["id"]
        elif t in ("predicate_kind", "distribution_name"):
            hint = _kind_hint(t, err.get("input"))
        else:
            hint = FIELD_HINTS.get(last)
        problems.append(Problem(line, col, _fmt(path), msg, hint, file=file))
    return problems


def _kind_hint(t: str, v: Any) -> str | None:
    """'did you mean …?' for a misspelt condition kind, distribution name or 'distribution'."""
    if not isinstance(v, dict) or not v:
        return None
    if t == "predicate_kind":  # {deals: {table: T}}
        word, options = next(iter(v)), PREDICATE_KINDS
    elif "dist" in v:  # {dist: gauss, ...}
        word, options = v["dist"], tuple(DIST_PARAMS)
    else:  # a long-form uncertainty entry with 'distribution' misspelt
        options = ("distribution",)
        word = next((k for k in v if did_you_mean(str(k), list(options))), "")
    guess = did_you_mean(str(word), list(options))
    return f"did you mean {guess!r}?" if guess else None
