"""The app factory: :func:`create_app` wires the workspace, the run history, the run queue and
the report cache into one FastAPI app, behind :class:`~detente.web.security.Guard`.

The app's storage is one data folder (``$DETENTE_DATA_DIR``, else the user's data folder, as
for the run history): the workspace of scenarios (``workspace/``, unless ``workspace`` is given)
and the cached reports (``web-reports/``). The run history is the store's (``db``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..errors import DetenteError, ScenarioError
from ..store.database import data_dir
from .context import AppContext, _error
from .jobs import MAX_QUEUED, CancelRefused, JobRunner, QueueFull
from .reports import ReportCache
from .security import MAX_BODY, Guard
from .workspace import Workspace, WorkspaceError

__all__ = ["MAX_DRAWS", "MAX_QUEUED", "AppContext", "create_app", "data_dir"]

log = logging.getLogger("detente.web")

MAX_DRAWS = 200_000
"""Most draws one run from the web app may ask for."""


def _install_error_handlers(app: FastAPI) -> None:
    from ..store.database import RunNotFound, StoreError

    @app.exception_handler(WorkspaceError)
    async def _workspace(_: Request, e: WorkspaceError) -> JSONResponse:
        return _error(e.status, str(e), [p.to_dict() for p in e.problems])

    @app.exception_handler(ScenarioError)
    async def _scenario(_: Request, e: ScenarioError) -> JSONResponse:
        n = len(e.problems)
        return _error(422, f"the scenario has {n} problem{'s' if n != 1 else ''}",
                      [p.to_dict() for p in e.problems])

    @app.exception_handler(QueueFull)
    async def _queue_full(_: Request, e: QueueFull) -> JSONResponse:
        return _error(429, str(e), headers={"retry-after": str(e.retry_after)})

    @app.exception_handler(CancelRefused)
    async def _cancel_refused(_: Request, e: CancelRefused) -> JSONResponse:
        return _error(409, str(e))

    @app.exception_handler(RunNotFound)
    async def _no_run(_: Request, e: RunNotFound) -> JSONResponse:
        return _error(404, str(e))

    @app.exception_handler(StoreError)
    async def _store(_: Request, e: StoreError) -> JSONResponse:
        return _error(503, str(e))

    @app.exception_handler(DetenteError)
    async def _detente(_: Request, e: DetenteError) -> JSONResponse:
        return _error(400, str(e))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, e: StarletteHTTPException) -> JSONResponse:
        msg = e.detail if isinstance(e.detail, str) else "error"
        if e.status_code == 404 and msg == "Not Found":
            msg = "not found"
        return _error(e.status_code, msg)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = []
        for err in e.errors():
            loc = [str(x) for x in err.get("loc", ())]
            problems.append({"line": None, "column": None, "path": ".".join(loc),
                             "message": str(err.get("msg", "invalid")), "hint": None})
        return _error(422, "invalid request", problems)

    @app.exception_handler(Exception)
    async def _internal(_: Request, e: Exception) -> JSONResponse:
        log.exception("internal error")
        return _error(500, f"internal error ({type(e).__name__}); the server log has the "
                           "details")


def create_app(*, db: str | None = None, workspace: str | os.PathLike[str] | None = None,
               token: str | None = None, data: str | os.PathLike[str] | None = None,
               max_body: int = MAX_BODY, max_draws: int = MAX_DRAWS,
               examples: bool = True, workers: int | None = None,
               max_queued: int = MAX_QUEUED) -> FastAPI:
    """The detente web app.

    ``db``: the run history's URL (default: the store's); ``workspace``: the scenario folder
    (default ``<data>/workspace``, filled with the bundled examples on first start); ``token``:
    the access token every request must carry (None: loopback only); ``data``: the app's data
    folder (default :func:`data_dir`); ``max_body``: the request size limit in bytes;
    ``max_draws``: the most draws one run may ask for; ``workers``: how many runs go at once
    (default: 2, or 1 on one CPU); ``max_queued``: how many may wait (one more is refused,
    HTTP 429). Job states are kept in ``<data>/web-jobs.sqlite3``: jobs a stop interrupted
    are shown as lost in a restart.
    """
    from ..store.store import RunStore

    folder = data_dir(data)
    ws = Workspace.open(Path(workspace) if workspace else folder / "workspace",
                        examples=examples)
    store = RunStore(db)
    reports = ReportCache(folder / "web-reports")
    jobs = JobRunner(store, reports, workers=workers, max_queued=max_queued,
                     state_file=folder / "web-jobs.sqlite3")
    if jobs.lost_at_start:
        log.warning("%d run(s) were lost in a restart (waiting or running when the server "
                    "stopped); nothing of them was kept", jobs.lost_at_start)
    ctx = AppContext(workspace=ws, store=store, reports=reports,
                     jobs=jobs, token=token or None,
                     max_draws=int(max_draws), max_body=int(max_body))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    app = FastAPI(
        title="detente",
        version=__version__,
        summary="Edit and validate negotiation scenarios, run them, read and compare the runs.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.ctx = ctx
    _install_error_handlers(app)

    from . import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("detente.web", "static")]), name="static")
    app.add_middleware(Guard, token=ctx.token, max_body=ctx.max_body)
    return app
