"""Distributions of uncertain parameters: models, and the text form ``normal(95, 5)``.

Text is parsed by a small grammar; nothing is ever evaluated as code.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .types import Finite, Id, NonNegative, Positive, Text, _Model, _show, tagged_union

# --------------------------------------------------------------------------- uncertainty
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


class _Dist(_Model):
    pass


class Normal(_Dist):
    dist: Literal["normal"]
    mean: Finite
    sd: NonNegative


class TruncNormal(_Dist):
    dist: Literal["truncnormal"]
    mean: Finite
    sd: NonNegative
    low: Finite
    high: Finite


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: Finite
    high: Finite


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite


class Beta(_Dist):
    dist: Literal["beta"]
    a: Positive
    b: Positive
    low: Finite = 0.0
    high: Finite = 1.0


class LogNormal(_Dist):
    dist: Literal["lognormal"]
    mu: Finite
    sigma: NonNegative


class Choice(_Dist):
    dist: Literal["choice"]
    values: tuple[Finite, ...] = Field(min_length=1)
    weights: tuple[NonNegative, ...] | None = None


DIST_PARAMS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "truncnormal": ("mean", "sd", "low", "high"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "beta": ("a", "b", "low", "high"),
    "lognormal": ("mu", "sigma"),
    "choice": ("values", "weights"),
}
_DIST_CLASSES = {
    "normal": Normal,
    "truncnormal": TruncNormal,
    "uniform": Uniform,
    "triangular": Triangular,
    "beta": Beta,
    "lognormal": LogNormal,
    "choice": Choice,
}
_CALL = re.compile(r"^\s*([a-z]+)\s*\((.*)\)\s*$", re.S)


def _parse_call(text: str) -> dict[str, Any]:
    """Parse ``normal(95, 5)`` or ``choice([1, 2], [0.5, 0.5])`` without evaluating code."""
    m = _CALL.match(text)
    if not m:
        raise PydanticCustomError(
            "distribution_syntax",
            "cannot read distribution {text}; write it as name(parameters), e.g. normal(95, 5)",
            {"text": repr(text)},
        )
    name, body = m.group(1), m.group(2).strip()
    if name not in DIST_PARAMS:
        raise PydanticCustomError(
            "distribution_name",
            "unknown distribution {name}; use one of {known}",
            {"name": repr(name), "known": ", ".join(DIST_PARAMS)},
        )
    if name == "choice":
        lists = re.findall(r"\[([^\[\]]*)\]", body)
        rest = re.sub(r"\[[^\[\]]*\]", "", body).replace(",", "").strip()
        if not 1 <= len(lists) <= 2 or rest:
            raise PydanticCustomError(
                "distribution_syntax",
                "cannot read {text}; write choice([v1, v2, ...]) or choice([v...], [w...])",
                {"text": repr(text)},
            )
        args: list[Any] = []
        for lst in lists:
            items = [s.strip() for s in lst.split(",") if s.strip()]
            if not all(re.fullmatch(_NUM, s) for s in items):
                raise PydanticCustomError(
                    "distribution_syntax",
                    "choice() takes lists of numbers; got {text}",
                    {"text": repr(text)},
                )
            args.append([float(s) for s in items])
        return {"dist": "choice", **dict(zip(("values", "weights"), args))}
    items = [s.strip() for s in body.split(",")] if body else []
    if not all(re.fullmatch(_NUM, s) for s in items):
        raise PydanticCustomError(
            "distribution_syntax",
            "distribution parameters must be plain numbers; got {text}",
            {"text": repr(text)},
        )
    params = DIST_PARAMS[name]
    required = 2 if name == "beta" else len(params)
    if not required <= len(items) <= len(params):
        want = ", ".join(params[:required])
        if required < len(params):
            want += "[, " + ", ".join(params[required:]) + "]"
        raise PydanticCustomError(
            "distribution_arity",
            "{name}() takes {want}; got {n} parameter(s) in {text}",
            {"name": name, "want": want, "n": len(items), "text": repr(text)},
        )
    return {"dist": name, **{p: float(v) for p, v in zip(params, items)}}


def _dist_tag(v: Any) -> str | None:
    if isinstance(v, str):
        m = _CALL.match(v)
        return m.group(1) if m and m.group(1) in DIST_PARAMS else "__invalid__"
    if isinstance(v, dict):
        d = v.get("dist")
        return d if d in DIST_PARAMS else "__invalid__"
    if isinstance(v, _Dist):
        return v.dist  # type: ignore[attr-defined]
    return "__invalid__"


class _BadDist(_Model):
    """Never validates: carries the clear error for an unreadable distribution."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):  # noqa: D105
        from pydantic_core import core_schema

        def fail(v: Any) -> Any:
            if isinstance(v, str):
                _parse_call(v)  # raises the specific syntax error
            if isinstance(v, dict) and "dist" in v:
                raise PydanticCustomError(
                    "distribution_name",
                    "unknown distribution {name}; use one of {known}",
                    {"name": repr(v["dist"]), "known": ", ".join(DIST_PARAMS)},
                )
            if isinstance(v, dict):
                raise PydanticCustomError(
                    "distribution_name",
                    "a distribution written as a mapping needs 'dist' (one of {known}); "
                    "got the keys {keys}",
                    {"known": ", ".join(DIST_PARAMS), "keys": ", ".join(map(str, v)) or "(none)"},
                )
            raise PydanticCustomError(
                "distribution_type",
                "a distribution is written as text, e.g. normal(95, 5), or as a mapping "
                "with 'dist'; got {got}",
                {"got": _show(v)},
            )

        return core_schema.no_info_plain_validator_function(fail)


def _before_dist(v: Any) -> Any:
    if isinstance(v, str) and _CALL.match(v):
        return _parse_call(v)
    return v


Distribution = tagged_union(
    {"normal": Normal, "truncnormal": TruncNormal, "uniform": Uniform, "triangular": Triangular,
     "beta": Beta, "lognormal": LogNormal, "choice": Choice},
    _BadDist, _dist_tag,
)


class UncertainParameter(_Model):
    """Long form of an uncertainty entry: a distribution plus its citation."""

    distribution: Annotated[Distribution, Field(description="e.g. normal(95, 5)")]
    sources: tuple[Id, ...] = ()
    note: Text | None = None

    @field_validator("distribution", mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        return _before_dist(v)


def _uncertainty_entry(v: Any) -> Any:
    if isinstance(v, dict) and "distribution" in v:
        return v
    return {"distribution": v}



UncertaintyEntry = Annotated[UncertainParameter, BeforeValidator(_uncertainty_entry)]
