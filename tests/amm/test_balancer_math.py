"""Balancer LogExpMath, FixedPoint and weighted swap math: known values and properties (pure)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.amm import balancer_fixed_point as fp
from bot.amm import balancer_log_exp as lx
from bot.amm.balancer_weighted import (
    WeightedPoolState,
    calc_in_given_out,
    calc_out_given_in,
    weighted_out_given_in,
)
from bot.errors import AmmError

ONE = 10**18


def test_log_exp_known_values() -> None:
    assert lx.exp(0) == ONE
    assert lx.exp(ONE) == 2718281828459045235  # e, truncated at 18 decimals
    assert lx.exp(-ONE) == 367879441171442321  # 1/e
    assert lx.ln(ONE) == 0
    assert lx.ln(2 * ONE) == 693147180559945309
    assert lx.ln(ONE // 2) == -693147180559945309
    # 36-decimal branch near one, truncated towards zero as Solidity's signed division does
    assert lx.ln(95 * 10**16) == -51293294387550533
    assert lx.pow(2 * ONE, ONE // 2) == 1414213562373095047  # sqrt(2), within the stated error
    assert lx.pow(95 * 10**16, 10 * ONE) == 598736939238378906
    assert lx.pow(0, ONE) == 0 and lx.pow(12345, 0) == ONE
    assert lx.log(8 * ONE, 2 * ONE) == 3 * ONE + 1


def test_log_exp_bounds_revert_with_the_balancer_codes() -> None:
    with pytest.raises(AmmError, match="BAL#009"):
        lx.exp(131 * ONE)
    with pytest.raises(AmmError, match="BAL#009"):
        lx.exp(-42 * ONE)
    with pytest.raises(AmmError, match="BAL#100"):
        lx.ln(0)
    with pytest.raises(AmmError, match="BAL#006"):
        lx.pow(1 << 255, ONE)
    with pytest.raises(AmmError, match="BAL#007"):
        lx.pow(2 * ONE, lx.MILD_EXPONENT_BOUND)
    with pytest.raises(AmmError, match="BAL#008"):
        lx.pow(10**30, 10 * ONE)


@settings(max_examples=200, deadline=None)
@given(x=st.integers(min_value=10**6, max_value=10**30), y=st.integers(min_value=10**15, max_value=4 * ONE))
def test_pow_is_within_the_relative_error_the_pool_allows(x: int, y: int) -> None:
    try:
        raw = lx.pow(x, y)
    except AmmError:
        return  # out of the exponent range: the pool reverts too
    expected = math.exp(y / ONE * math.log(x / ONE)) * ONE
    if expected > 1e6:  # float check of an integer result where the float is meaningful
        assert abs(raw - expected) <= expected * 1e-9 + 2  # + truncation of the last wei
    if y not in (fp.ONE, fp.TWO, fp.FOUR):  # those take exact paths that skip LogExpMath
        assert fp.pow_down(x, y) <= raw <= fp.pow_up(x, y)


def test_fixed_point_rounding() -> None:
    assert fp.mul_down(3, ONE // 2) == 1 and fp.mul_up(3, ONE // 2) == 2
    assert fp.mul_up(0, 5) == 0 and fp.div_up(0, 5) == 0
    assert fp.div_down(1, 3 * ONE) == 0 and fp.div_up(1, 3 * ONE) == 1
    assert fp.complement(ONE + 1) == 0 and fp.complement(ONE // 4) == 3 * ONE // 4
    # exact paths of powUp / powDown for exponents 1, 2 and 4
    assert fp.pow_up(3 * ONE // 2, fp.TWO) == fp.mul_up(3 * ONE // 2, 3 * ONE // 2)
    assert fp.pow_down(3 * ONE // 2, fp.FOUR) == 5062500000000000000
    with pytest.raises(AmmError, match="BAL#001"):
        fp.sub(1, 2)
    with pytest.raises(AmmError, match="BAL#004"):
        fp.div_down(1, 0)
    with pytest.raises(AmmError, match="BAL#003"):
        fp.mul_down(1 << 200, 1 << 100)


def pool(
    balances=(10**24, 2 * 10**12), weights=(8 * 10**17, 2 * 10**17), fee=3 * 10**15
) -> WeightedPoolState:
    return WeightedPoolState(
        pool_id="0x" + "11" * 32,
        address="0xpool",
        tokens=("0xWMATIC", "0xUSDC"),
        balances=balances,
        normalized_weights=weights,
        swap_fee_percentage=fee,
        scaling_factors=(ONE, ONE * 10**12),
    )


def test_fifty_fifty_pool_is_the_constant_product_with_balancer_rounding() -> None:
    state = pool(balances=(10**21, 2 * 10**21), weights=(ONE // 2, ONE // 2), fee=0)
    state = WeightedPoolState(**{**_fields(state), "scaling_factors": (ONE, ONE)})
    out = calc_out_given_in(state, 0, 1, 10**19)
    # exponent 1: power = divUp(balance_in, balance_in + amount_in),
    # out = balance_out * (1 - power) rounded down
    power = fp.div_up(10**21, 10**21 + 10**19)
    assert out == fp.mul_down(2 * 10**21, ONE - power)
    # within the 18-decimal rounding of the base (balance_out * 1e-18) of the exact constant product
    assert abs(out - 2 * 10**21 * 10**19 // (10**21 + 10**19)) <= 2 * 10**21 // ONE


def _fields(state: WeightedPoolState) -> dict:
    return {name: getattr(state, name) for name in state.__dataclass_fields__}


@settings(max_examples=150, deadline=None)
@given(a=st.integers(min_value=1, max_value=3 * 10**23), b=st.integers(min_value=1, max_value=3 * 10**23))
def test_out_given_in_is_monotonic_and_in_given_out_covers_it(a: int, b: int) -> None:
    state = pool()
    lo, hi = sorted((a, b))
    out_lo, out_hi = calc_out_given_in(state, 0, 1, lo), calc_out_given_in(state, 0, 1, hi)
    assert out_lo <= out_hi < state.balances[1]
    if 0 < out_hi <= state.balances[1] * 3 // 10:  # beyond 30 % of the balance, GIVEN_OUT reverts
        # paying what in_given_out asks for yields at least that output: the pool rounds in its favour
        needed = calc_in_given_out(state, 0, 1, out_hi)
        one_unit_out = calc_in_given_out(state, 0, 1, 1)  # the input worth one wei of the output
        assert needed <= hi + hi // 10**9 + one_unit_out
        assert calc_out_given_in(state, 0, 1, needed) >= out_hi


def test_weighted_errors() -> None:
    state = pool()
    with pytest.raises(AmmError, match="BAL#304"):
        calc_out_given_in(state, 0, 1, 4 * 10**23)
    with pytest.raises(AmmError, match="BAL#305"):
        calc_in_given_out(state, 0, 1, 7 * 10**11)
    with pytest.raises(AmmError, match="outside"):
        calc_out_given_in(state, 0, 2, 1)
    with pytest.raises(AmmError, match="itself"):
        calc_out_given_in(state, 1, 1, 1)
    with pytest.raises(AmmError, match="positive"):
        calc_out_given_in(state, 0, 1, 0)
    with pytest.raises(AmmError, match="not in the pool"):
        state.index("0xDAI")
    assert state.index("0xusdc") == 1
    with pytest.raises(AmmError, match="entries"):
        WeightedPoolState(**{**_fields(state), "balances": (1,)})
    with pytest.raises(AmmError, match="swap fee"):
        WeightedPoolState(**{**_fields(state), "swap_fee_percentage": ONE})
    assert weighted_out_given_in(10**18, ONE // 2, 10**18, ONE // 2, 0) == 0
