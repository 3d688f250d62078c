"""FlashArb's Balancer hop on ComposableStable pools: it swaps them through the Vault by pool id like
weighted pools, and the Vault's registration is what admits a pool (an unregistered id is refused
before any token moves)."""

from __future__ import annotations

from typing import Any

import ape

from bot.route import Hop, Lender, Route, encode

from .venues import VAULT, Venues, contract, erc20

AMOUNT = 2_000 * 10**18  # WMATIC


def _stable_pool(venues: Venues, symbol: str) -> Any:
    token = venues.token(symbol)
    (pool,) = [p for p in venues.manifest.balancer_stable_pools if token in p.tokens]
    return pool


def _maticx_cheap_in_the_stable_pool(venues: Venues, trader: Any) -> None:
    pool = _stable_pool(venues, "MaticX")
    vault = contract(venues.book.balancer_v2.vault, VAULT)
    maticx, amount = venues.token("MaticX"), 1_000_000 * 10**18
    venues.fund(maticx, trader, amount)
    erc20(maticx).approve(vault.address, amount, sender=trader)
    single = (pool.pool_id, 0, maticx, venues.token("WMATIC"), amount, b"")
    vault.swap(single, (trader.address, False, trader.address, False), 0, 2**64, sender=trader)


def test_stable_pool_hop_trades(
    flasharb: Any, venues: Venues, executor: Any, owner: Any, trader: Any, assert_clean: Any
) -> None:
    """WMATIC -> MaticX in the stable pool (MaticX cheap there), MaticX -> WMATIC on QuickSwap."""
    _maticx_cheap_in_the_stable_pool(venues, trader)
    pool = _stable_pool(venues, "MaticX")
    wmatic = erc20(venues.token("WMATIC"))
    hops = (
        Hop.balancer(pool.pool_id, venues.token("MaticX")),
        Hop.uniswap_v2(venues.v2_pair("quickswap", "MaticX", "WMATIC"), wmatic.address),
    )
    before = wmatic.balanceOf(owner)
    tx = flasharb.execute(encode(Route(Lender.AAVE, wmatic.address, AMOUNT, hops)), sender=executor)
    (trade,) = [e for e in tx.events if e.event_name == "Trade"]
    assert trade.profit > 0 and wmatic.balanceOf(owner) - before == trade.profit
    assert_clean(flasharb, [venues.book.balancer_v2.vault], "WMATIC", "MaticX")


def test_unregistered_pool_id_is_refused(flasharb: Any, venues: Venues, executor: Any) -> None:
    """A pool id the Vault never registered (the stable pool's address with another nonce): the Vault
    refuses the swap (BAL#500), FlashArb reverts with CallFailed and nothing moves."""
    pool = _stable_pool(venues, "MaticX")
    forged = pool.pool_id[:-4] + "ffff"
    hops = (
        Hop.balancer(forged, venues.token("MaticX")),
        Hop.uniswap_v2(venues.v2_pair("quickswap", "MaticX", "WMATIC"), venues.token("WMATIC")),
    )
    wmatic = erc20(venues.token("WMATIC"))
    held = wmatic.balanceOf(flasharb)
    with ape.reverts(flasharb.CallFailed):
        flasharb.execute(encode(Route(Lender.AAVE, wmatic.address, AMOUNT, hops)), sender=executor)
    assert wmatic.balanceOf(flasharb) == held
