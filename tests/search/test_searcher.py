"""The search end to end on synthetic markets: lender choice, the opportunity's numbers, ranking, and
the rule that two opportunities sharing a pool are not both taken without re-evaluating the second."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.route.model import HopKind, Lender
from bot.search.apply import after_hop, after_trade
from bot.search.gas import GasModel
from bot.search.graph import enumerate_cycles
from bot.search.lenders import LenderTerms
from bot.search.prices import build_price_table
from bot.search.quote import quoter
from bot.search.searcher import SearchConfig, Searcher
from bot.search.sizing import run_cycle

from .builders import A, B, C, D, balancer, market, v2, v3

E18 = 10**18
GWEI = 10**9


def _searcher(state, assets=(A, B, C, D), premium=5, **kwargs):  # type: ignore[no-untyped-def]
    cycles = enumerate_cycles(state, assets)
    terms = LenderTerms(aave_premium_bps=premium, aave_assets=frozenset(assets), **kwargs)
    return Searcher(cycles, terms, native=A)


def test_opportunity_numbers_add_up() -> None:
    # B is cheap in pool 1 (2.2 B per A) and dear in pool 2 (2.0 B per A)
    state = market(v2(1, A, B, 1_000 * E18, 2_200 * E18), v2(2, A, B, 1_000 * E18, 2_000 * E18))
    searcher = _searcher(state)
    result = searcher.search(state, 30 * GWEI)
    assert result.opportunities, "the mispricing must be found"
    best = result.opportunities[0]
    assert best.block == state.block
    assert best.asset == A and best.lender is Lender.UNISWAP_V2 and best.lender_fee == 0
    assert best.pools == (v2(1, A, B, 1, 1).address, v2(2, A, B, 1, 1).address)
    # the hops chain, each amount exact on the snapshot
    amount = best.amount_in
    for hop, leg in zip(best.hops, best.cycle.legs, strict=True):
        assert hop.amount_in == amount
        assert hop.amount_out == quoter(state.pools[hop.pool], leg)(amount)
        assert hop.kind is HopKind.UNISWAP_V2 and hop.fee_bps == 30
        amount = hop.amount_out
    assert best.amount_out == amount
    gas = GasModel().units(Lender.UNISWAP_V2, [HopKind.UNISWAP_V2] * 2)
    assert best.gas_units == gas and best.gas_cost == gas * 30 * GWEI  # A is the native token
    assert best.net_profit == best.amount_out - best.amount_in - best.lender_fee - best.gas_cost
    assert best.net_profit == best.net_profit_native > 0
    # ranked best first; the reverse direction loses and is not reported
    profits = [o.net_profit_native for o in result.opportunities]
    assert profits == sorted(profits, reverse=True)
    assert all(o.net_profit > 0 for o in result.opportunities)


def test_gas_can_eat_the_profit() -> None:
    state = market(v2(1, A, B, 1_000 * E18, 2_200 * E18), v2(2, A, B, 1_000 * E18, 2_000 * E18))
    searcher = _searcher(state, assets=(A,))
    cheap = searcher.search(state, 30 * GWEI).opportunities
    assert cheap
    ruinous = cheap[0].net_profit // cheap[0].gas_units + 1  # wei per gas that exceeds the profit
    assert not [
        o for o in searcher.search(state, ruinous + 30 * GWEI).opportunities if o.pools == cheap[0].pools
    ]


def test_lender_choice() -> None:
    # B is cheap in the Balancer pool: the profitable cycle starts there
    pool = balancer(5, (A, B), (1_000 * E18, 2_300 * E18), (5 * 10**17, 5 * 10**17))
    pair = v2(1, A, B, 1_000 * E18, 2_000 * E18)
    state = market(pool, pair)
    # it cannot borrow from its first pool (not V2/V3), nor from the Vault (a Balancer hop): Aave
    searcher = _searcher(state, assets=(A,), premium=5, balancer_assets=frozenset({A}))
    best = searcher.search(state, 0).opportunities[0]
    assert best.hops[0].kind is HopKind.BALANCER
    assert best.lender is Lender.AAVE
    assert best.lender_fee == (best.amount_in * 5 + 5_000) // 10_000 > 0
    assert best.hops[0].pool_id == pool.state.pool_id and best.hops[0].index_in == 0
    # no Aave, no pool lender: only the Vault, which a Balancer hop excludes
    terms = LenderTerms(aave_premium_bps=5, balancer_assets=frozenset({A}), pool_lender=False)
    only_vault = Searcher(enumerate_cycles(state, [A]), terms, native=A)
    assert only_vault.search(state, 0).opportunities == ()
    # B cheap in the pair: the cycle starts with the pair, which lends for free
    flipped = market(
        balancer(5, (A, B), (1_000 * E18, 2_000 * E18), (5 * 10**17, 5 * 10**17)),
        v2(1, A, B, 1_000 * E18, 2_300 * E18),
    )
    best = (
        _searcher(flipped, assets=(A,), premium=5, balancer_assets=frozenset({A}))
        .search(flipped, 0)
        .opportunities[0]
    )
    assert best.hops[0].kind is HopKind.UNISWAP_V2
    assert best.lender is Lender.UNISWAP_V2 and best.lender_fee == 0
    # without the pool lender, the Vault lends free; Aave only when nothing else can
    terms = LenderTerms(
        aave_premium_bps=5, aave_assets=frozenset({A}), balancer_assets=frozenset({A}), pool_lender=False
    )
    best = Searcher(enumerate_cycles(flipped, [A]), terms, native=A).search(flipped, 0).opportunities[0]
    assert best.lender is Lender.AAVE  # the route has a Balancer hop, so not the Vault


def test_a_lender_cap_limits_the_amount() -> None:
    state = market(v2(1, A, B, 1_000 * E18, 2_200 * E18), v2(2, A, B, 1_000 * E18, 2_000 * E18))
    cap = 5 * E18
    terms = LenderTerms(
        aave_premium_bps=5, aave_assets=frozenset({A}), aave_liquidity={A: cap}, pool_lender=False
    )
    searcher = Searcher(enumerate_cycles(state, [A]), terms, native=A)
    best = searcher.search(state, 0).opportunities[0]
    assert best.lender is Lender.AAVE and best.amount_in <= cap


def test_mixed_cycle_is_sized_with_exact_math() -> None:
    pool = v3(7, A, B, 2.0, 10**22, fee=500, spacing=10, width=30)  # about 2 B per A
    pair = v2(1, A, B, 1_000 * E18, 2_200 * E18)  # 2.2 B per A: buy B here, sell it in the V3 pool
    state = market(pool, pair)
    searcher = _searcher(state, assets=(A,))
    best = searcher.search(state, 30 * GWEI).opportunities[0]
    quoters = [quoter(state.pools[leg.pool], leg) for leg in best.cycle.legs]
    assert run_cycle(quoters, best.amount_in) == best.amount_out
    # no input nearby does better
    for factor in (0.99, 0.999, 1.001, 1.01):
        x = int(best.amount_in * factor)
        out = run_cycle(quoters, x)
        assert out is None or out - x <= best.amount_out - best.amount_in
    v3_hop = next(h for h in best.hops if h.kind is HopKind.UNISWAP_V3)
    assert v3_hop.zero_for_one is False  # selling B (token1) for A


def test_shared_pool_is_re_evaluated_on_the_state_after_the_first_trade() -> None:
    cheap = v2(1, A, B, 1_000 * E18, 2_400 * E18)  # B cheap here
    dear1 = v2(2, A, B, 1_000 * E18, 2_000 * E18)
    dear2 = v2(3, A, B, 800 * E18, 1_600 * E18)
    other1 = v2(4, C, D, 1_000 * E18, 1_000 * E18)  # an unrelated mispricing between C and D
    other2 = v2(5, C, D, 1_000 * E18, 1_100 * E18)
    pricing = v2(6, A, C, 1_000 * E18, 1_000 * E18)  # prices C in A
    state = market(cheap, dear1, dear2, other1, other2, pricing)
    searcher = _searcher(state, assets=(A, C))
    ranked = searcher.search(state, GWEI).opportunities
    chosen = searcher.select(ranked, state, GWEI)
    via_cheap = [
        o for o in ranked if o.pools in ((cheap.address, dear1.address), (cheap.address, dear2.address))
    ]
    assert len(via_cheap) == 2
    first, second = via_cheap
    assert chosen[0] == ranked[0]
    assert first in chosen
    # the second opportunity through the cheap pair was re-sized on the state after the first: it
    # still pays, less than before, and took its new rank (below the unrelated C/D opportunity)
    later = after_trade(state, first)
    again, _ = searcher.evaluate(second.cycle, later, GWEI, build_price_table(state, A))
    assert again is not None and 0 < again.net_profit < second.net_profit
    assert again.amount_in < second.amount_in
    assert second not in chosen
    assert chosen[1:] == sorted(chosen[1:], key=lambda o: -o.net_profit_native)
    assert again in chosen
    # an opportunity that shares no pool with those before it is taken as it was found
    unrelated = [o for o in ranked if set(o.pools) <= {other1.address, other2.address}]
    assert unrelated and unrelated[0] in chosen
    # no two chosen share a pool unless the later one was re-evaluated (then it differs from ranked)
    for k, later_one in enumerate(chosen):
        before = {p for o in chosen[:k] for p in o.pools}
        if before & set(later_one.pools):
            assert later_one not in ranked


def test_after_hop_moves_the_pools_as_the_contracts_do() -> None:
    pair = v2(1, A, B, 1_000 * E18, 2_000 * E18)
    state = market(pair, v2(2, A, B, 1_000 * E18, 2_400 * E18))
    searcher = _searcher(state, assets=(A,))
    best = searcher.search(state, 0).opportunities[0]
    moved = after_trade(state, best)
    for hop in best.hops:
        before, after = state.pools[hop.pool], moved.pools[hop.pool]
        reserve_in, reserve_out = before.reserves(hop.token_in)  # type: ignore[union-attr]
        assert after.reserves(hop.token_in) == (reserve_in + hop.amount_in, reserve_out - hop.amount_out)  # type: ignore[union-attr]
    pool = v3(7, A, B, 2.0, 10**22, fee=500, spacing=10, width=30)
    from bot.amm.v3_pool import swap
    from bot.search.opportunity import HopQuote

    hop = HopQuote(HopKind.UNISWAP_V3, pool.address, A, B, 10 * E18, 0, zero_for_one=True)
    result = swap(pool.state, True, 10 * E18)
    after = after_hop(pool, hop)
    assert (after.state.sqrt_price_x96, after.state.tick, after.state.liquidity) == (  # type: ignore[union-attr]
        result.sqrt_price_x96,
        result.tick,
        result.liquidity,
    )


def test_prices_follow_the_deepest_path() -> None:
    shallow = v2(1, A, B, 10 * E18, 30 * E18)  # 3 B per A, shallow
    deep = v2(2, A, B, 1_000 * E18, 2_000 * E18)  # 2 B per A, deep
    hop = v2(3, B, C, 1_000 * E18, 500 * 10**6)  # C has 6 decimals: 0.5 C-unit per B...
    table = build_price_table(market(shallow, deep, hop), A)
    assert table.from_native(B, E18) == 2 * E18 - 1 or table.from_native(B, E18) == 2 * E18
    assert abs(table.from_native(C, E18) - 10**6) <= 1  # 1 A = 2 B = 1 C (in C's 6 decimals)
    assert abs(table.to_native(C, 10**6) - E18) <= 10**6
    assert table.from_native(D, E18) is None


def test_bad_configuration() -> None:
    with pytest.raises(ConfigError, match="aave_premium_bps"):
        LenderTerms(aave_premium_bps=-1)
    with pytest.raises(ConfigError, match="rel_tol"):
        SearchConfig(rel_tol=0)
    state = market(v2(1, A, B, E18, E18), v2(2, A, B, E18, E18))
    with pytest.raises(ConfigError, match="fee_per_gas"):
        _searcher(state).search(state, -1)
    with pytest.raises(ConfigError, match="lender_base"):
        GasModel(lender_base={})
