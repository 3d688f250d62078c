"""The floors a route demands on-chain (bot.execution.routes): minProfit close to the predicted profit
and every hop's minOut close to its exact quote, so a copied or front-run trade reverts early."""

from __future__ import annotations

import pytest

from bot.execution.routes import Tolerance, predicted_profit, route_for
from bot.route.codec import decode, encode
from bot.search.graph import enumerate_cycles
from bot.search.lenders import LenderTerms
from bot.search.searcher import Searcher

from .builders import A, B, C, market, v2, v3

E18 = 10**18
GWEI = 10**9


def _best():  # type: ignore[no-untyped-def]
    state = market(
        v2(1, A, B, 1_000 * E18, 2_200 * E18),
        v2(2, A, B, 1_000 * E18, 2_000 * E18),
        v3(3, A, C, 3.0, 10**24),
        v2(4, C, B, 3_000 * E18, 2_050 * E18),
    )
    terms = LenderTerms(aave_premium_bps=5, aave_assets=frozenset({A, B, C}))
    searcher = Searcher(enumerate_cycles(state, (A, B, C)), terms, native=A)
    decision = searcher.decide(state, 30 * GWEI)
    assert decision.chosen, "the mispricing must be found"
    return decision.chosen[0]


def test_default_floors_sit_just_under_the_prediction() -> None:
    best = _best()
    route = route_for(best)
    predicted = predicted_profit(best)
    slack = -(-predicted * 100 // 10_000)  # 1 %, rounded against the copier
    assert route.min_profit == max(predicted - slack, best.gas_cost)
    assert best.gas_cost < route.min_profit < predicted
    for hop, quote in zip(route.hops, best.hops, strict=True):
        assert hop.min_out == quote.amount_out - -(-quote.amount_out * 10 // 10_000)
        assert 0 < hop.min_out < quote.amount_out
    # the floors travel in the calldata FlashArb decodes
    assert decode(encode(route)) == route


def test_zero_tolerance_demands_the_exact_quotes() -> None:
    best = _best()
    route = route_for(best, tolerance=Tolerance(0, 0))
    assert route.min_profit == predicted_profit(best)
    assert [h.min_out for h in route.hops] == [q.amount_out for q in best.hops]


def test_an_explicit_floor_is_capped_at_the_prediction() -> None:
    best = _best()
    assert route_for(best, min_profit=0).min_profit == 0
    assert route_for(best, min_profit=10**40).min_profit == predicted_profit(best)


@pytest.mark.parametrize("bps", [-1, 10_001])
def test_tolerance_outside_0_to_10000_bps_is_refused(bps: int) -> None:
    with pytest.raises(ValueError, match="0-10000 bps"):
        Tolerance(profit_bps=bps)
