"""The state graph of a conflict and its status-quo evolution, for Gephi (GraphML) or D3 (JSON).

Nodes are the feasible states: ``id`` is the option vector; each node carries the options taken,
every DM's preference rank (``rank_<dm>``, higher is better), and per stability concept whether
the state is an equilibrium (``eq_<concept>``) and for which DMs it is stable
(``stable_<concept>``, DM names joined by ``", "``), plus ``status_quo`` and, with a status-quo
analysis, ``sq_reachable`` (reached from the status quo by unilateral improvements). Edges are the
unilateral moves: ``dm`` (the mover; a move changes only its mover's options, so each ordered pair
of states has at most one mover), ``improvement`` (the mover strictly prefers the target) and
``sq_path`` (on one of the shortest improvement paths from the status quo to an equilibrium,
:mod:`detente.stability.status_quo`; ``sq_concepts`` names the concepts of those equilibria).

The JSON is the node-link form D3's force layout reads (and networkx's ``node_link_graph``):
``{"directed": true, "multigraph": false, "graph": {...}, "nodes": [...], "links": [...]}`` with
``source``/``target`` naming node ids; ``graph.status_quo_paths`` keeps every path step by step.
The GraphML is written with :mod:`xml.etree.ElementTree` (networkx is not needed), one ``<key>``
per attribute with its type, so Gephi shows them as typed columns.

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> g = state_graph(pd, status_quo="YY")
>>> [n["id"] for n in g["nodes"] if n["eq_nash"]], len(g["links"])
(['NN'], 8)
>>> [(l["source"], l["target"]) for l in g["links"] if l["sq_path"]]
[('YY', 'NY'), ('NY', 'NN')]
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .concepts import StabilityResult, stability_solve
from .graph import unilateral_moves
from .model import Conflict, parse_state
from .status_quo import StatusQuoResult, status_quo_solve

__all__ = ["EXPORT_FORMATS", "state_graph", "to_graphml", "write_graph"]

EXPORT_FORMATS = (".graphml", ".json")
_NS = "http://graphml.graphdrawing.org/xmlns"
_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _slug(name: str) -> str:
    return re.sub(r"\W+", "_", str(name)).strip("_") or "dm"


def state_graph(conflict: Conflict, result: StabilityResult | None = None, *,
                status_quo: str | None = None,
                status_quo_analysis: Mapping[str, StatusQuoResult] | None = None,
                option_names: Sequence[str] | None = None) -> dict[str, Any]:
    """The node-link form of the conflict's state graph (see the module). ``result``: its
    stability (solved under the default concepts if omitted); ``status_quo_analysis``: status-quo
    results per concept (computed for the result's concepts when ``status_quo`` is given and this
    is omitted)."""
    if result is None:
        result = stability_solve(conflict)
    if status_quo is not None:
        status_quo = conflict.vector(parse_state(status_quo, conflict.n_options))
    if status_quo is not None and status_quo_analysis is None:
        status_quo_analysis = {c: status_quo_solve(conflict, status_quo, c, result=result,
                                                   sanction_rule=result.sanction_rule,  # type: ignore[arg-type]
                                                   max_states=None)
                               for c in result.concepts}
    sqa = dict(status_quo_analysis or {})
    names, dms = conflict.state_names, conflict.decision_makers
    opts = list(option_names) if option_names is not None else [o.name for o in conflict.options]
    slugs = [_slug(d) for d in dms]
    pay = conflict.payoffs
    reachable = set().union(*(r.reachable for r in sqa.values())) if sqa else set()
    nodes = []
    for s, name in enumerate(names):
        node: dict[str, Any] = {
            "id": name, "label": name, "index": s, "bitmask": int(conflict.feasible[s]),
            "taken": ", ".join(o for o, ch in zip(opts, name) if ch == "Y") or "(none)",
            "status_quo": name == status_quo}
        if sqa:
            node["sq_reachable"] = name in reachable
        for k, slug in enumerate(slugs):
            node[f"rank_{slug}"] = int(pay[k, s])
        for c in result.concepts:
            st_ = result.stable[c][:, s]
            node[f"eq_{c}"] = bool(st_.all())
            node[f"stable_{c}"] = ", ".join(d for d, ok in zip(dms, st_.tolist()) if ok)
        nodes.append(node)
    on_path: dict[tuple[str, str], list[str]] = {}
    paths: dict[str, dict[str, list[list[str]]]] = {}
    for c, r in sqa.items():
        paths[c] = {eq: [list(step) for step in p] for eq, p in r.paths.items()}
        for p in r.paths.values():
            for _, a, b in p:
                on_path.setdefault((a, b), [])
                if c not in on_path[(a, b)]:
                    on_path[(a, b)].append(c)
    links = []
    for k, g in enumerate(unilateral_moves(conflict)):
        src = g.sources()
        better = pay[k][g.indices] > pay[k][src]
        for a, b, up in zip(src.tolist(), g.indices.tolist(), better.tolist()):
            key = (names[a], names[b])
            links.append({"source": key[0], "target": key[1], "dm": dms[k], "improvement": up,
                          "sq_path": key in on_path,
                          "sq_concepts": ", ".join(on_path.get(key, ()))})
    graph = {"name": conflict.name, "decision_makers": list(dms), "options": opts,
             "owners": [o.owner for o in conflict.options], "concepts": list(result.concepts),
             "sanction_rule": result.sanction_rule, "status_quo": status_quo,
             "status_quo_paths": paths, "fingerprint": conflict.fingerprint}
    return {"directed": True, "multigraph": False, "graph": graph, "nodes": nodes,
            "links": links}


def to_graphml(graph: Mapping[str, Any]) -> str:
    """GraphML text of :func:`state_graph`'s output (typed ``<key>`` per attribute)."""
    ET.register_namespace("", _NS)
    root = ET.Element(f"{{{_NS}}}graphml")
    keys: dict[tuple[str, str], str] = {}

    def declare(domain: str, items: Sequence[Mapping[str, Any]], skip: set[str]) -> None:
        seen: dict[str, type] = {}
        for it in items:
            for a, v in it.items():
                if a not in skip and a not in seen and v is not None:
                    seen[a] = type(v) if type(v) in _TYPES else str
        for a, t in seen.items():
            kid = f"{domain[0]}{len(keys)}"
            keys[(domain, a)] = kid
            ET.SubElement(root, f"{{{_NS}}}key", {"id": kid, "for": domain, "attr.name": a,
                                                   "attr.type": _TYPES[t]})

    meta = graph.get("graph", {})
    flat_meta = {k: (v if isinstance(v, (bool, int, float, str)) else json.dumps(v))
                 for k, v in meta.items() if v is not None}
    declare("graph", [flat_meta], set())
    declare("node", graph["nodes"], {"id"})
    declare("edge", graph["links"], {"source", "target"})
    g = ET.SubElement(root, f"{{{_NS}}}graph", {"id": "G", "edgedefault": "directed"})

    def put(el: ET.Element, domain: str, attrs: Mapping[str, Any]) -> None:
        for a, v in attrs.items():
            kid = keys.get((domain, a))
            if kid is None or v is None:
                continue
            d = ET.SubElement(el, f"{{{_NS}}}data", {"key": kid})
            d.text = ("true" if v else "false") if isinstance(v, bool) else str(v)

    put(g, "graph", flat_meta)
    for n in graph["nodes"]:
        put(ET.SubElement(g, f"{{{_NS}}}node", {"id": n["id"]}), "node", n)
    for i, e in enumerate(graph["links"]):
        put(ET.SubElement(g, f"{{{_NS}}}edge", {"id": f"e{i}", "source": e["source"],
                                                 "target": e["target"]}), "edge", e)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def write_graph(graph: Mapping[str, Any], path: str | Path) -> Path:
    """Write :func:`state_graph`'s output as GraphML (``.graphml``) or node-link JSON
    (``.json``), chosen by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise ValueError(f"export to {path.name}: the file must end in "
                         f"{' or '.join(EXPORT_FORMATS)}")
    text = to_graphml(graph) if suffix == ".graphml" else json.dumps(graph, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
    return path
