"""Metrics live on their own registry and are served over HTTP."""

from __future__ import annotations

import socket
import urllib.request

import prometheus_client
import pytest

from bot.errors import ConfigError
from bot.ops.metrics import BotMetrics, start_server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_metrics_are_exported_from_their_own_registry() -> None:
    metrics = BotMetrics()
    metrics.blocks.inc(3)
    metrics.skipped.labels(reason="profit_below_min").inc()
    metrics.tx_reverted.inc()
    metrics.decision_seconds.observe(0.03)
    metrics.set_realised_profit(12_500_000)
    metrics.set_gas_spent(25 * 10**16)
    metrics.set_flags(paused=True, breaker_tripped=False)
    text = metrics.exposition().decode()
    assert "flasharb_blocks_processed_total 3.0" in text
    assert 'flasharb_opportunities_skipped_total{reason="profit_below_min"} 1.0' in text
    assert "flasharb_tx_reverted_total 1.0" in text
    assert 'flasharb_decision_seconds_bucket{le="0.05"} 1.0' in text
    assert "flasharb_realised_profit_usd 12.5" in text
    assert "flasharb_gas_spent_matic 0.25" in text
    assert "flasharb_paused 1.0" in text and "flasharb_breaker_tripped 0.0" in text
    assert b"flasharb_" not in prometheus_client.generate_latest(prometheus_client.REGISTRY)
    BotMetrics()  # a second instance does not clash with the first


def test_server_serves_metrics_and_stops() -> None:
    metrics = BotMetrics()
    metrics.blocks.inc()
    assert start_server(metrics, "127.0.0.1", 0) is None  # 0 = off
    server = start_server(metrics, "127.0.0.1", _free_port())
    assert server is not None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as reply:
            assert "flasharb_blocks_processed_total 1.0" in reply.read().decode()
        with pytest.raises(ConfigError, match="metrics_port: cannot listen"):
            start_server(metrics, "127.0.0.1", server.port)
    finally:
        server.stop()
