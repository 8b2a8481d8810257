"""The HTML pages: plain server-rendered HTML (jinja2) with a little vanilla JavaScript.

Every page has a JSON twin under ``/api/…``; the pages call the API from the browser for
anything that changes state (validate, save, run), so both paths run the same code.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .._version import __version__
from .api import report_response
from .context import AppContext, _error, context
from .security import COOKIE, cookie_value
from .workspace import check_name, sha256, validate_text

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Ctx = Annotated[AppContext, Depends(context)]


@lru_cache(maxsize=1)
def _env() -> Any:
    import jinja2

    from ..report.numbers import num, pct, signed  # as `detente runs show` and `runs diff`
    from ..store.diff import difference_text

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("detente.web", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = pct
    env.filters["num"] = num
    env.filters["signed"] = signed
    env.filters["difference"] = difference_text
    return env


def _page(template: str, **values: Any) -> HTMLResponse:
    html = _env().get_template(template).render(version=__version__, **values)
    return HTMLResponse(html, headers={"cache-control": "no-store"})


def _jobs(ctx: AppContext, limit: int = 20) -> list[dict[str, Any]]:
    import datetime as dt

    out = []
    for j in ctx.jobs.list()[:limit]:
        d = j.to_dict()
        d["created_text"] = dt.datetime.fromtimestamp(j.created, dt.UTC).strftime(
            "%Y-%m-%d %H:%M:%S")
        out.append(d)
    return out


@router.get("/", response_class=HTMLResponse)
def index(ctx: Ctx) -> HTMLResponse:
    counts = ctx.jobs.counts()
    queue = {"running": sum(counts.get(s, 0) for s in ("running", "cancelling", "saving")),
             "waiting": counts["waiting"], "max_queued": counts["max_queued"],
             "workers": counts["workers"]}
    return _page("index.html", title="Scenarios and runs", scenarios=ctx.workspace.list(),
                 workspace=str(ctx.workspace.root), runs=ctx.store.list(limit=50),
                 database=ctx.store.url, jobs=_jobs(ctx), queue=queue)


@router.get("/scenarios/{name}", response_class=HTMLResponse)
def scenario_page(name: str, ctx: Ctx) -> HTMLResponse:
    text = ctx.workspace.read(check_name(name))
    v = validate_text(text, f"{name}.yaml")
    return _page("scenario.html", title=f"{name}.yaml", name=name, text=text,
                 sha=sha256(text), validation=v, runs=ctx.store.list(limit=10, scenario=(
                     v.summary or {}).get("id") or name), max_draws=ctx.max_draws)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, ctx: Ctx) -> HTMLResponse:
    rec = ctx.store.get(run_id)
    res = rec.results or {}
    issues = []
    for iss in res.get("issues") or []:
        fc = iss.get("forecast") or {}
        st = fc.get("ensemble") or (next(iter(fc.values())) if fc else {})
        issues.append({"id": iss.get("id"), "name": iss.get("name"),
                       "status_quo": iss.get("status_quo"), "mean": st.get("mean"),
                       "p05": st.get("p05"), "p95": st.get("p95"),
                       "meaning": st.get("meaning")})
    tables = [{"id": tid, "members": ", ".join(t.get("members") or []),
               "zone": (t.get("zone") or {}).get("exists"), "holds": t.get("holds"),
               "some": (t.get("holding_deal") or {}).get("exists")}
              for tid, t in (res.get("tables") or {}).items()]
    others = [r for r in ctx.store.list(limit=20, scenario=rec.scenario_id) if r.id != rec.id]
    return _page("run.html", title=f"Run {rec.id}", run=rec, questions=res.get("questions") or [],
                 issues=issues, tables=tables, others=others)


@router.get("/runs/{run_id}/report", response_class=HTMLResponse)
def report_page(run_id: str, ctx: Ctx) -> HTMLResponse:
    return report_response(ctx, run_id)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(ctx: Ctx, a: Annotated[str | None, Query(max_length=64)] = None,
                 b: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    if not a or not b:
        return _page("compare.html", title="Compare two runs", diff=None,
                     runs=ctx.store.list(limit=50))
    d = ctx.store.diff(a, b)
    lines = [{"text": line, "kind": ("add" if line.startswith("+") and not line.startswith("+++")
                                     else "del" if line.startswith("-")
                                     and not line.startswith("---")
                                     else "hunk" if line.startswith("@@") else "")}
             for line in d.scenario_diff.splitlines()]
    return _page("compare.html", title=f"Compare {d.a.id} and {d.b.id}", diff=d, lines=lines,
                 runs=[])


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The API reference, made from the OpenAPI spec on the server (Swagger UI would load
    its scripts from a CDN; this page works offline)."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [p.get("name") + (" (required)" if p.get("required") else "")
                      for p in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "params": params, "body": ref.rsplit("/", 1)[-1] if ref else None})
    schemas = spec.get("components", {}).get("schemas", {})
    bodies = {name: [(k, v.get("description", "")) for k, v in s.get("properties", {}).items()]
              for name, s in schemas.items() if name.endswith("Body")}
    return _page("api.html", title="API", ops=ops, bodies=bodies)


@router.get("/login", response_class=HTMLResponse)
def login(ctx: Ctx, token: Annotated[str | None, Query(max_length=512)] = None) -> Response:
    """With the right token, set the session cookie and go to the start page."""
    if ctx.token is None:
        return RedirectResponse("/", status_code=303)
    if token is None:
        return _page("login.html", title="Access token")
    if not hmac.compare_digest(token.encode(), ctx.token.encode()):
        return _error(401, "wrong access token")
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE, cookie_value(ctx.token), httponly=True, samesite="strict",
                    path="/")
    return resp


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)
