"""May this opportunity be sent? Pure checks returning a decision with a reason.

Every input is an integer: profits in the asset's smallest units, prices as integers with their own
decimals (like an oracle's answer), gas prices in wei. USD values are micro-USD.

    guards = Guards.from_config(config)
    decision = guards.check(Candidate(...), paused=False, breaker_tripped=False)
    if not decision.taken: journal.record_decision(opportunity_id, False, decision.reason.value)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from bot.ops.config import LenderSource
from bot.ops.units import MICRO_USD

if TYPE_CHECKING:
    from bot.ops.config import BotConfig


class Reason(str, Enum):
    """Why an opportunity was taken or skipped (stored in the journal and the metrics' labels)."""

    TAKEN = "taken"
    """Every guard passed."""
    PAUSED = "paused"
    """The operator paused sending."""
    BREAKER_TRIPPED = "breaker_tripped"
    """The circuit breaker is tripped."""
    LENDER_NOT_ALLOWED = "lender_not_allowed"
    """The lender is not in the configured list."""
    GAS_PRICE_ABOVE_CAP = "gas_price_above_cap"
    """The max fee per gas is above max_gas_price_gwei."""
    NO_USD_PRICE = "no_usd_price"
    """The profit's asset has no USD price, so the profit range cannot be checked."""
    PROFIT_BELOW_MIN = "profit_below_min"
    """Net profit in USD is below min_profit_usd."""
    PROFIT_ABOVE_MAX = "profit_above_max"
    """Net profit in USD is above max_profit_usd: likely stale data or a trap."""
    LENDER_LIQUIDITY = "lender_liquidity"
    """The lender cannot lend the amount."""


@dataclass(frozen=True, slots=True)
class UsdPrice:
    """The USD price of one whole token as an integer with `decimals` decimals (Aave's oracle: 8)."""

    value: int
    decimals: int

    def __post_init__(self) -> None:
        if self.value < 0 or not 0 <= self.decimals <= 36:
            raise ValueError(f"UsdPrice needs value >= 0 and 0 <= decimals <= 36, got {self!r}")


def to_micro_usd(amount: int, token_decimals: int, price: UsdPrice) -> int:
    """`amount` (smallest units of a token with `token_decimals`) in micro-USD, rounded towards minus
    infinity (a loss never rounds to zero)."""
    scale: int = 10 ** (token_decimals + price.decimals)
    return amount * price.value * MICRO_USD // scale


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the guards need to know about one opportunity."""

    lender: LenderSource
    """Where the capital would come from."""
    amount_borrowed: int
    """The loan, in the asset's smallest units."""
    net_profit: int
    """Net profit (after loan fee and gas) in the asset's smallest units."""
    asset_decimals: int
    """The asset's ERC20 decimals."""
    asset_price: UsdPrice | None
    """The asset's USD price; None if unknown."""
    max_fee_per_gas: int
    """The max fee per gas the transaction would carry, in wei."""
    lender_liquidity: int
    """What the lender can lend of the asset right now, in smallest units."""

    @property
    def net_profit_micro_usd(self) -> int | None:
        """net_profit in micro-USD, or None without a price."""
        if self.asset_price is None:
            return None
        return to_micro_usd(self.net_profit, self.asset_decimals, self.asset_price)


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict on one candidate."""

    reason: Reason
    """Reason.TAKEN, or why it was skipped."""
    detail: str = ""
    """The numbers behind the reason, for the journal and logs."""

    @property
    def taken(self) -> bool:
        return self.reason is Reason.TAKEN


@dataclass(frozen=True, slots=True)
class Guards:
    """The configured limits; `check` applies them in a fixed order and stops at the first failure."""

    min_profit_micro_usd: int
    max_profit_micro_usd: int | None
    max_gas_price_wei: int
    lenders: frozenset[LenderSource]

    @classmethod
    def from_config(cls, config: BotConfig) -> Guards:
        return cls(
            min_profit_micro_usd=config.min_profit_micro_usd,
            max_profit_micro_usd=config.max_profit_micro_usd,
            max_gas_price_wei=config.max_gas_price_wei,
            lenders=frozenset(config.lenders),
        )

    def check(self, candidate: Candidate, *, paused: bool = False, breaker_tripped: bool = False) -> Decision:
        if paused:
            return Decision(Reason.PAUSED, "sending is paused by the operator")
        if breaker_tripped:
            return Decision(Reason.BREAKER_TRIPPED, "the circuit breaker is tripped")
        if candidate.lender not in self.lenders:
            allowed = ", ".join(sorted(lender.value for lender in self.lenders))
            return Decision(Reason.LENDER_NOT_ALLOWED, f"{candidate.lender.value} not in {allowed}")
        if candidate.max_fee_per_gas > self.max_gas_price_wei:
            return Decision(
                Reason.GAS_PRICE_ABOVE_CAP,
                f"max fee per gas {candidate.max_fee_per_gas} wei > cap {self.max_gas_price_wei} wei",
            )
        profit = candidate.net_profit_micro_usd
        if profit is None:
            return Decision(Reason.NO_USD_PRICE, "the asset has no USD price")
        if profit < self.min_profit_micro_usd:
            return Decision(
                Reason.PROFIT_BELOW_MIN, f"net profit {profit} micro-USD < min {self.min_profit_micro_usd}"
            )
        if self.max_profit_micro_usd is not None and profit > self.max_profit_micro_usd:
            return Decision(
                Reason.PROFIT_ABOVE_MAX, f"net profit {profit} micro-USD > max {self.max_profit_micro_usd}"
            )
        if candidate.amount_borrowed > candidate.lender_liquidity:
            return Decision(
                Reason.LENDER_LIQUIDITY,
                f"{candidate.lender.value} can lend {candidate.lender_liquidity}, "
                f"the trade needs {candidate.amount_borrowed}",
            )
        return Decision(Reason.TAKEN, f"net profit {profit} micro-USD")


_SOURCE_BY_ROUTE_LENDER = {
    "AAVE": LenderSource.AAVE,
    "BALANCER": LenderSource.BALANCER,
    "UNISWAP_V2": LenderSource.FLASH_SWAP,
    "UNISWAP_V3": LenderSource.FLASH_SWAP,
    "ALGEBRA": LenderSource.FLASH_SWAP,
}


def lender_source(route_lender: Enum) -> LenderSource:
    """The configurable source of a `bot.route.model.Lender` (every pool flash swap is "flash_swap")."""
    try:
        return _SOURCE_BY_ROUTE_LENDER[route_lender.name]
    except KeyError:
        raise ValueError(f"no lender source for route lender {route_lender!r}") from None
