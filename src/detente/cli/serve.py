"""``detente serve``: the web app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import DetenteError
from .app import app

_WEB_EXTRA = {"fastapi", "starlette", "uvicorn", "jinja2", "plotly", "markupsafe", "pydantic_core"}


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Any other than "
                                      "127.0.0.1/localhost needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8000,
    db: Annotated[Optional[str], typer.Option("--db", metavar="URL", help="The run history "
                                              "(default: see `detente runs`).")] = None,
    workspace: Annotated[Optional[Path], typer.Option(
        "--workspace", metavar="DIR", help="The folder of scenarios the app edits (default: "
                                           "workspace/ in the user's data folder).")] = None,
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="DETENTE_TOKEN", show_envvar=True,
        help="Access token every request must carry (needed to listen beyond 127.0.0.1).")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, help="Runs computed at once (default: 2, or 1 on one core).")] = None,
    max_queued: Annotated[Optional[int], typer.Option(
        "--max-queued", min=1, help="Runs that may wait; beyond, a new run is refused with 429 "
                                    "(default: 32).")] = None,
) -> None:
    """Start the web app: edit and validate scenarios, run them, read and compare the runs."""
    try:
        from ..web.server import serve as run_server
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in _WEB_EXTRA:
            raise
        raise DetenteError(f"the web app needs the optional extra ({e.name} is missing): "
                           "pip install 'detente[web]'") from None
    run_server(host=host, port=port, db=db, workspace=workspace, token=token, workers=workers,
               max_queued=max_queued)
