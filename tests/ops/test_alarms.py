"""The low gas balance alarm warns once per crossing."""

from __future__ import annotations

import logging

import pytest

from bot.ops.alarms import LowBalanceAlarm


def test_warns_once_per_crossing(caplog: pytest.LogCaptureFixture) -> None:
    alarm = LowBalanceAlarm(threshold_wei=5 * 10**18)
    with caplog.at_level(logging.WARNING, logger="bot.ops.alarms"):
        assert alarm.check(6 * 10**18) is False
        assert alarm.check(5 * 10**18) is False  # at the threshold is not low
        assert alarm.check(5 * 10**18 - 1) is True
        assert alarm.check(10**18) is False  # still low: no second warning
        assert alarm.check(7 * 10**18) is False  # topped up: re-armed
        assert alarm.check(4 * 10**18) is True
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "4.999999 MATIC is below 5.000000 MATIC" in warnings[0].getMessage()


def test_negative_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        LowBalanceAlarm(-1)
