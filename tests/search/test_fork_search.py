"""On the fork: move one venue's price with a big swap, refresh, search, then run the best
opportunity's swaps in sequence through the venues' routers. Every hop pays exactly what the search
predicted, to the wei."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import function_signature_to_4byte_selector

from bot.market import MarketReader, Multicall, PoolSet
from bot.route.model import HopKind
from bot.search import LenderTerms, Searcher, enumerate_cycles

from .swaps import balance_of, run_hop, swap_balancer, swap_curve, swap_v2

GWEI = 10**9


def _premium_bps(w3: Any, book: Any) -> int:
    data = bytes(function_signature_to_4byte_selector("FLASHLOAN_PREMIUM_TOTAL()"))
    return int.from_bytes(w3.eth.call({"to": book.aave_v3.pool, "data": "0x" + data.hex()}), "big")


def _move_price(venue: str, w3: Any, book: Any, pools: PoolSet, fund: Any, trader: str) -> str:
    """Push one pool's price away from the others; returns the pool moved."""
    token = book.token
    if venue == "quickswap":
        wmatic, usdc = token("WMATIC").address, token("USDC").address
        pair = next(p for p in pools.v2 if p.dex == "quickswap" and {p.token0, p.token1} == {wmatic, usdc})
        amount = 300_000 * 10**18
        fund(wmatic, trader, amount)
        swap_v2(w3, book, "quickswap", trader, wmatic, usdc, amount)
        return pair.address
    if venue == "balancer":
        weth, usdce = token("WETH").address, token("USDC.e").address
        pool = next(p for p in pools.balancer if set(p.tokens) == {weth, usdce})
        amount = 60 * 10**18
        fund(weth, trader, amount)
        swap_balancer(w3, book, pool.pool_id, trader, weth, usdce, amount)
        return pool.address
    assert venue == "curve"
    pool = pools.curve[0]
    i, j = 0, 1
    decimals = 18 - (len(str(pool.precision_multipliers[i])) - 1)  # the multiplier is 10**(18 - decimals)
    amount = 800_000 * 10**decimals
    fund(pool.coins[i], trader, amount)
    swap_curve(w3, pool.address, trader, i, j, pool.coins[i], pool.coins[j], amount)
    return pool.address


@pytest.mark.parametrize("venue", ["quickswap", "balancer", "curve"])
def test_predicted_profit_is_what_the_swaps_pay(
    venue: str, w3: Any, book: Any, pools: PoolSet, fund: Any, replica: Any
) -> None:
    trader, searcher_account = w3.eth.accounts[0], w3.eth.accounts[1]
    multicall = Multicall(w3, book.multicall3.address)
    reader = MarketReader(multicall, pools, vault=book.balancer_v2.vault)
    calm = reader.refresh().market
    aave_assets = frozenset(r.asset for r in replica.manifest.aave_reserves)
    balancer_assets = frozenset(t for p in pools.balancer for t in p.tokens)
    cycles = enumerate_cycles(pools, aave_assets | balancer_assets)
    terms = LenderTerms(_premium_bps(w3, book), aave_assets=aave_assets, balancer_assets=balancer_assets)
    searcher = Searcher(cycles, terms, native=book.token("WMATIC").address)
    before = searcher.search(calm, 30 * GWEI).opportunities

    moved_pool = _move_price(venue, w3, book, pools, fund, trader)
    market = reader.refresh().market
    assert market.block > calm.block
    result = searcher.search(market, 30 * GWEI)
    assert result.stats.passed_screen < len(cycles) / 10, "the screen must keep most cycles away from sizing"
    assert result.opportunities, f"no opportunity after moving {venue}"
    best = result.opportunities[0]
    assert moved_pool in best.pools
    assert best.net_profit > 0 and (not before or best.net_profit_native > before[0].net_profit_native)
    if venue != "quickswap":
        assert {HopKind.BALANCER if venue == "balancer" else HopKind.CURVE} <= {h.kind for h in best.hops}

    # run the same swaps, in order, through the routers
    fund(best.asset, searcher_account, best.amount_in)
    start = balance_of(w3, best.asset, searcher_account)
    amount = best.amount_in
    for hop in best.hops:
        assert hop.amount_in == amount
        amount = run_hop(w3, book, market, searcher_account, hop, amount)
        assert amount == hop.amount_out, (
            f"{hop.kind.name} hop in {hop.pool}: paid {amount}, predicted {hop.amount_out}"
        )
    assert amount == best.amount_out
    assert balance_of(w3, best.asset, searcher_account) - start == best.amount_out - best.amount_in
