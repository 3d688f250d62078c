"""Alerts reach a webhook (a local HTTP receiver here) on a breaker trip, low executor gas, a stop
and a loss; they are retried with backoff, and a webhook that hangs never slows the loop."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.console.alerts import WEBHOOK_ENV, AlertSender, Retry, start_alerts, webhook_url
from bot.errors import ConfigError
from bot.execution.gas import GWEI
from bot.execution.trade_event import ReceiptSummary
from bot.ops.config import make_config
from bot.ops.journal import TxStatus
from bot.runtime.events import BlockDone, BlockReport, TradeSettled

FAST = Retry(attempts=4, backoff_s=0.05, timeout_s=2.0)


class Receiver:
    """An HTTP server on 127.0.0.1 that records the JSON posted to it; it answers 500 to the first
    `failures` posts, and holds every answer `delay_s` seconds."""

    def __init__(self, failures: int = 0, delay_s: float = 0.0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.attempts = 0
        self.failures = failures
        self.delay_s = delay_s
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                time.sleep(receiver.delay_s)
                if receiver.attempts <= receiver.failures:
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def wait(self, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while len(self.bodies) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.bodies

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _block(n: int, breaker: str = "ok") -> BlockDone:
    return BlockDone(BlockReport(n), False, breaker)


def _settled(realised_micro_usd: int, gas_micro_usd: int) -> TradeSettled:
    receipt = ReceiptSummary(False, 9, 300_000, 40 * GWEI, None)
    return TradeSettled("0x" + "ab" * 32, TxStatus.REVERTED, receipt, 99, gas_micro_usd, realised_micro_usd)


def test_breaker_low_gas_loss_and_stop(receiver: Receiver) -> None:
    sender = AlertSender(receiver.url, loss_micro_usd=5_000_000, retry=FAST)
    sender.offer(_block(1))
    sender.offer(_block(2, "3 failed sends in a row"))
    sender.offer(_block(3, "3 failed sends in a row"))  # still tripped: no second alert
    sender.check_balance(10 * 10**18)
    sender.check_balance(5 * 10**18)  # at the threshold: not low
    sender.check_balance(5 * 10**18 - 1)  # one wei under it
    sender.check_balance(2 * 10**18)  # still low: no second alert
    sender.offer(_settled(0, 1_000_000))  # a $1 loss: under the threshold
    sender.offer(_settled(0, 6_000_000))
    sender.stopped("stopped by the operator")
    bodies = receiver.wait(4)
    sender.stop()
    assert [b["kind"] for b in bodies] == ["breaker_tripped", "low_gas", "loss", "stopped"]
    assert (
        bodies[0]["text"] == "circuit breaker tripped: 3 failed sends in a row"
        and bodies[0]["details"]["block"] == 2
    )
    assert "4.9999 MATIC is below 5.0000 MATIC" in bodies[1]["text"]
    assert bodies[1]["details"] == {"balance_wei": str(5 * 10**18 - 1), "threshold_wei": str(5 * 10**18)}
    assert "$6.000000" in bodies[2]["text"]
    assert set(bodies[3]) == {"source", "kind", "text", "time", "details"}


def test_discord_and_telegram_bodies(receiver: Receiver) -> None:
    discord = AlertSender(receiver.url, "discord", retry=FAST)
    discord.stopped("done")
    telegram = AlertSender(receiver.url, "telegram", chat_id="-100123", retry=FAST)
    telegram.stopped("done")
    bodies = receiver.wait(2)
    discord.stop()
    telegram.stop()
    assert {"content": "[flasharb] bot stopped: done"} in bodies
    assert {
        "chat_id": "-100123",
        "text": "[flasharb] bot stopped: done",
        "disable_web_page_preview": True,
    } in bodies
    with pytest.raises(ConfigError, match="alert_chat_id"):
        AlertSender(receiver.url, "telegram")


def test_retried_with_backoff_until_delivered() -> None:
    flaky = Receiver(failures=2)
    try:
        sender = AlertSender(flaky.url, retry=FAST)
        started = time.monotonic()
        sender.stopped("x")
        assert len(flaky.wait(1)) == 1
        assert flaky.attempts == 3 and time.monotonic() - started >= 0.05 + 0.1  # backoff 0.05, then 0.1
        sender.stop()
        assert (sender.delivered, sender.failed) == (1, 0)
    finally:
        flaky.close()


def test_a_hanging_webhook_never_slows_the_loop() -> None:
    slow = Receiver(delay_s=3.0)
    try:
        sender = AlertSender(slow.url, retry=Retry(attempts=1, timeout_s=5.0), maxsize=8)
        started = time.perf_counter()
        for n in range(10_000):  # the breaker flaps every block: an alert each second block
            sender.offer(_block(n, "ok" if n % 2 else "tripped"))
        assert time.perf_counter() - started < 0.5
        assert sender.dropped > 0  # the bounded queue dropped what it could not hold
    finally:
        slow.close()


def test_webhook_only_from_the_environment() -> None:
    assert webhook_url({}) is None
    assert start_alerts(make_config({}), {}) is None
    with pytest.raises(ConfigError, match=WEBHOOK_ENV):
        webhook_url({WEBHOOK_ENV: "ftp://x"})
    sender = start_alerts(make_config({"alert_format": "discord"}), {WEBHOOK_ENV: "http://127.0.0.1:9/x"})
    assert sender is not None and sender.fmt == "discord"
    sender.outbox.put(None)
