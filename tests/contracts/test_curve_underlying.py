"""FlashArb and a Curve lending pool (the replica's aave pool): listing reads its underlying coins, an
underlying hop is genuine only for the underlying coins at its indices, a wrapped hop only for the
aTokens, unknown flag bits are refused, and a plain pool lists no underlying coins."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from bot.route import HEADER_LENGTH, Hop, Lender, Route, encode

from .venues import Venues


@pytest.fixture
def aave_pool(replica: Any) -> Any:
    if not replica.manifest.curve_lending_pools:
        pytest.skip("the replica carries no Curve lending pool")
    return replica.manifest.curve_lending_pools[0]


def test_listing_reads_the_underlying_coins(
    flasharb: Any, owner: Any, aave_pool: Any, venues: Venues
) -> None:
    assert [c.lower() for c in flasharb.curvePoolCoins(aave_pool.address)] == [
        c.lower() for c in aave_pool.coins
    ]
    assert [c.lower() for c in flasharb.curvePoolUnderlyingCoins(aave_pool.address)] == [
        c.lower() for c in aave_pool.underlying_coins
    ]
    assert flasharb.curvePoolUnderlyingCoins(venues.curve_pool().address) == []
    flasharb.setCurvePool(aave_pool.address, False, sender=owner)
    assert flasharb.curvePoolUnderlyingCoins(aave_pool.address) == []


def _route(aave_pool: Any, venues: Venues) -> bytearray:
    """DAI -> USDC.e through exchange_underlying (indices 0 -> 1), then back in some other pool (never
    reached: the checks stop at the first hop), borrowed from Aave."""
    dai, usdce = venues.token("DAI"), venues.token("USDC.e")
    hops = (Hop.curve(aave_pool.address, 0, 1, usdce, underlying=True), Hop.uniswap_v2("0x" + "22" * 20, dai))
    return bytearray(encode(Route(Lender.AAVE, dai, 10**18, hops)))


def test_underlying_hops_are_checked_against_the_underlying_coins(
    flasharb: Any, executor: Any, aave_pool: Any, venues: Venues
) -> None:
    # the same underlying-coin hop without the flag: not a pair of the pool's (wrapped) coins
    wrong_flag = _route(aave_pool, venues)
    wrong_flag[HEADER_LENGTH + 23] = 0
    with ape.reverts(flasharb.UnknownPool, hop=0, pool=aave_pool.address):
        flasharb.execute(bytes(wrong_flag), sender=executor)
    swapped = _route(aave_pool, venues)
    swapped[HEADER_LENGTH + 21] = 2  # USDT's index with DAI -> USDC.e tokens
    with ape.reverts(flasharb.UnknownPool, hop=0):
        flasharb.execute(bytes(swapped), sender=executor)
    bad_bits = _route(aave_pool, venues)
    bad_bits[HEADER_LENGTH + 23] = 3
    with ape.reverts(flasharb.BadCurveFlags, hop=0, flags=3):
        flasharb.execute(bytes(bad_bits), sender=executor)
