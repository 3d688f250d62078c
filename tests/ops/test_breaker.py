"""The circuit breaker: N failures in a row trip it, N-1 or a success in between do not; the loss
limit trips it; only a reset untrips it, and its state survives a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.ops.breaker import STATE_FILE, CircuitBreaker


def test_trips_after_n_failures_in_a_row(tmp_path: Path) -> None:
    breaker = CircuitBreaker.open(tmp_path, max_failures=3, loss_limit_micro_usd=10**9)
    breaker.record_failure("reverted")
    breaker.record_failure("send raised")
    assert not breaker.tripped  # N-1
    state = breaker.record_failure("reverted")
    assert breaker.tripped and state.tripped
    assert "3 failed or reverted sends in a row" in state.reason


def test_a_success_in_between_restarts_the_count(tmp_path: Path) -> None:
    breaker = CircuitBreaker.open(tmp_path, max_failures=3, loss_limit_micro_usd=10**9)
    breaker.record_failure("a")
    breaker.record_failure("b")
    breaker.record_success(pnl_micro_usd=1_000)
    breaker.record_failure("c")
    breaker.record_failure("d")
    assert not breaker.tripped
    assert breaker.state.consecutive_failures == 2
    breaker.record_failure("e")
    assert breaker.tripped


def test_loss_limit(tmp_path: Path) -> None:
    breaker = CircuitBreaker.open(tmp_path, max_failures=100, loss_limit_micro_usd=5_000_000)
    breaker.record_success(pnl_micro_usd=2_000_000)
    breaker.record_failure("reverted", pnl_micro_usd=-4_000_000)
    breaker.record_success(pnl_micro_usd=-3_000_000)  # net -5.0 USD: at the limit, not beyond
    assert not breaker.tripped and breaker.state.net_pnl_micro_usd == -5_000_000
    breaker.record_success(pnl_micro_usd=-1)
    assert breaker.tripped and "exceeds the limit of 5000000" in breaker.state.reason


def test_state_survives_a_restart_until_reset(tmp_path: Path) -> None:
    first = CircuitBreaker.open(tmp_path, max_failures=1, loss_limit_micro_usd=10**6)
    first.record_failure("reverted")
    assert first.tripped
    second = CircuitBreaker.open(tmp_path, max_failures=1, loss_limit_micro_usd=10**6)
    assert second.tripped and second.state == first.state
    second.record_success(pnl_micro_usd=10**9)  # success does not untrip
    assert second.tripped
    second.reset()
    assert not second.tripped
    third = CircuitBreaker.open(tmp_path, max_failures=1, loss_limit_micro_usd=10**6)
    assert not third.tripped and third.state.consecutive_failures == 0
    assert json.loads((tmp_path / STATE_FILE).read_text())["tripped"] is False


def test_bad_settings_and_bad_state_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_failures must be at least 1, got 0"):
        CircuitBreaker(0, 1)
    with pytest.raises(ConfigError, match="loss_limit_micro_usd must be above 0"):
        CircuitBreaker(1, 0)
    (tmp_path / STATE_FILE).write_text('{"tripped": true, "colour": 1}')
    with pytest.raises(ConfigError, match="breaker state file .* is not valid"):
        CircuitBreaker.open(tmp_path, 1, 1)
