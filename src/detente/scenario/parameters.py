"""The uncertain parameters of a scenario: which paths ``uncertainty`` may name, the range of each,
and the checks of a distribution against that range.

:data:`PARAMETER_PATTERNS` lists the paths (``stances.<actor>.<issue>.salience``, …);
:func:`parameter_bounds` resolves one against the raw data to the parameter's valid range, or says
why it names nothing; :func:`check_uncertainty` reports every ``uncertainty`` entry whose path is
unknown, whose distribution is inconsistent (low ≥ high, a mode outside them, choice weights that
do not match the values) or lies outside its parameter's range.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from .located import did_you_mean
from .raw import _dict, _items, _num, _scales
from .schema import _CALL, _parse_call

__all__ = ["PARAMETER_PATTERNS", "check_uncertainty", "parameter_bounds"]

PARAMETER_PATTERNS = (
    "actors.<actor>.capability",
    "issues.<issue>.status_quo",
    "stances.<actor>.<issue>.position",
    "stances.<actor>.<issue>.salience",
    "no_deal.<actor>.cost",
    "no_deal.<actor>.drift",
    "no_deal.<actor>.value",
    "no_deal.<actor>.expects.<issue>",
    "process.beliefs.half_life",
    "process.base_rate.pace",
    "process.base_rate.lapse",
    "process.breakdown",
    "process.commitment.penalty.<actor>",
    "process.discount.<actor>",
    "process.unilateral.<actor>.<issue>.step",
)
"""The paths an ``uncertainty`` entry may name (``<actor>``, ``<issue>``: ids)."""


def parameter_bounds(
    path: str, data: dict[str, Any]
) -> tuple[tuple[float, float] | None, str | None]:
    """Resolve an uncertainty path: (bounds of the parameter, or None; error text or None)."""
    parts = path.split(".")
    actors = {a.get("id") for a in map(_dict, _items(data.get("actors")))}
    issues = {i.get("id") for i in map(_dict, _items(data.get("issues")))}
    scales = _scales(data)
    inf = (-math.inf, math.inf)

    def unknown(kind: str, name: str, options: set[Any]) -> str:
        guess = did_you_mean(name, [o for o in options if isinstance(o, str)])
        return f"no {kind} {name!r}" + (f" (did you mean {guess!r}?)" if guess else "")

    head = parts[0]
    if head == "actors" and len(parts) == 3 and parts[2] == "capability":
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        return (0.0, math.inf), None
    if head == "issues" and len(parts) == 3 and parts[2] == "status_quo":
        if parts[1] not in issues:
            return None, unknown("issue", parts[1], issues)
        return scales.get(parts[1], inf), None
    if head == "stances" and len(parts) == 4 and parts[3] in ("position", "salience"):
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        if parts[2] not in issues:
            return None, unknown("issue", parts[2], issues)
        st = _dict(_dict(data.get("stances")).get(parts[1]))
        if parts[2] not in st:
            return None, (f"actor {parts[1]!r} has no stance on {parts[2]!r}; "
                          "add it under `stances` first")
        if parts[3] == "salience":
            return (0.0, 1.0), None
        return scales.get(parts[2], inf), None
    if head == "no_deal" and len(parts) == 3 and parts[2] in ("cost", "drift", "value"):
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        return inf, None
    if head == "process":
        from .draws import PROCESS_BOUNDS, PROCESS_PATHS, process_pattern

        pattern = process_pattern(parts)
        if pattern in PROCESS_PATHS:
            if pattern.endswith("<actor>") and parts[-1] not in actors:
                return None, unknown("actor", parts[-1], actors)
            if pattern.endswith(".step"):
                moves = {(u.get("actor"), u.get("issue")) for u in map(_dict, _items(
                    _dict(data.get("process")).get("unilateral")))}
                if (parts[2], parts[3]) not in moves:
                    return None, (f"no unilateral move of {parts[2]!r} on {parts[3]!r}; "
                                  "declare it under `process.unilateral` first")
            lo, hi = PROCESS_BOUNDS[PROCESS_PATHS[pattern]]
            return (max(lo, 0.0), hi), None
    if head == "no_deal" and len(parts) == 4 and parts[2] == "expects":
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        if parts[3] not in issues:
            return None, unknown("issue", parts[3], issues)
        return scales.get(parts[3], inf), None
    return None, (f"{path!r} is not an uncertain parameter; use one of: "
                  + ", ".join(PARAMETER_PATTERNS))


def _dist_location(d: dict[str, Any]) -> Iterator[tuple[str, float]]:
    """The values of a distribution that must lie within the parameter's bounds."""
    kind = d.get("dist")
    keys = {
        "normal": ("mean",),
        "truncnormal": ("low", "high"),
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "beta": ("low", "high"),
        "lognormal": (),
        "choice": (),
    }.get(kind, ())
    for k in keys:
        v = _num(d.get(k, 0.0 if k == "low" and kind == "beta" else
                       1.0 if k == "high" and kind == "beta" else None))
        if v is not None:
            yield k, v
    if kind == "choice":
        for i, v in enumerate(_items(d.get("values"))):
            if _num(v) is not None:
                yield f"values[{i}]", float(v)


