"""A JSON-RPC proxy for tests that misbehaves on purpose: between the bot and the node, it answers
every `every`-th request with HTTP 429, or forwards it and then drops the connection before the reply
(the node acted, the client never heard), in turn. Optionally it also black-holes every
`stall_every`-th request (holds it `stall_s` seconds, never forwards it, then hangs up), and answers
every `error_every`-th call of a method in `error_methods` with a JSON-RPC error -32000 of its own."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.request
from collections import Counter
from typing import Any


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
    ) -> None:
        self.upstream = upstream
        self.every = every
        self.stall_every = stall_every
        self.stall_s = stall_s
        self.error_methods = error_methods
        self.error_every = error_every
        self.fail_first = fail_first
        """The first this many requests get HTTP 429 (a node still starting, or rate-limiting)."""
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
                if fault == "stall":
                    proxy._record(fault, body)
                    time.sleep(proxy.stall_s)  # a black hole: the node never sees it
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
                if fault == "429":
                    proxy._record(fault, body)
                    self.send_response(429)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                request = urllib.request.Request(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    reply = response.read()
                if fault == "drop":
                    proxy._record(fault, body)
                    self.close_connection = True
                    self.connection.close()  # the node acted; the client never hears of it
                    return
                proxy.counts["forwarded"] += 1
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

    def _next_fault(self, body: bytes = b"") -> str | None:
        with self._lock:
            self._seen += 1
            if self._seen <= self.fail_first:
                return "429"
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
