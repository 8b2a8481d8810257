"""The JSON API (``/api/…``), described by the OpenAPI spec at ``/openapi.json``.

Every route calls one library function (the workspace, :func:`~detente.analysis.analyze`
through the run queue, the store, the report cache); errors are ``{"error", "problems"}``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from .._version import __version__
from .context import AppContext, context
from .workspace import NAME_PATTERN, WorkspaceError, check_name, sha256, validate_text

__all__ = ["REPORT_CSP", "router"]

router = APIRouter(prefix="/api", tags=["api"])
Ctx = Annotated[AppContext, Depends(context)]
_JOB_ID = re.compile(r"^[0-9a-f]{16}\Z")

#: The report is one self-contained document with inline scripts and styles (plotly): it gets
#: the same policy as the one written in it, which allows nothing from the network.
REPORT_CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
              "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
              "connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateBody(_Body):
    name: str = Field(description=f"The new scenario's name ({NAME_PATTERN}).")
    template: str = Field("starter", description="'starter' (the commented starter scenario) "
                                                 "or the name of a scenario to copy.")


class SaveBody(_Body):
    text: str = Field(description="The scenario's full YAML text.")
    force: bool = Field(False, description="Save even if it does not validate (a draft).")
    base_sha256: str | None = Field(
        None, description="The sha256 of the text as it was read: the save is refused (409) "
                          "if the file changed since.")


class ValidateBody(_Body):
    text: str | None = Field(None, description="Text to validate (default: the saved file).")


class RunBody(_Body):
    draws: int = Field(1000, ge=1, description="Monte Carlo draws (1: the point estimate).")
    seed: int | None = Field(None, ge=0, le=2**63 - 1,
                             description="Random seed (default: a fresh one, recorded).")


# ------------------------------------------------------------------------------ scenarios
@router.get("/health", summary="The server is up")
def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.get("/scenarios", summary="List the scenarios in the workspace")
def list_scenarios(ctx: Ctx) -> dict[str, Any]:
    return {"workspace": str(ctx.workspace.root),
            "scenarios": [s.to_dict() for s in ctx.workspace.list()]}


@router.post("/scenarios", status_code=201, summary="Create a scenario from the starter template")
def create_scenario(body: CreateBody, ctx: Ctx) -> dict[str, Any]:
    text = ctx.workspace.create(check_name(body.name), body.template)
    return {"name": body.name, "url": f"/scenarios/{body.name}", "sha256": sha256(text),
            **validate_text(text, f"{body.name}.yaml").to_dict()}


@router.get("/scenarios/{name}", summary="A scenario's text and whether it validates")
def get_scenario(name: str, ctx: Ctx) -> dict[str, Any]:
    text = ctx.workspace.read(check_name(name))
    return {"name": name, "text": text, "sha256": sha256(text),
            "has_backup": ctx.workspace.backup(name) is not None,
            **validate_text(text, f"{name}.yaml").to_dict()}


@router.put("/scenarios/{name}", summary="Save a scenario (refused if invalid, unless forced)")
def save_scenario(name: str, body: SaveBody, ctx: Ctx) -> dict[str, Any]:
    return ctx.workspace.save(check_name(name), body.text, force=body.force,
                              base_sha256=body.base_sha256)


@router.get("/scenarios/{name}/backup", summary="The last valid version a save replaced")
def get_backup(name: str, ctx: Ctx) -> dict[str, Any]:
    text = ctx.workspace.backup(check_name(name))
    if text is None:
        raise WorkspaceError(f"no backup of {name!r}: no save has replaced a valid version", 404)
    return {"name": name, "text": text, "sha256": sha256(text)}


@router.post("/scenarios/{name}/validate",
             summary="Validate a scenario: every problem with line, column, field and hint")
def validate_scenario(name: str, body: ValidateBody, ctx: Ctx) -> dict[str, Any]:
    check_name(name)
    text = ctx.workspace.read(name) if body.text is None else body.text
    return {"name": name, **validate_text(text, f"{name}.yaml").to_dict()}


@router.post("/scenarios/{name}/runs", status_code=202,
             summary="Queue a run of the saved scenario; poll the job for its progress "
                     "(429 when the queue is full)")
def start_run(name: str, body: RunBody, ctx: Ctx) -> dict[str, Any]:
    text = ctx.workspace.read(check_name(name))
    if body.draws > ctx.max_draws:
        raise WorkspaceError(f"at most {ctx.max_draws:,} draws per run from the web app; "
                             f"got {body.draws:,}", 422)
    v = validate_text(text, f"{name}.yaml")
    if not v.valid:
        raise WorkspaceError(f"{name}.yaml does not validate; fix it and save it before running",
                             422, list(v.problems))
    job = ctx.jobs.submit(name, text, draws=body.draws, seed=body.seed)
    return {**job.to_dict(), "status_url": f"/api/jobs/{job.id}"}


# ------------------------------------------------------------------------------ jobs
@router.get("/jobs", summary="Runs started from this app (newest first) and the queue")
def list_jobs(ctx: Ctx) -> dict[str, Any]:
    return {"jobs": [j.to_dict() for j in ctx.jobs.list()], "queue": ctx.jobs.counts()}


def _no_job(job_id: str) -> WorkspaceError:
    return WorkspaceError(f"no job {job_id!r} (the app remembers its latest jobs only)", 404)


@router.get("/jobs/{job_id}", summary="A run's progress: state, done/total draws, its run id")
def get_job(job_id: str, ctx: Ctx) -> dict[str, Any]:
    job = ctx.jobs.get(job_id) if _JOB_ID.match(job_id) else None
    if job is None:
        raise _no_job(job_id)
    return job.to_dict()


@router.post("/jobs/{job_id}/cancel",
             summary="Cancel a run: at once if it waits, at its next chunk of draws if it runs; "
                     "nothing of it is kept (409 once it is being saved)")
def cancel_job(job_id: str, ctx: Ctx) -> dict[str, Any]:
    job = ctx.jobs.cancel(job_id) if _JOB_ID.match(job_id) else None
    if job is None:
        raise _no_job(job_id)
    return job.to_dict()


# ------------------------------------------------------------------------------ runs
@router.get("/runs", summary="The run history, newest first")
def list_runs(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
              scenario: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    return {"database": ctx.store.url,
            "runs": [r.to_dict() for r in ctx.store.list(limit=limit, scenario=scenario)]}


@router.get("/runs/{run_id}", summary="One run: how it was run, its scenario text and results")
def get_run(run_id: str, ctx: Ctx) -> dict[str, Any]:
    return ctx.store.get(run_id).to_dict()  # type: ignore[no-any-return]


@router.get("/runs/{run_id}/export", summary="Everything stored about a run (detente-run JSON)")
def export_run(run_id: str, ctx: Ctx) -> JSONResponse:
    doc = ctx.store.export(run_id)
    return JSONResponse(doc, headers={
        "content-disposition": f'attachment; filename="run-{doc["id"]}.json"'})


@router.get("/runs/{run_id}/report", response_class=HTMLResponse,
            summary="The run's HTML report (cached; made again from the stored inputs if not)")
def run_report(run_id: str, ctx: Ctx) -> HTMLResponse:
    return report_response(ctx, run_id)


def report_response(ctx: AppContext, run_id: str) -> HTMLResponse:
    rec = ctx.store.get(run_id)
    html, made = ctx.reports.for_record(rec)
    return HTMLResponse(html, headers={"content-security-policy": REPORT_CSP,
                                       "x-frame-options": "SAMEORIGIN",
                                       "x-detente-report": "made" if made else "cached"})


@router.get("/compare", summary="Compare two runs: inputs, scenario text diff, every answer")
def compare(ctx: Ctx, a: Annotated[str, Query(max_length=64)],
            b: Annotated[str, Query(max_length=64)]) -> dict[str, Any]:
    return ctx.store.diff(a, b).to_dict()  # type: ignore[no-any-return]
