"""Curve StableSwap math: invariant properties and errors (pure; chain parity is in test_parity_curve)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.amm.curve_stableswap import CurvePoolState, get_d, get_dy, get_y
from bot.errors import AmmError


def three_pool(balances=(10**12, 10**12, 10**24), amp=200 * 100, fee=1_000_000) -> CurvePoolState:
    return CurvePoolState(
        address="0xcurve",
        coins=("0xUSDC.e", "0xUSDT", "0xDAI"),
        balances=balances,
        precision_multipliers=(10**12, 10**12, 1),
        amp=amp,
        fee=fee,
    )


def test_balanced_pool_invariant_is_the_sum() -> None:
    assert get_d([10**24, 10**24, 10**24], 20_000) == 3 * 10**24
    assert get_d([0, 0], 20_000) == 0


def test_small_swap_in_a_balanced_pool_is_one_to_one_less_fee() -> None:
    state = three_pool()
    dy = get_dy(state, 0, 2, 1000 * 10**6)  # 1000 USDC.e -> DAI
    assert 999.89 * 10**18 < dy < 1000 * 10**18 * (10**10 - 1_000_000) // 10**10
    back = get_dy(state, 2, 1, 1000 * 10**18)  # DAI -> USDT in 6 decimals
    assert 999_890_000 < back < 999_900_000


@settings(max_examples=100, deadline=None)
@given(
    base=st.integers(min_value=10**9, max_value=10**15),
    skew=st.tuples(*[st.integers(min_value=10, max_value=100)] * 3),  # balances within 10x of each other
    a=st.integers(min_value=1, max_value=10**14),
    b=st.integers(min_value=1, max_value=10**14),
    amp=st.sampled_from([1_000, 5_000, 20_000, 200_000]),
)
def test_get_dy_is_monotonic_and_keeps_the_invariant(base: int, skew, a: int, b: int, amp: int) -> None:
    balances = [base * k // 10 for k in skew]
    state = three_pool(balances=(balances[0], balances[1], balances[2] * 10**12), amp=amp)
    lo, hi = sorted((min(a, balances[0]), min(b, balances[0])))  # at most the pool's own balance
    try:
        dy_lo, dy_hi = get_dy(state, 0, 1, lo), get_dy(state, 0, 1, hi)
    except AmmError:
        return  # an input too small to trade reverts in the pool too
    assert dy_lo <= dy_hi < state.balances[1]
    # the pool keeps the fee: D never drops after a swap
    xp = [x * m for x, m in zip(state.balances, state.precision_multipliers, strict=True)]
    after = [xp[0] + hi * 10**12, xp[1] - dy_hi * 10**12, xp[2]]
    assert get_d(after, amp) >= get_d(xp, amp)


def test_get_y_keeps_d_within_rounding() -> None:
    xp = [10**24, 3 * 10**24, 2 * 10**24]
    d = get_d(xp, 20_000)
    y = get_y(0, 1, xp[0] + 10**23, xp, 20_000)
    assert abs(get_d([xp[0] + 10**23, y, xp[2]], 20_000) - d) <= 2


def test_curve_errors() -> None:
    state = three_pool()
    with pytest.raises(AmmError, match="outside"):
        get_dy(state, 0, 3, 1)
    with pytest.raises(AmmError, match="itself"):
        get_dy(state, 1, 1, 1)
    with pytest.raises(AmmError, match="negative"):
        get_dy(state, 0, 1, -1)
    with pytest.raises(AmmError, match="zero"):
        get_dy(three_pool(balances=(0, 10**12, 10**24)), 1, 2, 10**6)
    with pytest.raises(AmmError, match="too small"):
        get_dy(state, 0, 1, 0)
    with pytest.raises(AmmError, match="2..8 coins"):
        CurvePoolState(address="x", coins=("a",), balances=(1,), precision_multipliers=(1,), amp=100, fee=0)
    with pytest.raises(AmmError, match="fee"):
        three_pool(fee=10**10)
    with pytest.raises(AmmError, match="A_PRECISION"):
        three_pool(amp=99)
    assert state.index("0xusdt") == 1
