"""Base types of the scenario schema: ids, text, bounded numbers, the frozen model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)
from pydantic_core import PydanticCustomError

FORMAT_VERSION: Final = 1

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN),
    Field(description="An identifier: a letter, then letters, digits, '-' or '_' (max 64)."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _in_range(lo: float, hi: float) -> Callable[[float], float]:
    def check(v: float) -> float:
        if not (lo <= v <= hi):
            raise PydanticCustomError(
                "range", "must be within [{lo}, {hi}]; got {got}", {"lo": f"{lo:g}", "hi": f"{hi:g}", "got": f"{v:g}"}
            )
        return v

    return check


def _positive(v: float) -> float:
    if not v > 0:
        raise PydanticCustomError("positive", "must be greater than 0; got {got}", {"got": f"{v:g}"})
    return v


def _non_negative(v: float) -> float:
    if not v >= 0:
        raise PydanticCustomError("non_negative", "must be 0 or more; got {got}", {"got": f"{v:g}"})
    return v


def _show(v: Any) -> str:
    """A value as the user wrote it, for messages."""
    if isinstance(v, str):
        return repr(v) if len(v) <= 60 else repr(v[:57] + "...")
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "nothing (null)"
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return repr(v)



# The bounds are checked by the validators (for our own messages) and declared in the
# JSON Schema (for editors).
Salience = Annotated[
    Finite, AfterValidator(_in_range(0.0, 1.0)),
    Field(json_schema_extra={"minimum": 0, "maximum": 1}),
]
Positive = Annotated[
    Finite, AfterValidator(_positive), Field(json_schema_extra={"exclusiveMinimum": 0})
]
NonNegative = Annotated[
    Finite, AfterValidator(_non_negative), Field(json_schema_extra={"minimum": 0})
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=False, str_strip_whitespace=True
    )


class Cited(_Model):
    """Mixin: any parameter block may cite sources and carry a note."""

    sources: tuple[Id, ...] = Field(
        default=(), description="Ids of entries in `sources` that support these numbers."
    )
    note: Text | None = Field(default=None, description="The judgement made, in words.")



def tagged_union(members: dict[str, Any], invalid: Any, tag: Any) -> Any:
    """A discriminated union: ``tag(value)`` names the member that validates the value, or
    ``"__invalid__"`` for ``invalid``, a validator that raises a clear error."""
    options = tuple(Annotated[cls, Tag(name)] for name, cls in members.items())
    return Annotated[Union[(*options, Annotated[invalid, Tag("__invalid__")])],
                     Discriminator(tag)]
