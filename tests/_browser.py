"""The real browser the browser tests share (a pytest plugin, see conftest.py): Playwright
driving Debian's chromium, headless.

`make test` installs chromium (scripts/browser-deps.sh); Playwright's own browser downloads are
never used. The flags keep chromium off this machine's closed network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module."""
    api = pytest.importorskip("playwright.sync_api",
                              reason="Playwright is in the extra detente[test]")
    if not CHROMIUM.exists():
        pytest.skip("!!! /usr/bin/chromium is missing: the real browser test did NOT run. "
                    "Install it with `sh scripts/browser-deps.sh` (or `make test`, which does)")
    with api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()
