"""The detente web app (``detente serve``; the optional extra ``detente[web]``).

A local FastAPI app over :func:`~detente.analysis.analyze` and the run history: list, edit and
validate the scenarios of a workspace, run them in the background and watch their progress,
read each run's report, compare two runs — as HTML pages and as a JSON API (``/api/…``, with
its OpenAPI spec at ``/openapi.json``). Every asset is served by the app itself: it works
without a network connection.

    from detente.web import create_app
    app = create_app(workspace="my-scenarios")     # then serve it with any ASGI server

It computes nothing itself (STYLE.md: the web UI is a separate layer that only consumes the
model). Security: :mod:`detente.web.security`.
"""

from __future__ import annotations

from .app import create_app
from .security import BindError, check_bind

__all__ = ["BindError", "check_bind", "create_app"]
