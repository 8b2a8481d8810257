"""The web app's runs (issue 13, item 9): a bounded queue, cancel (nothing partial kept), job
states that survive a restart ("lost in a restart"), and a bounded load test on loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web app needs the extra detente[web]")
pytest.importorskip("jinja2", reason="the web app needs the extra detente[web]")
import httpx
from fastapi.testclient import TestClient

import detente.analysis
from detente.web import create_app
from detente.web.job_states import FINISHED, LOST

ROOT = Path(__file__).resolve().parents[1]
EC = "ec-emissions-1994"


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    d = {"data": tmp_path / "data", "workspace": tmp_path / "data" / "ws",
         "db": tmp_path / "data" / "runs.sqlite3"}
    d["data"].mkdir()
    return d


def _app(dirs, **kw):
    return create_app(db=str(dirs["db"]), workspace=dirs["workspace"], data=dirs["data"], **kw)


class Gate:
    """Stands in for analyze(): reports progress in small steps until released (then runs the
    real analysis), so that jobs can be held running, queued and cancelled at will."""

    def __init__(self, monkeypatch) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.real = detente.analysis.analyze
        monkeypatch.setattr(detente.analysis, "analyze", self)

    def __call__(self, scenario, *, draws, seed, progress=None, **kw):
        self.started.release()
        step = 0
        while not self.release.is_set():
            if progress is not None:
                progress(min(step, draws - 1), draws)  # raises once the job is cancelled
            step += 1
            time.sleep(0.01)
        return self.real(scenario, draws=draws, seed=seed, progress=progress, **kw)

    def wait_started(self, n: int = 1) -> None:
        for _ in range(n):
            assert self.started.acquire(timeout=30), "the job did not start"


def _submit(c: TestClient, draws: int = 10, seed: int = 1) -> httpx.Response:
    return c.post(f"/api/scenarios/{EC}/runs", json={"draws": draws, "seed": seed})


def _state(c: TestClient, job_id: str) -> dict:
    return c.get(f"/api/jobs/{job_id}").json()


def _wait(c: TestClient, job_id: str, timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while True:
        j = _state(c, job_id)
        if j["state"] in FINISHED:
            return j
        assert time.monotonic() < end, f"job still {j['state']} after {timeout} s"
        time.sleep(0.02)


def _runs(c: TestClient) -> list[str]:
    return [r["id"] for r in c.get("/api/runs").json()["runs"]]


# ------------------------------------------------------------------------------ the queue
def test_a_full_queue_refuses_with_429_and_says_why(dirs, monkeypatch):
    gate = Gate(monkeypatch)
    with TestClient(_app(dirs, workers=1, max_queued=2), base_url="http://127.0.0.1") as c:
        first = _submit(c).json()
        gate.wait_started()
        waiting = [_submit(c, seed=s) for s in (2, 3)]
        assert [r.status_code for r in waiting] == [202, 202]
        assert [_state(c, r.json()["id"])["state"] for r in waiting] == ["queued", "queued"]
        full = _submit(c, seed=4)
        assert full.status_code == 429
        assert "queue is full" in full.json()["error"] and "2 runs are waiting" in full.json()[
            "error"] and "nothing was queued" in full.json()["error"]
        assert int(full.headers["retry-after"]) > 0
        q = c.get("/api/jobs").json()
        assert q["queue"]["waiting"] == 2 and q["queue"]["max_queued"] == 2
        assert len(q["jobs"]) == 3  # the refused run is no job
        gate.release.set()
        done = [_wait(c, j)["state"] for j in (first["id"], *(r.json()["id"] for r in waiting))]
        assert done == ["done"] * 3
        assert len(_runs(c)) == 3
        assert _submit(c, seed=5).status_code == 202  # room again


def test_two_runs_go_at_once(dirs, monkeypatch):
    gate = Gate(monkeypatch)
    with TestClient(_app(dirs, workers=2), base_url="http://127.0.0.1") as c:
        ids = [_submit(c, seed=s).json()["id"] for s in (1, 2, 3)]
        gate.wait_started(2)
        time.sleep(0.1)
        assert [_state(c, j)["state"] for j in ids] == ["running", "running", "queued"]
        gate.release.set()
        assert [_wait(c, j)["state"] for j in ids] == ["done"] * 3


# ------------------------------------------------------------------------------ cancel
def test_cancel_a_waiting_and_a_running_job_keeps_nothing(dirs, monkeypatch):
    gate = Gate(monkeypatch)
    with TestClient(_app(dirs, workers=1), base_url="http://127.0.0.1") as c:
        running = _submit(c).json()
        gate.wait_started()
        waiting = _submit(c, seed=2).json()
        assert running["cancel_url"] == f"/api/jobs/{running['id']}/cancel"

        r = c.post(waiting["cancel_url"], json={})
        assert r.status_code == 200 and r.json()["state"] == "cancelled"
        assert "nothing of this run was kept" in r.json()["error"]

        r = c.post(running["cancel_url"], json={})
        assert r.status_code == 200 and r.json()["state"] in ("cancelling", "cancelled")
        assert c.post(running["cancel_url"], json={}).status_code == 200  # twice: the same
        job = _wait(c, running["id"])
        assert job["state"] == "cancelled" and job["run_id"] is None
        assert job["cancel_url"] is None
        assert _runs(c) == []  # nothing of either run was kept
        reports = dirs["data"] / "web-reports"
        assert not reports.exists() or not any(reports.iterdir())  # and no report
        gate.release.set()
        # the worker is free again: a new run goes through
        assert _wait(c, _submit(c, seed=3).json()["id"])["state"] == "done"
        assert len(_runs(c)) == 1


def test_a_cancel_after_the_draws_but_before_the_save_keeps_nothing(dirs, monkeypatch):
    real = detente.analysis.analyze
    app = _app(dirs, workers=1)
    runner = app.state.ctx.jobs

    def analyze_then_cancel(*a, **k):
        result = real(*a, **k)
        (job,) = [j for j in runner.list() if j.state == "running"]
        runner.cancel(job.id)  # the user presses Cancel as the last draw finishes
        return result

    monkeypatch.setattr(detente.analysis, "analyze", analyze_then_cancel)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        job = _wait(c, _submit(c).json()["id"])
        assert job["state"] == "cancelled" and _runs(c) == []


def test_a_run_being_saved_or_done_cannot_be_cancelled(dirs, monkeypatch):
    app = _app(dirs, workers=1)
    store = app.state.ctx.store
    saving, go_on = threading.Event(), threading.Event()
    real_record = store.record

    def slow_record(*a, **k):
        saving.set()
        assert go_on.wait(30)
        return real_record(*a, **k)

    monkeypatch.setattr(store, "record", slow_record)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        job = _submit(c).json()
        assert saving.wait(60)
        assert _state(c, job["id"])["state"] == "saving"
        r = c.post(f"/api/jobs/{job['id']}/cancel", json={})
        assert r.status_code == 409 and "being saved" in r.json()["error"]
        go_on.set()
        done = _wait(c, job["id"])
        assert done["state"] == "done" and _runs(c) == [done["run_id"]]
        r = c.post(f"/api/jobs/{job['id']}/cancel", json={})
        assert r.status_code == 409 and "delete the run" in r.json()["error"]
        assert c.post("/api/jobs/0123456789abcdef/cancel", json={}).status_code == 404
        assert c.post("/api/jobs/not-a-job/cancel", json={}).status_code == 404


def test_the_pages_offer_cancel(dirs, monkeypatch):
    gate = Gate(monkeypatch)
    with TestClient(_app(dirs, workers=1), base_url="http://127.0.0.1") as c:
        job = _submit(c).json()
        gate.wait_started()
        page = c.get("/").text
        assert 'id="jobs"' in page and f'data-url="/api/jobs/{job["id"]}/cancel"' in page
        assert 'class="cancel-job"' in page
        assert 'id="cancel"' in c.get(f"/scenarios/{EC}").text
        js = c.get("/static/app.js").text
        assert "/cancel" in js and "lost in a restart" in js
        gate.release.set()
        _wait(c, job["id"])


# ------------------------------------------------------------------------------ restarts
def test_jobs_interrupted_by_a_crash_are_lost_in_a_restart(dirs, monkeypatch):
    gate = Gate(monkeypatch)
    first = _app(dirs, workers=1)  # no `with`: its shutdown never runs, as in a crash
    c1 = TestClient(first, base_url="http://127.0.0.1")
    done = _submit(c1).json()
    gate.release.set()
    done = _wait(c1, done["id"])
    assert done["state"] == "done"
    gate.release.clear()
    running = _submit(c1, seed=2).json()
    gate.wait_started()
    waiting = _submit(c1, seed=3).json()
    runs_before = _runs(c1)

    second = _app(dirs, workers=1)
    assert second.state.ctx.jobs.lost_at_start == 2
    assert _app(dirs).state.ctx.jobs.lost_at_start == 0  # told once, not at every start
    with TestClient(second, base_url="http://127.0.0.1") as c2:
        jobs = {j["id"]: j for j in c2.get("/api/jobs").json()["jobs"]}
        assert jobs[done["id"]]["state"] == "done"
        assert jobs[done["id"]]["run_id"] == done["run_id"]
        for j in (running, waiting):
            assert jobs[j["id"]]["state"] == "lost", jobs[j["id"]]
            assert jobs[j["id"]]["error"] == LOST and jobs[j["id"]]["run_id"] is None
            assert _state(c2, j["id"])["state"] == "lost"
            r = c2.post(f"/api/jobs/{j['id']}/cancel", json={})
            assert r.status_code == 409 and "lost in a restart" in r.json()["error"]
        assert "lost in a restart" in c2.get("/").text
        assert _runs(c2) == runs_before == [done["run_id"]]
    first.state.ctx.jobs.close()  # stop the first app's worker (its job is lost, not kept)
    gate.release.set()


def test_a_clean_stop_marks_waiting_and_running_jobs_lost(dirs, monkeypatch):
    gate = Gate(monkeypatch)
    with TestClient(_app(dirs, workers=1), base_url="http://127.0.0.1") as c:
        running = _submit(c).json()
        gate.wait_started()
        waiting = _submit(c, seed=2).json()
    # the server has stopped: the waiting job at once, the running one at its next step
    with TestClient(_app(dirs, workers=1), base_url="http://127.0.0.1") as c:
        for j in (running, waiting):
            assert _wait(c, j["id"], timeout=10)["state"] == "lost"
        assert _runs(c) == []
        assert _submit(c, seed=3).status_code == 202  # the new server takes runs
    gate.release.set()


def test_a_damaged_job_file_is_moved_aside(dirs, caplog):
    (dirs["data"] / "web-jobs.sqlite3").write_bytes(b"this is not a database" * 100)
    with TestClient(_app(dirs), base_url="http://127.0.0.1") as c:
        assert c.get("/api/jobs").json()["jobs"] == []
    assert list(dirs["data"].glob("web-jobs.sqlite3.broken-*"))


def test_only_the_latest_jobs_are_remembered(dirs):
    from detente.web.job_states import Job, JobLog

    log = JobLog(dirs["data"] / "jobs.sqlite3")
    for i in range(30):
        log.put(Job(id=f"{i:016x}", scenario="s", draws=1, seed=None, text="",
                    state="done", created=1000.0 + i))
    kept = JobLog(dirs["data"] / "jobs.sqlite3").restore(keep=10)
    assert [j.id for j in kept] == [f"{i:016x}" for i in range(20, 30)]
    assert len(JobLog(dirs["data"] / "jobs.sqlite3").restore(keep=100)) == 10


def test_a_stop_during_the_save_is_told_as_it_was(dirs):
    """Stopped while saving: with its run id kept (the run is in the history, its report was
    being made) the job is done; without, it is lost and says the run may have been saved."""
    from detente.web.job_states import LOST_SAVING, Job, JobLog

    log = JobLog(dirs["data"] / "jobs.sqlite3")
    log.put(Job(id="a" * 16, scenario="s", draws=5, seed=1, text="", state="saving",
                run_id="01m8zy4nrvweh78y"))
    log.put(Job(id="b" * 16, scenario="s", draws=5, seed=1, text="", state="saving"))
    log.put(Job(id="c" * 16, scenario="s", draws=5, seed=1, text="", state="cancelling"))
    jobs = {j.id: j for j in JobLog(dirs["data"] / "jobs.sqlite3").restore(keep=10)}
    saved = jobs["a" * 16]
    assert saved.state == "done" and saved.run_id and "report" in saved.report_error
    assert (jobs["b" * 16].state, jobs["b" * 16].error) == ("lost", LOST_SAVING)
    assert (jobs["c" * 16].state, jobs["c" * 16].error) == ("lost", LOST)


# ------------------------------------------------------------------------------ load
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = """
import sys
from detente.web.server import serve
serve(host="127.0.0.1", port=int(sys.argv[1]), db=sys.argv[2], workspace=sys.argv[3],
      log_level="warning", workers=2, max_queued=int(sys.argv[4]))
