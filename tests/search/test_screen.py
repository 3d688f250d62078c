"""The screen (product of marginal rates with fees) never drops a cycle that could make money."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import AmmError
from bot.route.model import HopKind
from bot.search.graph import enumerate_cycles, legs_of
from bot.search.lenders import LenderTerms
from bot.search.quote import log_rate, quoter
from bot.search.searcher import Searcher
from bot.search.sizing import run_cycle

from .builders import A, B, balancer, curve, market, v2, v3

E18 = 10**18
CURVE_DUST = 2
"""Curve's get_y stops within 1 of the exact root, so at dust sizes get_dy can pay a unit or two more
than the marginal rate allows (1 wei in for 1 wei out at a rate of 0.996). No trade of a few units
pays for its gas, so the screen may ignore them."""


def _amounts(limit: int) -> list[int]:
    """Inputs from 1 to `limit`, log-spaced, plus the small integers."""
    grid = {max(1, int(limit ** (k / 80))) for k in range(81)}
    return sorted(grid | set(range(1, 50)))


pools = st.fixed_dictionaries(
    {
        "v2_a": st.integers(10**3, 10**24),
        "v2_ratio": st.floats(0.5, 2.0),
        "v2_fee": st.sampled_from([0, 5, 30, 100]),
        "v3_price": st.floats(0.5, 2.0),
        "v3_liquidity": st.integers(10**6, 10**24),
        "v3_fee": st.sampled_from([100, 500, 3000, 10000]),
        "bal_a": st.integers(10**15, 10**24),
        "bal_ratio": st.floats(0.5, 2.0),
        "bal_weight": st.sampled_from([2 * 10**17, 5 * 10**17, 8 * 10**17]),
        "curve_a": st.integers(10**18, 10**24),
        "curve_ratio": st.floats(0.5, 2.0),
        "premium": st.sampled_from([0, 5, 9]),
    }
)


def _market(p):  # type: ignore[no-untyped-def]
    w = p["bal_weight"]
    return market(
        v2(1, A, B, p["v2_a"], max(1, int(p["v2_a"] * p["v2_ratio"])), p["v2_fee"]),
        v3(2, A, B, p["v3_price"], p["v3_liquidity"], fee=p["v3_fee"], spacing=10, width=50),
        balancer(3, (A, B), (p["bal_a"], max(1, int(p["bal_a"] * p["bal_ratio"]))), (w, E18 - w)),
        curve(4, (A, B), (p["curve_a"], max(1, int(p["curve_a"] * p["curve_ratio"])))),
    )


@settings(max_examples=60, deadline=None)
@given(p=pools)
def test_a_leg_never_beats_its_marginal_rate(p) -> None:  # type: ignore[no-untyped-def]
    for snapshot in _market(p):
        for leg in legs_of(snapshot):
            rate = math.exp(log_rate(snapshot, leg))
            quote = quoter(snapshot, leg)
            for x in _amounts(10**24):
                try:
                    out = quote(x)
                except AmmError:
                    break  # beyond what the pool takes; larger inputs fail too
                dust = CURVE_DUST if snapshot.kind is HopKind.CURVE else 0
                assert out <= x * rate * (1 + 1e-9) + dust, (snapshot.kind, leg, x, out, rate)


@settings(max_examples=40, deadline=None)
@given(p=pools)
def test_the_screen_never_drops_a_profitable_cycle(p) -> None:  # type: ignore[no-untyped-def]
    state = _market(p)
    cycles = enumerate_cycles(state, [A, B])
    terms = LenderTerms(aave_premium_bps=p["premium"], aave_assets=frozenset({A, B}))
    searcher = Searcher(cycles, terms, native=A)
    passed = set(searcher.screen(state).tolist())
    for index, cycle in enumerate(cycles):
        if index in passed:
            continue
        option = terms.options(cycle)[0]
        dust = sum(CURVE_DUST + 1 for leg in cycle.legs if leg.kind is HopKind.CURVE)
        quoters = [quoter(state.pools[leg.pool], leg) for leg in cycle.legs]
        for x in _amounts(10**24):
            out = run_cycle(quoters, x)
            if out is None:
                break
            assert out - x - option.fee(x) <= dust, (cycle, x, out)


@settings(max_examples=40, deadline=None)
@given(
    r=st.lists(st.integers(200, 3_000), min_size=4, max_size=4),
    fees=st.lists(st.sampled_from([0, 1, 30]), min_size=2, max_size=2),
)
def test_screen_exhaustively_on_small_pairs(r, fees) -> None:  # type: ignore[no-untyped-def]
    state = market(v2(1, A, B, r[0], r[1], fees[0]), v2(2, A, B, r[2], r[3], fees[1]))
    cycles = enumerate_cycles(state, [A])
    searcher = Searcher(cycles, LenderTerms(aave_premium_bps=0), native=A)
    passed = set(searcher.screen(state).tolist())
    for index, cycle in enumerate(cycles):
        quoters = [quoter(state.pools[leg.pool], leg) for leg in cycle.legs]
        best = max((run_cycle(quoters, x) or 0) - x for x in range(1, 3_001))
        if best > 0:
            assert index in passed, (cycle, best)


def test_the_screen_passes_a_mispriced_pair_and_drops_a_fair_one() -> None:
    fair = market(v2(1, A, B, 10**21, 2 * 10**21), v2(2, A, B, 10**21, 2 * 10**21))
    skewed = market(v2(1, A, B, 10**21, 2 * 10**21), v2(2, A, B, 10**21, 21 * 10**20))
    for state, expected in ((fair, 0), (skewed, 1)):
        cycles = enumerate_cycles(state, [A])
        searcher = Searcher(cycles, LenderTerms(aave_premium_bps=0), native=A)
        assert len(searcher.screen(state)) == expected
