"""The console's feed keeps up with the bot and never slows it: publishing with a stalled console, or
with a browser that stopped reading its stream, stays as fast as publishing with no console at all."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

from bot.console.auth import COOKIE, session_value
from bot.console.feed import EventFeed
from bot.console.server import ConsoleServer
from bot.console.state import ConsoleState
from bot.ops.journal import Journal
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.runtime.bookkeeping import Bookkeeper
from bot.runtime.events import BlockDone, BlockReport

from .conftest import TOKEN, block_events, request

N = 20_000


def _books(tmp_path: Path) -> Bookkeeper:
    journal = Journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    return Bookkeeper(journal, journal.start_run("x", "test", dry_run=False), BotMetrics(), LiveStats())


def _publish_seconds(books: Bookkeeper, events: list[Any]) -> float:
    started = time.perf_counter()
    for event in events:
        books.publish(event)
    return time.perf_counter() - started


def _blocks(n: int) -> list[BlockDone]:
    return [BlockDone(BlockReport(i, opportunities=1), False, "ok") for i in range(n)]


def test_publish_with_a_stalled_console_stays_fast(tmp_path: Path) -> None:
    events = _blocks(N)
    bare = _books(tmp_path / "a")
    _publish_seconds(bare, events[:1000])  # warm up
    baseline = _publish_seconds(bare, events)

    class Stuck(ConsoleState):
        def apply(self, event: Any) -> None:
            time.sleep(60)  # a console thread that never comes back

    feed = EventFeed(Stuck(), maxsize=256)
    feed.start()
    books = _books(tmp_path / "b")
    books.subscribe(feed.offer)
    _publish_seconds(books, events[:1000])
    with_console = _publish_seconds(books, events)
    assert feed.dropped >= N + 1000 - 257  # full queue: dropped and counted, never waited for
    assert feed.state.dropped == feed.dropped
    # the console adds well under 20 us per event (a put_nowait), whatever its thread does
    assert with_console - baseline < N * 20e-6, (baseline, with_console)


def test_the_feed_keeps_up(tmp_path: Path) -> None:
    state = ConsoleState()
    feed = EventFeed(state)
    feed.start()
    books = _books(tmp_path)
    books.subscribe(feed.offer)
    for block in range(1, 501):
        for event in block_events(block, trade=block % 10 == 0):
            books.publish(event)
    deadline = time.monotonic() + 10
    while state.totals.blocks < 500 and time.monotonic() < deadline:
        time.sleep(0.01)
    feed.stop()
    assert feed.dropped == 0
    assert state.totals.as_dict() == books.stats.as_dict()  # the console counts what the bookkeeper counts
    assert len(state.pnl) == 50 and state.pnl[-1]["net_pnl_micro_usd"] == books.stats.net_pnl_micro_usd


def _read_events(
    console: ConsoleServer, want: int, out: list[dict[str, Any]], ready: threading.Event
) -> None:
    conn = http.client.HTTPConnection(console.host, console.port, timeout=20)
    conn.request("GET", "/api/events", headers={"Authorization": f"Bearer {TOKEN}"})
    response = conn.getresponse()
    kind = None
    ready.set()
    while len([e for e in out if e["event"] == "block"]) < want:
        line = response.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind is not None:
            out.append({"event": kind, "data": json.loads(line[6:])})
    conn.close()


def test_the_stream_delivers_every_block_in_order(console: ConsoleServer) -> None:
    got: list[dict[str, Any]] = []
    ready = threading.Event()
    reader = threading.Thread(target=_read_events, args=(console, 200, got, ready), daemon=True)
    reader.start()
    ready.wait(5)
    time.sleep(0.3)  # the stream has sent its snapshot
    for block in range(1, 201):
        for event in block_events(block, trade=block % 20 == 0):
            console.feed.offer(event)
        time.sleep(0.001)
    reader.join(20)
    assert got[0]["event"] == "snapshot"
    blocks = [e["data"]["last_block"]["block"] for e in got if e["event"] == "block"]
    assert blocks == list(range(1, 201))
    assert len([e for e in got if e["event"] == "trade"]) == 10


def test_a_browser_that_stops_reading_never_slows_the_bot(console: ConsoleServer, tmp_path: Path) -> None:
    stalled = socket.create_connection((console.host, console.port))
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    cookie = f"{COOKIE}={session_value(TOKEN)}"
    stalled.sendall(f"GET /api/events HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
    time.sleep(0.3)  # and never read again
    books = _books(tmp_path)
    books.subscribe(console.feed.offer)
    events = [e for block in range(1, 2001) for e in block_events(block, trade=block % 5 == 0)]
    seconds = _publish_seconds(books, events)
    assert seconds / len(events) < 1e-3, seconds
    started = time.perf_counter()
    assert request(console, "GET", "/api/status", token=TOKEN).status == 200  # the server still answers
    assert time.perf_counter() - started < 2
    deadline = time.monotonic() + 10
    while console.state.totals.blocks < 2000 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert console.state.totals.blocks == 2000
    stalled.close()
