"""Terminal rendering of the dynamic models' explanation trails (draw 1)."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

__all__ = ["format_trail_entry", "render_trails"]

_VERBS = {"conflict": "wins a conflict against", "compel": "compels", "compromise":
          "strikes a compromise with", "challenge": "challenges", "exchange": "trades with"}


def _f(v: Any, fmt: str) -> str:
    """A number formatted, or "—" for anything else (trails may hold None)."""
    return format(v, fmt) if isinstance(v, (int, float)) and not isinstance(v, bool) else "—"


def _name(seq, idx) -> str:
    if isinstance(idx, (int,)) and 0 <= idx < len(seq):
        return seq[idx].id
    return str(idx)


def format_trail_entry(entry: dict[str, Any], analysis) -> str:
    """One trail record as a sentence, with the scenario's ids and the issue's own units."""
    if "text" in entry:
        return str(entry["text"])
    s = analysis.scenario
    d = analysis.inputs
    if "issue_gives" in entry and "issue_gets" in entry:
        return _exchange_text(entry, s, d)
    parts = []
    if "round" in entry:
        parts.append(f"Round {entry['round']}:")
    elif "turn" in entry:
        parts.append(f"Turn {entry['turn']}:")
    actor = _name(s.actors, entry.get("actor"))
    target = entry.get("target", entry.get("partner"))
    kind = entry.get("kind", "challenge" if "expected_gain" in entry else "")
    verb = _VERBS.get(kind, kind or "acts on")
    if target is not None:
        parts.append(f"{actor} {verb} {_name(s.actors, target)}")
    elif kind == "challenge":
        parts.append(f"{actor} makes no challenge")
    else:
        parts.append(f"{actor} {verb}")
    issue = entry.get("issue")
    if isinstance(issue, int) and 0 <= issue < len(s.issues):
        iss = s.issues[issue]
        parts.append(f"on {iss.id}")
        lo, hi = float(d.scale_lo[issue]), float(d.scale_hi[issue])
        if "moves_to" in entry and isinstance(entry["moves_to"], (int, float)):
            src = entry.get("from")
            to = lo + entry["moves_to"] * (hi - lo)
            if isinstance(src, (int, float)):
                parts.append(f"({lo + src * (hi - lo):.0f} → {to:.0f})")
            else:
                parts.append(f"(→ {to:.0f})")
    if "eu_actor" in entry and "eu_target" in entry:
        parts.append(f"— EU {_f(entry['eu_actor'], '+.2f')} vs {_f(entry['eu_target'], '+.2f')}")
    elif "gain" in entry:
        parts.append(f"— gain {_f(entry['gain'], '+.3f')}")
    if entry.get("expected_gain") is not None:
        parts.append(f"— expected gain {_f(entry['expected_gain'], '+.3f')}")
    if entry.get("prob_win") is not None:
        parts.append(f"(P(win) {_f(entry['prob_win'], '.2f')})")
    if "adopted" in entry:
        adopted = re.sub(r"(\d+)->(\d+)", lambda mt: f"{_name(s.actors, int(mt.group(1)))} → "
                         f"{_name(s.actors, int(mt.group(2)))}", str(entry["adopted"]))
        parts[-1] += ";"
        parts.append(f"adopts {adopted}")
    rest = {k: v for k, v in entry.items() if k not in {
        "round", "turn", "actor", "target", "partner", "kind", "issue", "moves_to", "from",
        "eu_actor", "eu_target", "gain", "risk_target", "expected_gain", "prob_win", "adopted",
        "position"}}
    if rest:
        parts.append("(" + ", ".join(f"{k} {v}" for k, v in rest.items()) + ")")
    return " ".join(parts)


def render_trails(analysis, console: Console, *, per_model: int = 6) -> None:
    """The first steps of every dynamic model's explanation trail (the JSON has all)."""
    shown = False
    for m in analysis.models:
        trail = analysis.forecasts[m].trail
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


def _user(d, issue: Any, v: Any) -> str:
    if isinstance(issue, int) and 0 <= issue < len(d.issues) and isinstance(v, (int, float)):
        lo, hi = float(d.scale_lo[issue]), float(d.scale_hi[issue])
        return f"{lo + v * (hi - lo):.0f}"
    return "—"


def _exchange_text(entry: dict[str, Any], s, d) -> str:
    """'Round 1: us gives way on security_guarantees (→ 100) to ru, who gives way on ceasefire
    (→ 85) — gain +0.054 each'."""
    a, b = _name(s.actors, entry.get("actor")), _name(s.actors, entry.get("partner"))
    gi, ge = entry.get("issue_gives"), entry.get("issue_gets")
    gname = _name(s.issues, gi)
    ename = _name(s.issues, ge)
    head = f"Round {entry['round']}: " if "round" in entry else ""
    return (f"{head}{a} gives way on {gname} (→ {_user(d, gi, entry.get('moves_to'))}) to {b}, "
            f"who gives way on {ename} (→ {_user(d, ge, entry.get('partner_moves_to'))}) "
            f"— gain {_f(entry.get('gain'), '+.3f')} each")
