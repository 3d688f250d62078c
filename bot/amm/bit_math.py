"""Mirrors Uniswap v3-core `BitMath` (contracts/libraries/BitMath.sol).

The Solidity finds the bit positions by binary search; Python's `int.bit_length` gives the same
positions directly.
"""

from bot.errors import AmmError


def most_significant_bit(x: int) -> int:
    """Index of the highest set bit of x > 0 (BitMath.mostSignificantBit)."""
    if x <= 0:
        raise AmmError(f"BitMath.mostSignificantBit: x must be positive, got {x}")
    return x.bit_length() - 1


def least_significant_bit(x: int) -> int:
    """Index of the lowest set bit of x > 0 (BitMath.leastSignificantBit)."""
    if x <= 0:
        raise AmmError(f"BitMath.leastSignificantBit: x must be positive, got {x}")
    return (x & -x).bit_length() - 1
