"""SushiSwap V3 pools: real Uniswap V3 code at SushiSwap's own factory. FlashArb accepts them as
genuine (CREATE2 from the second V3 factory it was built with), lends from them and swaps in them
with its authenticated V3 callback; a fake posing as one is refused before anything moves."""

from __future__ import annotations

from typing import Any

import ape
from eth_abi.abi import encode as abi_encode
from eth_utils import keccak

from bot.route import Hop, Lender, Route, encode

from .venues import V3_POOL, Venues, contract, erc20

SUSHI = "sushiswap-v3"
AMOUNT = 2 * 10**18  # WETH


def _create2(factory: str, token0: str, token1: str, fee: int, init_code_hash: str) -> str:
    salt = keccak(abi_encode(["address", "address", "uint24"], [token0, token1, fee]))
    raw = keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + bytes.fromhex(init_code_hash[2:]))
    return "0x" + raw[12:].hex()


def test_sushiswap_v3_pools_sit_where_its_factory_puts_them(replica: Any, book: Any) -> None:
    (sushi,) = book.uniswap_v3_forks
    assert sushi.name == SUSHI
    assert sushi.pool_init_code_hash == book.uniswap_v3.pool_init_code_hash  # Uniswap V3 code
    pools = replica.manifest.v3_fork_pools
    assert len(pools) >= 5 and {p.dex for p in pools} == {SUSHI}
    for pool in pools:
        expected = _create2(sushi.factory, pool.token0, pool.token1, pool.fee, sushi.pool_init_code_hash)
        assert pool.address.lower() == expected
        assert contract(pool.address, V3_POOL).factory() == sushi.factory


def test_flasharb_accepts_the_sushiswap_v3_factory(flasharb: Any, book: Any) -> None:
    (sushi,) = book.uniswap_v3_forks
    factories = [(f, "0x" + bytes(h).hex()) for f, h in flasharb.v3Factories()]
    assert factories == [
        (book.uniswap_v3.factory, book.uniswap_v3.pool_init_code_hash),
        (sushi.factory, sushi.pool_init_code_hash),
    ]


def _round_trip(v: Venues) -> tuple[Hop, ...]:
    """WETH -> USDC in SushiSwap V3, USDC -> WETH in the QuickSwap pair."""
    return (
        Hop.uniswap_v3(v.v3_fork_pool(SUSHI, "WETH", "USDC", 500), v.token("USDC")),
        Hop.uniswap_v2(v.v2_pair("quickswap", "USDC", "WETH"), v.token("WETH")),
    )


def _weth_cheap_on_quickswap(v: Venues, trader: Any) -> None:
    v.push_v2("quickswap", "WETH", "USDC", 40 * 10**18, trader)


def test_sushiswap_v3_hop_and_lender_trade(
    flasharb: Any, venues: Venues, executor: Any, owner: Any, trader: Any, assert_clean: Any
) -> None:
    """With WETH cheap on QuickSwap: sell WETH for USDC on SushiSwap V3 and buy it back cheaper on
    QuickSwap, once with the SushiSwap pool as a hop (Aave loan) and once as the lender (flash swap)."""
    _weth_cheap_on_quickswap(venues, trader)
    weth = erc20(venues.token("WETH"))
    for lender in (Lender.AAVE, Lender.UNISWAP_V3):
        before = weth.balanceOf(owner)
        route = Route(lender, weth.address, AMOUNT, _round_trip(venues))
        tx = flasharb.execute(encode(route), sender=executor)
        (trade,) = [e for e in tx.events if e.event_name == "Trade"]
        assert trade.profit > 0 and weth.balanceOf(owner) - before == trade.profit
        assert_clean(flasharb, [venues.v3_fork_pool(SUSHI, "WETH", "USDC", 500)], "WETH", "USDC")


def test_fake_pool_posing_as_a_sushiswap_v3_pool_is_refused(
    project: Any, flasharb: Any, venues: Venues, executor: Any, stranger: Any
) -> None:
    """Same tokens and fee as SushiSwap's WETH/USDC 0.05 % pool, but not at the address SushiSwap's
    factory gives them: refused with UnknownPool at hop 0, as a hop and as a lender."""
    weth, usdc = venues.token("WETH"), venues.token("USDC")
    fake = stranger.deploy(project.MaliciousV3PoolTestOnly, weth, usdc)
    assert fake.fee() == 500
    hops = (
        Hop.uniswap_v3(fake.address, usdc),
        Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC", "WETH"), weth),
    )
    for lender in (Lender.AAVE, Lender.UNISWAP_V3):
        with ape.reverts(flasharb.UnknownPool, hop=0, pool=fake.address, tokenIn=weth, tokenOut=usdc):
            flasharb.execute(encode(Route(lender, weth, AMOUNT, hops)), sender=executor)


def test_without_the_second_factory_sushiswap_v3_pools_are_refused(
    project: Any, book: Any, owner: Any, executor: Any, factories: Any, venues: Venues, trader: Any
) -> None:
    """FlashArb built with Uniswap V3's factory alone does not take a SushiSwap V3 pool for genuine."""
    from bot.execution.deploy import algebra_deployer

    v2, v3 = factories
    algebra = algebra_deployer(ape.chain.provider.web3, book)
    only_uniswap = owner.deploy(
        project.FlashArb, book.aave_v3.pool, book.balancer_v2.vault, owner, v2, v3[:1], algebra
    )
    only_uniswap.setExecutor(executor, True, sender=owner)
    _weth_cheap_on_quickswap(venues, trader)
    pool = venues.v3_fork_pool(SUSHI, "WETH", "USDC", 500)
    route = Route(Lender.AAVE, venues.token("WETH"), AMOUNT, _round_trip(venues))
    with ape.reverts(
        only_uniswap.UnknownPool,
        hop=0,
        pool=pool,
        tokenIn=venues.token("WETH"),
        tokenOut=venues.token("USDC"),
    ):
        only_uniswap.execute(encode(route), sender=executor)
