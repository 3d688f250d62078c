"""A JSON-RPC proxy for tests that misbehaves on purpose: between the bot and the node, it answers
every `every`-th request with HTTP 429, or forwards it and then drops the connection before the reply
(the node acted, the client never heard), in turn."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections import Counter
from typing import Any


class FaultProxy:
    """Serves on 127.0.0.1 (a free port) and forwards to `upstream`; `counts` records what it did."""

    def __init__(self, upstream: str, every: int = 3) -> None:
        self.upstream = upstream
        self.every = every
        self.counts: Counter[str] = Counter()
        self.methods_faulted: list[str] = []
        self._seen = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = proxy._next_fault()
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

    def _next_fault(self) -> str | None:
        with self._lock:
            self._seen += 1
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
