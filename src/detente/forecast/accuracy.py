"""Score forecast models on decisions with known outcomes (the DEU data layout).

The layout is that of the DEU III dataset (Arregui & Perarnaud 2021,
doi:10.34810/data53): a tab-separated file, one row per issue, with columns
``p<actor>`` (position, 0–100) and ``s<actor>`` (salience, 0–100) for every
actor, and ``out`` (the actual outcome). The second line may be a capability
row (no ``out``). A model's accuracy is its mean absolute error against
``out`` over the issues that have an outcome and at least one positioned actor.

Rules (stated in the results): an actor takes part in an issue when it has a
position; a missing salience counts as ``missing_salience`` (default 50, the
convention of the DEU literature); capabilities are equal by default
(``capability="equal"``) or taken from the capability row (``"row"``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DetenteError, Problem, ScenarioError
from . import registry
from .params import Record

__all__ = ["AccuracyResult", "DeuData", "DeuRules", "read_deu", "score_models"]

PARTICIPATION = "an actor takes part in an issue when it has a position"


@dataclass(frozen=True)
class DeuRules(Record):
    """How a DEU-layout file was read (stated in the results): ``capability`` equal or from the
    file's capability row, the salience assumed where one is missing, who takes part."""

    capability: str = "equal"  # or "row"
    missing_salience: float = 50.0
    participation: str = PARTICIPATION


@dataclass(frozen=True, eq=False)
class DeuData:
    """Issues as draws: capability (N, A), position and salience (N, A, 1) on 0–1, outcome."""

    actors: tuple[str, ...]
    issue_ids: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    outcome: np.ndarray  # (N,) on 0–100
    rules: DeuRules = field(default_factory=DeuRules)


def _num(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def read_deu(path: str | Path, *, capability: str = "equal",
             missing_salience: float = 50.0) -> DeuData:
    """Read a DEU-layout file. Raises ScenarioError (with line numbers) on malformed input."""
    if capability not in ("equal", "row"):
        raise ValueError("capability must be 'equal' or 'row'")
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(None, None, "", "no such file", "check the path",
                                     file=file)], file) from None
    except OSError as e:
        raise ScenarioError([Problem(None, None, "", f"cannot read the file: {e.strerror}",
                                     None, file=file)], file) from None
    if b"\x00" in raw[:65536]:
        raise ScenarioError([Problem(None, None, "", "this is not a text file", None, file=file)],
                            file)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig", "replace")), delimiter="\t"))
    if not rows:
        raise ScenarioError([Problem(1, 1, "", "the file is empty", None, file=file)], file)
    head = rows[0]
    if "out" not in head:
        raise ScenarioError([Problem(1, 1, "", "no 'out' column (the actual outcome)",
                                     "the file must follow the DEU layout: p<actor>, s<actor>, out",
                                     file=file)], file)
    scol = {c[1:]: i for i, c in enumerate(head) if c.startswith("s") and len(c) > 1}
    actors = [c[1:] for c in head if c.startswith("p") and c[1:] in scol]
    if not actors:
        raise ScenarioError([Problem(1, 1, "", "no actor columns (p<actor> with s<actor>)",
                                     None, file=file)], file)
    pidx = [head.index("p" + a) for a in actors]
    sidx = [scol[a] for a in actors]
    oidx = head.index("out")
    caps = np.ones(len(actors))
    data_rows = rows[1:]
    if data_rows and _num(data_rows[0][oidx] if oidx < len(data_rows[0]) else "") is None:
        caprow = data_rows[0]
        if capability == "row":
            caps = np.array([_num(caprow[i]) if i < len(caprow) else None for i in pidx],
                            dtype=float)
            caps = np.where(np.isfinite(caps) & (caps > 0), caps, np.nan)
            if np.isnan(caps).any():
                missing = [a for a, c in zip(actors, caps) if np.isnan(c)]
                raise ScenarioError([Problem(2, 1, "", f"no capability for {', '.join(missing)}",
                                             "use --capability equal", file=file)], file)
        data_rows = data_rows[1:]
        first_line = 3
    else:
        first_line = 2
    pos, sal, out, ids = [], [], [], []
    for r, row in enumerate(data_rows):
        o = _num(row[oidx]) if oidx < len(row) else None
        if o is None:
            continue
        p = np.array([_num(row[i]) if i < len(row) else None for i in pidx], dtype=float)
        s = np.array([_num(row[i]) if i < len(row) else None for i in sidx], dtype=float)
        present = np.isfinite(p)
        if not present.any():
            continue
        s = np.where(np.isfinite(s), s, missing_salience)
        s = np.where(present, s, 0.0)
        pos.append(np.where(present, p, 0.0) / 100.0)
        sal.append(np.clip(s / 100.0, 0.0, 1.0))
        out.append(o)
        ids.append(row[0] if row and row[0] else f"line {first_line + r}")
    if not out:
        raise ScenarioError([Problem(None, None, "", "no issue has both an outcome and a position",
                                     None, file=file)], file)
    n = len(out)
    return DeuData(
        actors=tuple(actors), issue_ids=tuple(ids),
        capability=np.tile(caps, (n, 1)),
        position=np.array(pos)[:, :, None], salience=np.array(sal)[:, :, None],
        outcome=np.array(out),
        rules=DeuRules(capability, missing_salience, PARTICIPATION),
    )


@dataclass(frozen=True, eq=False)
class AccuracyResult:
    """Mean absolute error (0–100 scale) of every model and of the ensemble."""

    file: str
    issues: int
    mae: dict[str, float]
    rules: DeuRules

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "issues": self.issues, "mae": dict(self.mae),
                "rules": self.rules.to_dict()}


def score_models(data: DeuData, *, models: tuple[str, ...] | None = None,
                 file: str = "") -> AccuracyResult:
    """MAE of each registered model (issues as draws) and of the ensemble (mean of models)."""
    names = models if models is not None else registry.names()
    preds = {}
    for name in names:
        try:
            res = registry.get(name).fn(data.capability, data.position, data.salience)
        except KeyError as e:  # pragma: no cover - names come from the registry
            raise DetenteError(str(e)) from None
        preds[name] = res.outcome[:, 0] * 100.0
    mae = {k: float(np.nanmean(np.abs(v - data.outcome))) for k, v in preds.items()}
    if len(preds) > 1:
        ens = np.nanmean(np.stack(list(preds.values())), axis=0)
        mae["ensemble"] = float(np.nanmean(np.abs(ens - data.outcome)))
    return AccuracyResult(file=file, issues=int(data.outcome.size), mae=mae, rules=data.rules)
