"""Mirrors Uniswap v3-core `LiquidityMath.addDelta` (contracts/libraries/LiquidityMath.sol)."""

from bot.errors import AmmError

MAX_UINT128 = (1 << 128) - 1


def add_delta(x: int, y: int) -> int:
    """x + y for a uint128 liquidity x and an int128 delta y; reverts ('LS'/'LA') on under/overflow."""
    z = x + y
    if z < 0:
        raise AmmError(f"LiquidityMath.addDelta: liquidity {x} minus {-y} underflows (LS)")
    if z > MAX_UINT128:
        raise AmmError(f"LiquidityMath.addDelta: liquidity {x} plus {y} overflows uint128 (LA)")
    return z
