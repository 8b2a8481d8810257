"""The backtest archive: historical negotiations scored against what happened.

:func:`load_archive` reads an archive folder (``archive.yaml`` with the fixed dev/test split,
one folder per case with ``scenario.yaml`` and ``questions.yaml``); :func:`backtest` scores every
model variant and baseline on it (docs/how-to/add-a-backtest-case.md,
docs/explanation/backtest.md).
"""

from .archive import Archive, Case, hindsight, load_archive, load_case
from .score import BASELINES, BacktestResult, backtest

__all__ = ["BASELINES", "Archive", "BacktestResult", "Case", "backtest", "hindsight",
           "load_archive", "load_case"]
