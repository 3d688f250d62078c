"""The profit bounds `decide` prunes with are never below what the exact math yields, and `decide`
takes the same trades as sizing everything and selecting."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import AmmError
from bot.search.bounds import cycle_bound, hop_bound
from bot.search.graph import enumerate_cycles, legs_of
from bot.search.lenders import LenderTerms
from bot.search.quote import quoter
from bot.search.searcher import Searcher
from bot.search.sizing import run_cycle

from .builders import A, B, C, balancer, curve, market, v2, v3
from .test_screen import CURVE_DUST, _amounts, _market, pools

E18 = 10**18


def _bound_out(bound, x: float) -> float:  # type: ignore[no-untyped-def]
    if isinstance(bound, float):
        return bound * x
    a, b, g = bound
    return g * x * b / (a + g * x)


@settings(max_examples=60, deadline=None)
@given(r=st.floats(0.05, 20.0), u=st.floats(1e-9, 1e9))
def test_the_weighted_curve_is_under_its_constant_product_bound(r: float, u: float) -> None:
    t = max(1.0, 2 * r / (r + 1))
    exact = -math.expm1(-r * math.log1p(u))  # 1 - (1 + u) ** -r, accurately for small u
    assert exact <= t * r * u / (t + r * u) * (1 + 1e-12)


@settings(max_examples=50, deadline=None)
@given(p=pools)
def test_a_hop_never_beats_its_bound(p) -> None:  # type: ignore[no-untyped-def]
    for snapshot in _market(p):
        for leg in legs_of(snapshot):
            bound = hop_bound(snapshot, leg)
            quote = quoter(snapshot, leg)
            for x in _amounts(10**24):
                try:
                    out = quote(x)
                except AmmError:
                    break
                dust = CURVE_DUST if isinstance(bound, float) else 0
                assert out <= _bound_out(bound, x) * (1 + 1e-9) + dust, (snapshot.kind, leg, x, out)


@settings(max_examples=40, deadline=None)
@given(p=pools)
def test_a_cycle_never_beats_its_bound(p) -> None:  # type: ignore[no-untyped-def]
    state = _market(p)
    for cycle in enumerate_cycles(state, [A]):
        bounds = [hop_bound(state.pools[leg.pool], leg) for leg in cycle.legs]
        ceiling = cycle_bound(bounds, 0.0)
        quoters = [quoter(state.pools[leg.pool], leg) for leg in cycle.legs]
        dust = 3 * sum(isinstance(b, float) for b in bounds)
        for x in _amounts(10**24):
            out = run_cycle(quoters, x)
            if out is None:
                break
            assert out - x <= ceiling + dust, (cycle, x, out, ceiling)


def _random_market(seed: int):  # type: ignore[no-untyped-def]
    import random

    rng = random.Random(seed)
    noise = lambda: math.exp(rng.uniform(-0.03, 0.03))  # noqa: E731
    # consistent prices (1 A = 2 B = 2 C), each pool off by up to 3 %
    return market(
        v2(1, A, B, 1_000 * E18, int(2_000 * E18 * noise())),
        v2(2, A, B, 800 * E18, int(1_600 * E18 * noise())),
        v2(3, B, C, 2_000 * E18, int(2_000 * E18 * noise())),
        v2(4, A, C, 1_000 * E18, int(2_000 * E18 * noise())),
        v3(5, A, B, 2.0 * noise(), 10**22, fee=500, spacing=10, width=60),
        balancer(6, (A, C), (500 * E18, int(1_000 * E18 * noise())), (5 * 10**17, 5 * 10**17)),
        curve(7, (B, C), (10**21, int(10**21 * noise() ** 30))),  # a StableSwap price needs a big imbalance
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), premium=st.sampled_from([0, 5]))
def test_decide_takes_what_search_and_select_take(seed: int, premium: int) -> None:
    state = _random_market(seed)
    assets = (A, B, C)
    searcher = Searcher(
        enumerate_cycles(state, assets),
        LenderTerms(premium, aave_assets=frozenset(assets), balancer_assets=frozenset({A})),
        native=A,
    )
    fee = 30 * 10**9
    everything = searcher.select(searcher.search(state, fee).opportunities, state, fee)
    decision = searcher.decide(state, fee)
    assert [o.cycle for o in decision.chosen] == [o.cycle for o in everything]
    assert [o.net_profit for o in decision.chosen] == [o.net_profit for o in everything]
    assert decision.stats.sized <= decision.stats.passed_screen
    # and with a cap on the number of trades
    assert searcher.decide(state, fee, max_trades=1).chosen == decision.chosen[:1]
