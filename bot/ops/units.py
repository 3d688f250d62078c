"""Exact conversions between human units (Decimal, at the edges) and the integers used inside.

USD amounts inside the bot are integers of micro-USD (1 USD = 1_000_000); native amounts are wei.
"""

from __future__ import annotations

from decimal import Decimal

MICRO_USD = 10**6
"""micro-USD per USD."""
WEI_PER_MATIC = 10**18
WEI_PER_GWEI = 10**9


def scaled_exact(value: Decimal, decimals: int) -> int:
    """`value` * 10**decimals as an int; ValueError if that is not a whole number (too many decimals)."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {decimals} decimal places")
    return int(scaled)


def usd_to_micro(value: Decimal) -> int:
    """USD (Decimal) -> micro-USD (int), exactly."""
    return scaled_exact(value, 6)


def format_micro_usd(micro: int) -> str:
    """micro-USD -> "$-1,234.567890" (exact, no float)."""
    sign = "-" if micro < 0 else ""
    whole, frac = divmod(abs(micro), MICRO_USD)
    return f"{sign}${whole:,}.{frac:06d}"


def format_wei(wei: int, symbol: str = "MATIC", places: int = 6) -> str:
    """wei -> "1.234567 MATIC", truncated (not rounded) to `places` decimals, exact."""
    sign = "-" if wei < 0 else ""
    whole, frac = divmod(abs(wei), WEI_PER_MATIC)
    digits = f"{frac:018d}"[:places]
    return f"{sign}{whole:,}.{digits} {symbol}" if places else f"{sign}{whole:,} {symbol}"
