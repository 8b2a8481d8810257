"""``detente serve``: check where to listen, build the app, run it with uvicorn."""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

import uvicorn

from ..errors import DetenteError
from .app import create_app
from .security import check_bind, is_loopback

__all__ = ["ServeError", "serve"]


class ServeError(DetenteError):
    """The server could not start (the address is in use, or not this computer's, …)."""

    exit_code = 1

_TOKEN_IN_URL = re.compile(r"([?&]token=)[^&\s\"]*")


class _HideTokens(logging.Filter):
    """Access logs never show the token of a ``/login?token=…`` request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_URL.sub(r"\1***", a) if isinstance(a, str) else a
                                for a in record.args)
        record.msg = _TOKEN_IN_URL.sub(r"\1***", str(record.msg))
        return True


def serve(*, host: str = "127.0.0.1", port: int = 8000, db: str | None = None,
          workspace: str | os.PathLike[str] | None = None, token: str | None = None,
          log_level: str = "info", workers: int | None = None,
          max_queued: int | None = None) -> None:
    """Serve the web app until interrupted. Listening anywhere but on this computer
    (127.0.0.1, ::1, localhost) needs an access ``token``
    (:class:`~detente.web.security.BindError` otherwise). ``workers``: runs at once;
    ``max_queued``: runs that may wait (see :func:`~detente.web.app.create_app`)."""
    token = token or None
    check_bind(host, token)
    queue: dict[str, Any] = {} if max_queued is None else {"max_queued": max_queued}
    app = create_app(db=db, workspace=workspace, token=token, workers=workers, **queue)
    ctx: Any = app.state.ctx
    shown = f"[{host}]" if ":" in host else host
    where = f"http://{shown}:{port}/"
    lines = [f"detente web app on {where}",
             f"  workspace:   {ctx.workspace.root}",
             f"  run history: {ctx.store.url}",
             f"  runs:        {ctx.jobs.workers} at a time, up to {ctx.jobs.max_queued} waiting"]
    if token:
        lines.append(f"  access token required: open {where}login?token=… once in the browser")
    if not is_loopback(host):
        lines.append("  listening beyond this computer: use it only on a network you trust "
                     "(there is no TLS here; put a TLS proxy in front)")
    if ctx.jobs.lost_at_start:
        lines.append(f"  {ctx.jobs.lost_at_start} run(s) were lost in a restart (nothing of them "
                     "was kept): the start page lists them")
    lines.append("Press Ctrl-C to stop.")
    sys.stderr.write("\n".join(lines) + "\n")
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level,
                            proxy_headers=False, server_header=False, date_header=True)
    logging.getLogger("uvicorn.access").addFilter(_HideTokens())  # after uvicorn's log setup
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit as e:  # uvicorn exits (status 3) when it cannot listen
        if server.started or e.code in (None, 0):
            raise
        raise ServeError(f"could not start the web app on {where}: see uvicorn's message "
                         "above (is the port in use? pass another with --port)") from None
