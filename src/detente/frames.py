"""An analysis as data frames and labelled arrays, for notebooks.

:meth:`Analysis.to_frame <detente.analysis.Analysis.to_frame>` gives tidy pandas frames (one row
per draw and coordinate, values in the issues' own units) and
:meth:`Analysis.to_xarray <detente.analysis.Analysis.to_xarray>` one ``xarray.Dataset`` with
named dimensions ``draw``, ``actor``, ``issue``, ``model``, ``round``, ``table``, ``month`` and
``question``. Both need the optional extra ``detente[frames]`` (pandas, xarray); the core does
not. A streamed run keeps no per-draw arrays, so it has no per-draw frames: the error says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .errors import DetenteError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

    from .analysis import Analysis

__all__ = ["FRAMES", "to_frame", "to_xarray"]

FRAMES = ("forecasts", "paths", "inputs", "deals", "process", "questions")
"""What :func:`to_frame` can give: per draw the models' forecasts, their paths round by round,
the sampled inputs, the tables' deals, the process model's course month by month; and the
questions' answers (one row each)."""


def _missing(module: str) -> DetenteError:
    return DetenteError(f"{module} is missing: pip install 'detente[frames]'")


def _per_draw(a: Analysis, what: str) -> None:
    if a.streamed:
        raise DetenteError(
            f"a streamed run keeps no per-draw arrays, so it has no {what} per draw; rerun "
            "with stream=False (up to 200,000 draws), or read its summary (to_dict())")


def _user(a: Analysis, x: NDArray[Any], axis: int = -1) -> NDArray[np.float64]:
    return a.inputs.to_user(np.asarray(x, dtype=float), issue_axis=axis)


def to_frame(a: Analysis, what: str = "forecasts") -> pd.DataFrame:
    """One tidy pandas DataFrame of ``what`` (:data:`FRAMES`); values in the issues' units.

    * ``forecasts``: draw, model, issue, value;
    * ``paths``: draw, model, round, issue, value (dynamic models);
    * ``inputs``: draw, actor, issue, capability, position, salience (and status_quo);
    * ``deals``: draw, table, issue, value (the table's Nash deal; NaN where no zone), zone;
    * ``process``: draw, table, month, talks, concluded, in_force, lapsed, zone;
    * ``questions``: question, text, probability, low, high (95% interval), draws, resolution.
    """
    try:
        import pandas as pd
    except ImportError:
        raise _missing("pandas") from None
    if what not in FRAMES:
        raise DetenteError(f"no frame {what!r}; choose one of: {', '.join(FRAMES)}")
    if what == "questions":
        return pd.DataFrame([{"question": q.id, "text": q.text, "probability": q.probability,
                              "low": q.interval[0], "high": q.interval[1], "draws": q.draws,
                              "resolution": q.resolution} for q in a.questions],
                            columns=["question", "text", "probability", "low", "high", "draws",
                                     "resolution"])
    _per_draw(a, what)
    ds = to_xarray(a)
    if what == "forecasts":
        return _tidy(ds["forecast"], ["draw", "model", "issue"])
    if what == "paths":
        if "path" not in ds:
            return pd.DataFrame(columns=["draw", "model", "round", "issue", "value"])
        return _tidy(ds["path"], ["draw", "model", "round", "issue"]).dropna(subset=["value"])
    if what == "inputs":
        cols = ["capability", "position", "salience"]
        df = ds[cols].to_dataframe().reset_index()
        sq = ds["status_quo"].to_dataframe().reset_index()
        return df.merge(sq, on=["draw", "issue"])[["draw", "actor", "issue", *cols,
                                                   "status_quo"]]
    if what == "deals":
        if "deal" not in ds:
            return pd.DataFrame(columns=["draw", "table", "issue", "value", "zone"])
        df = _tidy(ds["deal"], ["draw", "table", "issue"])
        zone = ds["zone_now"].to_dataframe().reset_index()
        return df.merge(zone, on=["draw", "table"]).rename(columns={"zone_now": "zone"})
    # process
    names = [v for v in ("talks", "concluded", "in_force", "lapsed", "zone") if v in ds]
    if not names:
        return pd.DataFrame(columns=["draw", "table", "month", "talks", "concluded",
                                     "in_force", "lapsed", "zone"])
    return ds[names].to_dataframe().reset_index()[["draw", "table", "month", *names]]


