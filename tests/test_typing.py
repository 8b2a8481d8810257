"""`mypy --strict` passes on the public API modules (issue 15).

The configuration is pyproject.toml's ``[tool.mypy]``: strict, and ``follow_imports = "silent"``,
so the modules below are checked and the ones they import are read for their types only. To hold
another module to the same standard, add it to :data:`PUBLIC_API`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]

PUBLIC_API = (
    "src/detente/__init__.py",
    "src/detente/errors.py",
    "src/detente/random.py",
    "src/detente/models.py",
    "src/detente/frames.py",
    "src/detente/scenario/__init__.py",
    "src/detente/scenario/build.py",
    "src/detente/scenario/load.py",
    "src/detente/scenario/schema.py",
    # the schema's base types and the loader's positions
    "src/detente/scenario/types.py",
    "src/detente/scenario/located.py",
    # the result of a run and how it was made
    "src/detente/analysis/__init__.py",
    "src/detente/analysis/result.py",
    "src/detente/analysis/pipeline.py",
    # the conflict section's stability analysis, as Analysis.stability and `detente stability`
    "src/detente/stability/run.py",
    "src/detente/stability/analysis.py",
    "src/detente/stability/scenario.py",
    "src/detente/forecast/params.py",
    "src/detente/certainty.py",
    "src/detente/answers.py",
)
"""The modules `mypy --strict` must pass on, relative to the repository root."""


def test_the_list_names_files_that_exist():
    missing = [p for p in PUBLIC_API if not (ROOT / p).is_file()]
    assert not missing, f"PUBLIC_API names missing files: {missing}"


@pytest.mark.slow  # about 10 s on a fresh clone; 1 s once .mypy_cache is warm
def test_mypy_strict_passes_on_the_public_api(monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in mypy's messages, and its cache, relative to the repo
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), *PUBLIC_API])
    assert status == 0, f"mypy --strict found problems (pyproject.toml [tool.mypy]):\n{out}{err}"
