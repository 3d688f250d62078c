"""On the fork: a big trade moves a QuickSwap V3 (Algebra) pool's price; the search finds a cycle
through that pool and sizes it, and running its hops through the venues' routers pays exactly what
the search predicted, to the wei, with the Algebra hop in the block time its fee was priced for."""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from bot.market import MarketReader, Multicall, PoolSet
from bot.market.snapshots import AlgebraPoolSnapshot
from bot.route.model import HopKind
from bot.search import LenderTerms, Searcher, enumerate_cycles

from .swaps import balance_of, run_hop

GWEI = 10**9
BLOCK_INTERVAL_S = 60
"""The reader prices Algebra fees for a block this far ahead; the test mines the Algebra hop then."""


def _send(w3: Any, sender: str, to: str, signature: str, types: list[str], args: list[Any]) -> None:
    data = bytes(function_signature_to_4byte_selector(signature)) + encode(types, args)
    tx = w3.eth.send_transaction({"from": sender, "to": to, "data": "0x" + data.hex(), "gas": 5_000_000})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


def _algebra_swap(
    w3: Any, book: Any, sender: str, token_in: str, token_out: str, amount: int, time: int | None
) -> int:
    router = book.quickswap_v3.swap_router
    _send(w3, sender, token_in, "approve(address,uint256)", ["address", "uint256"], [router, amount])
    before = balance_of(w3, token_out, sender)
    if time is not None:
        w3.provider.make_request("evm_setNextBlockTimestamp", [time])
    _send(
        w3,
        sender,
        router,
        "exactInputSingle((address,address,address,uint256,uint256,uint256,uint160))",
        ["(address,address,address,uint256,uint256,uint256,uint160)"],
        [(token_in, token_out, sender, 2**63, amount, 0, 0)],
    )
    return balance_of(w3, token_out, sender) - before


def _premium_bps(w3: Any, book: Any) -> int:
    data = bytes(function_signature_to_4byte_selector("FLASHLOAN_PREMIUM_TOTAL()"))
    return int.from_bytes(w3.eth.call({"to": book.aave_v3.pool, "data": "0x" + data.hex()}), "big")


def test_a_gap_on_an_algebra_pool_is_found_sized_and_paid_exactly(
    w3: Any, book: Any, pools: PoolSet, fund: Any, replica: Any
) -> None:
    assert pools.algebra, "discovery finds the replica's Algebra pools"
    trader, searcher_account = w3.eth.accounts[0], w3.eth.accounts[1]
    reader = MarketReader(
        Multicall(w3, book.multicall3.address),
        pools,
        vault=book.balancer_v2.vault,
        block_interval_s=BLOCK_INTERVAL_S,
    )
    reader.refresh()
    aave_assets = frozenset(r.asset for r in replica.manifest.aave_reserves)
    balancer_assets = frozenset(t for p in pools.balancer for t in p.tokens)
    cycles = enumerate_cycles(pools, aave_assets | balancer_assets)
    assert any(leg.kind is HopKind.ALGEBRA for c in cycles for leg in c.legs)
    terms = LenderTerms(_premium_bps(w3, book), aave_assets=aave_assets, balancer_assets=balancer_assets)
    searcher = Searcher(cycles, terms, native=book.token("WMATIC").address)

    weth, usdc = book.token("WETH").address, book.token("USDC").address
    pool = next(p for p in pools.algebra if set(p.tokens) == {weth, usdc})
    amount = 150 * 10**18
    fund(weth, trader, amount)
    _algebra_swap(w3, book, trader, weth, usdc, amount, None)

    market = reader.refresh().market
    snapshot = market.pools[pool.address]
    assert isinstance(snapshot, AlgebraPoolSnapshot)
    result = searcher.search(market, 30 * GWEI)
    assert result.opportunities, "no opportunity after moving the Algebra pool"
    best = result.opportunities[0]
    assert pool.address in best.pools
    assert HopKind.ALGEBRA in {h.kind for h in best.hops}
    assert best.net_profit > 0

    fund(best.asset, searcher_account, best.amount_in)
    start = balance_of(w3, best.asset, searcher_account)
    amount = best.amount_in
    for hop in best.hops:
        assert hop.amount_in == amount
        if hop.kind is HopKind.ALGEBRA:
            priced = market.pools[hop.pool]
            assert isinstance(priced, AlgebraPoolSnapshot)
            amount = _algebra_swap(
                w3, book, searcher_account, hop.token_in, hop.token_out, amount, priced.next_time
            )
        else:
            amount = run_hop(w3, book, market, searcher_account, hop, amount)
        assert amount == hop.amount_out, (
            f"{hop.kind.name} hop in {hop.pool}: paid {amount}, predicted {hop.amount_out}"
        )
    assert balance_of(w3, best.asset, searcher_account) - start == best.amount_out - best.amount_in
