"""On the fork: the gas model's estimate of a searched trade is within 10 % of what FlashArb's receipt
says the trade cost (4 % root mean square), for routes of 2 to 4 hops over every hop kind and every
lender that can fund them."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bot.execution.routes import route_for
from bot.market import MarketReader, Multicall, PoolSet
from bot.route import encode
from bot.route.model import HopKind
from bot.search import LenderTerms, Searcher, enumerate_cycles
from bot.search.prices import build_price_table

from .test_fork_search import _move_price, _premium_bps

GWEI = 10**9
TOLERANCE = 0.10
"""Most any one estimate may be off its receipt."""
RMS_TOLERANCE = 0.04
"""Most the estimates may be off on (root mean square of the relative errors)."""
ROUTES_PER_MOVE = 5
BLOCK_GAP_SECONDS = 2


@pytest.mark.parametrize("venue", ["quickswap", "balancer", "curve"])
def test_estimate_is_within_ten_percent_of_the_receipt(
    venue: str,
    w3: Any,
    book: Any,
    pools: PoolSet,
    fund: Any,
    replica: Any,
    accounts: Any,
    project: Any,
    chain: Any,
) -> None:
    from bot.execution.deploy import algebra_deployer, curve_pools, pool_factories

    owner, executor = accounts[0], accounts[1]
    v2, v3 = pool_factories(w3, book)
    algebra = algebra_deployer(w3, book)
    flasharb = owner.deploy(
        project.FlashArb, book.aave_v3.pool, book.balancer_v2.vault, owner, v2, v3, algebra
    )
    flasharb.setExecutor(executor, True, sender=owner)
    for pool in curve_pools(chain, book):
        flasharb.setCurvePool(pool, True, sender=owner)
    reader = MarketReader(Multicall(w3, book.multicall3.address), pools, vault=book.balancer_v2.vault)
    aave_assets = frozenset(r.asset for r in replica.manifest.aave_reserves)
    balancer_assets = frozenset(t for p in pools.balancer for t in p.tokens)
    terms = LenderTerms(_premium_bps(w3, book), aave_assets=aave_assets, balancer_assets=balancer_assets)
    searcher = Searcher(
        enumerate_cycles(pools, aave_assets | balancer_assets), terms, native=book.token("WMATIC").address
    )

    _move_price(venue, w3, book, pools, fund, w3.eth.accounts[3])
    market = reader.refresh().market
    prices = build_price_table(market, searcher.native)
    found = searcher.search(market, 30 * GWEI, prices).opportunities[:ROUTES_PER_MOVE]
    assert found, f"no opportunity after moving {venue}"
    moved_at = chain.blocks.head.timestamp

    measured: list[tuple[str, int, int]] = []
    kinds: set[HopKind] = set()
    for best in found:
        for option in terms.options(best.cycle):
            opportunity, _ = searcher.evaluate(best.cycle, market, 30 * GWEI, prices, [option])
            if opportunity is None:
                continue
            snapshot = chain.snapshot()
            chain.pending_timestamp = moved_at + BLOCK_GAP_SECONDS  # Uniswap V2's oracle write: see bench/gas
            receipt = flasharb.execute(encode(route_for(opportunity, 0)), sender=executor)
            chain.restore(snapshot)
            shape = f"{option.lender.name}: {' -> '.join(h.kind.name for h in opportunity.hops)}"
            measured.append((shape, opportunity.gas_units, receipt.gas_used))
            kinds.update(h.kind for h in opportunity.hops)
    assert len(measured) >= ROUTES_PER_MOVE
    if venue != "quickswap":
        assert (HopKind.BALANCER if venue == "balancer" else HopKind.CURVE) in kinds
    off = [(shape, model, gas) for shape, model, gas in measured if abs(model - gas) > TOLERANCE * gas]
    assert not off, f"gas model more than {TOLERANCE:.0%} off the receipts: {off}"
    rms = math.sqrt(sum(((model - gas) / gas) ** 2 for _, model, gas in measured) / len(measured))
    assert rms <= RMS_TOLERANCE, f"gas model {rms:.1%} off the receipts (rms): {measured}"