"""


class Server:
    """``detente serve`` in a process of its own, on loopback."""

    def __init__(self, tmp: Path, max_queued: int = 8) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DETENTE_DATA_DIR": str(tmp / "data"),
               "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port), str(tmp / "runs.sqlite3"),
             str(tmp / "ws"), str(max_queued)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        end = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                pytest.fail(f"the server did not start: {self.proc.stderr.read()[-2000:]}")
            time.sleep(0.1)

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc.stderr:
            self.proc.stderr.close()


#: Most the server's memory (RSS) may grow over a round of load after a warm-up round.
RSS_GROWTH_MIB = 40


def _load_round(url: str, runs: int = 20, requests: int = 200) -> dict[int, int]:
    """``requests`` requests from 20 threads, ``runs`` of them runs (20 draws each), the rest
    pages, API reads, job polls and a few cancels; then wait for every run. Status counts."""
    statuses: dict[int, int] = {}
    jobs: list[str] = []
    lock = threading.Lock()
    others = ["/", "/api/health", "/api/scenarios", f"/api/scenarios/{EC}", "/api/runs",
              "/api/jobs", f"/scenarios/{EC}", "/compare", "/docs", "/static/app.js"]

    def one(i: int, client: httpx.Client) -> None:
        if i % (requests // runs) == 0:
            r = client.post(f"/api/scenarios/{EC}/runs", json={"draws": 20, "seed": i})
            if r.status_code == 202:
                with lock:
                    jobs.append(r.json()["id"])
            else:
                assert r.status_code == 429 and "queue is full" in r.json()["error"], r.text
                assert r.headers["retry-after"]
        elif i % 37 == 0 and jobs:
            r = client.post(f"/api/jobs/{jobs[-1]}/cancel", json={})
            assert r.status_code in (200, 409), r.text
        elif i % 5 == 0 and jobs:
            r = client.get(f"/api/jobs/{jobs[i % len(jobs)]}")
        else:
            r = client.get(others[i % len(others)])
        with lock:
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    with httpx.Client(base_url=url, timeout=60) as client, \
            ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda i: one(i, client), range(requests)))
        end = time.monotonic() + 45
        for j in jobs:
            while True:
                state = client.get(f"/api/jobs/{j}").json()["state"]
                if state in FINISHED:
                    assert state in ("done", "cancelled"), state
                    break
                assert time.monotonic() < end, f"job {j} still {state}"
                time.sleep(0.05)
    return statuses


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_load_on_loopback_no_500s_and_bounded_memory(tmp_path):
    """200 requests with 20 runs (20 draws each) from 20 threads, twice, against a real server
    on 127.0.0.1 with 2 workers and a queue of 8: no 5xx; runs refused with 429 when the queue
    is full; after a warm-up round, the server's RSS grows by less than RSS_GROWTH_MIB over a
    second round (no leak per request or per run)."""
    srv = Server(tmp_path, max_queued=8)
    try:
        t0 = time.monotonic()
        warm = _load_round(srv.url)
        rss_warm = srv.rss_mib()
        second = _load_round(srv.url)
        rss_after = srv.rss_mib()
        elapsed = time.monotonic() - t0
        for statuses in (warm, second):
            assert sum(statuses.values()) == 200
            assert not [s for s in statuses if s >= 500], statuses
            assert set(statuses) <= {200, 202, 409, 429}, statuses
            assert statuses.get(202, 0) >= 8  # the queue took what it could
        growth = rss_after - rss_warm
        assert growth < RSS_GROWTH_MIB, (rss_warm, rss_after)
        assert elapsed < 120
        with httpx.Client(base_url=srv.url) as c:
            jobs = c.get("/api/jobs").json()
            assert jobs["queue"]["waiting"] == 0
            runs = c.get("/api/runs", params={"limit": 1000}).json()["runs"]
            done = [j for j in jobs["jobs"] if j["state"] == "done"]
            assert {j["run_id"] for j in done} == {r["id"] for r in runs}  # nothing partial
    finally:
        srv.stop()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_a_killed_server_marks_its_running_job_lost_on_the_next_start(tmp_path):
    srv = Server(tmp_path)
    try:
        with httpx.Client(base_url=srv.url, timeout=30) as c:
            job = c.post(f"/api/scenarios/{EC}/runs", json={"draws": 200_000, "seed": 1}).json()
            end = time.monotonic() + 30
            while c.get(job["status_url"]).json()["state"] != "running":
                assert time.monotonic() < end
                time.sleep(0.05)
        srv.kill()  # SIGKILL: no shutdown at all
    finally:
        srv.stop()
    again = Server(tmp_path)
    try:
        with httpx.Client(base_url=again.url, timeout=30) as c:
            j = c.get(job["status_url"]).json()
            assert j["state"] == "lost" and "lost in a restart" in j["error"]
            assert c.get("/api/runs").json()["runs"] == []
    finally:
        again.stop()


# ------------------------------------------------------------------------------ in a browser
@pytest.mark.browser
def test_the_cancel_button_in_a_real_browser(dirs, monkeypatch, browser):
    """Run, press Cancel while it runs: the page says nothing was kept, and nothing was."""
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="Playwright is in the extra detente[test]")
    import uvicorn

    gate = Gate(monkeypatch)
    app = _app(dirs, workers=1)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not (srv.started and srv.servers):
        assert time.monotonic() < end and thread.is_alive(), "the app did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}"
    expect = playwright_api.expect
    try:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(30_000)
        page.goto(f"{url}/scenarios/{EC}")
        page.fill("#draws", "50")
        page.click("#run")
        gate.wait_started()
        expect(page.locator("#cancel")).to_be_visible()
        expect(page.locator("#job-status")).to_contain_text("running")
        page.click("#cancel")
        expect(page.locator("#job-status")).to_contain_text(
            "cancelled — nothing of this run was kept")
        expect(page.locator("#cancel")).to_be_hidden()
        expect(page.locator("#run")).to_be_enabled()
        assert app.state.ctx.store.list() == []
        page.goto(url + "/")
        expect(page.locator("#jobs tr[data-state='cancelled']")).to_have_count(1)
        assert errors == [], errors
        page.close()
    finally:
        gate.release.set()
        srv.should_exit = True
        thread.join(timeout=10)
