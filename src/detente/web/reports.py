"""The HTML report of each run, cached in the app's storage.

A run started from the web app has its report rendered as soon as it is recorded, and the HTML
kept as ``<data dir>/web-reports/<run id>.html``. A run recorded elsewhere (``detente analyze``)
has its report made on first request: the stored scenario text is analysed again with the
stored seed and draws — runs are deterministic, so the numbers are the run's own — and the
result is cached the same way.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_text_atomic
from ..errors import DetenteError

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..store.records import RunRecord

__all__ = ["ReportCache"]

_RUN_ID = re.compile(r"^[0-9a-z]{16}\Z")


class ReportCache:
    """Rendered reports by run id, in one folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _path(self, run_id: str) -> Path:
        if not _RUN_ID.match(run_id):
            raise DetenteError(f"{run_id!r} is not a full run id")
        return self.folder / f"{run_id}.html"

    def _lock(self, run_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(run_id, threading.Lock())

    def get(self, run_id: str) -> str | None:
        """The cached report, or None."""
        p = self._path(run_id)
        if p.is_symlink() or not p.is_file():
            return None
        return p.read_text(encoding="utf-8")

    def render(self, run_id: str, analysis: Analysis) -> str:
        """Render ``analysis``'s report, cache it under ``run_id`` and return it."""
        from ..report.html import render_html

        html = render_html(analysis)
        self._put(run_id, html)
        return html

    def for_record(self, record: RunRecord) -> tuple[str, bool]:
        """The report of a stored run: (html, whether it was made just now)."""
        cached = self.get(record.id)
        if cached is not None:
            return cached, False
        with self._lock(record.id):
            cached = self.get(record.id)  # made by another request meanwhile
            if cached is not None:
                return cached, False
            from ..analysis import analyze
            from ..calibration import resolve_calibration
            from ..scenario.load import loads_scenario

            if record.seed is None and record.draws > 1:
                raise DetenteError(f"run {record.id} has no recorded seed, so its report cannot "
                                   "be made again; run the scenario again")
            scenario = loads_scenario(record.scenario_text, file=f"run {record.id}")
            # Summarised the way the run was (`--stream`/`--no-stream` change the numbers
            # slightly, and what sensitivity ranks): its stored results say which.
            how = (record.results or {}).get("aggregation")
            stream = None if not isinstance(how, str) else how.startswith("streamed")
            # with the map the run used (`--calibration`), or none where its results have none
            opt = (record.options or {}).get("calibration")
            if opt is None:
                opt = "shipped" if (record.results or {}).get("calibration") else "none"
            analysis = analyze(scenario, draws=record.draws, seed=record.seed, stream=stream,
                               calibration=resolve_calibration(opt))
            return self.render(record.id, analysis), True

    def _put(self, run_id: str, html: str) -> None:
        path = self._path(run_id)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, html)
        except OSError as e:
            raise DetenteError(f"cannot cache the report in {self.folder}: {e.strerror}") from None
