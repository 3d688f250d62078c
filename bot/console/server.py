"""The console served from the bot's own process: uvicorn in a daemon thread, fed by the Bookkeeper.

    console = start_console(config)       # None when console_port is 0; ConfigError without a token
    loop = assemble(...)
    console.attach(loop)                  # subscribe to the loop's events
    ...; console.stop()

The loop only ever calls `EventFeed.offer` (a put_nowait on a bounded queue); the web server, its
browsers and their streams live on other threads and never hold anything the loop waits for.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from bot.console.app import create_app
from bot.console.auth import console_token
from bot.console.feed import EventFeed
from bot.console.state import ConsoleState
from bot.errors import ConfigError
from bot.ops.config import BotConfig

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 10.0


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(
            f"console_host: cannot resolve {host!r} ({exc}); use an address such as 127.0.0.1"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"console_port: cannot listen on {host}:{port} ({exc.strerror}); choose a free port, or 0 for off"
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass
class ConsoleServer:
    """A running console: its state, its event feed and the uvicorn server thread."""

    state: ConsoleState
    feed: EventFeed
    app: Any
    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int
    attached: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def attach(self, loop: Any) -> None:
        """Show `loop`'s events (a BlockLoop: its bookkeeper, contract pause and executor balance)."""
        metrics = loop.metrics

        def probe() -> dict[str, Any]:
            wei = metrics.executor_balance_wei  # a decimal string: JSON numbers lose wei past 2**53
            return {
                "contract_paused": bool(loop.contract_paused),
                "executor_balance_wei": None if wei is None else str(wei),
            }

        self.state.probe = probe
        loop.books.subscribe(self.feed.offer)
        self.attached.append(loop)

    def stop(self) -> None:
        """Stop serving (open streams are closed) and end the feed's thread."""
        self.app.console.closing = True
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.feed.stop()


def serve(
    state: ConsoleState,
    token: str,
    control_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    control_timeout_s: float = 10.0,
) -> ConsoleServer:
    """Serve the console for `state` at http://host:port/ (port 0: any free port) in a daemon thread."""
    sock = _bind(host, port)
    bound_port = int(sock.getsockname()[1])
    app = create_app(state, token, control_dir, control_timeout_s)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        server_header=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="console-http", daemon=True)
    feed = EventFeed(state)
    feed.start()
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            feed.stop()
            raise ConfigError(f"console: the web server did not start on {host}:{bound_port}")
        time.sleep(0.01)
    console = ConsoleServer(state, feed, app, server, thread, host, bound_port)
    logger.info("console at %s (token: $FLASHARB_CONSOLE_TOKEN)", console.url)
    return console


def start_console(config: BotConfig, environ: dict[str, str] | None = None) -> ConsoleServer | None:
    """The console `config` asks for (console_port, console_host), or None when it is off (port 0).
    Refuses to start (ConfigError naming FLASHARB_CONSOLE_TOKEN) without a token."""
    if config.console_port == 0:
        return None
    token = console_token(environ)
    return serve(ConsoleState(), token, config.control_dir, config.console_host, config.console_port)
