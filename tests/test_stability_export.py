"""Export of the state graph and the status-quo evolution: GraphML (Gephi) and node-link JSON
(D3), checked against the stability results they carry."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from detente.cli import main
from detente.stability import ALL_CONCEPTS, Conflict, stability_solve
from detente.stability.export import state_graph, to_graphml, write_graph
from detente.stability.graph import unilateral_improvements, unilateral_moves
from detente.stability.status_quo import status_quo_solve

from .test_stability import _conflict, _load

NS = "{http://graphml.graphdrawing.org/xmlns}"
FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "ukraine-2025-02.yaml"


def _pd() -> Conflict:
    return Conflict.from_dict({
        "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
        "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
                            {"name": "B", "priorities": ["Y-", "-N"]}]})


@pytest.mark.parametrize("name", ("prisoners", "cuban", "elmira"))
def test_graph_carries_the_results(reference_cases, name):
    c = _conflict(_load(reference_cases, name))
    r = stability_solve(c, concepts=ALL_CONCEPTS)
    sq = c.state_names[0]
    g = state_graph(c, r, status_quo=sq)
    assert [n["id"] for n in g["nodes"]] == list(c.state_names)
    for concept in ALL_CONCEPTS:
        assert [n["id"] for n in g["nodes"] if n[f"eq_{concept}"]] == list(r.equilibria(concept))
        for i, dm in enumerate(c.decision_makers):
            assert [n["id"] for n in g["nodes"] if dm in n[f"stable_{concept}"].split(", ")] \
                == list(r.stable_states(concept, i))
    moves, imps = unilateral_moves(c), unilateral_improvements(c)
    assert len(g["links"]) == sum(m.n_edges for m in moves)
    assert sum(lk["improvement"] for lk in g["links"]) == sum(m.n_edges for m in imps)
    # the status-quo paths are improvements, flagged on their edges
    for concept in ALL_CONCEPTS:
        res = status_quo_solve(c, sq, concept, result=r, max_states=None)
        steps = {(a, b) for p in res.paths.values() for _, a, b in p}
        flagged = {(lk["source"], lk["target"]) for lk in g["links"]
                   if concept in lk["sq_concepts"].split(", ")}
        assert steps == flagged, concept
        assert g["graph"]["status_quo_paths"][concept] == \
            {k: [list(s) for s in v] for k, v in res.paths.items()}
    assert all(lk["improvement"] for lk in g["links"] if lk["sq_path"])
    assert [n["id"] for n in g["nodes"] if n["status_quo"]] == [sq]


def test_graphml_is_valid_and_typed(tmp_path):
    g = state_graph(_pd(), status_quo="YY")
    path = write_graph(g, tmp_path / "pd.graphml")
    root = ET.parse(path).getroot()
    assert root.tag == f"{NS}graphml"
    keys = {k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type"))
            for k in root.findall(f"{NS}key")}
    graph = root.find(f"{NS}graph")
    assert graph.get("edgedefault") == "directed"
    nodes = {n.get("id"): {keys[d.get("key")][1]: d.text for d in n.findall(f"{NS}data")}
             for n in graph.findall(f"{NS}node")}
    assert set(nodes) == {"NN", "YN", "NY", "YY"}
    assert nodes["NN"]["eq_nash"] == "true" and nodes["YY"]["status_quo"] == "true"
    assert ("node", "eq_nash", "boolean") in keys.values()
    assert ("node", "rank_A", "long") in keys.values()
    edges = [(e.get("source"), e.get("target"),
              {keys[d.get("key")][1]: d.text for d in e.findall(f"{NS}data")})
             for e in graph.findall(f"{NS}edge")]
    assert len(edges) == 8
    path_edges = {(a, b) for a, b, d in edges if d["sq_path"] == "true"}
    assert path_edges == {("YY", "NY"), ("NY", "NN")}
    assert all(d["dm"] in ("A", "B") for _, _, d in edges)
    # every referenced key is declared, for its domain
    for el, dom in ((graph, "graph"), *((n, "node") for n in graph.findall(f"{NS}node")),
                    *((e, "edge") for e in graph.findall(f"{NS}edge"))):
        for d in el.findall(f"{NS}data"):
            assert keys[d.get("key")][0] == dom


def test_json_is_node_link(tmp_path):
    g = state_graph(_pd(), status_quo="YY")
    d = json.loads(write_graph(g, tmp_path / "pd.json").read_text())
    assert d["directed"] is True and d["multigraph"] is False
    ids = {n["id"] for n in d["nodes"]}
    assert all(lk["source"] in ids and lk["target"] in ids for lk in d["links"])
    assert d["graph"]["status_quo"] == "YY"
    assert d["graph"]["status_quo_paths"]["nash"]["NN"] == [["A", "YY", "NY"], ["B", "NY", "NN"]]


def test_write_graph_refuses_other_formats(tmp_path):
    with pytest.raises(ValueError, match="graphml"):
        write_graph(state_graph(_pd()), tmp_path / "x.gexf")
    assert "sq_reachable" not in state_graph(_pd())["nodes"][0]
    assert to_graphml(state_graph(_pd())).startswith("<?xml")


def test_cli_export_and_concepts(tmp_path, capsys):
    out, js = tmp_path / "u.graphml", tmp_path / "u.json"
    assert main(["stability", str(FLAGSHIP), "--concepts", "nash,sim,seq+sim",
                 "--export-graph", str(out), "--json", str(js)]) == 0
    d = json.loads(js.read_text())
    assert d["concepts"] == ["nash", "sim", "seqsim"] and "sim" in d["equilibria"]
    root = ET.parse(out).getroot()
    names = {k.get("attr.name") for k in root.findall(f"{NS}key")}
    assert {"eq_nash", "eq_sim", "eq_seqsim", "sq_path", "improvement", "dm"} <= names
    assert main(["stability", str(FLAGSHIP), "--export-graph", str(tmp_path / "u.json")]) == 0
    g = json.loads((tmp_path / "u.json").read_text())
    assert any(lk["sq_path"] for lk in g["links"]) or g["graph"]["status_quo_paths"]
    capsys.readouterr()
    assert main(["stability", str(FLAGSHIP), "--concepts", "bogus"]) != 0
    assert main(["stability", str(FLAGSHIP), "--export-graph", str(tmp_path / "x.gexf")]) != 0
