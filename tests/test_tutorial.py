"""The tutorial (docs/tutorial/*.md) runs as a notebook would: its cells in order, in one session.

Conventions, on top of those of tests/test_docs.py:

- A ```` ```yaml ```` block with a line ``# save as: NAME`` is written to NAME (the reader saves
  it in an editor) before the cells after it run.
- Every ```` ```py ```` cell runs in one shared namespace, in order, like a notebook's cells.
  (They are marked ``py``, not ``python``, because tests/test_docs.py runs each ``python``
  block on its own.) When a ```` ```text ```` block follows a cell directly, the cell's printed
  output must match it.
- In a ```` ```console ```` block, every ``$ detente …`` line is run through the CLI and must
  succeed; a ```` ```text ```` block right after it holds its expected standard output.

Everything runs in a temporary folder, where the tutorial's files are written.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from detente.cli import main

from .test_docs import Block, _blocks, _following_text

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs" / "tutorial").glob("*.md"))
_SAVE = re.compile(r"^#\s*save as:\s*(\S+)\s*$", re.M)


def _same(got: str, shown: Block) -> None:
    tidy = lambda t: "\n".join(s.rstrip() for s in t.rstrip("\n").splitlines())  # noqa: E731
    assert tidy(got) == tidy(shown.text), (
        f"{shown.where}: the documented output differs; the code prints:\n{got}")


def _run_console(block: Block, capsys: pytest.CaptureFixture[str]) -> None:
    out = []
    for line in block.text.splitlines():
        if not line.startswith("$ detente "):
            continue
        capsys.readouterr()
        rc = main(shlex.split(line[len("$ detente "):]))
        io_ = capsys.readouterr()
        assert rc == 0, f"{block.where}: `{line[2:]}` exited with {rc}:\n{io_.err}"
        out.append(io_.out)
    shown = _following_text(block)
    if shown is not None:
        _same("".join(out), shown)


def test_there_is_a_tutorial():
    assert PAGES, "no page under docs/tutorial/"
    for page in PAGES:
        langs = {b.lang for b in _blocks(page)}
        assert "py" in langs, f"{page}: no ```py cell"
        assert "python" not in langs, f"{page}: mark notebook cells ```py (see this module)"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_tutorial_runs_like_a_notebook(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ns: dict[str, object] = {"__name__": "__tutorial__"}
    saved = []
    for block in _blocks(page):
        if block.lang == "yaml" and (m := _SAVE.search(block.text)):
            Path(m.group(1)).write_text(block.text, encoding="utf-8")
            saved.append(m.group(1))
        elif block.lang == "py":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(block.text, block.where, "exec"), ns)
            shown = _following_text(block)
            if shown is not None:
                _same(buf.getvalue(), shown)
        elif block.lang == "console":
            _run_console(block, capsys)
    if page.name == "first-analysis.md":
        assert saved == ["wage-round.yaml"]
        result = ns["result"]
        assert result.draws == 1000 and [q.id for q in result.questions] == [
            "zone", "above-inflation", "signed-in-6"]
        assert all(0 <= q.probability <= 1 for q in result.questions)
        pytest.importorskip("plotly")  # a test dependency: the plots were drawn
        assert len(ns["fig"].data) == 1 and len(ns["rounds"].data) == 3
        for name in ("wage-positions.html", "wage-rounds.html", "wage-round.html"):
            assert (tmp_path / name).stat().st_size > 10_000, name
    if page.name == "notebook.md":
        assert saved == []  # built in Python, no file
        result = ns["result"]
        assert result.draws == 200 and result.seed == 1
        assert [q.id for q in result.questions] == ["zone", "doubled", "signed-in-6"]
        figures = ns["figures"]
        for name in ("fund-by-model.html", "summit-course.html"):  # the plots were drawn
            assert (figures / name).stat().st_size > 10_000, name
        ns["folder"].cleanup()
