"""The README's commands run, and the output it shows is real.

Every ``$ detente …`` line in a ```console block is run through the CLI's entry
point at a 100-column terminal, from the repository root; it must exit 0 (or
65 for `validate` of the deliberately broken example), and every line shown
under it must appear in the real output (compared with trailing spaces removed;
lines may be omitted from the README, not invented). Python blocks are run too.
"""

from __future__ import annotations

import re
import shlex
import shutil

import pytest

from detente.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console_blocks():
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        cmd, shown = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd:
                    yield cmd, shown
                cmd, shown = line[2:], []
            elif cmd is not None:
                shown.append(line)
        if cmd:
            yield cmd, shown


COMMANDS = list(_console_blocks())


def test_readme_has_a_tour():
    assert len(COMMANDS) >= 5


@pytest.mark.parametrize("cmd, shown", COMMANDS, ids=[c for c, _ in COMMANDS])
def test_readme_command(cmd, shown, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    argv = shlex.split(cmd)
    assert argv[0] == "detente"
    for i, a in enumerate(argv):  # never overwrite files the user has: write into out/
        if a == "--output" and (ROOT / argv[i + 1]).exists():
            (ROOT / argv[i + 1]).unlink()
    code = main(argv[1:])
    out = capsys.readouterr()
    real = {line.rstrip() for line in (out.out + out.err).splitlines()}
    expected = 65 if "broken" in cmd else 0
    assert code == expected, out.err
    missing = [line for line in shown if line.rstrip() and line.rstrip() not in real
               and not any(r.startswith(line.rstrip()) for r in real)]
    assert not missing, f"README shows lines the command does not print: {missing}"


def test_readme_python_blocks(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    for block in re.findall(r"```python\n(.*?)```", README, flags=re.S):
        exec(compile(block, "README.md", "exec"), {})
    assert "territory (compromise):" in capsys.readouterr().out


def test_make_targets_exist():
    mk = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", mk, re.M) and re.search(r"^test:", mk, re.M)
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")
    assert shutil.which("python3") or shutil.which("python")
