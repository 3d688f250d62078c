"""Mirrors Uniswap v3-core `UnsafeMath.divRoundingUp` (contracts/libraries/UnsafeMath.sol)."""


def div_rounding_up(x: int, y: int) -> int:
    """ceil(x / y) for unsigned x, y. Like the EVM's DIV and MOD, a zero divisor yields 0 (the callers
    in SqrtPriceMath rule that case out before they get here)."""
    if y == 0:
        return 0
    return -(-x // y)
