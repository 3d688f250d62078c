"""Mirrors Uniswap v3-core `FullMath` (contracts/libraries/FullMath.sol): mulDiv, mulDivRoundingUp.

The Solidity computes floor(a * b / denominator) through a 512-bit intermediate product and reverts
when the denominator is zero or the result does not fit in 256 bits. Python integers are unbounded,
so one multiplication and one floor division give the same quotient; the two revert conditions are
checked explicitly.
"""

from bot.errors import AmmError

MAX_UINT256 = (1 << 256) - 1


def mul_div(a: int, b: int, denominator: int) -> int:
    """floor(a * b / denominator), as FullMath.mulDiv."""
    if denominator <= 0:
        raise AmmError(f"FullMath.mulDiv: denominator must be positive, got {denominator}")
    result = a * b // denominator
    if result > MAX_UINT256:
        raise AmmError(f"FullMath.mulDiv: result {result} does not fit in uint256")
    return result


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """ceil(a * b / denominator), as FullMath.mulDivRoundingUp."""
    if denominator <= 0:
        raise AmmError(f"FullMath.mulDivRoundingUp: denominator must be positive, got {denominator}")
    result = -(-(a * b) // denominator)
    if result > MAX_UINT256:
        raise AmmError(f"FullMath.mulDivRoundingUp: result {result} does not fit in uint256")
    return result
