"""Gas pricing: EIP-1559 fees from the latest base fee plus a priority fee, capped by the configured
gas price cap, and gas limits from an estimate plus a margin. Integers (wei) only.

    pricer = GasPricer(priority_fee_wei=30 * GWEI, cap_wei=config.max_gas_price_wei)
    fees = pricer.quote(base_fee)          # FeeQuote(max_fee, max_priority_fee, ...)
    limit = gas_limit(estimate)            # estimate + 25 %
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import ConfigError

GWEI = 10**9
DEFAULT_PRIORITY_FEE_WEI = 30 * GWEI
"""Polygon's validators take transactions from a 25-30 gwei tip; less can wait for a long time."""
BASE_FEE_HEADROOM = 2
"""max fee = base fee x 2 + tip: stays valid through several full blocks (base fee +12.5 % each)."""
GAS_MARGIN_BPS = 2_500
"""Gas limit = estimate + 25 %."""
BUMP_BPS = 12_500
"""A replacement pays at least +12.5 % on both fee fields (nodes ask for +10 %)."""


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """The fee fields of one EIP-1559 transaction, in wei."""

    base_fee: int
    """The latest block's base fee."""
    max_priority_fee: int
    """The tip per gas."""
    max_fee: int
    """The most paid per gas (base fee + tip, at most)."""

    @property
    def expected(self) -> int:
        """What one gas costs if mined at the current base fee: min(max fee, base fee + tip)."""
        return min(self.max_fee, self.base_fee + self.max_priority_fee)

    @property
    def needed(self) -> int:
        """The least max fee that can be mined now (base fee + tip): what the gas cap is checked on."""
        return self.base_fee + self.max_priority_fee

    def bumped(self, cap_wei: int | None = None) -> FeeQuote:
        """The fees of a replacement: both fields +12.5 % (rounded up), the max fee at most `cap_wei`
        (but never below the bumped tip)."""
        tip = -(-self.max_priority_fee * BUMP_BPS // 10_000)
        max_fee = -(-self.max_fee * BUMP_BPS // 10_000)
        if cap_wei is not None:
            max_fee = min(max_fee, cap_wei)
        return FeeQuote(self.base_fee, tip, max(max_fee, tip))


@dataclass(frozen=True, slots=True)
class GasPricer:
    """Fees from the base fee: tip `priority_fee_wei`, max fee 2 x base + tip, capped at `cap_wei`."""

    priority_fee_wei: int = DEFAULT_PRIORITY_FEE_WEI
    cap_wei: int = 500 * GWEI

    def __post_init__(self) -> None:
        if self.priority_fee_wei < 0:
            raise ConfigError(f"priority fee must not be negative, got {self.priority_fee_wei} wei")
        if self.cap_wei <= 0:
            raise ConfigError(f"max_gas_price_gwei must be above 0, got {self.cap_wei} wei")

    def quote(self, base_fee: int) -> FeeQuote:
        """The fees to send with now. The max fee never exceeds the cap; when base fee + tip is above
        the cap, `needed` says so and the gas guard skips the trade."""
        if base_fee < 0:
            raise ValueError(f"base fee must not be negative, got {base_fee}")
        tip = min(self.priority_fee_wei, self.cap_wei)
        max_fee = min(self.cap_wei, BASE_FEE_HEADROOM * base_fee + tip)
        return FeeQuote(base_fee, tip, max(max_fee, tip))


def gas_limit(estimate: int, margin_bps: int = GAS_MARGIN_BPS) -> int:
    """`estimate` plus `margin_bps` (rounded up)."""
    if estimate <= 0:
        raise ValueError(f"gas estimate must be positive, got {estimate}")
    return -(-estimate * (10_000 + margin_bps) // 10_000)
