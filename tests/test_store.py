"""The run history (detente.store): SQLite and a real PostgreSQL server, the same tests.

`make test` starts a throwaway PostgreSQL server (scripts/pg-test-server.sh) and passes its URL in
DETENTE_TEST_PG. Run directly, pytest starts one itself when PostgreSQL is installed. The tests
work in a scratch database they create on that server (and drop), so DETENTE_TEST_PG may also
name a server of your own (the user needs CREATEDB). The PostgreSQL tests are skipped, with the
reason in the summary (-ra) and a warning, only when no server could be started.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from detente import analyze, load_scenario, loads_scenario
from detente.cli import EXIT, main
from detente.store import NoHistory, RunNotFound, RunStore, StoreError, default_url
from detente.store.database import resolve_url
from detente.store.migrate import HEAD, alembic_config

from .conftest import ROOT, SCENARIOS

EC = SCENARIOS / "ec-emissions-1994.yaml"
EC_TEXT = EC.read_text(encoding="utf-8")
# The same case with the Netherlands moved: another fingerprint, other answers.
EC2_TEXT = EC_TEXT.replace("position: 4", "position: 6", 1)
SCRIPT = ROOT / "scripts" / "pg-test-server.sh"
SRC = str(ROOT / "src")


# ------------------------------------------------------------------------------ servers
def _loud_skip(reason: str) -> None:
    msg = f"PostgreSQL tests SKIPPED: no PostgreSQL test server could be started: {reason}"
    warnings.warn(pytest.PytestWarning(msg), stacklevel=2)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def pg_server():
    """The URL of a PostgreSQL server to test against (see the module docstring)."""
    url = os.environ.get("DETENTE_TEST_PG", "").strip()
    if url:
        yield url
        return
    err = os.environ.get("DETENTE_TEST_PG_ERROR", "").strip()
    if err:
        _loud_skip(err)
    folder = tempfile.mkdtemp(prefix="detente-pg.", dir="/tmp")
    r = subprocess.run(["sh", str(SCRIPT), "start", folder], check=False, capture_output=True,
                       text=True, timeout=180, env={**os.environ, "DETENTE_PG_NO_INSTALL": "1"})
    if r.returncode != 0:
        subprocess.run(["sh", str(SCRIPT), "stop", folder], check=False, timeout=60)
        _loud_skip(r.stderr.strip() or f"scripts/pg-test-server.sh exited {r.returncode}")
    try:
        yield r.stdout.strip()
    finally:
        subprocess.run(["sh", str(SCRIPT), "stop", folder], check=False, timeout=60)


def _libpq(url: str, database: str | None = None) -> str:
    """A URL psycopg.connect accepts (no '+driver'), optionally for another database."""
    from sqlalchemy.engine import make_url

    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database(pg_server):
    """A scratch database of its own on the server, dropped at the end: the tests never touch
    the tables of the database DETENTE_TEST_PG names."""
    import uuid

    import psycopg

    name = f"detente_t_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(_libpq(pg_server), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as e:
        _loud_skip(f"cannot create a scratch database on {pg_server} (the user needs CREATEDB): "
                   f"{e}")
    try:
        yield _libpq(pg_server, name)
    finally:
        with psycopg.connect(_libpq(pg_server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS runs, alembic_version CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """An empty run history: an SQLite file, or the scratch PostgreSQL database (emptied)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history' / 'runs.sqlite3'}"
    url = request.getfixturevalue("pg_database")
    _reset_pg(url)
    return url


@pytest.fixture(scope="module")
def runs():
    """Analyses to record: the EC case (two seeds) and its variant."""
    s1, s2 = load_scenario(EC), loads_scenario(EC2_TEXT)
    return {
        "a": analyze(s1, draws=50, seed=1),
        "b": analyze(s2, draws=60, seed=2),
        "point": analyze(s1),
        "entropy": analyze(s1, draws=20),  # fresh OS entropy: a 128-bit seed
    }


