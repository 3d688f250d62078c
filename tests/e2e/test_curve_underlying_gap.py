"""A price gap in Curve's aave pool (the replica's CurveAavePoolReplica at the real pool's address),
captured through `exchange_underlying`: discovery finds the pool's underlying-coin legs, the market
reader and the search price it with the off-peg dynamic fee, the route carries the underlying flag, and
FlashArb's profit equals the prediction to the wei. The gas of the trade comes from its receipt."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.execution.deploy import ensure_flasharb
from bot.execution.routes import predicted_profit, route_for
from bot.market import MarketReader, Multicall, discover
from bot.route.codec import decode, encode
from bot.route.model import HopKind
from bot.search import LenderTerms, Searcher, enumerate_cycles

from .conftest import balance_of, selector

logger = logging.getLogger(__name__)
GWEI = 10**9
MAX_UINT = 2**256 - 1


def _send(w3: Any, sender: str, to: str, signature: str, args: bytes) -> None:
    tx = w3.eth.send_transaction(
        {"from": sender, "to": to, "data": "0x" + (selector(signature) + args).hex()}
    )
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1, signature


def test_gap_in_the_aave_pool_is_captured_through_exchange_underlying(
    project: Any, chain: Any, accounts: Any, book: Any, replica: Any, w3: Any, fund: Any, tmp_path: Path
) -> None:
    from eth_abi.abi import encode as abi_encode

    [built] = replica.manifest.curve_lending_pools
    aave_pool = built.address
    owner = accounts[0]
    result = ensure_flasharb(
        project=project,
        chain=chain,
        account=owner,
        book=book,
        executors=(owner.address,),
        path=tmp_path / "deployments.json",
    )
    flasharb = project.FlashArb.at(result.address)
    # deploying lists the book's Curve pools; the aave pool with its underlying coins as well
    assert [c.lower() for c in flasharb.curvePoolUnderlyingCoins(aave_pool)] == [
        c.lower() for c in built.underlying_coins
    ]

    manifest = replica.manifest
    multicall = Multicall(w3, book.multicall3.address)
    pools = discover(
        multicall,
        book,
        list(manifest.tokens),
        balancer_pool_ids=[p.pool_id for p in manifest.balancer_pools],
        curve_pools=[aave_pool],
    )
    [curve] = pools.curve
    assert curve.lending and [c.lower() for c in curve.underlying_coins] == [
        c.lower() for c in built.underlying_coins
    ]
    reader = MarketReader(multicall, pools, vault=book.balancer_v2.vault)
    aave_assets = frozenset(r.asset for r in manifest.aave_reserves)
    balancer_assets = frozenset(t for p in pools.balancer for t in p.tokens)
    cycles = enumerate_cycles(pools, aave_assets | balancer_assets)
    assert any(leg.underlying for c in cycles for leg in c.legs)
    premium = int.from_bytes(
        w3.eth.call({"to": book.aave_v3.pool, "data": "0x" + selector("FLASHLOAN_PREMIUM_TOTAL()").hex()}),
        "big",
    )
    terms = LenderTerms(premium, aave_assets=aave_assets, balancer_assets=balancer_assets)
    searcher = Searcher(cycles, terms, native=book.token("WMATIC").address)

    # the gap: a trader dumps DAI into the aave pool for USDC.e (both underlying coins)
    trader = w3.eth.accounts[3]
    dai = book.token("DAI").address
    amount = 1_500_000 * 10**18
    fund(dai, trader, amount)
    _send(
        w3, trader, dai, "approve(address,uint256)", abi_encode(["address", "uint256"], [aave_pool, amount])
    )
    exchange = "exchange_underlying(int128,int128,uint256,uint256)"
    _send(
        w3,
        trader,
        aave_pool,
        exchange,
        abi_encode(["int128", "int128", "uint256", "uint256"], [0, 1, amount, 0]),
    )

    market = reader.refresh().market
    snapshot = market.pools[aave_pool]
    assert snapshot.state.lending and snapshot.state.offpeg_fee_multiplier == 2 * 10**10
    found = searcher.search(market, 30 * GWEI).opportunities
    through_underlying = [
        o
        for o in found
        if any(h.kind is HopKind.CURVE and h.pool == aave_pool and h.underlying for h in o.hops)
    ]
    assert through_underlying, f"no opportunity through exchange_underlying among {len(found)}"
    best = through_underlying[0]
    route = route_for(best)
    data = encode(route)
    assert decode(data) == route
    [curve_hop] = [h for h in route.hops if h.kind is HopKind.CURVE]
    assert curve_hop.curve_underlying and curve_hop.token_out.lower() in {
        c.lower() for c in built.underlying_coins
    }

    before = balance_of(w3, best.asset, owner.address)
    tx = flasharb.execute(data, sender=owner)
    [trade] = tx.decode_logs(flasharb.Trade)
    assert trade.profit == predicted_profit(best) > 0
    assert balance_of(w3, best.asset, owner.address) - before == trade.profit
    # no allowance left to the pool, no underlying coin or aToken left in FlashArb
    for coin in (*built.underlying_coins, *built.coins):
        allowance = w3.eth.call(
            {
                "to": coin,
                "data": "0x"
                + (
                    selector("allowance(address,address)")
                    + abi_encode(["address", "address"], [flasharb.address, aave_pool])
                ).hex(),
            }
        )
        assert int.from_bytes(allowance, "big") == 0
        if coin.lower() != best.asset.lower():
            assert balance_of(w3, coin, flasharb.address) == 0
    # the gas model prices the underlying hop's deposit and withdrawal (bot.search.gas)
    assert abs(best.gas_units - tx.gas_used) <= tx.gas_used // 20
    logger.info(
        "Curve aave pool gap through exchange_underlying: %d hops, lender %s, profit %d (asset %s) exact, "
        "gas used %d, modelled %d",
        len(route.hops),
        route.lender.name,
        trade.profit,
        best.asset,
        tx.gas_used,
        best.gas_units,
    )
