"""Numbers as every face shows them: one home for the terminal, the report, the run history
and the web app (so that 0.4% never reads 0% in one place and 0.4% in another)."""

from __future__ import annotations

from typing import Any

__all__ = ["calibration_sentence", "num", "pct", "signed", "signed_interval"]


def pct(v: float | None) -> str:
    """A share as a percentage, with a decimal near 0 and 1 where rounding would mislead
    ("0.4%", "99.6%"; never "0%" or "100%" for a share that is not exactly 0 or 1); None: "—".

    >>> pct(0.456), pct(0.004), pct(0.996), pct(1.0), pct(None)
    ('46%', '0.4%', '99.6%', '100%', '—')
    """
    if v is None:
        return "—"
    text = f"{v:.1%}" if 0 < v < 0.01 or 0.99 < v < 1 else f"{v:.0%}"
    return text.replace(".0%", "%")


def num(v: float | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals; None: "—"."""
    return "—" if v is None else f"{v:.{digits}f}"


def signed(v: float | None, pct: bool) -> str:
    """A difference with its sign: percentage points for shares ("+3.2 pts"), else "+0.12";
    exactly zero: "0"; None: "—"."""
    if v is None:
        return "—"
    if pct:
        return f"{v * 100:+.1f} pts" if v else "0"
    return f"{v:+.2f}" if v else "0"


def signed_interval(iv: tuple[float, float] | list[float] | None, pct: bool) -> str:
    """A difference's interval, in the difference's units: "[-1.2 to +3.4]"; "" when it is
    none (or too narrow to show at this precision)."""
    if iv is None:
        return ""
    k, digits = (100.0, 1) if pct else (1.0, 2)
    lo, hi = f"{iv[0] * k:+.{digits}f}", f"{iv[1] * k:+.{digits}f}"
    return "" if lo == hi else f"[{lo} to {hi}]"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def calibration_sentence(c: dict[str, Any]) -> str:
    """What a calibration is (its ``describe()``, as in a run's JSON), in one sentence for
    every face: the map, what it was fitted on, how sure it is."""
    on = c.get("fitted_on")
    lo, hi = c["slope_95"]
    if on:
        where = (f"the dev half of the backtest archive '{on['archive']}' "
                 f"({_count(on['questions'], 'question')}, "
                 f"{_count(len(on['cases']), 'negotiation')})")
    else:
        where = "resolved questions outside a backtest"
    return (f"logit p' = {c['intercept']:+.2f} + {c['slope']:.2f} × logit p, fitted on "
            f"{where}; slope 95% {lo:.2f}–{hi:.2f} (a bootstrap over the negotiations).")
