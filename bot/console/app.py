"""The console's ASGI app (Starlette): the page, its assets, the JSON API and the live event stream.

    GET  /                         the page (bot/console/static/index.html)
    GET  /static/<file>            its script and style sheet (shipped in the package, no CDN)
    GET  /api/status               the bot's state: blocks, paused, state, breaker, last block, totals
    GET  /api/trades?limit=N       settled transactions, newest first (N <= 200, default 50)
    GET  /api/opportunities?limit=N  decided opportunities, newest first
    GET  /api/events               server-sent events: `snapshot`, then `opportunity`, `sent`, `trade`,
                                   `block`, `control` (the control status when it changes)
    POST /api/control/<command>    pause | resume | stop | reset-breaker, through the control channel
                                   `ape run botctl` uses (bot.ops.control.deliver)

Every route needs the token (bot.console.auth.TokenGate).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bot.console.auth import TokenGate
from bot.console.state import ConsoleState, Message
from bot.errors import FlashArbError
from bot.ops.control import Command, deliver, liveness, read_status

STATIC = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
CONTROL_COMMANDS = {c.value: c for c in (Command.PAUSE, Command.RESUME, Command.STOP, Command.RESET_BREAKER)}
STREAM_TICK_S = 0.2
CONTROL_EVERY_S = 1.0
HEARTBEAT_S = 15.0
MAX_LIMIT = 200


def _asset(name: str) -> bytes:
    return files("bot.console").joinpath("static", name).read_bytes()


def control_view(control_dir: Path) -> dict[str, Any]:
    """The control status file as the console shows it (what `botctl status` prints, without acks)."""
    status = read_status(control_dir)
    if status is None:
        return {"state": "unknown", "paused": False, "running": False, "updated_at": None, "details": {}}
    alive = liveness(status)
    return {
        "state": status.get("state", "unknown"),
        "paused": status.get("paused") is True,
        "running": alive.running,
        "liveness": alive.detail,
        "updated_at": status.get("updated_at"),
        "details": status.get("details", {}),
    }


def _json(data: Any, status_code: int = 200) -> Response:
    return JSONResponse(data, status_code=status_code, headers={"cache-control": "no-store"})


class ConsoleApp:
    """The routes over one `ConsoleState` and one control directory."""

    def __init__(self, state: ConsoleState, control_dir: Path, control_timeout_s: float = 10.0) -> None:
        self.state = state
        self.control_dir = Path(control_dir)
        self.control_timeout_s = control_timeout_s
        self.closing = False

    def status(self) -> dict[str, Any]:
        snap = self.state.snapshot()
        control = control_view(self.control_dir)
        details = control["details"]
        last = snap["last_block"] or {}
        return {
            "blocks": snap["totals"]["blocks"],
            "block": last.get("block", details.get("block")),
            "decision_ms": last.get("decision_ms"),
            "block_ms": last.get("block_ms"),
            "paused": control["paused"],
            "state": control["state"],
            "running": control["running"],
            "breaker": last.get("breaker", details.get("breaker", "ok")),
            "contract_paused": snap["contract_paused"]
            if snap["contract_paused"] is not None
            else details.get("contract_paused"),
            "executor_balance_wei": snap["executor_balance_wei"],
            "mode": details.get("mode"),
            "last_block": snap["last_block"],
            "totals": snap["totals"],
            "dropped_events": snap["dropped_events"],
            "control": {k: v for k, v in control.items() if k != "details"},
            "time": time.time(),
        }

    # --- routes ----------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        return Response(_asset("index.html"), media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return _json({"error": "not_found"}, 404)
        return Response(_asset(name), media_type=STATIC[name], headers={"cache-control": "no-cache"})

    async def api_status(self, request: Request) -> Response:
        return _json(await run_in_threadpool(self.status))

    def _limit(self, request: Request) -> int:
        try:
            return max(1, min(MAX_LIMIT, int(request.query_params.get("limit", 50))))
        except ValueError:
            return 50

    async def api_trades(self, request: Request) -> Response:
        return _json({"trades": self.state.rows("trades", self._limit(request))})

    async def api_opportunities(self, request: Request) -> Response:
        return _json({"opportunities": self.state.rows("opportunities", self._limit(request))})

    async def api_control(self, request: Request) -> Response:
        name = request.path_params["command"]
        command = CONTROL_COMMANDS.get(name)
        if command is None:
            return _json(
                {"error": "unknown_command", "detail": f"use one of {', '.join(CONTROL_COMMANDS)}"}, 404
            )
        try:
            reply = await run_in_threadpool(deliver, self.control_dir, command, self.control_timeout_s)
        except TimeoutError as exc:
            return _json({"command": name, "ok": False, "outcome": "not_delivered", "message": str(exc)}, 504)
        except FlashArbError as exc:
            return _json({"command": name, "ok": False, "outcome": "not_delivered", "message": str(exc)}, 503)
        control = await run_in_threadpool(control_view, self.control_dir)
        self.state.push("control", {k: v for k, v in control.items() if k != "details"})
        body = {"command": name, "ok": reply.ok, "outcome": reply.outcome, "message": reply.message}
        return _json(
            {**body, "paused": control["paused"], "state": control["state"]}, 200 if reply.ok else 409
        )

    async def api_events(self, request: Request) -> Response:
        return StreamingResponse(
            self._stream(request),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    # --- the stream --------------------------------------------------------------------------------

    @staticmethod
    def _frame(event: str, data: Any, seq: int | None = None) -> str:
        head = f"id: {seq}\n" if seq is not None else ""
        return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"

    async def _stream(self, request: Request) -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        snap = self.state.snapshot()
        seq = snap["seq"]
        control: dict[str, Any] = {}
        yield self._frame("snapshot", snap, seq)
        last_control = last_beat = 0.0
        while not self.closing:
            messages: list[Message] | None = self.state.since(seq)
            if messages is None:  # fell behind what is kept: start over from a fresh snapshot
                snap = self.state.snapshot()
                seq = snap["seq"]
                yield self._frame("snapshot", snap, seq)
                continue
            for message in messages:
                seq = message.seq
                yield self._frame(message.event, message.data, message.seq)
            now = time.monotonic()
            if now - last_control >= CONTROL_EVERY_S:
                last_control = now
                view = await run_in_threadpool(control_view, self.control_dir)
                shown = {k: v for k, v in view.items() if k not in ("details", "updated_at")}
                if shown != control:
                    control = shown
                    yield self._frame("control", shown)
            if now - last_beat >= HEARTBEAT_S:
                last_beat = now
                yield ": ping\n\n"
            await asyncio.sleep(STREAM_TICK_S)


_PAGE_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def create_app(state: ConsoleState, token: str, control_dir: Path, control_timeout_s: float = 10.0) -> Any:
    """The console's ASGI app, behind the token gate; `.console` is the ConsoleApp."""
    console = ConsoleApp(state, control_dir, control_timeout_s)
    routes = [
        Route("/", console.page, methods=["GET"]),
        Route("/static/{name}", console.static, methods=["GET"]),
        Route("/api/status", console.api_status, methods=["GET"]),
        Route("/api/trades", console.api_trades, methods=["GET"]),
        Route("/api/opportunities", console.api_opportunities, methods=["GET"]),
        Route("/api/events", console.api_events, methods=["GET"]),
        Route("/api/control/{command}", console.api_control, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    gated = TokenGate(app, token)
    gated.console = console  # type: ignore[attr-defined]
    return gated
