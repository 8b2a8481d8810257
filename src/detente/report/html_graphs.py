"""The report's frontier charts (one per table) and the stability graph (:mod:`.html`).

The frontier is drawn for the point estimate (the scenario's point values, one draw): the
members' Pareto frontier (:func:`~detente.bargain.frontier.frontier_points`), the no-deal
point, the deal (Nash) and the Kalai–Smorodinsky point, and the acceptable part of the frontier
(every plotted member beats its no-deal value). A table with more than two members is drawn for
its first two members (their own frontier; the table's deal is projected onto their utilities).

The stability graph shows the states that matter — the status quo, the states unilateral
improvements reach from it, and the equilibria (at most 16) — on a circle, with the unilateral
improvements among them as arrows coloured by the decision maker who moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .html_charts import COLOURS, Charts, _esc

if TYPE_CHECKING:  # pragma: no cover
    from ..stability.run import StabilityRun

__all__ = ["MAX_GRAPH_NODES", "frontier_chart", "frontiers", "stability_graph",
           "stability_graph_chart"]

MAX_GRAPH_NODES = 16
# the arrows' colours (one per decision maker), apart from the nodes' (COLOURS)
_DM_COLOURS = ("#e69f00", "#56b4e9", "#cc79a7", "#009e73", "#d55e00", "#555555")
_FRONTIER_POINTS = 200


# ------------------------------------------------------------------------------------ frontier
def _pt(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def frontiers(scenario: Any) -> list[dict[str, Any]]:
    """Per table (scenario order): the frontier of its first two members at the point
    estimate, the no-deal point, the deal and the Kalai–Smorodinsky point (utilities)."""
    from ..bargain.frontier import frontier_points
    from ..bargain.tables import bargain_tables
    from ..scenario.draws import point_draws
    from ..utility import utility_weights

    if not scenario.tables:
        return []
    d0 = point_draws(scenario)
    results = bargain_tables(scenario, d0)
    wall = utility_weights(d0.salience)[0]
    names = {a.id: a.name for a in scenario.actors}
    out = []
    for table in scenario.tables:
        res = results[table.id]
        idx = [d0.actors.index(a) for a in table.members[:2]]
        if len(idx) < 2:
            out.append({"id": table.id, "members": list(table.members), "points": None})
            continue
        w, p, q = wall[idx], d0.position[0, idx], d0.status_quo[0]
        free = np.asarray(res.free, bool)
        _, u = frontier_points(w, p, q, free, n_points=_FRONTIER_POINTS)
        u = u[np.argsort(u[:, 0], kind="stable")]
        if len(u) > 1:  # the frontier is piecewise linear between these vertices
            t = np.linspace(0.0, 1.0, 25)[:-1, None]
            u = np.vstack([*(a + t * (b - a) for a, b in zip(u[:-1], u[1:])), u[-1:]])
        nd = res.no_deal[0, :2]
        ok = (u[:, 0] >= nd[0] - 1e-12) & (u[:, 1] >= nd[1] - 1e-12)
        key = [("no deal", nd)]
        for label, deal in (("the deal (Nash)", res.deals["nash"]),
                            ("Kalai–Smorodinsky", res.deals["kalai_smorodinsky"])):
            key.append((label, deal.utility[0, :2]))
        if ok.any():
            best = u[ok]
            key.append((f"best acceptable for {table.members[0]}", best[np.argmax(best[:, 0])]))
            key.append((f"best acceptable for {table.members[1]}", best[np.argmax(best[:, 1])]))
        out.append({
            "id": table.id, "members": list(table.members),
            "names": [names.get(a, a) for a in table.members[:2]],
            "first_two": len(table.members) > 2, "points": u, "acceptable": ok,
            "no_deal": (float(nd[0]), float(nd[1])),
            "key": [{"label": lab, "u1": _pt(v[0]), "u2": _pt(v[1]),
                     "u1_text": "—" if _pt(v[0]) is None else f"{v[0]:.3f}",
                     "u2_text": "—" if _pt(v[1]) is None else f"{v[1]:.3f}"} for lab, v in key],
            "n_acceptable": int(ok.sum()), "n_points": len(u)})
    return out


def frontier_chart(ch: Charts, k: int, fr: dict[str, Any]) -> dict[str, Any]:
    go = ch.go
    u, ok = fr["points"], fr["acceptable"]
    n1, n2 = (_esc(x) for x in fr["names"])
    d1, d2 = fr["no_deal"]
    traces = []
    if ok.any():
        acc = u[ok]
        xs = [d1, *acc[:, 0].tolist(), float(acc[-1, 0]), d1]
        ys = [float(acc[0, 1]), *acc[:, 1].tolist(), d2, d2]
        traces.append(go.Scatter(x=xs, y=ys, fill="toself", mode="lines", line=dict(width=0),
                                 fillcolor="rgba(60,125,58,0.18)", hoverinfo="skip",
                                 name="acceptable to both (beats both no-deal values)"))
    traces.append(go.Scatter(x=u[:, 0].tolist(), y=u[:, 1].tolist(), mode="lines+markers",
                             name="Pareto frontier", line=dict(color=COLOURS[0], width=2),
                             marker=dict(size=3), hoverinfo="x+y"))
    if ok.any():
        traces.append(go.Scatter(x=u[ok, 0].tolist(), y=u[ok, 1].tolist(), mode="markers",
                                 name="acceptable part of the frontier", hoverinfo="x+y",
                                 marker=dict(size=5, color=COLOURS[2])))
    style = {"no deal": ("x", "#555", 12), "the deal (Nash)": ("circle", COLOURS[1], 12),
             "Kalai–Smorodinsky": ("diamond", COLOURS[3], 12)}
    for r in fr["key"]:
        if r["label"] not in style or r["u1"] is None or r["u2"] is None:
            continue
        sym, col, size = style[r["label"]]
        traces.append(go.Scatter(x=[r["u1"]], y=[r["u2"]], mode="markers", name=r["label"],
                                 marker=dict(symbol=sym, color=col, size=size),
                                 hovertext=[f"{r['label']}: ({r['u1_text']}, {r['u2_text']})"],
                                 hoverinfo="text"))
    return ch.figure(f"frontier-{fr['id']}", traces, height=380,
                     xaxis=dict(title=f"utility of {n1}"),
                     yaxis=dict(title=f"utility of {n2}", showgrid=True, gridcolor="#e4e4e4"))


# ------------------------------------------------------------------------------------ stability
def _taken(st: str) -> str:
    return "".join("Y" if c in "Yy" else "N" for c in st)


def _changed(a: str, b: str) -> int:
    """Options whose choice differs between two states."""
    return sum(x != y for x, y in zip(_taken(a), _taken(b)))


def stability_graph(run: StabilityRun) -> dict[str, Any]:
    """The states that matter and the unilateral improvements among them (≤ 16 states).

    The status quo, the states unilateral improvements reach from it, then the equilibria
    ranked by the number of concepts they are stable under (Nash first among ties), then by
    closeness to the status quo (fewest options changed). Each state gets a short id
    (``S1``, ``S2``, …) used in the chart, the table and the list of improvements."""
    from ..scenario.conflict import describe_state
    from ..stability.graph import unilateral_improvements
    from .stability import _NAMES

    engine, r, opts, sq = run.engine, run.result, run.options, run.status_quo
    concepts = list(r.concepts)
    eqs = {c: set(r.equilibria(c)) for c in concepts}
    names = list(r.states)
    at = {st: i for i, st in enumerate(names)}
    graphs = unilateral_improvements(engine)
    dms = list(r.decision_makers)

    def out_of(st: str) -> list[tuple[str, str]]:
        i = at[st]
        return [(dm, names[int(j)]) for dm, g in zip(dms, graphs) for j in g.targets(i)]

    reach: list[str] = []
    sqa = run.status_quo_analysis.get("nash")
    if sq is not None and sq in at:
        reach = [sq] + [t for _, t in out_of(sq)]
        if sqa is not None:
            reach += list(sqa.reachable)
    nash = next((c for c in concepts if str(c).lower().startswith("nash")), None)
    ref = sq if sq in at else None
    by_count = sorted({st for c in concepts for st in eqs[c]},
                      key=lambda st: (-sum(st in eqs[c] for c in concepts),
                                      nash is None or st not in eqs[nash],
                                      _changed(st, ref) if ref is not None else 0, at[st]))
    nodes = [st for st in dict.fromkeys([*reach, *by_count]) if st in at][:MAX_GRAPH_NODES]
    short = {st: f"S{k + 1}" for k, st in enumerate(nodes)}
    edges = [(dm, short[s], short[t]) for s in nodes for dm, t in dict.fromkeys(out_of(s))
             if t in short and t != s]
    full = {st: [_NAMES.get(c, c).split(" ")[0] for c in concepts if st in eqs[c]]
            for st in nodes}
    return {"nodes": [{"state": short[st], "vector": st, "words": describe_state(opts, st),
                       "sq": st == sq, "stable": full[st]} for st in nodes],
            "edges": edges, "decision_makers": dms, "n_states": len(names)}


def _layout(ids: list[str]) -> dict[str, tuple[float, float]]:
    """The states on a circle, clockwise from the top (the status quo comes first)."""
    n = max(len(ids), 1)
    return {st: (float(np.sin(2 * np.pi * k / n)), float(np.cos(2 * np.pi * k / n)))
            for k, st in enumerate(ids)}


def _outward(x: float, y: float) -> str:
    """Where a node's label goes: away from the circle's centre."""
    v = "top" if y > 0.38 else "bottom" if y < -0.38 else "middle"
    h = "right" if x > 0.38 else "left" if x < -0.38 else "center"
    return "top center" if (v, h) == ("middle", "center") else f"{v} {h}"


def stability_graph_chart(ch: Charts, g: dict[str, Any]) -> dict[str, Any]:
    go = ch.go
    nodes = g["nodes"]
    pos = _layout([n["state"] for n in nodes])
    dms = list(g.get("decision_makers") or dict.fromkeys(dm for dm, _, _ in g["edges"]))
    dm_colour = {dm: _DM_COLOURS[k % len(_DM_COLOURS)] for k, dm in enumerate(dms)}
    traces = []
    # one legend entry per decision maker (the arrows themselves are annotations)
    for dm in dms:
        if any(d == dm for d, _, _ in g["edges"]):
            traces.append(go.Scatter(x=[None], y=[None], mode="lines", name=f"moves: {_esc(dm)}",
                                     line=dict(color=dm_colour[dm], width=2),
                                     hoverinfo="skip"))
    groups: dict[str, list[dict[str, Any]]] = {}
    for n in nodes:
        groups.setdefault(", ".join(n["stable"]) or "no concept", []).append(n)
    for k, (label, ns) in enumerate(sorted(groups.items(), key=lambda kv: -len(kv[0]))):
        colour = "#999" if label == "no concept" else COLOURS[k % len(COLOURS)]
        traces.append(go.Scatter(
            x=[pos[n["state"]][0] for n in ns], y=[pos[n["state"]][1] for n in ns],
            mode="markers+text", name=f"stable under: {label}",
            text=[n["state"] for n in ns],
            textposition=[_outward(*pos[n["state"]]) for n in ns], textfont=dict(size=11),
            marker=dict(size=[22 if n["sq"] else 14 for n in ns], color=colour,
                        symbol=["star" if n["sq"] else "circle" for n in ns],
                        line=dict(width=1, color="#333")),
            hovertext=[f"{n['state']}{' (status quo)' if n['sq'] else ''}: {_esc(n['words'])}"
                       f"<br>stable under: {label}" for n in ns], hoverinfo="text"))
    arrows = [dict(x=pos[b][0], y=pos[b][1], ax=pos[a][0], ay=pos[a][1], xref="x", yref="y",
                   axref="x", ayref="y", showarrow=True, arrowhead=3, arrowsize=1.2,
                   arrowwidth=1.5, arrowcolor=dm_colour.get(dm, "#777"), opacity=0.8,
                   standoff=9, startstandoff=9, text="", hovertext=_esc(f"{dm}: {a} → {b}"))
              for dm, a, b in g["edges"]]
    return ch.figure("stability-graph", traces, height=560, annotations=arrows,
                     xaxis=dict(visible=False, range=[-1.25, 1.25], showgrid=False),
                     yaxis=dict(visible=False, range=[-1.25, 1.25], showgrid=False,
                                scaleanchor="x", scaleratio=1),
                     margin=dict(l=10, r=10, t=90, b=10))
