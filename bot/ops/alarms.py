"""The low gas balance alarm: warn once when the executor's native balance falls below a threshold.

It re-arms when the balance is back at or above the threshold, so each crossing warns exactly once.
"""

from __future__ import annotations

import logging

from bot.ops.units import format_wei

logger = logging.getLogger(__name__)


class LowBalanceAlarm:
    """`check(balance_wei)` returns True (and logs a warning) on the block the balance drops below."""

    def __init__(self, threshold_wei: int, account: str = "executor") -> None:
        if threshold_wei < 0:
            raise ValueError(f"low balance threshold must not be negative, got {threshold_wei}")
        self.threshold_wei = threshold_wei
        self.account = account
        self.low = False

    def check(self, balance_wei: int) -> bool:
        """True exactly when this balance crosses below the threshold."""
        if balance_wei >= self.threshold_wei:
            if self.low:
                logger.info("%s gas balance is back to %s", self.account, format_wei(balance_wei))
            self.low = False
            return False
        if self.low:
            return False
        self.low = True
        logger.warning(
            "%s gas balance %s is below %s: top it up or trades will fail",
            self.account,
            format_wei(balance_wei),
            format_wei(self.threshold_wei),
        )
        return True
