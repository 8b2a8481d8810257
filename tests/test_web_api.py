"""The web app's JSON API and pages (FastAPI TestClient): scenarios, validation, saving, runs,
reports, comparisons, and the security rules (token, body limit, paths, hosts)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

pytest.importorskip("fastapi", reason="the web app needs the extra detente[web]")
pytest.importorskip("jinja2", reason="the web app needs the extra detente[web]")
from fastapi.testclient import TestClient

from detente.web import BindError, check_bind, create_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "detente" / "web" / "examples"
TOKEN = "correct-horse-battery-staple-42"
EC = "ec-emissions-1994"


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    d = {"root": tmp_path, "data": tmp_path / "data", "workspace": tmp_path / "data" / "ws",
         "db": tmp_path / "data" / "runs.sqlite3"}
    d["data"].mkdir()
    (tmp_path / "secret.yaml").write_text("TOPSECRET: outside the workspace\n")
    return d


def _app(dirs: dict[str, Path], **kw):
    return create_app(db=str(dirs["db"]), workspace=dirs["workspace"], data=dirs["data"], **kw)


@pytest.fixture
def client(dirs):
    with TestClient(_app(dirs), base_url="http://127.0.0.1") as c:
        yield c


def _wait(client: TestClient, job: dict, timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while True:
        j = client.get(job["status_url"]).json()
        if j["state"] in ("done", "failed"):
            return j
        assert time.monotonic() < end, f"run still {j['state']} after {timeout} s"
        time.sleep(0.05)


# ------------------------------------------------------------------------------ scenarios
def test_bundled_examples_are_the_shipped_scenarios():
    for f in (ROOT / "scenarios").glob("*.yaml"):
        assert (EXAMPLES / f.name).read_bytes() == f.read_bytes(), (
            f"src/detente/web/examples/{f.name} differs from scenarios/{f.name}: copy it again")
    assert {p.name for p in EXAMPLES.glob("*.yaml")} == {
        p.name for p in (ROOT / "scenarios").glob("*.yaml")}


def test_lists_the_examples_on_first_start(client, dirs):
    r = client.get("/api/scenarios")
    assert r.status_code == 200
    got = r.json()["scenarios"]
    assert [s["name"] for s in got] == ["china-soe-energy-2016", EC, "ukraine-2025-02"]
    assert all(s["valid"] for s in got)
    page = client.get("/")
    assert page.status_code == 200 and f'href="/scenarios/{EC}"' in page.text
    assert client.get("/api/runs").json()["runs"] == []


def test_an_existing_folder_gets_no_examples(tmp_path):
    ws = tmp_path / "mine"
    ws.mkdir()
    (ws / "own.yaml").write_text((EXAMPLES / f"{EC}.yaml").read_text())
    app = create_app(db=str(tmp_path / "r.sqlite3"), workspace=ws, data=tmp_path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert [s["name"] for s in c.get("/api/scenarios").json()["scenarios"]] == ["own"]


def test_get_validate_save_keeps_a_backup(client, dirs):
    r = client.get(f"/api/scenarios/{EC}")
    assert r.status_code == 200
    doc = r.json()
    assert doc["valid"] and doc["problems"] == [] and doc["summary"]["actors"] == 10
    old = doc["text"]
    v = client.post(f"/api/scenarios/{EC}/validate", json={"text": old}).json()
    assert v["valid"] is True
    new = old.replace("title: EC car emission", "title: Edited EC car emission")
    r = client.put(f"/api/scenarios/{EC}", json={"text": new, "base_sha256": doc["sha256"]})
    assert r.status_code == 200, r.text
    assert r.json()["saved"] and r.json()["backup"] and not r.json()["draft"]
    assert (dirs["workspace"] / f"{EC}.yaml").read_text() == new
    assert client.get(f"/api/scenarios/{EC}/backup").json()["text"] == old
    # a save based on the old text is refused: the file changed since
    r = client.put(f"/api/scenarios/{EC}", json={"text": old, "base_sha256": doc["sha256"]})
    assert r.status_code == 409 and "changed since" in r.json()["error"]


def test_bad_yaml_and_bad_values_come_with_lines(client, dirs):
    text = (dirs["workspace"] / f"{EC}.yaml").read_text()
    lines = text.splitlines()
    k = next(i for i, s in enumerate(lines) if s.startswith("  NL:"))
    bad_value = "\n".join(lines[:k] + [lines[k].replace("salience: 0.80", "salience: 1.80")]
                          + lines[k + 1:]) + "\n"
    v = client.post(f"/api/scenarios/{EC}/validate", json={"text": bad_value}).json()
    assert v["valid"] is False
    (p,) = v["problems"]
    assert p["line"] == k + 1 and p["column"] > 1
    assert p["path"] == "stances.NL.emission_standard_date.salience"
    assert "within [0, 1]" in p["message"] and p["hint"] and p["file"] == f"{EC}.yaml"

    bad_yaml = "\n".join(lines[:k] + ["  NL: {emission_standard_date: [position: 4"]
                         + lines[k + 1:]) + "\n"
    v = client.post(f"/api/scenarios/{EC}/validate", json={"text": bad_yaml}).json()
    assert v["valid"] is False and v["problems"]
    assert all(isinstance(q["line"], int) for q in v["problems"])
    assert v["problems"][0]["line"] >= k + 1

    # refused without force; the file on disk is untouched
    r = client.put(f"/api/scenarios/{EC}", json={"text": bad_yaml})
    assert r.status_code == 422
    assert r.json()["error"].startswith("not saved") and r.json()["problems"]
    assert (dirs["workspace"] / f"{EC}.yaml").read_text() == text
    # a forced draft is saved; the backup keeps the last valid version, even after two drafts
    for draft in (bad_yaml, bad_value):
        r = client.put(f"/api/scenarios/{EC}", json={"text": draft, "force": True})
        assert r.status_code == 200 and r.json()["draft"] is True
    assert client.get(f"/api/scenarios/{EC}/backup").json()["text"] == text
    listed = {s["name"]: s for s in client.get("/api/scenarios").json()["scenarios"]}
    assert listed[EC]["valid"] is False and listed[EC]["problems"] == 1
    page = client.get(f"/scenarios/{EC}")
    assert page.status_code == 200 and f"line {k + 1}, column" in page.text
    # a draft cannot be run
    r = client.post(f"/api/scenarios/{EC}/runs", json={"draws": 10})
    assert r.status_code == 422 and r.json()["problems"][0]["line"] == k + 1


def test_create_from_the_starter_template(client):
    r = client.post("/api/scenarios", json={"name": "my-talks"})
    assert r.status_code == 201, r.text
    assert r.json()["valid"] is True and r.json()["url"] == "/scenarios/my-talks"
    text = client.get("/api/scenarios/my-talks").json()["text"]
    assert "id: my-talks" in text and "__ID__" not in text
    assert client.post("/api/scenarios", json={"name": "my-talks"}).status_code == 409
    r = client.post("/api/scenarios", json={"name": "copy-of-ec", "template": EC})
    assert r.status_code == 201
    assert client.post("/api/scenarios", json={"name": "Bad Name"}).status_code == 400
    assert client.get("/api/scenarios/nothing-here").status_code == 404


# ------------------------------------------------------------------------------ runs
def test_a_full_run_is_recorded_reported_and_compared(client, dirs):
    r = client.post(f"/api/scenarios/{EC}/runs", json={"draws": 50, "seed": 1})
    assert r.status_code == 202, r.text
    job = _wait(client, r.json())
    assert job["state"] == "done", job
    assert job["done"] == job["total"] == 50
    run_a = job["run_id"]

    runs = client.get("/api/runs").json()["runs"]
    assert [x["id"] for x in runs] == [run_a]
    rec = client.get(f"/api/runs/{run_a}").json()
    assert rec["draws"] == 50 and rec["seed"] == 1 and rec["scenario_id"] == EC
    assert rec["options"]["source"] == "web"
    assert rec["scenario_text"] == (dirs["workspace"] / f"{EC}.yaml").read_text()

    rep = client.get(job["report_url"])
    assert rep.status_code == 200 and rep.headers["content-type"].startswith("text/html")
    assert 'id="question-chart"' in rep.text and rep.headers["x-detente-report"] == "cached"
    assert "unsafe-inline" in rep.headers["content-security-policy"]
    assert (dirs["data"] / "web-reports" / f"{run_a}.html").is_file()
    assert client.get(f"/runs/{run_a}").status_code == 200
    export = client.get(f"/api/runs/{run_a}/export").json()
    assert export["format"] == "detente-run" and export["id"] == run_a

    r = client.post(f"/api/scenarios/{EC}/runs", json={"draws": 50, "seed": 2})
    run_b = _wait(client, r.json())["run_id"]
    d = client.get("/api/compare", params={"a": run_a, "b": run_b}).json()
    assert d["a"]["id"] == run_a and d["b"]["id"] == run_b and d["same_scenario"] is True
    assert d["inputs"]["seed"] == {"a": 1, "b": 2}
    assert {c["key"] for c in d["questions"]} == {"standard-by-year-9"}
    assert [c["key"] for c in d["forecasts"]] == ["emission_standard_date"]
    page = client.get("/compare", params={"a": run_a, "b": run_b})
    assert page.status_code == 200 and run_a in page.text and run_b in page.text
    assert client.get("/api/compare", params={"a": run_a, "b": "zzzzzzzz"}).status_code == 404


def test_a_run_recorded_elsewhere_gets_its_report_made_again(client, dirs, monkeypatch):
    from detente.cli import main

    scenario = dirs["workspace"] / f"{EC}.yaml"
    assert main(["analyze", str(scenario), "--draws", "20", "--seed", "3", "--db",
                 str(dirs["db"]), "--json", str(dirs["root"] / "out.json")]) == 0
    (run,) = client.get("/api/runs").json()["runs"]
    rep = client.get(f"/runs/{run['id']}/report")
    assert rep.status_code == 200 and rep.headers["x-detente-report"] == "made"
    assert 'id="question-chart"' in rep.text
    assert client.get(f"/api/runs/{run['id']}/report").headers["x-detente-report"] == "cached"


def test_run_requests_are_checked(client):
    ok = {"draws": 10}
    assert client.post(f"/api/scenarios/{EC}/runs", json={"draws": 0}).status_code == 422
    assert client.post(f"/api/scenarios/{EC}/runs", json={"draws": 10**9}).status_code == 422
    assert client.post(f"/api/scenarios/{EC}/runs", json={"draws": 5, "seed": -1}
                       ).status_code == 422
    r = client.post(f"/api/scenarios/{EC}/runs", json={**ok, "shell": "rm -rf /"})
    assert r.status_code == 422 and r.json()["problems"][0]["path"].endswith("shell")
    assert client.get("/api/jobs/0123456789abcdef").status_code == 404
    assert client.get("/api/jobs/not-a-job").status_code == 404


# ------------------------------------------------------------------------------ security
def _raw(app, method: str, raw_path: str, *, host: str = "127.0.0.1:8000",
         headers: list[tuple[bytes, bytes]] | None = None, chunks: list[bytes] | None = None
         ) -> tuple[int, bytes]:
    """Send one request straight to the ASGI app, the way uvicorn hands it over: ``path``
    percent-decoded, ``raw_path`` as sent (no client-side normalisation of ``..``)."""
    path, _, query = raw_path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": unquote(path),
             "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", host.encode()), *(headers or [])],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    pending = list(chunks or [b""])
    out: dict = {"status": None, "body": b""}

    async def receive():
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending)}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return out["status"], out["body"]


TRAVERSALS = [
    "/api/scenarios/../../secret",
    "/api/scenarios/..%2f..%2fsecret",
    "/api/scenarios/%2e%2e/%2e%2e/secret",
    "/api/scenarios/%2e%2e%2f%2e%2e%2fsecret",
    "/api/scenarios/%252e%252e%252f%252e%252e%252fsecret",
    "/api/scenarios/..\\..\\secret",
    "/api/scenarios/%5c..%5c..%5csecret",
    "/api/scenarios//etc/passwd",
    "/api/scenarios/%2fetc%2fpasswd",
    "/api/scenarios/C:%5cWindows%5cwin.ini",
    "/api/scenarios/secret%00",
    "/api/scenarios/.backup",
    "/static/../../../../etc/passwd",
    "/static/%2e%2e/app.py",
    "/static/..%2f..%2fweb%2fapp.py",
    "/api/runs/..%2f..%2f..%2fsecret",
    "/runs/../../secret/report",
]


def test_no_path_reaches_outside_the_workspace(dirs):
    app = _app(dirs)
    ws = dirs["workspace"]
    (ws / "link.yaml").symlink_to(dirs["root"] / "secret.yaml")
    before = sorted(p.name for p in dirs["root"].iterdir())
    for path in TRAVERSALS:
        for method in ("GET", "PUT"):
            hs = [(b"content-type", b"application/json")]
            status, body = _raw(app, method, path, headers=hs,
                                chunks=[b'{"text": "pwned", "force": true}'])
            assert status in (400, 404, 405), (method, path, status)
            assert b"TOPSECRET" not in body and b"root:" not in body, (method, path)
            assert b'"error"' in body and b"Traceback" not in body, (method, path, body)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert "link" not in [s["name"] for s in c.get("/api/scenarios").json()["scenarios"]]
        assert c.get("/api/scenarios/link").status_code == 404
        r = c.put("/api/scenarios/link", json={"text": "pwned", "force": True})
        assert r.status_code == 404
        for body in ({"name": "../x"}, {"name": "/etc/passwd"}, {"name": "x", "template": "../s"},
                     {"name": "y", "template": "/etc/passwd"}, {"name": "z", "template": "link"}):
            r = c.post("/api/scenarios", json=body)
            assert r.status_code in (400, 404), body
            assert "TOPSECRET" not in r.text
    assert (dirs["root"] / "secret.yaml").read_text() == "TOPSECRET: outside the workspace\n"
    assert sorted(p.name for p in dirs["root"].iterdir()) == before
    assert not (ws / "x.yaml").exists() and not (ws / "z.yaml").exists()


def test_oversized_bodies_are_refused(dirs):
    app = _app(dirs, max_body=64 * 1024)
    big = b'{"text": "' + b"x" * 100_000 + b'"}'
    with TestClient(app, base_url="http://127.0.0.1") as c:
        r = c.put(f"/api/scenarios/{EC}", content=big,
                  headers={"content-type": "application/json"})
        assert r.status_code == 413 and "too large" in r.json()["error"]
    # no Content-Length (chunked): the stream itself is counted
    hs = [(b"content-type", b"application/json")]
    status, body = _raw(app, "PUT", f"/api/scenarios/{EC}", headers=hs,
                        chunks=[big[i:i + 8192] for i in range(0, len(big), 8192)])
    assert status == 413 and b"too large" in body
    # a Content-Length that lies (small) does not help either
    status, _ = _raw(app, "PUT", f"/api/scenarios/{EC}",
                     headers=hs + [(b"content-length", b"10")], chunks=[big])
    assert status == 413
    assert "x" * 1000 not in (dirs["workspace"] / f"{EC}.yaml").read_text()


def test_the_default_limit_is_two_mib(client):
    big = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    r = client.post(f"/api/scenarios/{EC}/validate", content=big,
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["limit_bytes"] == 2 * 1024 * 1024


def test_writes_must_be_json(client):
    r = client.post(f"/api/scenarios/{EC}/runs", data={"draws": "10"})
    assert r.status_code == 415
    r = client.put(f"/api/scenarios/{EC}", content=b"text=x",
                   headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_a_token_guards_every_request(dirs):
    app = _app(dirs, token=TOKEN)
    with TestClient(app, base_url="http://192.0.2.10:8000") as c:
        for path in ("/", "/api/scenarios", f"/scenarios/{EC}", "/openapi.json", "/docs",
                     "/static/app.css", "/api/runs"):
            r = c.get(path)
            assert r.status_code == 401, path
            assert "token" in r.json()["error"]
        assert c.get("/api/scenarios", headers={"Authorization": "Bearer nope"}
                     ).status_code == 401
        assert c.put(f"/api/scenarios/{EC}", json={"text": "x", "force": True}).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert c.get("/api/scenarios", headers=auth).status_code == 200
        assert c.get("/login", params={"token": "wrong"}).status_code == 401
        r = c.get("/login", params={"token": TOKEN}, follow_redirects=False)
        assert r.status_code == 303
        assert TOKEN not in r.headers["set-cookie"] and "httponly" in r.headers[
            "set-cookie"].lower()
        assert c.get("/").status_code == 200  # the cookie now
        assert c.get("/static/app.js").status_code == 200


def test_without_a_token_only_local_host_names_are_served(client):
    assert client.get("/api/health").status_code == 200
    for host in ("evil.example", "192.168.1.20:8000", "127.0.0.1.evil.example"):
        r = client.get("/api/health", headers={"host": host})
        assert r.status_code == 400 and "not served" in r.json()["error"], host
    assert client.get("/api/health", headers={"host": "localhost:8000"}).status_code == 200


def test_listening_beyond_loopback_needs_a_token(monkeypatch, capsys):
    for host in ("0.0.0.0", "::", "192.168.1.20", "example.org"):
        with pytest.raises(BindError, match="--token"):
            check_bind(host, None)
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("0.0.0.0", TOKEN)
    with pytest.raises(BindError, match="too short"):
        check_bind("0.0.0.0", "short")

    import uvicorn

    from detente.cli import main

    started: list = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: started.append(
        self.config))
    monkeypatch.delenv("DETENTE_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "9"]) == 2
    err = capsys.readouterr().err
    assert "refusing to listen on 0.0.0.0" in err and "DETENTE_TOKEN" in err
    assert started == []
    monkeypatch.setenv("DETENTE_TOKEN", TOKEN)
    assert main(["serve", "--host", "0.0.0.0", "--port", "9"]) == 0
    assert len(started) == 1 and started[0].host == "0.0.0.0"
    assert "access token required" in capsys.readouterr().err


def test_serve_without_the_extra_says_what_to_install(monkeypatch, capsys):
    import sys

    from detente.cli import main

    for mod in [m for m in sys.modules if m == "detente.web" or m.startswith("detente.web.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "fastapi", None)
    assert main(["serve"]) == 1
    assert "pip install 'detente[web]'" in capsys.readouterr().err


def test_errors_are_json_never_a_traceback(dirs, monkeypatch):
    app = _app(dirs)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        def boom():
            raise RuntimeError("secret internals")

        monkeypatch.setattr(app.state.ctx.workspace, "list", boom)
        r = c.get("/api/scenarios")
        assert r.status_code == 500 and r.json()["error"].startswith("internal error")
        assert "Traceback" not in r.text and "secret internals" not in r.text
        r = c.get("/nowhere")
        assert r.status_code == 404 and r.json() == {"error": "not found", "problems": []}
        r = c.post(f"/api/scenarios/{EC}/validate", content=b"{not json",
                   headers={"content-type": "application/json"})
        assert r.status_code == 422 and "error" in r.json()


def test_openapi_and_offline_docs(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/scenarios", "/api/scenarios/{name}", "/api/scenarios/{name}/validate",
            "/api/scenarios/{name}/runs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/cancel",
            "/api/runs",
            "/api/runs/{run_id}/report", "/api/compare"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/scenarios/{name}/runs" in docs.text
    assert client.get("/redoc").status_code == 404


def test_pages_load_nothing_from_the_network(client):
    import re

    r = client.post(f"/api/scenarios/{EC}/runs", json={"draws": 5, "seed": 1})
    run = _wait(client, r.json())["run_id"]
    for path in ("/", f"/scenarios/{EC}", f"/runs/{run}", "/compare", "/docs", "/login"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), path
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
    for asset in ("/static/app.css", "/static/app.js"):
        text = client.get(asset).text
        assert "http://" not in text and "https://" not in text


@pytest.mark.parametrize("name", ["..", ".", "../x", "a/b", "a\\b", "A", "", "-x", "x" * 65,
                                  "x\n", "x.yaml", "/etc/passwd", "%2e%2e", "é"])
def test_scenario_names_are_checked_below_the_middleware_too(dirs, name):
    from detente.web.workspace import Workspace, WorkspaceError

    ws = Workspace.open(dirs["workspace"])
    with pytest.raises(WorkspaceError) as e:
        ws.read(name)
    assert e.value.status == 400


# ------------------------------------------------------------------------------ regressions
def test_a_lone_surrogate_is_a_problem_not_a_crash(client, dirs):
    before = (dirs["workspace"] / f"{EC}.yaml").read_bytes()
    hs = {"content-type": "application/json"}
    for force in ("true", "false"):  # JSON may carry half a \u escape pair
        r = client.put(f"/api/scenarios/{EC}", headers=hs,
                       content=b'{"text": "id: x\\ntitle: a\\ud800b", "force": ' + force.encode()
                       + b"}")
        assert r.status_code == 422, r.text
        (p,) = r.json()["problems"]
        assert (p["line"], p["column"]) == (2, 9) and "U+D800" in p["message"]
    r = client.post(f"/api/scenarios/{EC}/validate", headers=hs, content=b'{"text": "\\udfff"}')
    assert r.status_code == 200 and r.json()["valid"] is False
    assert "U+DFFF" in r.json()["problems"][0]["message"]
    assert (dirs["workspace"] / f"{EC}.yaml").read_bytes() == before


def test_a_linked_backup_folder_is_never_followed(client, dirs):
    outside = dirs["root"] / "outside"
    outside.mkdir()
    (outside / f"{EC}.yaml").write_text("TOPSECRET: the backup folder is a link\n")
    (dirs["workspace"] / ".backup").symlink_to(outside)
    r = client.get(f"/api/scenarios/{EC}/backup")
    assert r.status_code == 404 and "TOPSECRET" not in r.text
    doc = client.get(f"/api/scenarios/{EC}").json()
    assert doc["has_backup"] is False and "TOPSECRET" not in doc["text"]
    # a save that would keep a backup refuses to write through the link
    new = doc["text"].replace("position: 4", "position: 5", 1)
    r = client.put(f"/api/scenarios/{EC}", json={"text": new})
    assert r.status_code == 500 and "link" in r.json()["error"]
    assert sorted(p.name for p in outside.iterdir()) == [f"{EC}.yaml"]
    assert (outside / f"{EC}.yaml").read_text().startswith("TOPSECRET")
    assert (dirs["workspace"] / f"{EC}.yaml").read_text() == doc["text"]


def test_websockets_never_pass_the_guard():
    # No check (host, token, path) runs for a WebSocket, so none may reach the app (uvicorn
    # hands them over when the `websockets` package is installed).
    from detente.web.security import Guard

    reached: list = []

    async def inner(scope, receive, send):
        reached.append(scope["path"])

    sent: list = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    for token in (None, TOKEN):
        scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws",
                 "path": "/api/scenarios", "raw_path": b"/api/scenarios", "query_string": b"",
                 "root_path": "", "headers": [(b"host", b"evil.example")],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
        asyncio.run(Guard(inner, token=token)(scope, receive, send))
    assert reached == [] and [m["type"] for m in sent] == ["websocket.close"] * 2


def test_serve_that_cannot_listen_exits_1_with_a_message(monkeypatch, capsys):
    import uvicorn

    from detente.cli import main

    def cannot_bind(self, *a, **k):
        raise SystemExit(3)  # what uvicorn does when the address is in use

    monkeypatch.setattr(uvicorn.Server, "run", cannot_bind)
    monkeypatch.delenv("DETENTE_TOKEN", raising=False)
    assert main(["serve", "--port", "9"]) == 1
    assert "could not start the web app on http://127.0.0.1:9/" in capsys.readouterr().err


def test_a_remade_report_is_summarised_as_the_run_was(client, dirs, monkeypatch):
    import detente.analysis
    from detente.cli import main

    scenario = dirs["workspace"] / f"{EC}.yaml"
    assert main(["analyze", str(scenario), "--draws", "20", "--seed", "3", "--stream", "--db",
                 str(dirs["db"]), "--json", str(dirs["root"] / "out.json")]) == 0
    (run,) = client.get("/api/runs").json()["runs"]
    assert client.get(f"/api/runs/{run['id']}").json()["results"]["aggregation"].startswith(
        "streamed")
    seen: list = []
    real = detente.analysis.analyze

    def spy(*a, **k):
        seen.append(k)
        return real(*a, **k)

    monkeypatch.setattr(detente.analysis, "analyze", spy)
    rep = client.get(f"/runs/{run['id']}/report")
    assert rep.status_code == 200 and rep.headers["x-detente-report"] == "made"
    assert [k.get("stream") for k in seen] == [True]
