"""Say what a number on an issue's scale means, in the issue's own words."""

from __future__ import annotations

from .scenario.schema import Issue

__all__ = ["describe"]


def describe(issue: Issue, value: float, *, max_label: int | None = None) -> str:
    """'62 ≈ "roughly today's line"' style description from the issue's anchors.

    Within 5% of the scale of an anchor: that anchor's label. Otherwise: between
    the two neighbouring anchors. Without anchors: just the number.

    >>> from detente.scenario.schema import Issue
    >>> iss = Issue(id="t", name="T", status_quo=50, anchors={0: "none", 100: "all"})
    >>> describe(iss, 2.0)
    '≈ "none"'
    >>> describe(iss, 40.0)
    'between "none" (0) and "all" (100)'
    """
    if not issue.anchors:
        return f"{value:g}"
    lo, hi = issue.scale

    def cut(text: str) -> str:
        if max_label is None or len(text) <= max_label:
            return text
        return text[: max_label - 1].rstrip(" ,;:") + "…"

    pts = sorted((k, cut(v)) for k, v in issue.anchors.items())
    near = min(pts, key=lambda kv: abs(kv[0] - value))
    if abs(near[0] - value) <= 0.05 * (hi - lo):
        return f'≈ "{near[1]}"'
    below = [p for p in pts if p[0] <= value]
    above = [p for p in pts if p[0] >= value]
    if below and above:
        a, b = below[-1], above[0]
        return f'between "{a[1]}" ({a[0]:g}) and "{b[1]}" ({b[0]:g})'
    if below:
        return f'above "{below[-1][1]}" ({below[-1][0]:g})'
    return f'below "{above[0][1]}" ({above[0][0]:g})'