def _tidy(da: xr.DataArray, order: list[str]) -> pd.DataFrame:
    return da.transpose(*order).to_dataframe(name="value").reset_index()[[*order, "value"]]


def to_xarray(a: Analysis) -> xr.Dataset:
    """The run as one ``xarray.Dataset`` (values in the issues' own units):

    ``capability`` (draw, actor), ``position`` and ``salience`` (draw, actor, issue),
    ``status_quo`` (draw, issue), ``forecast`` (model, draw, issue), ``path`` (model, draw,
    round, issue; NaN after a model's last round), ``deal`` (table, draw, issue) and
    ``zone_now`` (table, draw), the process model's ``talks``, ``concluded`` (in that month),
    ``in_force``, ``lapsed`` and ``zone`` (table, draw, month), and ``answer`` (question,
    draw). ``attrs`` say how it was made: scenario, fingerprint, seed, draws, version and each
    model's parameters.
    """
    try:
        import xarray as xr
    except ImportError:
        raise _missing("xarray") from None
    _per_draw(a, "arrays")
    d = a.inputs
    n = d.n
    coords: dict[str, NDArray[Any] | list[str]] = {
        "draw": np.arange(n), "actor": list(d.actors), "issue": list(d.issues)}
    span = d.scale_hi - d.scale_lo
    data: dict[str, tuple[tuple[str, ...], NDArray[Any]]] = {
        "capability": (("draw", "actor"), d.capability),
        "position": (("draw", "actor", "issue"), _user(a, d.position)),
        "salience": (("draw", "actor", "issue"), d.salience),
        "status_quo": (("draw", "issue"), _user(a, d.status_quo)),
    }
    models = list(a.models)
    if models:
        coords["model"] = models
        data["forecast"] = (("model", "draw", "issue"),
                            np.stack([_user(a, a.forecasts[m].outcome) for m in models]))
        paths = {m: f.path for m in models if (f := a.forecasts[m]).path is not None}
        if paths:
            r = max(p.shape[1] for p in paths.values())
            arr = np.full((len(models), n, r, len(d.issues)), np.nan)
            for k, m in enumerate(models):
                if m in paths:
                    p = paths[m]
                    arr[k, :, :p.shape[1]] = d.scale_lo + p * span
            coords["round"] = np.arange(r)
            data["path"] = (("model", "draw", "round", "issue"), arr)
    tables = list(a.tables)
    if tables:
        coords["table"] = tables
        data["deal"] = (("table", "draw", "issue"),
                        np.stack([_user(a, a.tables[t].deal.x) for t in tables]))
        data["zone_now"] = (("table", "draw"), np.stack([a.tables[t].zone_exists
                                                          for t in tables]))
    proc = a.process
    if proc is not None and proc.tables:
        ptab = [t for t in tables if t in proc.tables]
        coords["month"] = np.asarray(proc.months, dtype=float)
        for name in ("talks", "concluded", "in_force", "lapsed"):
            data[name] = (("table", "draw", "month"),
                          np.stack([getattr(proc.tables[t], name) for t in ptab]))
        data["zone"] = (("table", "draw", "month"),
                        np.stack([proc.timelines[t].zone for t in ptab]))
    if a.questions:
        coords["question"] = [q.id for q in a.questions]
        answers = []
        for q in a.questions:
            if q.truth is None:  # only in a streamed run, which _per_draw refused above
                raise DetenteError(f"question {q.id!r} kept no answer per draw")
            answers.append(q.truth)
        data["answer"] = (("question", "draw"), np.stack(answers))
    attrs: dict[str, str | int] = {
        "scenario": a.scenario.id, "as_of": a.scenario.as_of.isoformat(),
        "fingerprint": a.fingerprint, "seed": "" if a.seed is None else str(a.seed),
        "draws": a.draws, "detente_version": a.version, "models": ", ".join(models)}
    for m in models:
        attrs[f"params_{m}"] = repr(dict(a.forecasts[m].params))
    return xr.Dataset(data, coords=coords, attrs=attrs)
