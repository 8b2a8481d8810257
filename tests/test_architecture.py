"""Architecture rules that keep the core lean and presentation-free (STYLE.md §1, §10)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "detente"
PRESENTATION = ("cli", "report", "store", "web")
CORE = [p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0].removesuffix(".py")
        not in PRESENTATION + ("__main__",)]


def _imports(path: Path, *, runtime: bool = False) -> set[str]:
    """Every module a file imports (lazy imports included); ``runtime``: without those under
    ``if TYPE_CHECKING:`` (annotations only, not a dependency when the code runs)."""
    tree = ast.parse(path.read_text())
    if runtime:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                node.body = []
    pkg = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(pkg[: len(pkg) - node.level + 1])
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def test_core_never_imports_presentation():
    offenders = []
    for f in CORE:
        for mod in _imports(f):
            parts = mod.split(".")
            if parts[0] == "detente" and len(parts) > 1 and parts[1] in PRESENTATION:
                offenders.append(f"{f.relative_to(SRC)} imports {mod}")
            if parts[0] in ("typer", "rich", "click", "fastapi", "plotly", "sqlalchemy"):
                offenders.append(f"{f.relative_to(SRC)} imports {mod}")
    assert not offenders, "\n".join(offenders)


def test_importing_detente_is_light():
    """`import detente` must not pull in the CLI, rich, scipy.stats or pydantic-heavy extras."""
    code = (
        "import sys, detente; "
        "bad = [m for m in ('typer', 'rich', 'detente.cli', 'detente.report') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


MAX_MODULE_LINES = 400
"""A module longer than this is split along its concepts (STYLE.md §12; issue 15)."""


def test_modules_stay_small():
    big = [(p.relative_to(SRC), n) for p in SRC.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES]
    assert not big, f"split these modules (STYLE.md §12): {big}"


def test_the_scenario_package_knows_the_builtin_models_without_importing_them():
    """scenario/ validates `outcome.source` against BUILTIN_MODELS (data), not the registry."""
    from detente.forecast import registry
    from detente.scenario.checks import BUILTIN_MODELS

    assert BUILTIN_MODELS == registry.names()


def test_the_scenario_package_never_imports_the_engines_or_a_face():
    """scenario/ holds data and validation only (issue 14): no import of stability/, forecast/,
    bargain/, process/ or a face, and the limits it shares with an engine are kept equal."""
    banned = ("stability", "forecast", "bargain", "process", *PRESENTATION)
    offenders = []
    for f in (SRC / "scenario").rglob("*.py"):
        for mod in _imports(f):
            parts = mod.split(".")
            if parts[0] == "detente" and len(parts) > 1 and parts[1] in banned:
                offenders.append(f"{f.relative_to(SRC)} imports {mod}")
    assert not offenders, "\n".join(offenders)
    from detente.scenario.conflict import MAX_OPTIONS
    from detente.stability.model import MAX_OPTIONS as ENGINE_MAX

    assert MAX_OPTIONS == ENGINE_MAX


def _module_graph() -> dict[str, set[str]]:
    mods = {}
    for p in SRC.rglob("*.py"):
        name = ".".join(p.relative_to(SRC.parent).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = p
    graph = {}
    for name, p in mods.items():
        deps = set()
        package = p.name == "__init__.py"
        for m in _imports(p, runtime=True):
            parts = m.split(".")
            for k in range(len(parts), 0, -1):
                cand = ".".join(parts[:k])
                if cand in mods and cand != name:
                    # a package re-exporting its own submodules is not a dependency on them
                    if not (package and cand.startswith(name + ".")):
                        deps.add(cand)
                    break
        graph[name] = deps
    return graph


def test_no_import_cycles_between_modules():
    """Strongly connected components of the module graph (every import, lazy ones included)."""
    graph = _module_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)
