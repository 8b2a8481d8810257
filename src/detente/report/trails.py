"""The dynamic models' explanation trails (draw 1) as plain sentences, for the terminal and
the HTML report.

Actors and issues are called by the short names the scenario gives them
(:func:`detente.labels.short_name`), values are in the issue's own units, and expected utility
is spelled out (never "EU", which reads as the European Union).
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

from ..labels import actor_name, issue_name

__all__ = ["format_trail_entry", "render_trails"]


def _f(v: Any, fmt: str) -> str:
    """A number formatted, or "—" for anything else (trails may hold None)."""
    return format(v, fmt) if isinstance(v, (int, float)) and not isinstance(v, bool) else "—"


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _user(d: Any, issue: Any, v: Any) -> str | None:
    """A normalised value on issue ``issue`` in the issue's own units (whole numbers on wide
    scales, a decimal on narrow ones), or None."""
    if isinstance(issue, int) and 0 <= issue < len(d.issues) and _num(v):
        lo, hi = float(d.scale_lo[issue]), float(d.scale_hi[issue])
        digits = 0 if hi - lo >= 50 else 1 if hi - lo >= 5 else 2
        return f"{lo + v * (hi - lo):.{digits}f}"
    return None


def format_trail_entry(entry: dict[str, Any], analysis: Any) -> str:
    """One trail record as a plain sentence, with the scenario's names and the issue's units."""
    if "text" in entry:
        return str(entry["text"])
    s = analysis.scenario
    d = analysis.first_draw.inputs  # the issues and their scales (the same in every draw)
    if "issue_gives" in entry and "issue_gets" in entry:
        return _exchange_text(entry, s, d)
    if "turn" in entry or "adopted" in entry or "expected_gain" in entry:
        return _smp_text(entry, s)
    return _eum_text(entry, s, d)


def _head(entry: dict[str, Any], issue: str | None = None) -> str:
    when = (f"Round {entry['round']}" if "round" in entry else
            f"Turn {entry['turn']}" if "turn" in entry else "")
    where = ", ".join(x for x in (when, issue) if x)
    return f"{where}: " if where else ""


def _eum_text(entry: dict[str, Any], s: Any, d: Any) -> str:
    """'Round 1, Ceasefire: Ukraine compels European allies to move from 75 to 80 (each side's
    expected utility of challenging the other: +0.00 and -0.01).'"""
    actor = actor_name(s, entry.get("actor"))
    target = entry.get("target", entry.get("partner"))
    other = None if target is None else actor_name(s, target)
    issue = entry.get("issue")
    iname = (issue_name(s, issue) if isinstance(issue, int) and 0 <= issue < len(s.issues)
             else None)
    to = _user(d, issue, entry.get("moves_to"))
    frm = _user(d, issue, entry.get("from"))
    move = ("" if to is None else f"from {frm} to {to}" if frm is not None else f"to {to}")
    kind = entry.get("kind")
    if other is None:
        what = f"{actor} acts" + (f" ({kind})" if kind else "")
    elif kind == "conflict":
        what = f"{actor} wins a conflict against {other}" + (
            f", which moves {move}" if move else "")
    elif kind == "compel":
        what = f"{actor} compels {other}" + (f" to move {move}" if move else "")
    elif kind == "compromise":
        what = f"{other} compromises with {actor}" + (f" and moves {move}" if move else "")
    else:
        what = f"{actor} {kind or 'acts on'} {other}" + (f" ({other} moves {move})"
                                                        if move else "")
    if "eu_actor" in entry and "eu_target" in entry:
        what += (f" (each side's expected utility of challenging the other: "
                 f"{_f(entry['eu_actor'], '+.2f')} and {_f(entry['eu_target'], '+.2f')})")
    elif "gain" in entry:
        what += f"; gain {_f(entry['gain'], '+.3f')}"
    return _head(entry, iname) + what + "." + _rest(entry)


def _smp_text(entry: dict[str, Any], s: Any) -> str:
    """'Turn 1: Ukraine challenges US Congress bloc (expected gain +0.049, chance of winning
    59%) and adopts the bargain European allies offered it.'"""
    actor = actor_name(s, entry.get("actor"))
    target = entry.get("target")
    if target is not None:
        what = f"{actor} challenges {actor_name(s, target)}"
        facts = []
        if entry.get("expected_gain") is not None:
            facts.append(f"expected gain {_f(entry['expected_gain'], '+.3f')}")
        if _num(entry.get("prob_win")):
            facts.append(f"chance of winning {entry['prob_win']:.0%}")
        if facts:
            what += f" ({', '.join(facts)})"
    else:
        what = f"{actor} makes no challenge"
    if "adopted" in entry:
        what += f" and {_adopted(entry['adopted'], entry.get('actor'), s)}"
    return _head(entry) + what + "." + _rest(entry)


def _adopted(adopted: Any, me: Any, s: Any) -> str:
    """SMP's choice: 'status quo' (keeps its position) or 'bargain i->j' (the bargain i
    proposed to j)."""
    text = str(adopted)
    if text == "status quo":
        return "keeps its position"
    m = re.fullmatch(r"bargain (\d+)->(\d+)", text)
    if not m:
        return f"adopts {text}"
    i, j = int(m.group(1)), int(m.group(2))
    if i == me:
        return f"adopts the bargain it offered {actor_name(s, j)}"
    if j == me:
        return f"adopts the bargain {actor_name(s, i)} offered it"
    return f"adopts the bargain {actor_name(s, i)} offered {actor_name(s, j)}"


_KNOWN = {"round", "turn", "actor", "target", "partner", "kind", "issue", "moves_to", "from",
          "eu_actor", "eu_target", "gain", "risk_target", "expected_gain", "prob_win", "adopted",
          "position"}


def _rest(entry: dict[str, Any]) -> str:
    rest = {k: v for k, v in entry.items() if k not in _KNOWN}
    return (" (" + ", ".join(f"{k} {v}" for k, v in rest.items()) + ")") if rest else ""


def _exchange_text(entry: dict[str, Any], s: Any, d: Any) -> str:
    """'Round 1: United States and Russia trade concessions — United States moves to 100 on
    Security guarantees for Ukraine, Russia to 83 on Ceasefire; each gains 0.052.'"""
    a, b = actor_name(s, entry.get("actor")), actor_name(s, entry.get("partner"))
    gi, ge = entry.get("issue_gives"), entry.get("issue_gets")
    to_a = _user(d, gi, entry.get("moves_to"))
    to_b = _user(d, ge, entry.get("partner_moves_to"))
    gives = f"{a} moves" + (f" to {to_a}" if to_a else "") + f" on {issue_name(s, gi)}"
    gets = f"{b}" + (f" to {to_b}" if to_b else " moves") + f" on {issue_name(s, ge)}"
    gain = entry.get("gain")
    tail = f"; each gains {_f(gain, '.3f')}" if _num(gain) else ""
    return f"{_head(entry)}{a} and {b} trade concessions — {gives}, {gets}{tail}."


def render_trails(analysis: Any, console: Console, *, per_model: int = 6) -> None:
    """The first steps of every dynamic model's explanation trail (the JSON has all)."""
    shown = False
    for m in analysis.models:
        trail = analysis.first_draw.forecasts[m].trail  # draw 0's
        if not trail:
            continue
        if not shown:
            console.print()
            console.print("[bold]How the dynamic models got there[/bold] "
                          "(first steps, draw 1; the JSON has every step)")
            shown = True
        console.print(f"  [bold]{m}[/bold] ({len(trail)} steps)")
        for entry in trail[:per_model]:
            console.print(f"    {format_trail_entry(entry, analysis)}", markup=False)
