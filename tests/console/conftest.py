"""Fixtures of the console tests: a console served on a free port of 127.0.0.1 over a ConsoleState and
a control directory, a plain HTTP client, a stand-in bot that polls the control channel, and events."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.console.server import ConsoleServer, serve
from bot.console.state import ConsoleState
from bot.execution.gas import GWEI, FeeQuote
from bot.execution.sender import SentTransaction
from bot.execution.trade_event import ReceiptSummary
from bot.ops.control import ControlChannel
from bot.ops.journal import TxStatus
from bot.route.model import HopKind, Lender
from bot.runtime.events import (
    BlockDone,
    BlockReport,
    OpportunityDecided,
    Priced,
    Ticket,
    TradeSent,
    TradeSettled,
)
from bot.search.graph import Cycle, Leg
from bot.search.opportunity import HopQuote, Opportunity

TOKEN = "console-test-token-0123456789abcdef"
ASSET = "0x" + "22" * 20
OTHER = "0x" + "33" * 20
POOL = "0x" + "44" * 20


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    console: ConsoleServer,
    method: str,
    path: str,
    *,
    token: str | None = None,
    cookie: str | None = None,
    accept: str = "application/json",
    read: bool = True,
) -> Reply:
    """One request (no redirects followed); for a stream (`read=False`) only the status and headers."""
    conn = http.client.HTTPConnection(console.host, console.port, timeout=10)
    headers = {"Accept": accept}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if cookie is not None:
        headers["Cookie"] = cookie
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        got = {k.lower(): v for k, v in response.getheaders()}
        body = response.read() if read or response.status != 200 else response.read1(64)  # type: ignore[attr-defined]
        return Reply(response.status, got, body)
    finally:
        conn.close()


def opportunity(block: int = 7) -> Opportunity:
    legs = (
        Leg(POOL, HopKind.UNISWAP_V2, ASSET, OTHER, 0, 1),
        Leg(POOL, HopKind.UNISWAP_V2, OTHER, ASSET, 1, 0),
    )
    hops = (
        HopQuote(HopKind.UNISWAP_V2, POOL, ASSET, OTHER, 1000, 2000),
        HopQuote(HopKind.UNISWAP_V2, POOL, OTHER, ASSET, 2000, 1100),
    )
    return Opportunity(block, Cycle(ASSET, legs), Lender.AAVE, 1000, 1100, hops, 1, 300_000, 9, 90, 90)


def sent_tx(n: int = 0) -> SentTransaction:
    fees = FeeQuote(GWEI, 30 * GWEI, 40 * GWEI)
    return SentTransaction(f"0x{n:064x}", n, "0x" + "cd" * 20, "0xfa", b"", 0, 500_000, fees, 1.0)


def block_events(block: int, *, trade: bool = False) -> list[Any]:
    """What one block publishes: a decided opportunity, and when `trade`, its send and mined receipt."""
    priced = Priced(opportunity(block), "USDC -> WETH -> USDC", "USDC", 99, 5_000_000, 4_000_000)
    ticket = Ticket()
    events: list[Any] = []
    if trade:
        sent = sent_tx(block)
        events.append(OpportunityDecided(block, ticket, priced, "taken", "ok", 400_000, sent))
        events.append(TradeSent(ticket, sent))
        receipt = ReceiptSummary(True, block, 300_000, 40 * GWEI, None)
        events.append(TradeSettled(sent.hash, TxStatus.MINED, receipt, 99, 10_000, 4_500_000))
    else:
        events.append(OpportunityDecided(block, ticket, priced, "profit_below_min", "below $3"))
    events.append(BlockDone(BlockReport(block, opportunities=1, decision_seconds=0.004), False, "ok"))
    return events


class FakeBot:
    """Polls a ControlChannel every 20 ms, as the loop does once per block (a stop is acknowledged,
    and the fake goes on polling until `close`)."""

    def __init__(self, control_dir: Path) -> None:
        self.channel = ControlChannel(control_dir)
        self.resets = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _reset(self) -> str:
        self.resets += 1
        return "circuit breaker reset"

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.channel.poll(on_reset_breaker=self._reset, details={"block": 1})

    def close(self) -> None:
        self._stop.set()
        self.thread.join(5)
        self.channel.close()


@pytest.fixture
def control_dir(tmp_path: Path) -> Path:
    return tmp_path / "control"


@pytest.fixture
def console(control_dir: Path) -> Iterator[ConsoleServer]:
    server = serve(ConsoleState(), TOKEN, control_dir, "127.0.0.1", 0, control_timeout_s=5.0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bot(control_dir: Path) -> Iterator[FakeBot]:
    fake = FakeBot(control_dir)
    try:
        yield fake
    finally:
        fake.close()
