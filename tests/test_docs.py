"""Executable documentation: the examples in docs/ and the doctests in src/detente run as tests.

Conventions for fenced code blocks in ``docs/**/*.md``:

- A ```` ```yaml ```` block whose first line is ``# detente-example`` is a complete scenario; it
  must load and validate with :func:`detente.loads_scenario`.
- A ```` ```yaml ```` block whose first line is ``# detente-broken-example`` is a scenario that
  must *fail* to load; the next ```` ```text ```` block (prose may come between them) holds the
  loader's report, which must match exactly. The file name is taken from the report's first
  line (``broken.yaml: 5 problems found``).
- Every ```` ```python ```` block is run (``exec`` in a fresh namespace, with the repository root
  as the working directory). When a ```` ```text ```` block follows it directly (nothing but
  blank lines in between), the block's printed output must match that text.
- Other blocks (``yaml`` without a marker, ``console``, ``text``, ``json``, …) are not run.

Relative links between documentation pages, and their ``#anchors``, must resolve.

Every importable module under ``src/detente`` has its doctests run. A module that cannot be
imported because an optional dependency is missing is skipped (its own tests cover it).
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from detente import Scenario, ScenarioError, loads_scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "detente"

EXAMPLE_MARK = "# detente-example"
BROKEN_MARK = "# detente-broken-example"

_OPEN = re.compile(r"^```([A-Za-z0-9_+-]*)\s*$")
_CLOSE = re.compile(r"^```\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].strip()


def _blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and not _CLOSE.match(lines[i]):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"{path.relative_to(ROOT)}:{start + 1}: unclosed code block")
        out.append(Block(path, start + 1, i + 1, m.group(1).lower(), "\n".join(body) + "\n"))
        i += 1
    return out


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _all_blocks() -> list[Block]:
    return [b for p in _pages() for b in _blocks(p)]


def _following_text(block: Block, *, adjacent: bool = True) -> Block | None:
    """The ```text block after ``block``, if the next block is one.

    With ``adjacent`` (the default) only blank lines may separate the two blocks.
    """
    lines = block.path.read_text(encoding="utf-8").splitlines()
    for b in _blocks(block.path):
        if b.line > block.end:
            between = lines[block.end : b.line - 1]
            if b.lang == "text" and (not adjacent or all(not s.strip() for s in between)):
                return b
            return None
    return None


BLOCKS = _all_blocks()
EXAMPLES = [b for b in BLOCKS if b.lang == "yaml" and b.first_line == EXAMPLE_MARK]
BROKEN = [b for b in BLOCKS if b.lang == "yaml" and b.first_line == BROKEN_MARK]
PYTHON = [b for b in BLOCKS if b.lang == "python"]


def test_docs_have_runnable_examples() -> None:
    """Guard against a parser change that silently finds nothing to run."""
    assert _pages(), "no documentation pages found under docs/"
    assert EXAMPLES, f"no ```yaml block starting with {EXAMPLE_MARK!r} in docs/"
    assert PYTHON, "no ```python block in docs/"


@pytest.mark.parametrize("block", EXAMPLES, ids=[b.where for b in EXAMPLES])
def test_yaml_example_validates(block: Block) -> None:
    try:
        scenario = loads_scenario(block.text, file=f"{block.where} (example)")
    except ScenarioError as e:
        pytest.fail(f"the example at {block.where} does not validate:\n{e}")
    assert isinstance(scenario, Scenario)


@pytest.mark.parametrize("block", BROKEN, ids=[b.where for b in BROKEN])
def test_broken_example_reports_what_the_docs_show(block: Block) -> None:
    shown = _following_text(block, adjacent=False)
    assert shown is not None, f"{block.where}: a broken example needs a ```text block next"
    file = shown.first_line.split(": ", 1)[0]
    with pytest.raises(ScenarioError) as info:
        loads_scenario(block.text, file=file)
    assert str(info.value) == shown.text.rstrip("\n"), (
        f"{shown.where}: the documented report differs from the loader's; it now reads:\n"
        f"{info.value}"
    )


@pytest.mark.parametrize("block", PYTHON, ids=[b.where for b in PYTHON])
def test_python_block_runs(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code = compile(block.text, block.where, "exec")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(code, {"__name__": "__docs__"})
    shown = _following_text(block)
    if shown is not None:
        got = "\n".join(s.rstrip() for s in buf.getvalue().rstrip("\n").splitlines())
        want = "\n".join(s.rstrip() for s in shown.text.rstrip("\n").splitlines())
        assert got == want, f"{shown.where}: the documented output differs; the code prints:\n{got}"


# ----------------------------------------------------------------------------- links
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.replace("`", "")
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    out: set[str] = set()
    counts: dict[str, int] = {}
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m and not in_code:
            s = _slug(m.group(1))
            n = counts.get(s, 0)
            out.add(s if n == 0 else f"{s}-{n}")
            counts[s] = n + 1
    return out


def _links() -> list[tuple[Path, int, str]]:
    found = []
    for page in _pages():
        in_code = False
        for k, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                continue
            for m in _LINK.finditer(re.sub(r"`[^`]*`", "", line)):
                target = m.group(1)
                if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # skip https:, mailto:, …
                    found.append((page, k, target))
    return found


LINKS = _links()


@pytest.mark.parametrize(
    "page,line,target", LINKS, ids=[f"{p.relative_to(ROOT)}:{k}:{t}" for p, k, t in LINKS]
)
def test_relative_link_resolves(page: Path, line: int, target: str) -> None:
    file, _, anchor = target.partition("#")
    dest = (page.parent / file).resolve() if file else page
    assert dest.exists(), f"{page.relative_to(ROOT)}:{line}: {target!r} does not exist"
    if anchor and dest.suffix == ".md":
        assert anchor in _anchors(dest), (
            f"{page.relative_to(ROOT)}:{line}: no heading with anchor #{anchor} in "
            f"{dest.relative_to(ROOT)}"
        )


# ----------------------------------------------------------------------------- doctests
def _module_names() -> list[str]:
    names = []
    for f in sorted(SRC.rglob("*.py")):
        parts = f.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith(".") for p in parts):
            continue
        names.append(".".join(parts))
    return names


MODULES = _module_names()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as e:  # an optional extra that is not installed
        pytest.skip(f"{name} cannot be imported here: {e}")


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = _import(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    report: list[str] = []
    for test in finder.find(module, name):
        runner.run(test, out=report.append)
    failed, _ = runner.summarize(verbose=False)
    assert failed == 0, "".join(report)


def test_doctests_exist() -> None:
    finder = doctest.DocTestFinder(exclude_empty=True)
    n = 0
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        n += sum(len(t.examples) for t in finder.find(module, name))
    assert n > 0, "no doctests found in src/detente"
