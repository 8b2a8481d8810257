"""A real browser on the web app: Playwright driving Debian's chromium (headless).

Opens the app, opens a scenario, breaks it, sees the validation error at the right line, fixes
it, saves it, runs it, waits for the run, opens the report and sees its question chart drawn by
plotly. `make test` installs chromium (scripts/browser-deps.sh); Playwright's own browser
downloads are never used.
"""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.browser

pytest.importorskip("fastapi", reason="the web app needs the extra detente[web]")

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="Playwright is in the extra detente[test]")

EC = "ec-emissions-1994"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app, served by uvicorn on a free port of 127.0.0.1 in a background thread."""
    import uvicorn

    from detente.web import create_app

    root = tmp_path_factory.mktemp("web")
    app = create_app(db=str(root / "runs.sqlite3"), workspace=root / "workspace", data=root)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not (srv.started and srv.servers):
        if time.monotonic() > end or not thread.is_alive():
            pytest.fail("the web app did not start within 20 s")
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield {"url": f"http://127.0.0.1:{port}", "root": root, "app": app}
    srv.should_exit = True
    thread.join(timeout=10)


def test_edit_validate_fix_save_run_and_read_the_report(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and "status of 422" not in m.text else None)  # the refused save below
    expect = playwright_api.expect
    page.set_default_timeout(30_000)

    page.goto(server["url"] + "/")
    page.click(f"a[href='/scenarios/{EC}']")
    page.wait_for_selector("#text")
    original = page.input_value("#text")
    lines = original.split("\n")
    k = next(i for i, s in enumerate(lines) if s.startswith("  NL:")) + 1  # 1-based
    assert "salience: 0.80" in lines[k - 1]

    # break it: a salience outside [0, 1] on line k
    broken = original.replace("NL: {emission_standard_date: {position: 4, salience: 0.80",
                              "NL: {emission_standard_date: {position: 4, salience: 1.80")
    page.fill("#text", broken)
    page.click("#validate")
    problem = page.locator("#problems li.problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(f"line {k}")
    expect(problem).to_contain_text("must be within [0, 1]")
    expect(problem).to_contain_text("stances.NL.emission_standard_date.salience")
    expect(page.locator("#gutter div.bad")).to_have_text(str(k))
    expect(page.locator("#marks div")).to_have_attribute("data-line", str(k))
    expect(page.locator("#status")).to_have_text("1 problem")
    # Save refuses it; the file keeps its last good text
    page.click("#save")
    expect(page.locator("#status")).to_contain_text("not saved")
    assert (server["root"] / "workspace" / f"{EC}.yaml").read_text() == original

    # fix it (a real edit: NL cares a little more), validate, save
    fixed = original.replace("NL: {emission_standard_date: {position: 4, salience: 0.80",
                             "NL: {emission_standard_date: {position: 4, salience: 0.85")
    page.fill("#text", fixed)
    page.click("#validate")
    expect(page.locator("#status")).to_contain_text("valid")
    expect(page.locator("#problems li")).to_have_count(0)
    expect(page.locator("#gutter div.bad")).to_have_count(0)
    page.click("#save")
    expect(page.locator("#status")).to_contain_text("saved")
    assert (server["root"] / "workspace" / f"{EC}.yaml").read_text() == fixed

    # run it, watch the progress, open the report
    page.fill("#draws", "50")
    page.fill("#seed", "7")
    page.click("#run")
    expect(page.locator("#job-links")).to_be_visible(timeout=60_000)
    expect(page.locator("#job-status")).to_contain_text("done")
    assert page.eval_on_selector("#progress", "p => p.value === p.max")
    page.click("#report-link")
    page.wait_for_selector("#question-chart .main-svg", timeout=30_000)
    assert page.locator("#question-chart .main-svg").count() >= 1
    assert "Will the standard apply by year 9" in page.content()

    (run,) = server["app"].state.ctx.store.list()
    assert run.draws == 50 and run.seed == 7
    assert server["app"].state.ctx.store.get(run.id).scenario_text == fixed
    assert errors == [], errors
    page.close()
