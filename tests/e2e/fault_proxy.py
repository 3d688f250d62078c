"""A JSON-RPC proxy for tests that misbehaves on purpose: between the bot and the node, it answers
every `every`-th request with HTTP 429, or forwards it and then drops the connection before the reply
(the node acted, the client never heard), in turn. Optionally it also black-holes every
`stall_every`-th request (holds it `stall_s` seconds, never forwards it, then hangs up), and answers
every `error_every`-th call of a method in `error_methods` with a JSON-RPC error -32000 of its own.

With `rate` > 0 it instead faults each request with that probability (seeded: the same run every time),
drawing the fault from the mix an operator's week delivers (`MIX`): HTTP 429 and 502, a connection
dropped before forwarding or after the node acted, a hang of `hang_s` (10-30 s by default), a
truncated or garbage reply, a JSON-RPC error, and a stale reply (the previous answer to the same
question)."""

from __future__ import annotations

import http.server
import json
import random
import threading
import time
import urllib.request
from collections import Counter
from typing import Any

MIX = ("429", "502", "drop-before", "drop", "stall", "truncated", "garbage", "error", "stale")
"""The faults of the random mode, drawn with equal weight."""


class FaultProxy:
    """Serves on 127.0.0.1 (a free port) and forwards to `upstream`; `counts` records what it did."""

    def __init__(
        self,
        upstream: str,
        every: int = 3,
        *,
        stall_every: int = 0,
        stall_s: float = 0.0,
        error_methods: frozenset[str] = frozenset(),
        error_every: int = 0,
        fail_first: int = 0,
        rate: float = 0.0,
        seed: int = 0,
        hang_s: tuple[float, float] = (10.0, 30.0),
    ) -> None:
        self.upstream = upstream
        self.every = every
        self.stall_every = stall_every
        self.stall_s = stall_s
        self.error_methods = error_methods
        self.error_every = error_every
        self.fail_first = fail_first
        """The first this many requests get HTTP 429 (a node still starting, or rate-limiting)."""
        self.rate = rate
        self.hang_s = hang_s
        self._random = random.Random(seed)
        self._last_reply: dict[str, bytes] = {}
        """(method, params) -> the last reply forwarded, for stale replies."""
        self._calls: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self.methods_faulted: list[str] = []
        self._seen = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = proxy._next_fault(body)
                if fault in ("stall", "drop-before"):
                    proxy._record(fault, body)
                    if fault == "stall":
                        time.sleep(proxy._stall_seconds())  # a black hole: the node never sees it
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "error":
                    proxy._record(fault, body)
                    request_id = json.loads(body).get("id")
                    error = {"code": -32000, "message": "header not found"}
                    reply = json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                    return
                if fault in ("429", "502"):
                    proxy._record(fault, body)
                    self.send_response(int(fault))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                key = proxy._key(body)
                if fault == "stale" and key in proxy._last_reply:
                    proxy._record(fault, body)
                    stale = json.loads(proxy._last_reply[key])
                    stale["id"] = json.loads(body).get("id")
                    self._reply(json.dumps(stale).encode())
                    return
                request = urllib.request.Request(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    reply = response.read()
                if key:
                    proxy._last_reply[key] = reply
                if fault == "drop":
                    proxy._record(fault, body)
                    self.close_connection = True
                    self.connection.close()  # the node acted; the client never hears of it
                    return
                if fault in ("truncated", "garbage"):
                    proxy._record(fault, body)
                    self._reply(reply[: len(reply) // 2] if fault == "truncated" else b"<html>oops</html>")
                    return
                proxy.counts["forwarded"] += 1
                self._reply(reply)

            def _reply(self, reply: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def _key(body: bytes) -> str:
        """The question a request asks (method and params), for stale replies ("" if unreadable)."""
        try:
            request = json.loads(body)
            return json.dumps([request.get("method"), request.get("params")], sort_keys=True)
        except (ValueError, AttributeError):
            return ""

    def _stall_seconds(self) -> float:
        if self.rate:
            with self._lock:
                return self._random.uniform(*self.hang_s)
        return self.stall_s

    def _next_fault(self, body: bytes = b"") -> str | None:
        with self._lock:
            self._seen += 1
            if self._seen <= self.fail_first:
                return "429"
            if self.rate:
                return self._random.choice(MIX) if self._random.random() < self.rate else None
            if self.error_every and self.error_methods:
                try:
                    method = str(json.loads(body).get("method"))
                except (ValueError, AttributeError):
                    method = ""
                if method in self.error_methods:
                    self._calls[method] += 1
                    if self._calls[method] % self.error_every == 0:
                        return "error"
            if self.stall_every and self._seen % self.stall_every == 0:
                return "stall"
            if self._seen % self.every:
                return None
            return "429" if (self._seen // self.every) % 2 else "drop"

    def _record(self, fault: str, body: bytes) -> None:
        self.counts[fault] += 1
        text = body.decode(errors="replace")
        start = text.find('"method"')
        self.methods_faulted.append(text[start : start + 40])

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
