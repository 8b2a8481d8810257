"""What stands between a request and the app: one ASGI middleware, and the bind check.

:class:`Guard` (outermost, so it sees every request first):

1. **Paths**: a request path must be plain — letters, digits, ``/ . _ -`` only, no ``.`` or
   ``..`` segment, no empty segment, no backslash or percent sign once decoded (so
   ``%2e%2e``, ``%2f`` and double encoding never reach a route) → 400.
2. **Host** (no token): only ``127.0.0.1``, ``localhost`` and ``[::1]`` are served, so a web
   page elsewhere cannot reach the app by DNS rebinding → 400.
3. **Token** (when set): every request needs ``Authorization: Bearer TOKEN`` or the cookie set
   by ``/login?token=TOKEN`` → 401. Compared in constant time.
4. **Body size**: the raw body stream is counted as it arrives (``Content-Length`` is not
   trusted, chunked bodies are counted too); past the limit → 413, and the app never sees it.
5. **Writes need JSON**: POST/PUT/DELETE must be ``application/json`` (→ 415). A form on
   another site cannot send that without the browser asking first, so this also stops
   cross-site requests.
6. **Headers** on every response: ``Content-Security-Policy`` (same-origin only; the report
   brings its own), ``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy``.

Errors are JSON ``{"error": …}``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import unquote

from ..errors import DetenteError

__all__ = ["MAX_BODY", "BindError", "Guard", "check_bind", "cookie_value", "is_loopback"]

MAX_BODY = 2 * 1024 * 1024
"""Largest request body accepted (2 MiB)."""
COOKIE = "detente_session"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
           "base-uri 'none'; form-action 'self'")
_PLAIN_PATH = re.compile(r"^(/[A-Za-z0-9_.\-]+)*/?\Z")
_EXEMPT = frozenset({"/login"})
_TOKEN_EG = "--token \"$(python -c 'import secrets; print(secrets.token_urlsafe())')\""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BindError(DetenteError):
    """The server would listen beyond this computer without an access token."""

    exit_code = 2


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address of this computer only.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback("192.168.1.5"), is_loopback("example.org")
    (False, False, False)
    """
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen on anything but loopback without an access token."""
    if token is not None and not token.strip():
        raise BindError("the access token is empty; give a long random one, e.g. " + _TOKEN_EG)
    if token is not None and len(token) < 16:
        raise BindError("the access token is too short: use at least 16 characters, e.g. "
                        + _TOKEN_EG)
    if not is_loopback(host) and not token:
        raise BindError(
            f"refusing to listen on {host}: anyone who can reach this address could read and "
            "run your scenarios. Set an access token with --token TOKEN (or the environment "
            "variable DETENTE_TOKEN), or listen on 127.0.0.1 (the default) only")


def cookie_value(token: str) -> str:
    """The session cookie for ``token`` (a keyed hash: the cookie never holds the token)."""
    return hmac.new(token.encode(), b"detente-web-session", hashlib.sha256).hexdigest()


def path_is_plain(path: str) -> bool:
    """Whether a (decoded) request path is safe to route.

    >>> [path_is_plain(p) for p in ("/", "/api/scenarios/ec-1994", "/static/app.css")]
    [True, True, True]
    >>> [path_is_plain(p) for p in ("/a/../b", "/a/./b", "/a//b", "/a\\\\b", "/a/%2e%2e")]
    [False, False, False, False, False]
    """
    if not _PLAIN_PATH.match(path):
        return False
    return all(seg not in (".", "..") for seg in path.split("/"))


async def _json(send: Send, status: int, body: dict[str, Any],
                headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps({**body, "problems": body.get("problems", [])}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: Callable[..., Awaitable[None]], *, token: str | None = None,
                 max_body: int = MAX_BODY) -> None:
        self.app = app
        self.token = token or None
        self.cookie = cookie_value(token) if token else None
        self.max_body = int(max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # The app has no WebSocket route; refuse before any route (or a mount such as
            # /static) sees one, since none of the checks below would have run for it.
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        raw = scope.get("raw_path") or path.encode()
        raw_text = raw.decode("latin-1").split("?", 1)[0]
        if not path_is_plain(path) or not path_is_plain(unquote(raw_text)) or "%" in raw_text:
            await _json(send, 400, {"error": "invalid path: use plain names (letters, digits, "
                                             "'-', '_'); no '..', '%', '\\' or '//'"})
            return
        if self.token is None:
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in LOCAL_HOSTS:
                await _json(send, 400, {"error": f"host {host!r} is not served: this app "
                                                 "answers on 127.0.0.1 or localhost only"})
                return
        elif path not in _EXEMPT and not self._authorised(headers):
            await _json(send, 401, {"error": (
                "this server needs its access token: send 'Authorization: Bearer TOKEN', or "
                "open /login?token=TOKEN once in the browser")},
                [(b"www-authenticate", b'Bearer realm="detente"')])
            return
        method = scope.get("method", "GET")
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                await _json(send, 415, {"error": "send the request body as JSON "
                                                 "(Content-Type: application/json)"})
                return
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            await _json(send, 400, {"error": "invalid Content-Length"})
            return
        if declared > self.max_body:
            await _json(send, 413, self._too_large())
            return
        body = bytearray()
        more = method not in ("GET", "HEAD", "OPTIONS") or declared > 0
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _json(send, 413, self._too_large())
                return
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                hs = list(message.get("headers", []))
                have = {k.lower() for k, _ in hs}
                for k, v in ((b"x-content-type-options", b"nosniff"),
                             (b"x-frame-options", b"DENY"),
                             (b"referrer-policy", b"no-referrer"),
                             (b"content-security-policy", APP_CSP.encode())):
                    if k not in have:
                        hs.append((k, v))
                message["headers"] = hs
            await send(message)

        await self.app(scope, replay, send_with_headers)

    def _too_large(self) -> dict[str, Any]:
        mib = self.max_body / (1024 * 1024)
        return {"error": f"request body too large: the limit is {mib:g} MiB "
                         f"({self.max_body:,} bytes)", "limit_bytes": self.max_body}

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.token is None or self.cookie is None:  # pragma: no cover - no token, no check
            return True
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer " and hmac.compare_digest(
                auth[7:].strip().encode(), self.token.encode()):
            return True
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except CookieError:  # a malformed Cookie header: no session
            return False
        got = jar.get(COOKIE)
        return got is not None and hmac.compare_digest(got.value.encode(), self.cookie.encode())
