"""Mirrors Uniswap v2-periphery `UniswapV2Library.getAmountOut` / `getAmountIn`
(contracts/libraries/UniswapV2Library.sol), with the pool's fee as a parameter.

The library hard-codes 997/1000 (a 30 bps fee), which is what QuickSwap and SushiSwap charge on
Polygon; forks with another fee change those two numbers and nothing else, so the fee is given as a
numerator/denominator pair: the fraction of the input that is kept (997/1000), or as an int in
basis points (30), converted by `fee_from_bps`.
"""

from typing import NamedTuple

from bot.errors import AmmError


class V2Fee(NamedTuple):
    """The part of the input a pair keeps after its fee: numerator / denominator (997 / 1000)."""

    numerator: int
    denominator: int


UNISWAP_V2_FEE = V2Fee(997, 1000)
"""30 bps, the Uniswap V2 / QuickSwap / SushiSwap fee."""


def fee_from_bps(bps: int) -> V2Fee:
    """The V2Fee of a fee in basis points (30 -> 9970/10000, the same ratio as 997/1000)."""
    if not 0 <= bps < 10_000:
        raise AmmError(f"V2 fee must be in [0, 10000) basis points, got {bps}")
    return V2Fee(10_000 - bps, 10_000)


def _as_fee(fee: V2Fee | int) -> V2Fee:
    if isinstance(fee, int):
        return fee_from_bps(fee)
    if not 0 < fee.numerator <= fee.denominator:
        raise AmmError(f"V2 fee {fee.numerator}/{fee.denominator} must satisfy 0 < numerator <= denominator")
    return fee


def get_amount_out(
    amount_in: int, reserve_in: int, reserve_out: int, fee: V2Fee | int = UNISWAP_V2_FEE
) -> int:
    """Output of a swap of `amount_in` against reserves (UniswapV2Library.getAmountOut)."""
    if amount_in <= 0:
        raise AmmError(f"UniswapV2: amount_in must be positive, got {amount_in} (INSUFFICIENT_INPUT_AMOUNT)")
    if reserve_in <= 0 or reserve_out <= 0:
        raise AmmError(
            f"UniswapV2: reserves must be positive, got {reserve_in} in / {reserve_out} out "
            "(INSUFFICIENT_LIQUIDITY)"
        )
    fee = _as_fee(fee)
    amount_in_with_fee = amount_in * fee.numerator
    return amount_in_with_fee * reserve_out // (reserve_in * fee.denominator + amount_in_with_fee)


def get_amount_in(
    amount_out: int, reserve_in: int, reserve_out: int, fee: V2Fee | int = UNISWAP_V2_FEE
) -> int:
    """Smallest input that yields at least `amount_out` (UniswapV2Library.getAmountIn)."""
    if amount_out <= 0:
        raise AmmError(
            f"UniswapV2: amount_out must be positive, got {amount_out} (INSUFFICIENT_OUTPUT_AMOUNT)"
        )
    if reserve_in <= 0 or reserve_out <= 0:
        raise AmmError(
            f"UniswapV2: reserves must be positive, got {reserve_in} in / {reserve_out} out "
            "(INSUFFICIENT_LIQUIDITY)"
        )
    if amount_out >= reserve_out:
        # the Solidity's SafeMath sub underflows (or divides by zero) here: the pair cannot pay it
        raise AmmError(f"UniswapV2: amount_out {amount_out} must be below the output reserve {reserve_out}")
    fee = _as_fee(fee)
    numerator = reserve_in * amount_out * fee.denominator
    denominator = (reserve_out - amount_out) * fee.numerator
    return numerator // denominator + 1


def get_amounts_out(
    amount_in: int, reserves: list[tuple[int, int]], fees: list[V2Fee | int] | None = None
) -> list[int]:
    """Chained getAmountOut over (reserve_in, reserve_out) pairs (UniswapV2Library.getAmountsOut)."""
    if not reserves:
        raise AmmError("UniswapV2: a path needs at least one pair (INVALID_PATH)")
    if fees is not None and len(fees) != len(reserves):
        raise AmmError(f"UniswapV2: {len(fees)} fees for {len(reserves)} pairs")
    amounts = [amount_in]
    for k, (reserve_in, reserve_out) in enumerate(reserves):
        amounts.append(
            get_amount_out(amounts[-1], reserve_in, reserve_out, fees[k] if fees else UNISWAP_V2_FEE)
        )
    return amounts
