"""TickMath, BitMath, FullMath, LiquidityMath mirrors: known vectors and properties (pure)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.amm.bit_math import least_significant_bit, most_significant_bit
from bot.amm.full_math import MAX_UINT256, mul_div, mul_div_rounding_up
from bot.amm.liquidity_math import add_delta
from bot.amm.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from bot.errors import AmmError

ticks = st.integers(min_value=MIN_TICK, max_value=MAX_TICK)


def test_known_sqrt_ratios() -> None:
    # the values v3-core's TickMath tests assert
    assert get_sqrt_ratio_at_tick(MIN_TICK) == MIN_SQRT_RATIO == 4295128739
    assert get_sqrt_ratio_at_tick(MIN_TICK + 1) == 4295343490
    assert get_sqrt_ratio_at_tick(MAX_TICK - 1) == 1461373636630004318706518188784493106690254656249
    assert get_sqrt_ratio_at_tick(MAX_TICK) == MAX_SQRT_RATIO
    assert get_sqrt_ratio_at_tick(0) == 1 << 96


def test_known_ticks() -> None:
    assert get_tick_at_sqrt_ratio(MIN_SQRT_RATIO) == MIN_TICK
    assert get_tick_at_sqrt_ratio(4295343490) == MIN_TICK + 1
    assert get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - 1) == MAX_TICK - 1
    assert get_tick_at_sqrt_ratio(1 << 96) == 0
    assert get_tick_at_sqrt_ratio((1 << 96) - 1) == -1


@pytest.mark.parametrize("tick", [MIN_TICK - 1, MAX_TICK + 1])
def test_tick_out_of_range_reverts(tick: int) -> None:
    with pytest.raises(AmmError, match=r"\(T\)"):
        get_sqrt_ratio_at_tick(tick)


@pytest.mark.parametrize("price", [MIN_SQRT_RATIO - 1, MAX_SQRT_RATIO, 0])
def test_price_out_of_range_reverts(price: int) -> None:
    with pytest.raises(AmmError, match=r"\(R\)"):
        get_tick_at_sqrt_ratio(price)


@settings(max_examples=300, deadline=None)
@given(tick=ticks)
def test_sqrt_ratio_is_close_to_the_real_value(tick: int) -> None:
    # within 1e-9 relative of sqrt(1.0001^tick) * 2^96 (a float check of an integer result, never an input)
    expected = math.exp(tick * math.log(1.0001) / 2) * 2**96
    assert abs(get_sqrt_ratio_at_tick(tick) - expected) <= expected * 1e-9 + 1


@settings(max_examples=300, deadline=None)
@given(tick=st.integers(min_value=MIN_TICK, max_value=MAX_TICK - 1), offset=st.integers(min_value=0))
def test_tick_at_sqrt_ratio_is_the_greatest_tick_at_or_below(tick: int, offset: int) -> None:
    low = get_sqrt_ratio_at_tick(tick)
    high = get_sqrt_ratio_at_tick(tick + 1)
    assert low < high
    price = low + offset % (high - low)
    assert get_tick_at_sqrt_ratio(price) == tick
    assert get_tick_at_sqrt_ratio(high - 1) == tick
    if tick > MIN_TICK:
        assert get_tick_at_sqrt_ratio(low - 1) == tick - 1


def test_bit_math() -> None:
    assert most_significant_bit(1) == 0 and least_significant_bit(1) == 0
    assert most_significant_bit(MAX_UINT256) == 255 and least_significant_bit(MAX_UINT256) == 0
    assert most_significant_bit(1 << 255) == 255 and least_significant_bit(1 << 255) == 255
    assert most_significant_bit(0b1011000) == 6 and least_significant_bit(0b1011000) == 3
    with pytest.raises(AmmError):
        most_significant_bit(0)
    with pytest.raises(AmmError):
        least_significant_bit(0)


def test_full_math_512_bit_intermediate_and_overflow() -> None:
    q128 = 1 << 128
    # from v3-core's FullMath tests: a product over 256 bits with a result that fits
    assert mul_div(q128, 35 * q128, 8 * q128) == 4375 * q128 // 1000
    assert mul_div(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256
    assert mul_div_rounding_up(q128, 1000 * q128, 3000 * q128) == 113427455640312821154458202477256070486
    with pytest.raises(AmmError, match="does not fit"):
        mul_div(q128, q128, 1)
    with pytest.raises(AmmError, match="denominator"):
        mul_div(1, 1, 0)
    with pytest.raises(AmmError, match="does not fit"):
        mul_div_rounding_up(
            535006138814359, 432862656469423142931042426214547535783388063929571229938474969, 2
        )


def test_liquidity_add_delta() -> None:
    assert add_delta(1, 0) == 1 and add_delta(1, -1) == 0 and add_delta(1, 1) == 2
    with pytest.raises(AmmError, match="LS"):
        add_delta(0, -1)
    with pytest.raises(AmmError, match="LA"):
        add_delta((1 << 128) - 15, 15)