def _run_py(code: str, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# A child process's stand-in for an Analysis (record() reads these attributes; the results are
# passed in): spares each child numpy, scipy and the analysis itself.
STUB = """
import json, sys, types
from detente.store import RunStore
a = types.SimpleNamespace(
    scenario=types.SimpleNamespace(id="ec-emissions-1994", title="EC"), fingerprint="sha256:0",
    seed=1, draws=50, version="0", seconds=0.1)
with open(sys.argv[1], encoding="utf-8") as fh:
    results = json.load(fh)
"""


def _cli(*args: str) -> subprocess.Popen:
    return _run_py("import sys; from detente.cli import main; sys.exit(main(sys.argv[1:]))", *args)


# ------------------------------------------------------------------------------ the API
def test_round_trip(db_url, runs):
    a = runs["a"]
    with RunStore(db_url) as store:
        s = store.record(EC_TEXT, a, timings={"analysis": 0.5}, options={"backend": "local"})
        assert len(s.id) == 16 and s.id.isalnum() and s.id == s.id.lower()
        rec = store.get(s.id)
        assert store.get(s.id[:10]) == rec  # a unique prefix will do
    assert rec.scenario_text == EC_TEXT  # the exact file text
    assert rec.results == a.to_dict()  # the full results
    assert (rec.fingerprint, rec.seed, rec.draws, rec.version) == (
        a.fingerprint, 1, 50, a.version)
    assert (rec.scenario_id, rec.status) == ("ec-emissions-1994", "ok")
    assert rec.scenario_title == a.scenario.title
    assert rec.timings == {"analysis": 0.5} and rec.options == {"backend": "local"}
    assert rec.seconds == pytest.approx(a.seconds)
    assert rec.created_at.utcoffset().total_seconds() == 0
    assert abs(time.time() - rec.created_at.timestamp()) < 120
    with RunStore(db_url) as again:  # a second open finds the run (and migrates nothing)
        assert [r.id for r in again.list()] == [s.id]


def test_seeds_are_kept_exactly(db_url, runs):
    with RunStore(db_url) as store:
        big = store.record(EC_TEXT, runs["entropy"])
        none = store.record(EC_TEXT, runs["point"])
        assert store.get(big.id).seed == runs["entropy"].seed > 2**63
        assert store.get(none.id).seed is None and store.get(none.id).draws == 1


def test_list_newest_first_with_limit_and_filter(db_url, runs):
    with RunStore(db_url) as store:
        ids = [store.record(text, runs[k]).id
               for text, k in ((EC_TEXT, "a"), (EC2_TEXT, "b"), (EC_TEXT, "point"))]
        assert [r.id for r in store.list()] == ids[::-1]
        assert [r.id for r in store.list(limit=2)] == ids[:0:-1]
        assert [r.id for r in store.list(scenario="ec-emissions-1994")] == ids[::-1]
        only_b = store.list(scenario=runs["b"].fingerprint)
        assert [r.id for r in only_b] == [ids[1]]
        assert store.list(scenario="no-such-scenario") == []


def test_diff(db_url, runs):
    a, b = runs["a"], runs["b"]
    with RunStore(db_url) as store:
        ra, rb = store.record(EC_TEXT, a), store.record(EC2_TEXT, b)
        d = store.diff(ra.id, rb.id)
        same = store.diff(ra.id, ra.id)
    assert not d.same_scenario and same.same_scenario
    assert d.inputs["seed"] == (1, 2) and d.inputs["draws"] == (50, 60)
    assert d.inputs["fingerprint"] == (a.fingerprint, b.fingerprint)
    assert "version" not in d.inputs
    assert f"--- run {ra.id}" in d.scenario_diff and f"+++ run {rb.id}" in d.scenario_diff
    assert any(line.startswith("-") and "position: 4" in line
               for line in d.scenario_diff.splitlines())
    assert any(line.startswith("+") and "position: 6" in line
               for line in d.scenario_diff.splitlines())
    qa = {q["id"]: q["probability"] for q in a.to_dict()["questions"]}
    qb = {q["id"]: q["probability"] for q in b.to_dict()["questions"]}
    assert {c.key: (c.a, c.b) for c in d.questions} == {k: (qa[k], qb[k]) for k in qa}
    ens_a = a.to_dict()["issues"][0]["forecast"]["ensemble"]["mean"]
    ens_b = b.to_dict()["issues"][0]["forecast"]["ensemble"]["mean"]
    (fc,) = d.forecasts
    assert (fc.key, fc.a, fc.b) == ("emission_standard_date", ens_a, ens_b)
    assert fc.difference == pytest.approx(ens_b - ens_a) and fc.difference != 0
    assert [(c.key, c.a) for c in d.tables] == [("council", a.to_dict()["tables"]["council"]
                                                  ["holds"])]
    assert same.inputs == {} and same.scenario_diff == ""
    assert all(c.difference == 0 for c in same.questions + same.forecasts + same.tables)
    json.dumps(d.to_dict(), allow_nan=False)


def test_export_has_everything_and_is_json(db_url, runs):
    with RunStore(db_url) as store:
        s = store.record(EC_TEXT, runs["a"], options={"draws": 50})
        doc = store.export(s.id)
    text = json.dumps(doc, allow_nan=False)
    back = json.loads(text)
    assert back["format"] == "detente-run" and back["format_version"] == 1
    assert back["id"] == s.id and back["scenario_text"] == EC_TEXT
    assert back["results"] == runs["a"].to_dict() and back["options"] == {"draws": 50}
    assert back["created_at"].endswith("+00:00")


def test_unknown_and_ambiguous_ids(db_url, runs):
    with RunStore(db_url) as store:
        with pytest.raises(RunNotFound, match="no run 'zzzzzzzzzzzzzzzz'.*detente runs list"):
            store.get("zzzzzzzzzzzzzzzz")
        for bad in ("../../etc/passwd", "", "ab", "x" * 40, "01'; DROP TABLE runs; --"):
            with pytest.raises(RunNotFound, match="is not a run id"):
                store.get(bad)
        s1, s2 = store.record(EC_TEXT, runs["a"]), store.record(EC_TEXT, runs["a"])
        common = os.path.commonprefix([s1.id, s2.id])
        assert len(common) >= 4  # ids begin with the time
        with pytest.raises(RunNotFound, match="matches several runs"):
            store.get(common[:4])
        with pytest.raises(RunNotFound):
            store.diff(s1.id, "zzzzzzzzzzzzzzzz")
        assert len(store.list()) == 2


def test_delete_needs_the_full_id(db_url, runs):
    with RunStore(db_url) as store:
        s1, s2 = store.record(EC_TEXT, runs["a"]), store.record(EC_TEXT, runs["b"])
        with pytest.raises(RunNotFound, match="nothing was deleted"):
            store.delete(s1.id[:8])
        store.delete(s1.id)
        assert [r.id for r in store.list()] == [s2.id]
        with pytest.raises(RunNotFound):
            store.get(s1.id)


# ------------------------------------------------------------------------------ URLs & errors
def test_default_location(monkeypatch, tmp_path):
    monkeypatch.setenv("DETENTE_DATA_DIR", str(tmp_path / "d"))
    assert default_url() == f"sqlite:///{tmp_path / 'd' / 'runs.sqlite3'}"
    with RunStore() as store:  # no setup: the folder and the file are created
        assert store.list() == []
    assert (tmp_path / "d" / "runs.sqlite3").is_file()
    monkeypatch.setenv("DETENTE_DB", f"sqlite:///{tmp_path / 'other.db'}")
    assert default_url() == f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.delenv("DETENTE_DB")
    monkeypatch.delenv("DETENTE_DATA_DIR")
    import platformdirs

    assert default_url() == "sqlite:///" + str(
        Path(platformdirs.user_data_dir("detente", appauthor=False)) / "runs.sqlite3")


def test_urls():
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("some/file.db").database == "some/file.db"
    assert resolve_url("sqlite:///x.db").database == "x.db"


@pytest.mark.parametrize("url, message", [
    ("mysql://me@localhost/runs", "must be SQLite or PostgreSQL"),
    ("oracle+cx://me@localhost/runs", "must be SQLite or PostgreSQL"),
    ("not a url://x", "is not a database URL"),
    ("postgresql://me:s3cret@127.0.0.1:1/runs", "cannot connect to the run history"),
    ("sqlite:////proc/no/such/runs.db", "cannot create the folder"),
])
def test_bad_urls_say_what_to_do(url, message):
    with pytest.raises(StoreError, match=message) as info:
        RunStore(url)
    assert "s3cret" not in str(info.value)


def test_not_a_database_is_left_alone(tmp_path):
    f = tmp_path / "notes.db"
    f.write_text("my notes, not a database\n" * 100)
    before = f.read_bytes()
    with pytest.raises(StoreError, match="is not an SQLite database.*nothing was changed"):
        RunStore(str(f))
    assert f.read_bytes() == before
    with pytest.raises(StoreError, match="is a folder"):
        RunStore(str(tmp_path))


def test_a_newer_schema_is_not_touched(tmp_path, runs):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with RunStore(url) as store:
        store.record(EC_TEXT, runs["a"])
    with sqlite3.connect(tmp_path / "runs.db") as c:
        c.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer detente.*'9999'.*nothing was changed"):
        RunStore(url)
    with sqlite3.connect(tmp_path / "runs.db") as c:
        assert c.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_someone_elses_runs_table_is_not_touched(tmp_path):
    with sqlite3.connect(tmp_path / "theirs.db") as c:
        c.execute("CREATE TABLE runs (x INTEGER)")
        c.execute("INSERT INTO runs VALUES (7)")
    with pytest.raises(StoreError, match="already has a table named 'runs'"):
        RunStore(str(tmp_path / "theirs.db"))
    with sqlite3.connect(tmp_path / "theirs.db") as c:
        assert c.execute("SELECT x FROM runs").fetchall() == [(7,)]


# ------------------------------------------------------------------------------ migrations
def test_migrations_match_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from detente.store.models import Base

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD]
    store = RunStore(db_url)
    try:
        with store._engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
            assert ctx.get_current_revision() == HEAD
    finally:
        store.close()


