"""The sizer's starting guess for a Curve hop: a constant-product curve with the StableSwap's own slope
and curvature at zero size, so it follows the exact output closely for small trades."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.graph import legs_of
from bot.search.quote import log_rate, quoter, virtual_reserves

from .builders import A, B, C, curve

E18 = 10**18


@settings(max_examples=40, deadline=None)
@given(
    skew=st.floats(0.2, 5.0),
    amp=st.sampled_from([1_000, 20_000, 200_000]),
    three=st.booleans(),
)
def test_curve_guess_has_the_pools_slope_and_curvature(skew: float, amp: int, three: bool) -> None:
    balances = (10**24, int(10**24 * skew), 7 * 10**23) if three else (10**24, int(10**24 * skew))
    coins = (A, B, C) if three else (A, B)
    snapshot = curve(1, coins, balances, amp=amp)
    for leg in legs_of(snapshot):
        guess = virtual_reserves(snapshot, leg)
        assert guess is not None
        a, b, g = guess
        rate = math.exp(log_rate(snapshot, leg))
        assert math.isclose(g * b / a, rate, rel_tol=1e-9)
        exact = quoter(snapshot, leg)
        x = balances[leg.index_in] // 1000
        # matching slope and curvature leaves an error of third order in x
        approx = g * b * x / (a + g * x)
        first_order = rate * x
        assert abs(approx - exact(x)) < 0.05 * abs(first_order - exact(x)) + 10
