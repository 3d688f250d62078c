"""The console's one credential: a bearer token from the environment variable FLASHARB_CONSOLE_TOKEN.

Every route (the page, its assets, the API and the event stream) needs it, as

    Authorization: Bearer <token>          scripts, curl, Prometheus-style clients
    a session cookie                       browsers: open http://127.0.0.1:P/?token=<token> once (or
                                           type the token in the form the 401 page shows); the
                                           console answers with an HttpOnly, SameSite=Strict cookie
                                           and redirects to the same URL without the token

The cookie holds an HMAC of the token, not the token. Comparisons are constant-time
(hmac.compare_digest). Anything else gets 401.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from html import escape
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.errors import ConfigError

TOKEN_ENV = "FLASHARB_CONSOLE_TOKEN"
MIN_TOKEN_LENGTH = 16
COOKIE = "flasharb_console"
QUERY = "token"


def console_token(environ: Mapping[str, str] | None = None) -> str:
    """The token from FLASHARB_CONSOLE_TOKEN; ConfigError when it is missing or too short."""
    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(
            f"console: {TOKEN_ENV} is not set; the console serves nothing without a token. Set it to a "
            f'long random secret, e.g. export {TOKEN_ENV}="$(python -c "import secrets; '
            f'print(secrets.token_urlsafe(32))")", or leave console_port at 0 (off)'
        )
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"console: {TOKEN_ENV} is {len(token)} characters long; use at least {MIN_TOKEN_LENGTH} "
            'random characters (e.g. python -c "import secrets; print(secrets.token_urlsafe(32))")'
        )
    return token


def session_value(token: str) -> str:
    """What the session cookie holds: an HMAC of the token (the cookie never carries the token)."""
    return hmac.new(token.encode(), b"flasharb-console-session", hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


def _cookies(header: str) -> dict[str, str]:
    jar: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            jar[name] = value
    return jar


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>FlashArb console: sign in</title>
<style>body{{font:15px system-ui,sans-serif;background:#111827;color:#e5e7eb;display:grid;place-items:center;
height:100vh;margin:0}}form{{background:#1f2937;padding:24px;border-radius:8px}}input{{font:inherit;
padding:6px;width:22em}}button{{font:inherit;padding:6px 14px;margin-left:6px}}</style></head><body>
<form method="get" action="{path}" id="login"><p>{message}</p>
<input type="password" name="token" id="token" autocomplete="current-password" placeholder="console token">
<button type="submit">Sign in</button></form></body></html>"""


class TokenGate:
    """ASGI middleware: lets a request through only with the console token (see the module)."""

    def __init__(self, app: ASGIApp, token: str, secure_cookie: bool = False) -> None:
        self.app = app
        self.token = token
        self.session = session_value(token)
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(credential.strip(), self.token):
            await self.app(scope, receive, send)
            return
        cookie = _cookies(headers.get("cookie", "")).get(COOKIE)
        if cookie is not None and _same(cookie, self.session):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [value for name, value in query if name == QUERY]
        if given and _same(given[-1], self.token) and scope.get("method") == "GET":
            await self._sign_in(scope, send, [(n, v) for n, v in query if n != QUERY])
            return
        await self._refuse(scope, send, headers, wrong=bool(given) or bool(credential) or cookie is not None)

    async def _sign_in(self, scope: Scope, send: Send, rest: list[tuple[str, str]]) -> None:
        location = scope.get("root_path", "") + scope["path"] + (f"?{urlencode(rest)}" if rest else "")
        cookie = f"{COOKIE}={self.session}; Path=/; HttpOnly; SameSite=Strict"
        if self.secure_cookie:
            cookie += "; Secure"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location.encode("latin-1")),
                    (b"set-cookie", cookie.encode("latin-1")),
                    (b"cache-control", b"no-store"),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, scope: Scope, send: Send, headers: dict[str, str], wrong: bool) -> None:
        message = "wrong token" if wrong else f"this console needs its token (${TOKEN_ENV})"
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope.get("method") == "GET" and "text/html" in headers.get("accept", ""):
            body = LOGIN_PAGE.format(path=escape(scope["path"]), message=escape(message)).encode()
            kind = b"text/html; charset=utf-8"
        else:
            body = json.dumps(
                {"error": "unauthorized", "detail": f"{message}: send Authorization: Bearer <token>"}
            ).encode()
            kind = b"application/json"
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", kind),
                    (b"www-authenticate", b'Bearer realm="flasharb-console"'),
                    (b"cache-control", b"no-store"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