def test_downgrade_and_upgrade_again(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    RunStore(url).close()
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    with engine.connect() as conn:
        assert not inspect(conn).has_table("runs")
    engine.dispose()
    with RunStore(url) as store:
        assert store.list() == []


# ------------------------------------------------------------------------------ concurrency
def test_two_cli_runs_at_once_both_land(db_url):
    """Two `detente analyze` processes on a new database: both create-or-find the schema and
    both runs are recorded."""
    procs = [_cli("analyze", str(EC), "-n", "50", "--seed", str(k), "--db", db_url, "--json",
                  "-") for k in (1, 2)]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert json.loads(out)["draws"] == 50  # stdout stays pure JSON
        assert "saved (detente runs show" in err
    with RunStore(db_url) as store:
        assert sorted(r.seed for r in store.list()) == [1, 2]


def test_many_writers_at_once_all_land(db_url, tmp_path, runs):
    RunStore(db_url).close()
    code = STUB + """
import os, time
store = RunStore(sys.argv[2])
print("ready", flush=True)
while not os.path.exists(sys.argv[3]):  # all start writing at once
    time.sleep(0.002)
for _ in range(8):
    store.record(sys.argv[4], a, results=results)
print("done")
"""
    res = tmp_path / "results.json"
    res.write_text(json.dumps(runs["a"].to_dict()), encoding="utf-8")
    go = tmp_path / "go"
    procs = [_run_py(code, str(res), db_url, str(go), EC_TEXT) for _ in range(3)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0 and out.strip() == "done", err
    with RunStore(db_url) as store:
        got = store.list(limit=None)
    assert len(got) == 24 and len({r.id for r in got}) == 24


# ------------------------------------------------------------------------------ interruptions
def test_interrupted_while_writing_leaves_no_row(db_url, runs):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    def interrupt(session, flush_context):
        raise KeyboardInterrupt

    with RunStore(db_url) as store:
        keep = store.record(EC_TEXT, runs["a"])
        event.listen(Session, "after_flush", interrupt)
        try:
            with pytest.raises(KeyboardInterrupt):
                store.record(EC_TEXT, runs["b"])
        finally:
            event.remove(Session, "after_flush", interrupt)
        assert [r.id for r in store.list()] == [keep.id]  # no half-written row
        again = store.record(EC_TEXT, runs["b"])  # and the store still works
        assert {r.id for r in store.list()} == {keep.id, again.id}


def test_killed_mid_transaction_leaves_no_row(db_url, runs, tmp_path):
    """A process SIGKILLed after it sent its row but before COMMIT: no row, nothing locked."""
    with RunStore(db_url) as store:
        keep = store.record(EC_TEXT, runs["a"])
    code = STUB + """
import time
from sqlalchemy import event
from sqlalchemy.orm import Session

def hang(session, ctx):
    print("flushed", flush=True)
    time.sleep(120)

store = RunStore(sys.argv[2])
event.listen(Session, "after_flush", hang)
store.record(sys.argv[3], a, results=results)
"""
    res = tmp_path / "results.json"
    res.write_text(json.dumps(runs["b"].to_dict()), encoding="utf-8")
    p = _run_py(code, str(res), db_url, EC_TEXT)
    try:
        assert p.stdout.readline().strip() == "flushed", p.stderr.read()
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        p.stdout.close()
        p.stderr.close()
    with RunStore(db_url) as store:
        assert [r.id for r in store.list()] == [keep.id]
        after = store.record(EC_TEXT, runs["b"])  # the dead writer's lock is gone
        assert {r.id for r in store.list()} == {keep.id, after.id}
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as c:
            assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_cli_killed_mid_analysis_leaves_no_row(tmp_path):
    db = tmp_path / "runs.sqlite3"
    p = _cli("analyze", str(SCENARIOS / "ukraine-2025-02.yaml"), "-n", "20000", "--seed", "1",
             "--db", str(db))
    try:
        deadline = time.time() + 120
        while time.time() < deadline:  # the store is opened before the analysis starts
            if db.exists():
                with sqlite3.connect(db) as c:
                    if c.execute("SELECT name FROM sqlite_master WHERE name='alembic_version'"
                                 ).fetchone():
                        break
            time.sleep(0.1)
        time.sleep(0.5)
        assert p.poll() is None, "the analysis ended before it could be interrupted"
    finally:
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
    with RunStore(str(db)) as store:
        assert store.list() == []
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# ------------------------------------------------------------------------------ the CLI
def test_cli_analyze_records_and_runs_commands(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    assert main(["analyze", str(EC), "-n", "50", "--seed", "1", "--db", db]) == 0
    out = capsys.readouterr().out
    line = out.strip().splitlines()[-1]
    assert line.startswith("Run ") and line.endswith(")") and "saved (detente runs show" in line
    rid = line.split()[1]
    ec2 = tmp_path / "ec2.yaml"
    ec2.write_text(EC2_TEXT, encoding="utf-8")
    assert main(["analyze", str(ec2), "-n", "60", "--seed", "2", "--db", db, "--json", "-"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["seed"] == 2 and "saved (detente runs show" in cap.err
    rid2 = cap.err.split("Run ", 1)[1].split()[0]

    assert main(["runs", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert rid in out and rid2 in out and out.index(rid2) < out.index(rid)
    assert main(["runs", "list", "--db", db, "--json", "-"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed["runs"]] == [rid2, rid]

    assert main(["runs", "show", rid, "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"Run {rid} — ec-emissions-1994" in out and "emission_standard_date" in out
    assert "Will the standard apply by year 9" in out and "seed 1" in out
    assert "calibrated" in out and "calibration=shipped" in out
    assert main(["runs", "show", rid[:12], "--db", db, "--json", "-"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == rid and shown["scenario_text"] == EC_TEXT

    assert main(["runs", "diff", rid, rid2, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "seed: 1 → 2" in out and "draws: 50 → 60" in out
    assert "Scenario text (unified diff):" in out
    assert "position: 4" in out and "position: 6" in out
    assert "emission_standard_date" in out and "b − a" in out
    assert main(["runs", "diff", rid, rid2, "--db", db, "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["inputs"]["seed"] == {"a": 1, "b": 2}

    assert main(["runs", "export", rid, "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == rid
    dest = tmp_path / "out" / "run.json"
    assert main(["runs", "export", rid, "--db", db, "-o", str(dest)]) == 0
    assert f"exported to {dest}" in capsys.readouterr().out
    assert json.loads(dest.read_text())["scenario_text"] == EC_TEXT


def test_cli_errors(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    for argv in (["runs", "show", "zzzzzzzzzzzzzzzz", "--db", db],
                 ["runs", "diff", "zzzzzzzzzzzzzzzz", "yyyyyyyyyyyyyyyy", "--db", db],
                 ["runs", "export", "zzzzzzzzzzzzzzzz", "--db", db],
                 ["runs", "list", "--db", "mysql://x/y"],
                 ["runs", "list", "--db", "postgresql://me@127.0.0.1:1/x"]):
        assert main(argv) == EXIT["error"], argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err
    assert main(["runs", "show", "--db", db]) == EXIT["usage"]
    assert main(["runs", "frobnicate"]) == EXIT["usage"]
    capsys.readouterr()
    # Reading never creates a history: a mistyped --db leaves no file behind.
    assert main(["runs", "list", "--db", db]) == 0
    assert "No runs in" in capsys.readouterr().out
    assert main(["runs", "show", "zzzzzzzzzzzzzzzz", "--db", db]) == EXIT["error"]
    assert "there is no run history at" in capsys.readouterr().err
    assert not (tmp_path / "runs.db").exists()
    with pytest.raises(NoHistory):
        RunStore(db, create=False)
    RunStore(db).close()  # recording (create=True, the default) makes it
    assert main(["runs", "show", "zzzzzzzzzzzzzzzz", "--db", db]) == EXIT["error"]
    assert "no run 'zzzzzzzzzzzzzzzz'" in capsys.readouterr().err


def test_cli_analyze_bad_db_fails_before_the_analysis(capsys, monkeypatch):
    import detente.analysis

    def never(*a, **k):  # pragma: no cover - must not be reached
        raise AssertionError("analysed although the run history cannot be opened")

    monkeypatch.setattr(detente.analysis, "analyze", never)
    assert main(["analyze", str(EC), "--db", "postgresql://me@127.0.0.1:1/x"]) == EXIT["error"]
    err = capsys.readouterr().err
    assert "error: cannot connect to the run history" in err and "Traceback" not in err


def test_cli_no_store_and_unwritable_default(tmp_path, capsys, monkeypatch):
    db = tmp_path / "runs.db"
    assert main(["analyze", str(EC), "--no-store", "--db", str(db)]) == 0
    assert "saved" not in capsys.readouterr().out and not db.exists()
    # The default history cannot be created: the run is analysed, with a warning.
    monkeypatch.setenv("DETENTE_DATA_DIR", "/proc/no-such-folder")
    assert main(["analyze", str(EC)]) == 0
    cap = capsys.readouterr()
    assert "Forecast per issue" in cap.out and "saved" not in cap.out
    assert "warning: this run will not be saved" in cap.err


def test_an_in_memory_history_is_safe_across_threads(tmp_path):
    # One shared connection: threads used to interleave their transactions (errors, or a
    # segfault in sqlite3), so this runs in a child process.
    res = tmp_path / "results.json"
    res.write_text(json.dumps({"questions": []}), encoding="utf-8")
    p = _run_py(STUB + """
import threading
store = RunStore("sqlite://")
errors = []
def write():
    for _ in range(25):
        try:
            store.record("text", a, results=results)
        except Exception as e:
            errors.append(repr(e))
def read():
    for _ in range(100):
        try:
            store.list(limit=5)
        except Exception as e:
            errors.append(repr(e))
threads = [threading.Thread(target=f) for f in (write, write, write, write, read, read, read)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(store.list(limit=None)), len(errors), errors[:2])
""", str(res))
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err[-2000:]
    assert out.split()[:2] == ["100", "0"], out


def test_wal_switch_retries_when_sqlite_answers_locked_at_once():
    """Two processes creating a history at once: SQLite can refuse the WAL switch with
    "database is locked" without waiting (no busy handler there); it is retried."""
    import sqlite3

    from detente.store.database import _wal

    class Cursor:
        calls = 0

        def execute(self, sql):
            Cursor.calls += 1
            if Cursor.calls <= 3:
                raise sqlite3.OperationalError("database is locked")
            self.sql = sql

        def fetchone(self):
            return ("delete",)

    cur = Cursor()
    _wal(cur)
    assert Cursor.calls == 5 and cur.sql == "PRAGMA journal_mode = WAL"
