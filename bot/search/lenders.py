"""Where a cycle's working capital can come from, and what it costs.

Three sources, cheapest first: the first hop's own pool (a Uniswap V2 flash swap or the V3 swap
callback: no fee beyond the swap itself, and no separate loan to pay for in gas); the Balancer Vault
(fee read on-chain, 0 today; not for routes with a Balancer hop, which the Vault's reentrancy guard
forbids); Aave V3 flashLoanSimple (the premium read on-chain, passed in). A lender with a known
liquidity cap can lend at most that much.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.errors import ConfigError
from bot.route.model import HopKind, Lender
from bot.search.graph import Cycle

_POOL_LENDER = {
    HopKind.UNISWAP_V2: Lender.UNISWAP_V2,
    HopKind.UNISWAP_V3: Lender.UNISWAP_V3,
    HopKind.ALGEBRA: Lender.ALGEBRA,
}
"""The lender a cycle's first pool is, by its kind (a flash swap paid back inside the swap)."""


@dataclass(frozen=True, slots=True)
class LenderOption:
    """One way to borrow a cycle's asset."""

    lender: Lender
    fee_bps: int
    """Fee in basis points of the amount (Aave rounds it half up)."""
    cap: int | None
    """The most this lender can lend (None: unknown or unbounded)."""

    def fee(self, amount: int) -> int:
        """The fee on `amount`: Aave's percentMul rounds half up, Balancer's mulUp rounds up."""
        if self.fee_bps == 0:
            return 0
        if self.lender is Lender.AAVE:
            return (amount * self.fee_bps + 5_000) // 10_000
        return -(-amount * self.fee_bps // 10_000)


@dataclass(frozen=True, slots=True)
class LenderTerms:
    """What each lender offers, read on-chain by the caller and passed in."""

    aave_premium_bps: int
    """Aave's FLASHLOAN_PREMIUM_TOTAL (Pool.FLASHLOAN_PREMIUM_TOTAL()), in bps."""
    aave_assets: frozenset[str] = frozenset()
    """Aave reserves with flash loans enabled."""
    balancer_assets: frozenset[str] = frozenset()
    """Tokens the Balancer Vault holds."""
    balancer_fee_bps: int = 0
    """The Vault's flash-loan fee (ProtocolFeesCollector.getFlashLoanFeePercentage), in bps."""
    aave_liquidity: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """asset -> what Aave can lend (the aToken's underlying balance), where known."""
    balancer_liquidity: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """asset -> the Vault's balance, where known."""
    pool_lender: bool = True
    """Allow the first hop's pool (V2 flash swap, V3 callback) as the lender."""

    def __post_init__(self) -> None:
        for name in ("aave_premium_bps", "balancer_fee_bps"):
            value = getattr(self, name)
            if not 0 <= value < 10_000:
                raise ConfigError(f"LenderTerms.{name} must be in [0, 10000) bps, got {value}")

    def options(self, cycle: Cycle) -> list[LenderOption]:
        """The lenders that can fund `cycle`, cheapest first (fee, then gas)."""
        found = []
        first = cycle.legs[0].kind
        if self.pool_lender and first in _POOL_LENDER:
            lender = _POOL_LENDER[first]
            found.append(LenderOption(lender, 0, None))
        has_balancer_hop = any(leg.kind is HopKind.BALANCER for leg in cycle.legs)
        if cycle.asset in self.balancer_assets and not has_balancer_hop:
            found.append(
                LenderOption(Lender.BALANCER, self.balancer_fee_bps, self.balancer_liquidity.get(cycle.asset))
            )
        if cycle.asset in self.aave_assets:
            found.append(
                LenderOption(Lender.AAVE, self.aave_premium_bps, self.aave_liquidity.get(cycle.asset))
            )
        order = {
            Lender.UNISWAP_V2: 0,
            Lender.UNISWAP_V3: 0,
            Lender.ALGEBRA: 0,
            Lender.BALANCER: 1,
            Lender.AAVE: 2,
        }
        found.sort(key=lambda option: (option.fee_bps, order[option.lender]))
        return found
