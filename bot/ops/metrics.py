"""Prometheus metrics of the bot, on a registry of its own (never the process-global one).

    metrics = BotMetrics()
    metrics.blocks.inc(); metrics.skipped.labels(reason="profit_below_min").inc()
    server = start_server(metrics, "127.0.0.1", 9464)   # None when the port is 0 (off)
    ...; server.stop()

Money is kept in integers by the bot; the gauges show it converted for display only (USD, MATIC).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

from bot.errors import ConfigError
from bot.ops.units import MICRO_USD, WEI_PER_MATIC

logger = logging.getLogger(__name__)

NAMESPACE = "flasharb"
DECISION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
"""Seconds from a new block to a decision (Polygon makes a block about every 2 s)."""


class BotMetrics:
    """Every metric the bot exports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r, ns = self.registry, NAMESPACE
        self.blocks = Counter("blocks_processed", "Blocks the loop processed", namespace=ns, registry=r)
        self.block_lag = Gauge(
            "block_lag_blocks", "Chain head minus the block processed", namespace=ns, registry=r
        )
        self.decision_seconds = Histogram(
            "decision_seconds",
            "Seconds from a new block to the send decision",
            namespace=ns,
            registry=r,
            buckets=DECISION_BUCKETS,
        )
        self.found = Counter("opportunities_found", "Profitable cycles found", namespace=ns, registry=r)
        self.taken = Counter(
            "opportunities_taken", "Opportunities that passed every guard", namespace=ns, registry=r
        )
        self.skipped = Counter(
            "opportunities_skipped", "Opportunities a guard stopped", ["reason"], namespace=ns, registry=r
        )
        self.tx_sent = Counter("tx_sent", "Transactions sent", namespace=ns, registry=r)
        self.tx_mined = Counter("tx_mined", "Transactions mined and successful", namespace=ns, registry=r)
        self.tx_reverted = Counter("tx_reverted", "Transactions mined and reverted", namespace=ns, registry=r)
        self.realised_profit_usd = Gauge(
            "realised_profit_usd", "Realised profit before gas since start, USD", namespace=ns, registry=r
        )
        self.gas_spent_matic = Gauge(
            "gas_spent_matic", "Gas fees paid since start, MATIC", namespace=ns, registry=r
        )
        self.breaker_tripped = Gauge(
            "breaker_tripped", "1 while the circuit breaker is tripped", namespace=ns, registry=r
        )
        self.paused = Gauge("paused", "1 while the operator has paused sending", namespace=ns, registry=r)
        self.executor_balance_wei: int | None = None
        """The executor's native balance as last read, exact (None before the first read)."""
        self.executor_balance_matic = Gauge(
            "executor_balance_matic", "Native balance of the sending account, MATIC", namespace=ns, registry=r
        )
        self.journal_shed = Counter(
            "journal_shed",
            "Skipped opportunities dropped unjournaled because the journal was down long (trades, "
            "outcomes and block counts are never dropped)",
            namespace=ns,
            registry=r,
        )
        self.journal_degraded = Gauge(
            "journal_degraded",
            "1 while the journal cannot be written (sending paused, reading goes on; the reason is logged "
            "and in the status file)",
            namespace=ns,
            registry=r,
        )

    def set_realised_profit(self, micro_usd: int) -> None:
        self.realised_profit_usd.set(micro_usd / MICRO_USD)

    def set_gas_spent(self, wei: int) -> None:
        self.gas_spent_matic.set(wei / WEI_PER_MATIC)

    def set_executor_balance(self, wei: int) -> None:
        self.executor_balance_wei = wei
        self.executor_balance_matic.set(wei / WEI_PER_MATIC)  # the gauge is for charts only

    def set_flags(self, *, paused: bool, breaker_tripped: bool) -> None:
        self.paused.set(int(paused))
        self.breaker_tripped.set(int(breaker_tripped))

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format (what /metrics serves)."""
        return generate_latest(self.registry)


@dataclass
class MetricsServer:
    """A running /metrics endpoint."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_server(metrics: BotMetrics, host: str, port: int) -> MetricsServer | None:
    """Serve `metrics` at http://host:port/metrics in a daemon thread; None if port is 0 (off)."""
    if port == 0:
        return None
    if not 0 < port <= 65535:
        raise ConfigError(f"metrics_port: {port} is not a TCP port; use 1-65535, or 0 to turn metrics off")
    try:
        server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    except OSError as exc:
        raise ConfigError(
            f"metrics_port: cannot listen on {host}:{port} ({exc.strerror}); choose a free port or 0 for off"
        ) from None
    logger.info("metrics at http://%s:%d/metrics", host, port)
    return MetricsServer(server, thread)
