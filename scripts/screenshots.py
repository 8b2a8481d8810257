"""Screenshots of the web app for the README: docs/images/app.png and docs/images/report.png.

    .venv/bin/python scripts/screenshots.py [--out docs/images]

Starts the web app on a free port of 127.0.0.1 (a temporary workspace and run history), drives
Debian's chromium with Playwright (the same setup as tests/test_browser.py), and writes:

- app.png: the editor on the flagship scenario with two validation errors shown at their lines;
- report.png: the top of the flagship's report, run from the app at 2,000 draws, seed 2025.

Needs the extras detente[web,test] and /usr/bin/chromium (scripts/browser-deps.sh).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
FLAGSHIP = "ukraine-2025-02"


def start_app(root: Path):
    import uvicorn

    from detente.web import create_app

    app = create_app(db=str(root / "runs.sqlite3"), workspace=root / "workspace", data=root)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not (srv.started and srv.servers):
        if time.monotonic() > end:
            raise SystemExit("the web app did not start")
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    return srv, thread, f"http://127.0.0.1:{port}"


def editor_with_errors(page, url: str, out: Path) -> None:
    page.goto(f"{url}/scenarios/{FLAGSHIP}")
    page.wait_for_selector("#text")
    text = page.input_value("#text")
    lines = text.split("\n")
    k = next(i for i, s in enumerate(lines) if s.startswith("stances:"))
    # two slips a person makes: a salience on the 0–100 scale, a misspelt field
    for i in range(k, k + 20):
        if lines[i].strip() == "salience: 0.3":
            lines[i] = lines[i].replace("0.3", "30")
            break
    for i in range(k, k + 20):
        if lines[i].strip().startswith("position: 70"):
            lines[i] = lines[i].replace("position", "postion")
            break
    page.fill("#text", "\n".join(lines))
    page.click("#validate")
    page.wait_for_selector("#problems li.problem")
    page.eval_on_selector("#text", f"t => {{ t.scrollTop = {max(0, k - 4) * 18};"
                                   " t.dispatchEvent(new Event('scroll')); }")
    page.wait_for_timeout(200)
    page.screenshot(path=str(out))


def flagship_report(page, url: str, out: Path) -> None:
    page.goto(f"{url}/scenarios/{FLAGSHIP}")
    page.wait_for_selector("#text")
    page.fill("#draws", "2000")
    page.fill("#seed", "2025")
    page.click("#run")
    page.wait_for_selector("#job-links", state="visible", timeout=300_000)
    page.click("#report-link")
    page.wait_for_selector("#question-chart .main-svg", timeout=60_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run `sh scripts/browser-deps.sh` first", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="detente-shots-") as tmp:
        srv, thread, url = start_app(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 980})
                editor_with_errors(page, url, args.out / "app.png")
                page.set_viewport_size({"width": 1280, "height": 860})
                flagship_report(page, url, args.out / "report.png")
                browser.close()
        finally:
            srv.should_exit = True
            thread.join(timeout=10)
    print(f"Wrote {args.out / 'app.png'} and {args.out / 'report.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
