"""USD prices from on-chain pools, as integers: a token's price in native (the search's PriceTable,
mid prices along the deepest paths) times native's price in a USD stablecoin (USDC by default).

    usd = UsdPricer(prices, usdc_address, 6)
    usd.price(weth, 18)           # UsdPrice(value, decimals=18): USD per whole WETH
    usd.micro(weth, 18, amount)   # amount of WETH in micro-USD (None if no path to the stablecoin)
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.ops.guards import UsdPrice, to_micro_usd
from bot.search.prices import PriceTable

PRICE_DECIMALS = 18
"""Decimals of the UsdPrice values built here."""


@dataclass(frozen=True, slots=True)
class UsdPricer:
    """USD prices through `usd_token` (a dollar stablecoin with `usd_decimals`), taken as $1."""

    prices: PriceTable
    usd_token: str
    usd_decimals: int

    def price(self, token: str, decimals: int) -> UsdPrice | None:
        """USD per whole `token`, with 18 decimals; None if the token or the stablecoin has no price."""
        scale = decimals + PRICE_DECIMALS - self.usd_decimals
        if scale < 0:
            return None
        native = self.prices.to_native(token, 10**scale)
        if native is None:
            return None
        value = self.prices.from_native(self.usd_token, native)
        return None if value is None else UsdPrice(value, PRICE_DECIMALS)

    def micro(self, token: str, decimals: int, amount: int) -> int | None:
        """`amount` of `token` in micro-USD (rounded towards minus infinity), or None."""
        price = self.price(token, decimals)
        return None if price is None else to_micro_usd(amount, decimals, price)
