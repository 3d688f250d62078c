"""SqrtPriceMath and SwapMath mirrors: the vectors of v3-core's own spec tests, and properties (pure)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.amm.sqrt_price_math import (
    get_amount0_delta,
    get_amount0_delta_signed,
    get_amount1_delta,
    get_amount1_delta_signed,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from bot.amm.swap_math import compute_swap_step
from bot.amm.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from bot.errors import AmmError

Q96 = 1 << 96
PRICE_1_1 = Q96  # encodePriceSqrt(1, 1)
PRICE_121_100 = 87150978765690771352898345369  # encodePriceSqrt(121, 100) = 1.1 * 2**96
PRICE_101_100 = 79623317895830914510639640423  # encodePriceSqrt(101, 100)
PRICE_1000_100 = 250541448375047931186413801569  # encodePriceSqrt(1000, 100)


def test_next_price_from_input_vectors() -> None:
    assert get_next_sqrt_price_from_input(PRICE_1_1, 10**17, 0, True) == PRICE_1_1
    assert get_next_sqrt_price_from_input(PRICE_1_1, 10**18, 10**17, False) == 87150978765690771352898345369
    assert get_next_sqrt_price_from_input(PRICE_1_1, 10**18, 10**17, True) == 72025602285694852357767227579
    # amountIn > type(uint96).max: the product overflows and the fallback formula rounds
    assert get_next_sqrt_price_from_input(PRICE_1_1, 10 * 10**18, 2**100, True) == 624999999995069620
    # the largest input that does not overflow the fallback's denominator gives the minimum price
    max_amount = (1 << 256) - 1 - (1 << 96)
    assert get_next_sqrt_price_from_input(1, 1, max_amount, True) == 1
    with pytest.raises(AmmError, match="overflows"):
        get_next_sqrt_price_from_input(1, 1, max_amount + 1, True)


def test_next_price_reverts_like_the_pool() -> None:
    with pytest.raises(AmmError, match="liquidity must be positive"):
        get_next_sqrt_price_from_input(PRICE_1_1, 0, 10**17, True)
    with pytest.raises(AmmError, match="sqrt price must be positive"):
        get_next_sqrt_price_from_input(0, 1, 10**17, True)
    # output equal to all the token1 virtual reserves
    with pytest.raises(AmmError, match="exceeds"):
        get_next_sqrt_price_from_output(20282409603651670423947251286016, 1024, 262144, True)
    # output equal to all the token0 virtual reserves
    with pytest.raises(AmmError, match="exceeds"):
        get_next_sqrt_price_from_output(20282409603651670423947251286016, 1024, 4, False)
    # the price would overflow uint160
    with pytest.raises(AmmError, match="uint160"):
        get_next_sqrt_price_from_input((1 << 160) - 1, 1024, 1024, False)


def test_amount_delta_vectors() -> None:
    assert get_amount0_delta(PRICE_1_1, PRICE_121_100, 10**18, True) == 90909090909090910
    assert get_amount0_delta(PRICE_1_1, PRICE_121_100, 10**18, False) == 90909090909090909
    assert get_amount1_delta(PRICE_1_1, PRICE_121_100, 10**18, True) == 100000000000000000
    assert get_amount1_delta(PRICE_1_1, PRICE_121_100, 10**18, False) == 99999999999999999
    assert get_amount0_delta(PRICE_1_1, PRICE_1_1, 10**18, True) == 0
    # signed overloads: positive liquidity rounds up, negative rounds down and negates
    assert get_amount0_delta_signed(PRICE_1_1, PRICE_121_100, 10**18) == 90909090909090910
    assert get_amount0_delta_signed(PRICE_1_1, PRICE_121_100, -(10**18)) == -90909090909090909
    assert get_amount1_delta_signed(PRICE_121_100, PRICE_1_1, -(10**18)) == -99999999999999999


def test_compute_swap_step_vectors() -> None:
    # exact amount in that gets capped at the price target, one for zero
    assert compute_swap_step(PRICE_1_1, PRICE_101_100, 2 * 10**18, 10**18, 600) == (
        PRICE_101_100,
        9975124224178055,
        9925619580021728,
        5988667735148,
    )
    # exact amount out that gets capped at the price target, one for zero
    assert compute_swap_step(PRICE_1_1, PRICE_101_100, 2 * 10**18, -(10**18), 600) == (
        PRICE_101_100,
        9975124224178055,
        9925619580021728,
        5988667735148,
    )
    # exact amount in that is fully spent, one for zero
    next_price, amount_in, amount_out, fee = compute_swap_step(
        PRICE_1_1, PRICE_1000_100, 2 * 10**18, 10**18, 600
    )
    assert (amount_in, amount_out, fee) == (999400000000000000, 666399946655997866, 600000000000000)
    assert next_price < PRICE_1000_100 and amount_in + fee == 10**18
    # the fee of a step whose input rounds to nothing is the whole remaining input
    assert compute_swap_step(2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872) == (
        2413,
        0,
        0,
        10,
    )


prices = st.integers(min_value=MIN_SQRT_RATIO, max_value=MAX_SQRT_RATIO - 1)


@settings(max_examples=300, deadline=None)
@given(
    current=prices,
    target=prices,
    liquidity=st.integers(min_value=0, max_value=(1 << 128) - 1),
    amount=st.integers(min_value=-(10**40), max_value=10**40).filter(bool),
    fee=st.sampled_from([0, 100, 500, 3000, 10_000, 999_999]),
)
def test_compute_swap_step_invariants(
    current: int, target: int, liquidity: int, amount: int, fee: int
) -> None:
    try:
        next_price, amount_in, amount_out, fee_amount = compute_swap_step(
            current, target, liquidity, amount, fee
        )
    except AmmError:
        return  # a revert of the Solidity (price leaves uint160): nothing to check
    zero_for_one = current >= target
    # the price moves towards the target and never past it
    if zero_for_one:
        assert target <= next_price <= current
    else:
        assert current <= next_price <= target
    if amount > 0:
        assert amount_in + fee_amount <= amount
    else:
        assert amount_out <= -amount
    if next_price != target and amount > 0:
        assert amount_in + fee_amount == amount
