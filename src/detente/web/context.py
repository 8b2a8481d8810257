"""What every route of the web app uses: the app's context (workspace, run history, report
cache, job runner, limits) and the JSON error answer. The factory (:mod:`.app`) builds the
context; the routes (:mod:`.api`, :mod:`.pages`) read it — neither imports the factory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from .jobs import JobRunner
from .reports import ReportCache
from .workspace import Workspace

__all__ = ["AppContext", "context"]


@dataclass
class AppContext:
    """Everything the routes use; kept on ``app.state.ctx``."""

    workspace: Workspace
    store: Any  # detente.store.RunStore
    reports: ReportCache
    jobs: JobRunner
    token: str | None
    max_draws: int
    max_body: int

    def close(self) -> None:
        self.jobs.close()
        self.store.close()


def context(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _error(status: int, message: str, problems: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "problems": problems or []}, status_code=status,
                        headers={"cache-control": "no-store", **(headers or {})})
