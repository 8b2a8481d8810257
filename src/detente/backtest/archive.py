"""The backtest archive on disk: ``archive.yaml`` (the split) and one folder per case.

A case folder holds ``scenario.yaml`` (a scenario as of a date before the outcome, without
questions) and ``questions.yaml`` (its questions with their resolutions, and the sources of the
resolutions). They are read apart — the scenario can be written and reviewed without knowing
how the questions resolved — and joined here for scoring. Every problem is reported with its
file, line and field, as for scenarios.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from ..errors import DetenteError, Problem, ScenarioError
from ..scenario.schema import Question, Scenario, Source
from ..scenario.types import Id, Text, _Model

__all__ = ["Archive", "Case", "hindsight", "load_archive", "load_case"]


class _Split(_Model):
    dev: tuple[Id, ...] = Field(min_length=1)
    test: tuple[Id, ...] = Field(min_length=1)


class _ArchiveFile(_Model):
    archive: Literal[1] = 1
    fixed_on: _dt.date = Field(description="The date the split was fixed (before any fitting).")
    split: _Split
    note: Text | None = None


class _QuestionsFile(_Model):
    sources: tuple[Source, ...] = ()
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]


@dataclass(frozen=True)
class Case:
    """One archived negotiation: the scenario with its questions joined, and where it lives."""

    id: str
    half: str  # "dev" or "test"
    folder: Path
    scenario: Scenario  # with the questions and the resolutions' sources joined

    @property
    def resolved(self) -> int:
        return sum(q.resolution is not None for q in self.scenario.questions)


@dataclass(frozen=True)
class Archive:
    folder: Path
    fixed_on: _dt.date
    dev: tuple[str, ...]
    test: tuple[str, ...]
    cases: tuple[Case, ...]

    def half(self, name: str) -> tuple[Case, ...]:
        return tuple(c for c in self.cases if name in ("all", c.half))


def _read(path: Path, model: type[_Model]) -> Any:
    """Read one YAML file into a pydantic model; problems located in the file."""
    from ..scenario.load import read_model

    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise DetenteError(f"{path}: no such file") from None
    return read_model(text, model, file=str(path))


def load_case(folder: str | Path, half: str = "dev") -> Case:
    """Load ``folder/scenario.yaml`` and ``folder/questions.yaml`` and join them.

    The scenario must have no questions of its own (they belong in questions.yaml); the
    questions' references (tables, actors, issues, partial agreements) are checked against
    the scenario and reported in questions.yaml.
    """
    from ..scenario.checks import check_references
    from ..scenario.load import load_scenario, read_yaml

    folder = Path(folder)
    scen_file = folder / "scenario.yaml"
    s = load_scenario(scen_file)
    if s.questions:
        raise ScenarioError([Problem(1, 1, "questions", "an archived scenario has no questions: "
                                     "they live in questions.yaml beside it",
                                     "move the `questions` section to questions.yaml",
                                     file=str(scen_file))], str(scen_file))
    qfile = folder / "questions.yaml"
    qs, qdata, qpos = _read(qfile, _QuestionsFile)
    # cross-references, checked on the scenario's data with the questions joined
    sdata, _, _ = read_yaml(scen_file.read_bytes(), file=str(scen_file))
    joined = dict(sdata)
    joined["questions"] = qdata.get("questions", [])
    joined["sources"] = [*(sdata.get("sources") or []), *(qdata.get("sources") or [])]
    found = [p for p in check_references(joined, qpos, str(qfile))
             if p.path.startswith("questions")]
    ids = {src.id for src in s.sources}
    for k, src in enumerate(qs.sources):
        if src.id in ids:
            line, col = qpos.locate(("sources", k, "id"))
            found.append(Problem(line, col, f"sources[{k}].id",
                                 f"source {src.id!r} is already defined in scenario.yaml",
                                 "give the resolution's source another id", file=str(qfile)))
    if found:
        raise ScenarioError(found, str(qfile))
    joined_s = s.model_copy(update={"questions": qs.questions,
                                    "sources": s.sources + qs.sources})
    return Case(id=folder.name, half=half, folder=folder, scenario=joined_s)


def load_archive(folder: str | Path, cases: tuple[str, ...] | None = None) -> Archive:
    """Load the archive's split and its cases (only ``cases``, if given)."""
    folder = Path(folder)
    spec, _, _ = _read(folder / "archive.yaml", _ArchiveFile)
    dev, test = spec.split.dev, spec.split.test
    both = set(dev) & set(test)
    if both:
        raise DetenteError(f"{folder / 'archive.yaml'}: cases in both halves of the split: "
                           + ", ".join(sorted(both)))
    listed = {c: "dev" for c in dev} | {c: "test" for c in test}
    present = sorted(p.name for p in folder.iterdir()
                     if p.is_dir() and (p / "scenario.yaml").exists())
    unlisted = [c for c in present if c not in listed]
    if unlisted:
        raise DetenteError(f"{folder / 'archive.yaml'}: cases not in the split: "
                           + ", ".join(unlisted) + " — add each to dev or test "
                           "(the split is fixed before any fitting; see archive/README.md)")
    wanted = [c for c in [*dev, *test] if c in present]
    if cases:
        bad = [c for c in cases if c not in listed]
        if bad:
            raise DetenteError("no such case in the archive: " + ", ".join(bad)
                               + "; cases: " + ", ".join(wanted))
        wanted = [c for c in wanted if c in cases]
    loaded = tuple(load_case(folder / c, listed[c]) for c in wanted)
    return Archive(folder=folder, fixed_on=spec.fixed_on, dev=dev, test=test, cases=loaded)


def hindsight(scenario: Scenario) -> list[str]:
    """Sources dated after the scenario's ``as_of``: what its author could not have read."""
    out = []
    for src in scenario.sources:
        if src.date is not None and src.date > scenario.as_of:
            out.append(f"source {src.id!r} is dated {src.date.isoformat()}, after as_of "
                       f"{scenario.as_of.isoformat()}: a scenario as of a date uses only "
                       "sources published before it (keep the outcome's sources with the "
                       "questions' resolutions)")
    return out
