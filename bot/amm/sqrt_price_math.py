"""Mirrors Uniswap v3-core `SqrtPriceMath` (contracts/libraries/SqrtPriceMath.sol).

Prices are Q64.96 sqrt prices, liquidity is uint128, amounts are uint256. Each function keeps the
Solidity's rounding direction and its overflow fallbacks, which change the result by a wei in the
cases they cover, and raises AmmError where the Solidity reverts.
"""

from bot.amm.full_math import mul_div, mul_div_rounding_up
from bot.amm.unsafe_math import div_rounding_up
from bot.errors import AmmError

RESOLUTION = 96
Q96 = 1 << 96
_TWO_256 = 1 << 256
_TWO_160 = 1 << 160
_MAX_UINT160 = _TWO_160 - 1


def get_next_sqrt_price_from_amount0_rounding_up(
    sqrt_price_x96: int, liquidity: int, amount: int, add: bool
) -> int:
    """The price after adding (or removing) `amount` of token0, rounded up
    (SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp)."""
    if amount == 0:
        return sqrt_price_x96
    numerator1 = liquidity << RESOLUTION
    product = amount * sqrt_price_x96
    if add:
        if product < _TWO_256:  # amount * price did not overflow
            denominator = numerator1 + product
            if denominator < _TWO_256:  # nor did the sum
                return mul_div_rounding_up(numerator1, sqrt_price_x96, denominator)
        # the Solidity's fallback formula: rounds differently, so it is kept
        denominator = numerator1 // sqrt_price_x96 + amount
        if denominator >= _TWO_256:
            raise AmmError("SqrtPriceMath: numerator1 / sqrtPX96 + amount overflows uint256")
        return div_rounding_up(numerator1, denominator)
    if product >= _TWO_256 or numerator1 <= product:
        raise AmmError(
            f"SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp: removing {amount} of token0 exceeds "
            f"what liquidity {liquidity} holds at sqrt price {sqrt_price_x96}"
        )
    result = mul_div_rounding_up(numerator1, sqrt_price_x96, numerator1 - product)
    if result > _MAX_UINT160:
        raise AmmError(f"SqrtPriceMath: next sqrt price {result} does not fit in uint160")
    return result


def get_next_sqrt_price_from_amount1_rounding_down(
    sqrt_price_x96: int, liquidity: int, amount: int, add: bool
) -> int:
    """The price after adding (or removing) `amount` of token1, rounded down
    (SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown)."""
    if add:
        # (amount << 96) / liquidity and FullMath.mulDiv(amount, Q96, liquidity) are the same floor
        quotient = (
            mul_div(amount, Q96, liquidity) if amount > _MAX_UINT160 else (amount << RESOLUTION) // liquidity
        )
        result = sqrt_price_x96 + quotient
        if result > _MAX_UINT160:
            raise AmmError(f"SqrtPriceMath: next sqrt price {result} does not fit in uint160")
        return result
    quotient = (
        mul_div_rounding_up(amount, Q96, liquidity)
        if amount > _MAX_UINT160
        else div_rounding_up(amount << RESOLUTION, liquidity)
    )
    if sqrt_price_x96 <= quotient:
        raise AmmError(
            f"SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown: removing {amount} of token1 exceeds "
            f"what liquidity {liquidity} holds at sqrt price {sqrt_price_x96}"
        )
    return sqrt_price_x96 - quotient


def _require_price_and_liquidity(sqrt_price_x96: int, liquidity: int) -> None:
    if sqrt_price_x96 <= 0:
        raise AmmError(f"SqrtPriceMath: sqrt price must be positive, got {sqrt_price_x96}")
    if liquidity <= 0:
        raise AmmError(f"SqrtPriceMath: liquidity must be positive, got {liquidity}")


def get_next_sqrt_price_from_input(
    sqrt_price_x96: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> int:
    """The price after `amount_in` of the input token, rounded so as not to pass the target
    (SqrtPriceMath.getNextSqrtPriceFromInput)."""
    _require_price_and_liquidity(sqrt_price_x96, liquidity)
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(sqrt_price_x96, liquidity, amount_in, True)
    return get_next_sqrt_price_from_amount1_rounding_down(sqrt_price_x96, liquidity, amount_in, True)


def get_next_sqrt_price_from_output(
    sqrt_price_x96: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> int:
    """The price after taking `amount_out` of the output token, rounded so as to pass the target
    (SqrtPriceMath.getNextSqrtPriceFromOutput)."""
    _require_price_and_liquidity(sqrt_price_x96, liquidity)
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(sqrt_price_x96, liquidity, amount_out, False)
    return get_next_sqrt_price_from_amount0_rounding_up(sqrt_price_x96, liquidity, amount_out, False)


def get_amount0_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """token0 between two prices for a uint128 liquidity (SqrtPriceMath.getAmount0Delta)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        raise AmmError(f"SqrtPriceMath.getAmount0Delta: sqrt price must be positive, got {sqrt_ratio_a_x96}")
    numerator1 = liquidity << RESOLUTION
    numerator2 = sqrt_ratio_b_x96 - sqrt_ratio_a_x96
    if round_up:
        return div_rounding_up(
            mul_div_rounding_up(numerator1, numerator2, sqrt_ratio_b_x96), sqrt_ratio_a_x96
        )
    return mul_div(numerator1, numerator2, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """token1 between two prices for a uint128 liquidity (SqrtPriceMath.getAmount1Delta)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if round_up:
        return mul_div_rounding_up(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def get_amount0_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """token0 owed for a signed liquidity delta (the int128 overload of getAmount0Delta)."""
    if liquidity < 0:
        return -get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False)
    return get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True)


def get_amount1_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """token1 owed for a signed liquidity delta (the int128 overload of getAmount1Delta)."""
    if liquidity < 0:
        return -get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False)
    return get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True)