def _dist_consistency(d: dict[str, Any]) -> list[str]:
    kind = d.get("dist")
    out = []
    lo = _num(d.get("low", 0.0 if kind == "beta" else None))
    hi = _num(d.get("high", 1.0 if kind == "beta" else None))
    if kind in ("uniform", "truncnormal", "beta", "triangular") and lo is not None and hi is not None:
        if not lo < hi:
            out.append(f"low ({lo:g}) must be less than high ({hi:g})")
    if kind == "triangular":
        mode = _num(d.get("mode"))
        if None not in (lo, hi, mode) and not (lo <= mode <= hi):  # type: ignore[operator]
            out.append(f"mode ({mode:g}) must lie between low ({lo:g}) and high ({hi:g})")
    if kind == "choice":
        vals, ws = _items(d.get("values")), d.get("weights")
        if isinstance(ws, list):
            if len(ws) != len(vals):
                out.append(f"choice has {len(vals)} value{'s' * (len(vals) != 1)} but "
                           f"{len(ws)} weight{'s' * (len(ws) != 1)}; give one weight per value")
            elif all(_num(w) is not None for w in ws) and sum(ws) <= 0:
                out.append("choice weights must not all be 0")
    return out


def check_uncertainty(data: dict[str, Any], add: Callable[..., None], broken: set[str]) -> None:
    """Report, through ``add`` (see :func:`~detente.scenario.checks.check_references`), every
    problem of the ``uncertainty`` section that relates it to the rest of the file; nothing when
    ``actors`` or ``issues`` is ``broken`` (unreadable: the schema reports it)."""
    for upath, spec in _dict(data.get("uncertainty")).items():
        where = ("uncertainty", upath)
        if not isinstance(upath, str) or broken & {"actors", "issues"}:
            continue
        bounds, err = parameter_bounds(upath, data)
        if err:
            add(where, err, "see `uncertainty` in docs/reference/scenario-format.md", key=True)
            continue
        d = spec.get("distribution") if isinstance(spec, dict) and "distribution" in spec else spec
        if isinstance(d, str) and _CALL.match(d):
            try:
                d = _parse_call(d)
            except Exception:  # reported by the schema
                continue
        d = _dict(d)
        for msg in _dist_consistency(d):
            add(where, msg)
        if (bounds is not None and d.get("dist") == "beta" and "low" not in d and "high" not in d
                and all(math.isfinite(b) for b in bounds) and tuple(bounds) != (0.0, 1.0)):
            lo, hi = bounds
            add(where, f"beta(a, b) samples in [0, 1], but this parameter runs from {lo:g} to "
                f"{hi:g}", f"give the range: beta(a, b, low, high), e.g. beta(2, 5, {lo:g}, {hi:g})")
            continue
        if bounds is not None:
            lo, hi = bounds
            for name, v in _dist_location(d):
                if not lo <= v <= hi:
                    add(where, f"the distribution's {name} ({v:g}) lies outside the parameter's "
                        f"range [{lo:g}, {hi:g}]",
                        "samples are kept within the parameter's range; centre the "
                        "distribution inside it")
