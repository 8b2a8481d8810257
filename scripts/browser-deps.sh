#!/bin/sh
# The browser for the real browser test (tests/test_browser.py): Debian's chromium.
#
#   sh scripts/browser-deps.sh
#
# Installs chromium with apt-get when /usr/bin/chromium is missing and we are root; does nothing
# when it is there. Playwright's own browser downloads are never used (`playwright install`
# needs a network this project does not assume). A failure is reported loudly but does not stop
# `make test`: the browser test then skips and says why. DETENTE_BROWSER_NO_INSTALL=1: never
# run apt-get.
set -u

CHROMIUM=/usr/bin/chromium
say() { echo "browser-deps: $*" >&2; }
loud() {
    say "!!! $*"
    say "!!! the real browser test (tests/test_browser.py) will be SKIPPED"
}

[ -x "$CHROMIUM" ] && exit 0

if [ "${DETENTE_BROWSER_NO_INSTALL:-0}" = 1 ]; then
    loud "$CHROMIUM is missing and DETENTE_BROWSER_NO_INSTALL=1: not installing it"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    loud "$CHROMIUM is missing; install it as root (Debian: apt-get install chromium)"
    exit 0
fi

say "installing chromium (apt-get install chromium)…"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1
    if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
        loud "apt-get install chromium failed (run it by hand to see why)"
        exit 0
    fi
fi
if [ ! -x "$CHROMIUM" ]; then
    loud "chromium was installed but $CHROMIUM is not there"
    exit 0
fi
say "installed $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
exit 0
