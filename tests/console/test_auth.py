"""Every route of the console needs the token: none and a wrong one get 401, the right one gets in
(as a bearer header, or as the session cookie that a one-time ?token= sets); no token, no console."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.auth import COOKIE, TOKEN_ENV, console_token, session_value
from bot.console.server import ConsoleServer, start_console
from bot.errors import ConfigError
from bot.ops.config import make_config

from .conftest import TOKEN, FakeBot, request

ROUTES = [
    ("GET", "/"),
    ("GET", "/static/console.js"),
    ("GET", "/static/console.css"),
    ("GET", "/api/status"),
    ("GET", "/api/trades"),
    ("GET", "/api/opportunities"),
    ("GET", "/api/events"),
    ("POST", "/api/control/pause"),
    ("POST", "/api/control/resume"),
    ("POST", "/api/control/stop"),
    ("POST", "/api/control/reset-breaker"),
    ("GET", "/no/such/route"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_token_and_wrong_token_are_refused(console: ConsoleServer, method: str, path: str) -> None:
    for credentials in (
        {},
        {"token": "wrong-" + TOKEN},
        {"token": TOKEN[:-1]},
        {"token": ""},
        {"cookie": f"{COOKIE}=nope"},
        {"cookie": f"{COOKIE}={TOKEN}"},  # the cookie holds an HMAC of the token, never the token
    ):
        reply = request(console, method, path, **credentials)  # type: ignore[arg-type]
        assert reply.status == 401, (credentials, reply.body)
        assert reply.headers["www-authenticate"].startswith("Bearer")
    wrong_query = request(console, method, path + "?token=wrong-" + TOKEN)
    assert wrong_query.status == 401


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_right_token_gets_in(console: ConsoleServer, bot: FakeBot, method: str, path: str) -> None:
    reply = request(console, method, path, token=TOKEN, read=not path.endswith("/events"))
    expected = 404 if path == "/no/such/route" else 200
    assert reply.status == expected, reply.body
    if path.endswith("/events"):
        assert reply.headers["content-type"].startswith("text/event-stream")
    cookie = f"{COOKIE}={session_value(TOKEN)}"
    assert request(console, method, path, cookie=cookie, read=not path.endswith("/events")).status == expected


def test_query_token_sets_an_httponly_cookie_and_drops_the_token_from_the_url(console: ConsoleServer) -> None:
    reply = request(console, "GET", f"/?token={TOKEN}&x=1", accept="text/html")
    assert reply.status == 303
    assert reply.headers["location"] == "/?x=1"
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={session_value(TOKEN)};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    page = request(console, "GET", "/", cookie=cookie.split(";")[0], accept="text/html")
    assert page.status == 200 and b"FlashArb console" in page.body
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_browser_without_the_token_gets_a_sign_in_form(console: ConsoleServer) -> None:
    reply = request(console, "GET", "/", accept="text/html,application/xhtml+xml")
    assert reply.status == 401 and b'name="token"' in reply.body and TOKEN.encode() not in reply.body


def test_no_token_no_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    config = make_config({"console_port": 1, "control_dir": str(tmp_path)})
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        start_console(config)
    with pytest.raises(ConfigError, match="at least 16"):
        console_token({TOKEN_ENV: "short"})
    assert console_token({TOKEN_ENV: f" {TOKEN} "}) == TOKEN
    assert start_console(make_config({"console_port": 0})) is None  # off: no token needed


def test_console_binds_localhost_by_default_and_names_a_busy_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, console: ConsoleServer
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert make_config({}).console_host == "127.0.0.1" and console.host == "127.0.0.1"
    busy = make_config({"console_port": console.port, "control_dir": str(tmp_path)})
    with pytest.raises(ConfigError, match="console_port"):
        start_console(busy)
