"""Analysis.to_frame() and to_xarray(): the same numbers as the arrays, labelled."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest

from detente import DetenteError, analyze, load_scenario

pytest.importorskip("pandas")
pytest.importorskip("xarray")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run():
    return analyze(load_scenario(ROOT / "scenarios" / "ukraine-2025-02.yaml"), draws=64, seed=3,
                   sensitivity=False)


def test_xarray_holds_every_array_with_named_dimensions(run):
    ds = run.to_xarray()
    d = run.inputs
    assert dict(ds.sizes)["draw"] == 64 and list(ds["actor"].values) == list(d.actors)
    np.testing.assert_array_equal(ds["forecast"].sel(model="eum").values, run.forecast_user("eum"))
    np.testing.assert_array_equal(ds["position"].values, d.to_user(d.position))
    tp = run.process.tables["us-russia"]
    np.testing.assert_array_equal(ds["concluded"].sel(table="us-russia").values, tp.concluded)
    q = run.questions[0]
    assert ds["answer"].sel(question=q.id).values.mean() == q.probability
    assert ds.attrs["seed"] == "3" and ds.attrs["draws"] == 64
    assert "'rounds': 8" in ds.attrs["params_eum"]  # how each number was made


def test_tidy_frames_match_the_arrays(run):
    f = run.to_frame("forecasts")
    assert list(f.columns) == ["draw", "model", "issue", "value"]
    assert len(f) == 64 * len(run.models) * len(run.inputs.issues)
    row = f[(f.model == "compromise") & (f.issue == "territory") & (f.draw == 5)]
    j = run.inputs.issues.index("territory")
    assert row.value.item() == run.forecast_user("compromise")[5, j]
    qs = run.to_frame("questions")
    assert qs.probability.tolist() == [q.probability for q in run.questions]
    pr = run.to_frame("process")
    sel = pr[(pr.table == "us-russia") & (pr.draw == 7)].sort_values("month")
    assert sel.concluded.tolist() == run.process.tables["us-russia"].concluded[7].tolist()
    for what in ("paths", "inputs", "deals"):
        assert len(run.to_frame(what)) > 0


def test_bad_requests_say_what_to_do(run, monkeypatch):
    with pytest.raises(DetenteError, match="choose one of: forecasts, paths"):
        run.to_frame("nope")
    streamed = analyze(load_scenario(ROOT / "scenarios" / "ec-emissions-1994.yaml"), draws=50,
                       seed=1, stream=True, sensitivity=False)
    with pytest.raises(DetenteError, match="streamed run keeps no per-draw arrays"):
        streamed.to_xarray()
    real = builtins.__import__

    def no_xarray(name, *a, **k):
        if name == "xarray":
            raise ImportError(name)
        return real(name, *a, **k)

    import sys

    monkeypatch.delitem(sys.modules, "xarray", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_xarray)
    with pytest.raises(DetenteError, match=r"pip install 'detente\[frames\]'"):
        run.to_xarray()


def test_the_core_does_not_import_pandas_or_xarray():
    import subprocess
    import sys

    code = ("import sys, detente; from detente import analyze; import detente.analysis; "
            "print([m for m in ('pandas', 'xarray') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
