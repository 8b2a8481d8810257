"""The negotiation process model in the terminal summary and the HTML report.

:func:`process_view` turns ``Analysis.to_dict()["process"]`` (built by
:func:`detente.process.explain.process_to_dict`) into text shared by both reports: per table the
month-by-month shares, the sentences that explain them, the most likely courses, partial
agreements at the horizon, the concluded package and who proposed it; then the unilateral moves
and the defaults the model assumed. :func:`render_process` prints them with rich, in tables sized
so that no number is ever cut or folded, whatever the terminal's width (:func:`fit_tables`).
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .fit import Col, fit_tables
from .numbers import pct as _pct

__all__ = ["MEASURES", "Col", "fit_tables", "month_rows", "process_view", "render_process"]

MEASURES = (
    ("zone", "zone", "a zone of agreement exists"),
    ("talks", "talks", "the members are talking"),
    ("concluded_so_far", "concluded so far", "a comprehensive deal has been concluded"),
    ("in_force", "in force", "a concluded deal is in force"),
    ("lapsed_so_far", "lapsed so far", "a deal has lapsed (or been reneged on)"),
    ("available_not_credible", "available but not credible",
     "a deal is available, but a member would gain by reneging"),
)
"""The monthly shares shown per table: (JSON key, column header, meaning)."""

TERMINAL_MONTHS = 25
HTML_MONTHS = 61


# ------------------------------------------------------------------------------------ data
def _stat_text(st: dict[str, Any] | None, digits: int = 1) -> str:
    """A median with its 5–95% range ("30.0 [10–40]"); "—" when undefined."""
    if not st or st.get("p50") is None:
        return "—"
    text = f"{st['p50']:.{digits}f}"
    if st.get("p05") is not None and st.get("p95") is not None and st["p05"] != st["p95"]:
        text += f" [{st['p05']:.0f}–{st['p95']:.0f}]"
    return text


def month_rows(months: list[float], rec: dict[str, Any], limit: int
               ) -> tuple[list[tuple[int, list[float | None]]], str | None]:
    """(month, shares per :data:`MEASURES`) for the months shown, and a note when only some
    are (more than ``limit``: month 0, every k-th month and the last)."""
    idx = list(range(len(months)))
    note = None
    if len(idx) > limit:
        step = math.ceil((len(idx) - 1) / (limit - 1))
        keep = sorted(set(idx[::step]) | {idx[-1]})
        note = f"every {step} months shown (and the last); the JSON results have every month"
        idx = keep
    rows = []
    for i in idx:
        vals: list[float | None] = []
        for key, _, _ in MEASURES:
            series = rec.get(key) or []
            vals.append(series[i] if i < len(series) else None)
        rows.append((int(months[i]), vals))
    return rows, note


def _p(v: float | None) -> str:
    return "—" if v is None else _pct(v)


def process_view(data: dict[str, Any] | None, *, limit: int = TERMINAL_MONTHS
                 ) -> dict[str, Any] | None:
    """The process summary as text for the reports (None when the run has no process model:
    a scenario without tables)."""
    if not data:
        return None
    months = [float(m) for m in data.get("months", [])]
    horizon = int(months[-1]) if months else 0
    tables = []
    for k, (tid, rec) in enumerate((data.get("tables") or {}).items()):
        rows, note = month_rows(months, rec, limit)
        partials = []
        for pid, pr in (rec.get("partials") or {}).items():
            last = {key: (pr.get(key) or [None])[-1]
                    for key in ("concluded_so_far", "in_force", "lapsed_so_far")}
            partials.append({"id": pid, **last,
                             **{f"{key}_text": _p(v) for key, v in last.items()}})
        terms = rec.get("terms") or {}
        package = [{"issue": iss, "text": _stat_text(st),
                    "terms": _stat_text(terms[iss]) if iss in terms else "—",
                    "defined": _p(st.get("defined")) if st else "—"}
                   for iss, st in (rec.get("package") or {}).items()]
        prop = rec.get("proposer_of_deal") or {}
        proposers = sorted(((who, p) for who, p in prop.items() if who != "none" and p > 0),
                           key=lambda kv: -kv[1])
        proposer_text = None
        if proposers:
            proposer_text = ("Who proposed the deal that was concluded: "
                             + ", ".join(f"{who} {_pct(p)}" for who, p in proposers)
                             + (f"; no deal {_pct(prop['none'])}" if prop.get("none") else "")
                             + " (share of draws).")
        fc = rec.get("first_concluded_month") or {}
        fz = rec.get("first_zone_month") or {}
        tables.append({
            "id": tid, "k": k, "months": [int(m) for m in months],
            "series": {key: list(rec.get(key) or []) for key, _, _ in MEASURES},
            "rows": rows, "rows_text": [(m, [_p(v) for v in vals]) for m, vals in rows],
            "note": note,
            "sentences": list((rec.get("why") or {}).get("sentences") or []),
            "paths": [{"path": p["path"], "probability": p["probability"],
                       "text": _pct(p["probability"])} for p in rec.get("paths") or []],
            "partials": partials, "package": package, "proposer": proposer_text,
            "first_concluded": _stat_text(fc, 0), "first_concluded_defined": fc.get("defined"),
            "first_zone": _stat_text(fz, 0), "first_zone_defined": fz.get("defined"),
        })
    unilateral = []
    for mv in data.get("unilateral") or []:
        pm = mv.get("path_median") or []
        unilateral.append({
            "actor": mv["actor"], "issue": mv["issue"], "option": mv["option"],
            "target": _stat_text(mv.get("target")),
            "path": (f"{pm[0]:.1f} → {pm[-1]:.1f}" if pm else "—"),
            "tightens": mv.get("tightens"), "eases": mv.get("eases"),
            "tightens_text": _p(mv.get("tightens")), "eases_text": _p(mv.get("eases"))})
    around = ("the concluded package" if data.get("terms_point") == "package"
              else "the members' compromise")
    return {"horizon": horizon, "tables": tables, "unilateral": unilateral,
            "assumptions": list(data.get("assumptions") or []), "terms_around": around}


# ------------------------------------------------------------------------------------ terminal
def _bullets(console: Console, lines: list[str], indent: int = 2) -> None:
    g = Table.grid(padding=(0, 1))
    g.add_column(no_wrap=True)
    g.add_column(overflow="fold")
    for line in lines:
        g.add_row("•", Text(line))
    console.print(Padding(g, (0, 0, 0, indent)))


def _note(console: Console, text: str) -> None:
    console.print(Padding(Text(text, style="dim"), (0, 0, 0, 2)))


def render_process(console: Console, data: dict[str, Any], *, many: bool = True,
                   as_of: str | None = None) -> None:
    """"How the talks unfold" per table, then the unilateral moves and the assumptions."""
    v = process_view(data.get("process"))
    if v is None:
        return
    width = console.width
    h = v["horizon"]
    share = "share of draws" if many else "point estimate: 100% = yes, 0% = no"
    for t in v["tables"]:
        console.print()
        console.print(Text.assemble(("How the talks unfold", "bold"), f" — table {t['id']}"))
        when = f"months after {as_of}" if as_of else "months"
        _note(console, f"Process model, month by month ({when}; {share}).")
        cols = [Col("month"), *(Col(head) for _, head, _ in MEASURES)]
        rows = [[str(m), *vals] for m, vals in t["rows_text"]]
        for tb in fit_tables(width, cols, rows):
            console.print(tb)
        if t["note"]:
            _note(console, t["note"][0].upper() + t["note"][1:] + ".")
        _note(console, "; ".join(f"{head} = {meaning}" for _, head, meaning in MEASURES)
              + " (so far = by that month).")
        if t["sentences"]:
            console.print("  Why:")
            _bullets(console, t["sentences"], 4)
        if t["proposer"]:
            console.print(Padding(Text(t["proposer"]), (0, 0, 0, 2)))
        if t["paths"]:
            for tb in fit_tables(width, [Col("P"), Col("the most likely courses", num=False)],
                                 [[p["text"], p["path"]] for p in t["paths"]]):
                console.print(tb)
        if t["partials"]:
            cols = [Col("partial agreement", num=False), Col("concluded so far"),
                    Col("in force"), Col("lapsed so far")]
            rows = [[p["id"], p["concluded_so_far_text"], p["in_force_text"],
                     p["lapsed_so_far_text"]] for p in t["partials"]]
            for tb in fit_tables(width, cols, rows, title=f"Partial agreements at month {h}"):
                console.print(tb)
    if v["unilateral"]:
        console.print()
        console.print(Text.assemble(("Unilateral moves", "bold"),
                                    " (process model: what an actor does alone)"))
        cols = [Col("move (actor: issue → option)", num=False),
                Col("target" + (" [5–95%]" if many else "")), Col("tightens"), Col("eases")]
        rows = [[f"{u['actor']}: {u['issue']}" + (f" → {u['option']}" if u["option"] else ""),
                 u["target"],
                 u["tightens_text"], u["eases_text"]] for u in v["unilateral"]]
        for tb in fit_tables(width, cols, rows):
            console.print(tb)
        _note(console, "target = where the move puts the issue (median over draws); "
              f"tightens / eases = {share} in which it moves the issue below / above its "
              "status quo.")
    console.print()
    if v["assumptions"]:
        console.print(Text.assemble(("Assumptions", "bold"),
                                    " (defaults the process model used because the scenario "
                                    "is silent):"))
        _bullets(console, v["assumptions"])
    else:
        console.print(Text.assemble(("Assumptions", "bold"),
                                    ": none — the scenario declares every input the process "
                                    "model would otherwise have to assume."))
