"""The profit bounds `decide` prunes with are never below what the exact math yields, and `decide`
takes the same trades as sizing everything and selecting."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import AmmError
from bot.search.bounds import bound_out, curve_dust, cycle_bound, hop_bound, hop_model, model_bound
from bot.search.graph import enumerate_cycles, legs_of
from bot.search.lenders import LenderTerms
from bot.search.quote import quoter
from bot.search.searcher import Searcher
from bot.search.sizing import run_cycle

from .builders import A, B, C, balancer, curve, market, v2, v3
from .test_screen import _amounts, _market, pools

E18 = 10**18


def _bound_out(bound, x: float) -> float:  # type: ignore[no-untyped-def]
    return bound_out(bound, x)


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
                dust = curve_dust(bound[0]) if len(bound) == 2 else 0
                assert out <= _bound_out(bound, x) * (1 + 1e-9) + dust, (snapshot.kind, leg, x, out)


@settings(max_examples=40, deadline=None)
@given(p=pools)
def test_a_cycle_never_beats_its_bound(p) -> None:  # type: ignore[no-untyped-def]
    state = _market(p)
    for cycle in enumerate_cycles(state, [A]):
        bounds = [hop_bound(state.pools[leg.pool], leg) for leg in cycle.legs]
        ceiling = cycle_bound(bounds, 0.0)
        quoters = [quoter(state.pools[leg.pool], leg) for leg in cycle.legs]
        dust = 1
        assert math.isfinite(ceiling)
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
    # decide takes what search + select take, in the same order and at the same profit; it may go on
    # to a marginal trade select gave up on (decide's re-sizing on the post-trade state can find a
    # slightly better amount than a fresh bracket), never one that does not pay.
    taken = decision.chosen[: len(everything)]
    assert [o.cycle for o in taken] == [o.cycle for o in everything]
    assert [o.net_profit for o in taken] == [o.net_profit for o in everything]
    for extra in decision.chosen[len(everything) :]:
        assert extra.net_profit_native >= searcher.config.min_net_profit_native and extra.net_profit > 0
    assert decision.stats.sized <= decision.stats.passed_screen
    # and with a cap on the number of trades
    assert searcher.decide(state, fee, max_trades=1).chosen == decision.chosen[:1]


# --- level 2: the float models and the tangent bound ------------------------------------------------


def _model_out(model, x: int) -> float:  # type: ignore[no-untyped-def]
    out, _ = model.at(float(x))
    return out * (1 + 1e-9) + model.dust


@settings(max_examples=50, deadline=None)
@given(p=pools)
def test_a_hop_never_beats_its_model(p) -> None:  # type: ignore[no-untyped-def]
    for snapshot in _market(p):
        for leg in legs_of(snapshot):
            model = hop_model(snapshot, leg, hop_bound(snapshot, leg))
            quote = quoter(snapshot, leg)
            for x in _amounts(10**24):
                try:
                    out = quote(x)
                except AmmError:
                    break
                assert out <= _model_out(model, x), (snapshot.kind, leg, x, out, _model_out(model, x))


curve_pools = st.fixed_dictionaries(
    {
        "depth": st.integers(10**9, 10**26),
        "ratios": st.lists(st.floats(0.02, 50.0), min_size=4, max_size=4),
        "amps": st.lists(st.sampled_from([100, 1_000, 20_000, 200_000, 500_000]), min_size=3, max_size=3),
        "fees": st.lists(st.sampled_from([0, 1_000_000, 4_000_000, 30_000_000]), min_size=3, max_size=3),
        "bal_ratio": st.floats(0.5, 2.0),
        "bal_weight": st.sampled_from([2 * 10**17, 5 * 10**17, 8 * 10**17]),
    }
)


def _curve_market(p):  # type: ignore[no-untyped-def]
    d, r = p["depth"], p["ratios"]
    w = p["bal_weight"]
    return market(
        curve(1, (A, B), (d, max(1, int(d * r[0]))), amp=p["amps"][0], fee=p["fees"][0]),
        curve(2, (A, B, C), (d, max(1, int(d * r[1])), max(1, int(d * r[2]))), p["amps"][1], p["fees"][1]),
        curve(3, (B, C), (d, max(1, int(d * r[3]))), amp=p["amps"][2], fee=p["fees"][2]),
        balancer(4, (A, C), (d, max(1, int(d * p["bal_ratio"]))), (w, E18 - w)),
    )


@settings(max_examples=60, deadline=None)
@given(p=curve_pools)
def test_a_stableswap_hop_never_beats_its_model_or_its_capped_line(p) -> None:  # type: ignore[no-untyped-def]
    for snapshot in _curve_market(p):
        for leg in legs_of(snapshot):
            bound = hop_bound(snapshot, leg)
            model = hop_model(snapshot, leg, bound)
            quote = quoter(snapshot, leg)
            for x in _amounts(10**28):
                try:
                    out = quote(x)
                except AmmError:
                    break
                assert out <= _model_out(model, x), (leg, x, out, _model_out(model, x))
                assert out <= bound_out(bound, x) * (1 + 1e-9) + curve_dust(bound[0]), (leg, x, out, bound)


@settings(max_examples=40, deadline=None)
@given(p=curve_pools, premium=st.sampled_from([0, 5]))
def test_no_curve_cycle_beats_either_bound(p, premium: int) -> None:  # type: ignore[no-untyped-def]
    state = _curve_market(p)
    for cycle in enumerate_cycles(state, [A, B]):
        bounds = [hop_bound(state.pools[leg.pool], leg) for leg in cycle.legs]
        models = [hop_model(state.pools[leg.pool], leg, b) for leg, b in zip(cycle.legs, bounds, strict=True)]
        k = premium / 10_000
        level1 = cycle_bound(bounds, k)
        level2, peak = model_bound(models, k, math.nan)
        assert math.isfinite(level1) and math.isfinite(level2) and peak >= 0
        quoters = [quoter(state.pools[leg.pool], leg) for leg in cycle.legs]
        dust = 1
        xs = _amounts(10**28) + [max(1, int(peak * f)) for f in (0.9, 0.99, 1.0, 1.01, 1.1)]
        for x in sorted(set(xs)):
            out = run_cycle(quoters, x)
            if out is None:
                continue
            profit = out - x - x * premium / 10_000
            assert profit <= level1 + dust, (cycle, x, profit, level1)
            assert profit <= level2 + 1, (cycle, x, profit, level2)


@settings(max_examples=40, deadline=None)
@given(p=pools)
def test_no_cycle_beats_its_level_2_bound(p) -> None:  # type: ignore[no-untyped-def]
    state = _market(p)
    for cycle in enumerate_cycles(state, [A]):
        bounds = [hop_bound(state.pools[leg.pool], leg) for leg in cycle.legs]
        models = [hop_model(state.pools[leg.pool], leg, b) for leg, b in zip(cycle.legs, bounds, strict=True)]
        level2, peak = model_bound(models, 0.0, math.nan)
        quoters = [quoter(state.pools[leg.pool], leg) for leg in cycle.legs]
        xs = _amounts(10**24) + [max(1, int(peak * f)) for f in (0.9, 0.99, 1.0, 1.01, 1.1)]
        for x in sorted(set(xs)):
            out = run_cycle(quoters, x)
            if out is None:
                continue
            assert out - x <= level2 + 1, (cycle, x, out - x, level2)
