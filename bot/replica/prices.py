"""The replica's one price table: the USD price of every token, as exact decimal strings.

Every venue (Uniswap V2 pairs, Uniswap V3 pools, Balancer pools, Curve, the Aave oracle) is seeded
from this table, so at build time all venues agree up to integer rounding and no arbitrage exists
until something moves a price. The figures are round, plausible values, not market data.

Prices become exact `Fraction`s; amounts become integers by flooring once, at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

from bot.errors import ReplicaError

USD_PRICES: Mapping[str, str] = MappingProxyType(
    {
        "WMATIC": "0.40",
        "WETH": "3000",
        "WBTC": "60000",
        "USDC": "1",
        "USDC.e": "1",
        "USDT": "1",
        "DAI": "1",
        "LINK": "15",
        "AAVE": "150",
        "UNI": "8",
        "SUSHI": "1",
        "MaticX": "0.44",
        "CRV": "0.40",
        "BAL": "2.50",
        "QUICK": "0.05",
        "GHST": "1",
    }
)
"""symbol -> USD per whole token (decimal string)."""

AAVE_ORACLE_DECIMALS = 8
"""The Aave oracle quotes USD with 8 decimals (BASE_CURRENCY_UNIT = 1e8)."""


def usd_price(symbol: str) -> Fraction:
    """USD per whole token of `symbol`, exactly."""
    try:
        return Fraction(USD_PRICES[symbol])
    except KeyError:
        known = ", ".join(USD_PRICES)
        raise ReplicaError(f"no price for {symbol!r} in the replica price table; known: {known}") from None


def raw_per_usd(symbol: str, decimals: int) -> Fraction:
    """Smallest token units per USD."""
    return Fraction(10**decimals) / usd_price(symbol)


def amount_for_usd(symbol: str, decimals: int, usd: int | Fraction) -> int:
    """The integer amount of `symbol` (smallest units, floored) worth `usd` dollars at table price."""
    if usd < 0:
        raise ReplicaError(f"negative USD value {usd} for {symbol}")
    return int(Fraction(usd) * raw_per_usd(symbol, decimals))


def raw_price(base: str, base_decimals: int, quote: str, quote_decimals: int) -> Fraction:
    """Smallest units of `quote` per smallest unit of `base` at table prices (a pool's mid price)."""
    return raw_per_usd(quote, quote_decimals) / raw_per_usd(base, base_decimals)


def aave_oracle_answer(symbol: str) -> int:
    """The Chainlink-style answer for `symbol`: USD price with 8 decimals, floored."""
    return int(usd_price(symbol) * 10**AAVE_ORACLE_DECIMALS)
