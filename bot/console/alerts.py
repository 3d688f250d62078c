"""Alerts to a webhook: breaker trip, low executor gas, a stop, and a trade that lost more than a
threshold, posted to FLASHARB_ALERT_WEBHOOK_URL. Fed by the Bookkeeper's fan-out like the console;
delivered by a thread of their own.

    alerts = start_alerts(config)          # None without FLASHARB_ALERT_WEBHOOK_URL
    alerts.attach(loop)                    # subscribe to the loop's events
    ...; alerts.stopped(reason); alerts.stop()

Formats (alert_format): "generic" posts {"source", "kind", "text", "time", "details"}; "discord" posts
{"content": text} (a Discord webhook URL); "telegram" posts {"chat_id", "text"} (the URL is
https://api.telegram.org/bot<token>/sendMessage, alert_chat_id the chat).

On the loop's thread an event costs a few comparisons; an alert that fires is put on a bounded queue
(dropped and counted when full), and the sender thread posts it, retrying with exponential backoff.
The webhook URL may hold a secret (Telegram and Discord put one in it): it is never logged.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import ConfigError
from bot.ops.config import BotConfig
from bot.ops.journal import TxStatus
from bot.ops.units import MICRO_USD, WEI_PER_MATIC, format_micro_usd, format_wei
from bot.runtime.events import BlockDone, Event, TradeSettled

logger = logging.getLogger(__name__)

FORMATS = ("generic", "discord", "telegram")
WEBHOOK_ENV = "FLASHARB_ALERT_WEBHOOK_URL"
"""Where alerts are posted. It may hold a secret (Telegram and Discord put one in the URL), so it is
read from the environment only, never from a settings file, and never logged."""
BALANCE_EVERY_BLOCKS = 10


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    """"breaker_tripped", "low_gas", "stopped" or "loss"."""
    text: str
    details: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)


def payload(alert: Alert, fmt: str, chat_id: str | None = None, source: str = "flasharb") -> dict[str, Any]:
    """The JSON body of `alert` in format `fmt`."""
    text = f"[{source}] {alert.text}"
    if fmt == "discord":
        return {"content": text[:2000]}
    if fmt == "telegram":
        return {"chat_id": chat_id, "text": text[:4096], "disable_web_page_preview": True}
    return {
        "source": source,
        "kind": alert.kind,
        "text": alert.text,
        "time": alert.time,
        "details": alert.details,
    }


@dataclass
class Retry:
    attempts: int = 5
    backoff_s: float = 1.0
    """Sleep before the second attempt; doubled before each next one."""
    timeout_s: float = 5.0


class AlertSender:
    """Watches events for alert conditions and posts alerts to `url` from a thread of its own."""

    def __init__(
        self,
        url: str,
        fmt: str = "generic",
        *,
        chat_id: str | None = None,
        loss_micro_usd: int = 10 * MICRO_USD,
        low_gas_wei: int = 5 * WEI_PER_MATIC,
        source: str = "flasharb",
        retry: Retry | None = None,
        maxsize: int = 64,
    ) -> None:
        if fmt not in FORMATS:
            raise ConfigError(f"alert_format: {fmt!r} is not one of {', '.join(FORMATS)}")
        if fmt == "telegram" and not chat_id:
            raise ConfigError("alert_chat_id: the telegram format needs the chat id to post to")
        self.url = url
        self.fmt = fmt
        self.chat_id = chat_id
        self.loss_micro_usd = loss_micro_usd
        self.low_gas_wei = low_gas_wei
        self.source = source
        self.retry = retry or Retry()
        self.outbox: queue.Queue[Alert | None] = queue.Queue(maxsize=maxsize)
        self.dropped = 0
        self.delivered = 0
        self.failed = 0
        self.balance_probe: Any = None
        self._breaker = "ok"
        self._low = False
        self._blocks = 0
        self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
        self._thread.start()

    # --- on the loop's thread ----------------------------------------------------------------------

    def attach(self, loop: Any) -> None:
        """Watch `loop`'s events (a BlockLoop) and its executor balance (the metrics gauge)."""
        metrics = loop.metrics
        self.balance_probe = lambda: metrics.executor_balance_wei
        loop.books.subscribe(self.offer)

    def offer(self, event: Event) -> None:
        """Check `event` for an alert condition; queue the alert if one fires. Never blocks."""
        if isinstance(event, BlockDone):
            if event.breaker != "ok" and self._breaker == "ok":
                self.send(
                    Alert(
                        "breaker_tripped",
                        f"circuit breaker tripped: {event.breaker}",
                        {"block": event.report.block},
                    )
                )
            self._breaker = event.breaker
            self._blocks += 1
            if self.balance_probe is not None and self._blocks % BALANCE_EVERY_BLOCKS == 1:
                self.check_balance(self.balance_probe())
        elif isinstance(event, TradeSettled) and event.this_run and event.status is not TxStatus.DROPPED:
            net = (event.realised_profit_micro_usd or 0) - (event.gas_fee_micro_usd or 0)
            if -net >= self.loss_micro_usd:
                self.send(
                    Alert(
                        "loss",
                        f"trade {event.tx_hash} {event.status.value}: net loss {format_micro_usd(-net)}",
                        {"tx": event.tx_hash, "status": event.status.value, "net_micro_usd": net},
                    )
                )

    def check_balance(self, balance_wei: int | None) -> None:
        """Alert once per crossing below the low gas threshold (re-armed at or above it)."""
        if balance_wei is None:
            return
        if balance_wei >= self.low_gas_wei:
            self._low = False
        elif not self._low:
            self._low = True
            balance, threshold = format_wei(balance_wei, places=4), format_wei(self.low_gas_wei, places=4)
            self.send(
                Alert(
                    "low_gas",
                    f"executor gas balance {balance} is below {threshold}",
                    {"balance_wei": str(balance_wei), "threshold_wei": str(self.low_gas_wei)},
                )
            )

    def stopped(self, reason: str) -> None:
        self.send(Alert("stopped", f"bot stopped: {reason}", {"reason": reason}))

    def send(self, alert: Alert) -> None:
        try:
            self.outbox.put_nowait(alert)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:  # a storm must not log on every block
                logger.error("alerts: queue full, %d alerts dropped (last: %s)", self.dropped, alert.text)

    # --- the sender thread -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            alert = self.outbox.get()
            if alert is None:
                return
            self._deliver(alert)

    def _deliver(self, alert: Alert) -> None:
        body = json.dumps(payload(alert, self.fmt, self.chat_id, self.source)).encode()
        delay = self.retry.backoff_s
        why = "not tried"
        for attempt in range(1, self.retry.attempts + 1):
            request = urllib.request.Request(
                self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.retry.timeout_s) as response:
                    response.read()
                self.delivered += 1
                return
            except urllib.error.HTTPError as exc:
                why = f"HTTP {exc.code}"
                if 400 <= exc.code < 500 and exc.code != 429:
                    break  # refused for good (a bad URL or chat): retrying would not help
            except OSError as exc:  # URLError, refused, reset, timed out
                why = type(exc).__name__
            if attempt == self.retry.attempts:
                break
            logger.warning(
                "alerts: %s alert not delivered (%s), attempt %d; retrying", alert.kind, why, attempt
            )
            time.sleep(delay)
            delay *= 2
        self.failed += 1
        logger.error("alerts: gave up on the %s alert (%s): %s", alert.kind, why, alert.text)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Deliver what is queued (within `timeout_s`), then end the thread."""
        try:
            self.outbox.put(None, timeout=timeout_s)
        except queue.Full:
            return
        self._thread.join(timeout_s)


def webhook_url(environ: Mapping[str, str] | None = None) -> str | None:
    """FLASHARB_ALERT_WEBHOOK_URL (None when unset); ConfigError when it is not an http(s) URL."""
    url = (os.environ if environ is None else environ).get(WEBHOOK_ENV, "").strip()
    if not url:
        return None
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise ConfigError(f"{WEBHOOK_ENV}: not an http(s) URL; give the webhook's https:// URL, or unset it")
    return url


def start_alerts(config: BotConfig, environ: Mapping[str, str] | None = None) -> AlertSender | None:
    """The alert sender `config` asks for, posting to FLASHARB_ALERT_WEBHOOK_URL; None when unset."""
    url = webhook_url(environ)
    if url is None:
        return None
    sender = AlertSender(
        url,
        config.alert_format,
        chat_id=config.alert_chat_id,
        loss_micro_usd=int(config.alert_loss_usd * MICRO_USD),
        low_gas_wei=config.low_gas_balance_wei,
        source=f"flasharb {config.network}",
    )
    logger.info(
        "alerts: %s webhook on (breaker, low gas, stop, loss >= $%s)",
        config.alert_format,
        config.alert_loss_usd,
    )
    return sender
