"""Uniswap V2 getAmountOut / getAmountIn: known values and properties (pure, no chain)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.amm.uniswap_v2 import (
    UNISWAP_V2_FEE,
    V2Fee,
    fee_from_bps,
    get_amount_in,
    get_amount_out,
    get_amounts_out,
)
from bot.errors import AmmError

reserves = st.integers(min_value=1_000, max_value=10**30)
amounts = st.integers(min_value=1, max_value=10**27)


def test_known_value_matches_the_library_formula() -> None:
    # 1 ETH into 100 ETH / 200_000 USDC: 1e18 * 997 * 200_000e6 / (100e18 * 1000 + 1e18 * 997)
    out = get_amount_out(10**18, 100 * 10**18, 200_000 * 10**6)
    assert out == 997 * 10**18 * 200_000 * 10**6 // (100 * 10**18 * 1000 + 997 * 10**18)
    assert out == 1_974_316_068


def test_fee_in_bps_is_the_same_ratio() -> None:
    assert fee_from_bps(30) == V2Fee(9970, 10_000)
    assert get_amount_out(12345678, 10**12, 10**15, fee_from_bps(30)) == get_amount_out(
        12345678, 10**12, 10**15
    )
    # no fee: plain constant product, rounded down
    assert get_amount_out(10, 100, 100, fee_from_bps(0)) == 10 * 100 // 110


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: get_amount_out(0, 10, 10), "INSUFFICIENT_INPUT_AMOUNT"),
        (lambda: get_amount_out(1, 0, 10), "INSUFFICIENT_LIQUIDITY"),
        (lambda: get_amount_in(0, 10, 10), "INSUFFICIENT_OUTPUT_AMOUNT"),
        (lambda: get_amount_in(10, 10, 10), "below the output reserve"),
        (lambda: fee_from_bps(10_000), "basis points"),
        (lambda: get_amount_out(1, 10, 10, V2Fee(1001, 1000)), "numerator <= denominator"),
        (lambda: get_amounts_out(1, []), "INVALID_PATH"),
    ],
)
def test_bad_inputs_raise_named_errors(call, message: str) -> None:
    with pytest.raises(AmmError, match=message):
        call()


@settings(max_examples=200, deadline=None)
@given(amount=amounts, r_in=reserves, r_out=reserves, bps=st.integers(0, 100))
def test_amount_in_is_the_least_input_for_the_output(amount: int, r_in: int, r_out: int, bps: int) -> None:
    fee = fee_from_bps(bps)
    out = get_amount_out(amount, r_in, r_out, fee)
    if out == 0:
        return
    needed = get_amount_in(out, r_in, r_out, fee)
    # getAmountIn is the inverse of getAmountOut within one wei: enough input, and never more than asked + 1
    assert get_amount_out(needed, r_in, r_out, fee) >= out
    assert needed <= amount + 1
    if needed > 1:
        assert get_amount_out(needed - 1, r_in, r_out, fee) <= out


@settings(max_examples=200, deadline=None)
@given(a=amounts, b=amounts, r_in=reserves, r_out=reserves)
def test_output_is_monotonic_and_below_the_reserve(a: int, b: int, r_in: int, r_out: int) -> None:
    lo, hi = sorted((a, b))
    out_lo = get_amount_out(lo, r_in, r_out)
    out_hi = get_amount_out(hi, r_in, r_out)
    assert out_lo <= out_hi < r_out
    # constant product never decreases (the fee stays in the pool)
    assert (r_in + hi) * (r_out - out_hi) >= r_in * r_out


def test_amounts_out_chains_hops() -> None:
    hops = [(10**21, 2 * 10**21), (5 * 10**20, 10**20)]
    amounts_ = get_amounts_out(10**18, hops, [UNISWAP_V2_FEE, fee_from_bps(25)])
    assert amounts_[1] == get_amount_out(10**18, *hops[0])
    assert amounts_[2] == get_amount_out(amounts_[1], *hops[1], fee_from_bps(25))


def test_fee_as_bps_int() -> None:
    assert get_amount_out(10**18, 10**21, 10**21, 30) == get_amount_out(10**18, 10**21, 10**21)
    assert get_amount_in(10**18, 10**21, 10**21, 25) == get_amount_in(
        10**18, 10**21, 10**21, V2Fee(9975, 10_000)
    )
    with pytest.raises(AmmError, match="basis points"):
        get_amount_out(1, 10, 10, -1)
