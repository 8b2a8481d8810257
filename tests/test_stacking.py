"""The stacked ensemble of the forecast models (detente.forecast.stacking, .variants).

Data: tests/data/cases/deu/deu3-dev.tsv (DEU III development file, Arregui & Perarnaud 2021,
doi:10.34810/data53, CC BY 4.0; see tests/data/README.md).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from detente.cli import EXIT, main
from detente.errors import DetenteError
from detente.forecast import registry
from detente.forecast.accuracy import read_deu
from detente.forecast.stacking import (
    cross_validate,
    fit_apply,
    fit_stack,
    fold_indices,
    simplex_lad_weights,
)
from detente.forecast.variants import GRID, Variant, forecast_variants, variants

DEU = Path(__file__).parent / "data" / "cases" / "deu" / "deu3-dev.tsv"

# The target of the stacking work item: out-of-fold MAE at least 0.5 below the compromise's.
# It is NOT met. These are the margins achieved (compromise MAE − stacked MAE, 5-fold
# cross-validation over the 191 issues, seed 0); the tests below fail if they change (an
# improvement should update them, and the README/RESULTS numbers with them).
# Over seeds 0–19 the equal-capability margin averages 0.35 (sd 0.35; 6 seeds of 20 reach 0.5)
# and the file-capability margin −0.73 (sd 0.48; none reaches 0.5); with folds by proposal
# (--folds-by id) 0.16 (sd 0.52) and −0.90 (sd 0.49). See docs/explanation/forecast-models.md.
ACHIEVED = {"equal": 0.274, "row": -1.587}


@pytest.fixture(scope="module")
def dev():
    return read_deu(DEU)


@pytest.fixture(scope="module")
def dev_table(dev):
    return forecast_variants(dev)


def _subset(path: Path, rows: range, *, shuffle_out: int | None = None) -> Path:
    """Write the header, the capability row and the issues ``rows`` of the DEU file to
    ``path``; with ``shuffle_out``, permute their ``out`` values with that seed."""
    lines = DEU.read_text(encoding="utf-8").splitlines()
    head, cap, body = lines[0], lines[1], [lines[2 + i].split("\t") for i in rows]
    if shuffle_out is not None:
        col = head.split("\t").index("out")
        outs = [r[col] for r in body]
        perm = np.random.default_rng(shuffle_out).permutation(len(outs))
        for r, j in zip(body, perm):
            r[col] = outs[j]
    path.write_text("\n".join([head, cap, *("\t".join(r) for r in body)]) + "\n",
                    encoding="utf-8")
    return path


def _mae(x, y):
    return float(np.mean(np.abs(x - y)))


# --------------------------------------------------------------------------- the weights
def test_simplex_lad_weights_are_convex_and_optimal():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, size=(80, 4))
    y = rng.uniform(0, 100, size=80)
    w = simplex_lad_weights(x, y)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0, abs=1e-12)
    # every single model (a vertex of the simplex) and their plain mean are feasible
    best = _mae(x @ w, y)
    assert best <= min(_mae(x[:, j], y) for j in range(4)) + 1e-9
    assert best <= _mae(x.mean(axis=1), y) + 1e-9
    # an exact convex combination is recovered
    w0 = np.array([0.2, 0.0, 0.5, 0.3])
    assert simplex_lad_weights(x, x @ w0) == pytest.approx(w0, abs=1e-7)


def test_fit_on_the_dev_file(dev, dev_table):
    fit = fit_stack(dev_table, dev.outcome)
    assert (fit.weights >= 0).all() and fit.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert fit.merged == {"exchange": "compromise"}  # single issues: no trades
    assert [v.model for v in fit.members] == ["compromise", "median", "eum", "smp"]
    for v in fit.members:
        for key, value in v.settings:
            assert value in GRID[v.model][key]
    compromise = dev_table.forecast[dev_table.family("compromise")[0]]
    assert fit.fit_mae <= _mae(compromise, dev.outcome) + 1e-9  # in-sample, so never worse
    doc = fit.to_dict()
    assert set(doc["weights"]) == {"compromise", "median", "eum", "smp"}
    assert sum(doc["weights"].values()) == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------- the variants
def test_variant_forecasts_equal_calls_of_the_model_functions(dev):
    """Read off one run per group, each variant's forecast is what the model function gives
    with its settings (a few issues, every variant)."""
    sub = dataclasses.replace(dev, capability=dev.capability[:5], position=dev.position[:5],
                              salience=dev.salience[:5], outcome=dev.outcome[:5])
    table = forecast_variants(sub)
    assert len(table.variants) == 3 + 32 + 16
    for i, v in enumerate(table.variants):
        res = registry.get(v.model).fn(sub.capability, sub.position, sub.salience, **v.kwargs)
        np.testing.assert_allclose(table.forecast[i], res.outcome[:, 0] * 100, rtol=0, atol=1e-9,
                                   err_msg=v.label)
        assert getattr(res.params, "readout", "-") == v.kwargs.get("readout", "-")


def test_variants_list_defaults_first_and_label_differences():
    vs = variants(("compromise", "eum", "smp"))
    assert vs[0] == Variant("compromise") and vs[0].label == "compromise"
    eum = [v for v in vs if v.model == "eum"]
    assert eum[0].label == "eum"  # the defaults come first, so they win ties
    assert eum[0].kwargs == {"denominator": "all_pairs", "Q": 1.0, "rounds": 8,
                             "readout": "median"}
    odd = Variant("eum", (("denominator", "pair"), ("Q", 1.0), ("rounds", 2), ("readout", "mean")))
    assert odd.label == "eum denominator=pair rounds=2 readout=mean"
    with pytest.raises(KeyError):
        variants(("nonsense",))


def test_readout_settings_keep_the_defaults(dev):
    from detente.forecast.eum import eum_forecast, eum_rounds
    from detente.forecast.smp import smp_forecast

    c, x, s = dev.capability[:4], dev.position[:4], dev.salience[:4]
    default = eum_forecast(c, x, s)
    assert default.params.readout == "median"
    np.testing.assert_array_equal(default.outcome, eum_rounds(c, x, s).median[:, -1])
    mean = eum_forecast(c, x, s, readout="mean", rounds=3)
    np.testing.assert_array_equal(mean.outcome, eum_rounds(c, x, s, rounds=3).mean[:, -1])
    sm = smp_forecast(c, x, s, readout="mean")
    assert smp_forecast(c, x, s).params.readout == "pce" and sm.params.readout == "mean"
    assert sm.path.shape[1:] == (sm.path.shape[1], 1) and np.isfinite(sm.outcome).all()
    with pytest.raises(ValueError, match="readout"):
        eum_forecast(c, x, s, readout="mode")
    with pytest.raises(ValueError, match="readout"):
        smp_forecast(c, x, s, readout="median")


# --------------------------------------------------------------------------- honest scoring
def test_folds_are_deterministic_disjoint_and_cover_every_issue():
    a, b = fold_indices(191, 5, seed=0), fold_indices(191, 5, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    allidx = np.concatenate(a)
    assert sorted(allidx.tolist()) == list(range(191))  # disjoint and covering
    assert {len(f) for f in a} <= {38, 39}
    assert not all(np.array_equal(p, q) for p, q in zip(a, fold_indices(191, 5, seed=1)))
    for k in (1, 192):
        with pytest.raises(DetenteError, match="folds"):
            fold_indices(191, k)


def test_folds_by_id_keep_each_proposal_in_one_fold(dev):
    parts = fold_indices(dev.outcome.size, 5, seed=0, groups=dev.issue_ids)
    again = fold_indices(dev.outcome.size, 5, seed=0, groups=dev.issue_ids)
    assert all(np.array_equal(p, q) for p, q in zip(parts, again))
    assert sorted(np.concatenate(parts).tolist()) == list(range(191))
    where = {}
    for f, part in enumerate(parts):
        for i in part:
            assert where.setdefault(dev.issue_ids[i], f) == f  # one fold per proposal
    assert len(where) == 112
    with pytest.raises(DetenteError, match=r"folds ≤ groups of issues \(3\)"):
        fold_indices(5, 4, groups=("a", "a", "b", "c", "c"))


def test_cross_validation_never_fits_on_the_fold_it_scores(dev, dev_table):
    base = cross_validate(dev, table=dev_table)
    for f, fold in enumerate(fold_indices(dev.outcome.size, 5, 0)):
        y = dev.outcome.copy()
        y[fold] = 100.0 - y[fold]  # change every outcome of the scored fold
        other = cross_validate(dataclasses.replace(dev, outcome=y), table=dev_table)
        for key in ("weights", "chosen", "merged"):
            assert other.folds[f].to_dict()[key] == base.folds[f].to_dict()[key]
        assert other.folds[f].mae != base.folds[f].mae
    assert [list(r.scored_issues) for r in base.folds] == [f.tolist() for f in
                                                           fold_indices(191, 5, 0)]


def test_fit_then_apply_never_reads_the_test_outcomes(tmp_path):
    a = read_deu(_subset(tmp_path / "a.tsv", range(40)))
    b = read_deu(_subset(tmp_path / "b.tsv", range(40, 70)))
    b_shuffled = read_deu(_subset(tmp_path / "b2.tsv", range(40, 70), shuffle_out=7))
    assert not np.array_equal(b.outcome, b_shuffled.outcome)
    one, two = fit_apply(a, b), fit_apply(a, b_shuffled)
    assert one.fit.to_dict() == two.fit.to_dict()
    assert one.fit.to_dict() == fit_stack(forecast_variants(a), a.outcome).to_dict()
    assert one.mae["stacked"] != two.mae["stacked"]  # the scores do use the outcomes
    assert one.mode == "fit-apply" and one.issues == 30 and one.fit.issues == 40


@pytest.mark.parametrize("capability", ["equal", "row"])
def test_the_target_margin_is_documented(capability, dev, dev_table):
    data = dev if capability == "equal" else read_deu(DEU, capability="row")
    table = dev_table if capability == "equal" else None
    res = cross_validate(data, folds=5, seed=0, table=table)
    assert res.mae["compromise"] == pytest.approx(24.55 if capability == "equal" else 25.31,
                                                  abs=0.005)
    assert res.margin == pytest.approx(ACHIEVED[capability], abs=0.005)


# --------------------------------------------------------------------------- the command
def test_cli_cross_validates_one_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "acc.json"
    assert main(["accuracy", str(DEU), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text and "out-of-fold" in text and "seed 0" in text
    doc = json.loads(out.read_text())
    st = doc["stacking"]
    assert st["mode"] == "cross-validation" and st["method"]["folds"] == 5
    assert st["fit_file"] == st["scored_file"] == str(DEU)
    for v in st["mae"].values():
        assert f"{v:.2f}" in text  # every number shown in full
    assert st["margin_vs_compromise"] == pytest.approx(ACHIEVED["equal"], abs=0.005)
    assert doc["mae"]["compromise"] == pytest.approx(24.55, abs=0.005)  # score_models kept
    assert len(st["folds"]) == 5 and len(st["variants"]) == 51


def test_cli_fits_on_one_file_and_scores_another(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    fit, test = _subset(tmp_path / "fit.tsv", range(30)), _subset(tmp_path / "test.tsv",
                                                                     range(30, 55))
    assert main(["accuracy", str(fit), "--apply-to", str(test), "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["file"] == str(test) and doc["issues"] == 25
    st = doc["stacking"]
    assert st["mode"] == "fit-apply" and st["fit_file"] == str(fit)
    assert st["scored_file"] == str(test) and st["fit"]["issues"] == 30
    assert main(["accuracy", str(fit), "--apply-to", str(test)]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80
    flat = " ".join(text.split())
    assert f"fitted on {fit} (30 issues) and scored on {test} (25 issues)" in flat
    assert "…" not in text


def test_cli_errors_clearly(tmp_path, capsys):
    good = _subset(tmp_path / "good.tsv", range(12))
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\n")
    assert main(["accuracy", str(good), "--apply-to", str(bad)]) == EXIT["invalid"]
    assert "bad.tsv" in (err := capsys.readouterr().err) and "no 'out' column" in err
    assert main(["accuracy", str(good), "--apply-to", "no/such.tsv"]) == EXIT["no_input"]
    assert "no such file" in capsys.readouterr().err
    assert main(["accuracy", str(good), "--folds", "13"]) == EXIT["error"]
    assert "2 ≤ folds ≤ issues (12)" in capsys.readouterr().err
    assert main(["accuracy", str(good), "--folds", "1"]) == EXIT["usage"]
    assert main(["accuracy", str(good), "--folds-by", "proposal"]) == EXIT["usage"]
    assert main(["accuracy", str(good), "--apply-to", str(good), "--no-stack"]) == EXIT["usage"]
    capsys.readouterr()
    assert main(["accuracy", str(good), "--no-stack", "--json", "-"]) == 0
    assert "stacking" not in json.loads(capsys.readouterr().out)
    assert main(["accuracy", str(good), "--folds-by", "id", "--folds", "3", "--json", "-"]) == 0
    method = json.loads(capsys.readouterr().out)["stacking"]["method"]
    assert method["folds_by"] == "id (first column)" and method["folds"] == 3
