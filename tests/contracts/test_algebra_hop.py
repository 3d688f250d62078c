"""FlashArb's Algebra (QuickSwap V3) hop on the fork: a gap between an Algebra pool and Uniswap V3
captured through every lender including the Algebra pool itself, the profit equal to the exact math
at the block's fee to the wei, gas from the receipts, and the callback refused to anyone else."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from bot.amm.v3_pool import exact_input
from bot.market import MarketReader, Multicall, discover
from bot.market.snapshots import AlgebraPoolSnapshot, V3PoolSnapshot
from bot.route import Hop, Lender, Route, encode

from .venues import AAVE_POOL, Venues, contract, erc20

AMOUNT = 20_000 * 10**6  # USDC
WINDOW_ALGEBRA = "@cryptoalgebra/periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"


def algebra_pool(venues: Venues, a: str, b: str) -> str:
    pair = {venues.token(a), venues.token(b)}
    return next(p.address for p in venues.manifest.algebra_pools if {p.token0, p.token1} == pair)


def push_algebra(venues: Venues, sell: str, buy: str, amount: int, trader: Any) -> None:
    """Sells `amount` of `sell` for `buy` in the Algebra pool through the Algebra SwapRouter."""
    router = contract(venues.book.quickswap_v3.swap_router, WINDOW_ALGEBRA)
    token_in = venues.token(sell)
    venues.fund(token_in, trader, amount)
    erc20(token_in).approve(router.address, amount, sender=trader)
    router.exactInputSingle((token_in, venues.token(buy), trader.address, 2**64, amount, 0, 0), sender=trader)


def _route(venues: Venues, lender: Lender) -> Route:
    usdc, weth = venues.token("USDC"), venues.token("WETH")
    return Route(
        lender,
        usdc,
        AMOUNT,
        (
            Hop.algebra(algebra_pool(venues, "USDC", "WETH"), weth),
            Hop.uniswap_v3(venues.v3_pool("WETH", "USDC", 500), usdc),
        ),
    )


@pytest.mark.parametrize("lender", [Lender.ALGEBRA, Lender.AAVE, Lender.BALANCER])
def test_gap_on_an_algebra_pool_is_captured_to_the_wei(
    lender: Lender,
    flasharb: Any,
    venues: Venues,
    owner: Any,
    executor: Any,
    trader: Any,
    w3: Any,
    book: Any,
    assert_clean: Any,
    record_property: Any,
) -> None:
    """WETH made cheap on the Algebra pool: buy it there with USDC, sell it on Uniswap V3. The bot's
    market read and exact math, at the fee of the block the trade lands in, predict the profit."""
    push_algebra(venues, "WETH", "USDC", 60 * 10**18, trader)
    pools = discover(Multicall(w3, book.multicall3.address), book, ["USDC", "WETH"])
    route = _route(venues, lender)
    market = MarketReader(
        Multicall(w3, book.multicall3.address), pools, vault=book.balancer_v2.vault
    ).refresh()
    algebra = market.market.pools[route.hops[0].pool]
    v3 = market.market.pools[route.hops[1].pool]
    assert isinstance(algebra, AlgebraPoolSnapshot) and isinstance(v3, V3PoolSnapshot)
    usdc, weth = venues.token("USDC"), venues.token("WETH")
    weth_out = exact_input(algebra.state, usdc.lower() < weth.lower(), AMOUNT)
    usdc_back = exact_input(v3.state, weth.lower() < usdc.lower(), weth_out)
    premium = contract(book.aave_v3.pool, AAVE_POOL).FLASHLOAN_PREMIUM_TOTAL()
    fee = (AMOUNT * premium + 5_000) // 10_000 if lender is Lender.AAVE else 0
    predicted = usdc_back - AMOUNT - fee
    assert predicted > 0
    owner_before = erc20(usdc).balanceOf(owner)

    w3.provider.make_request("evm_setNextBlockTimestamp", [algebra.next_time])
    tx = flasharb.execute(encode(route), sender=executor)

    [trade] = tx.decode_logs(flasharb.Trade)
    assert (trade.lender, trade.amount, trade.fee, trade.profit) == (lender, AMOUNT, fee, predicted)
    assert erc20(usdc).balanceOf(owner) - owner_before == predicted
    assert algebra.state.fee > algebra.algebra.fee_config.base_fee  # the push raised the adaptive fee
    record_property("gas_used", tx.gas_used)
    assert 0 < tx.gas_used < 1_000_000
    assert_clean(flasharb, [book.aave_v3.pool, book.balancer_v2.vault], "USDC", "WETH")


def test_forged_algebra_callback_from_attacker_contract(
    flasharb: Any, project: Any, stranger: Any, venues: Venues
) -> None:
    """A contract that is not the pool being swapped with asks to be 'paid' as if it were owed a swap."""
    attacker = stranger.deploy(project.CallForwarderTestOnly)
    usdc = erc20(venues.token("USDC.e"))
    venues.fund(usdc.address, flasharb, 1_000 * 10**6)
    data = flasharb.algebraSwapCallback.encode_input(1_000 * 10**6, 0, b"")
    with ape.reverts(flasharb.UnexpectedCallback, caller=attacker.address):
        attacker.forward(flasharb, data, sender=stranger)
    assert usdc.balanceOf(flasharb) == 1_000 * 10**6


def test_algebra_hop_naming_a_pool_not_from_the_deployer_is_refused(
    flasharb: Any, venues: Venues, executor: Any
) -> None:
    """A Uniswap V3 pool of the same tokens named as an Algebra hop is not the deployer's CREATE2 pool."""
    usdc, weth = venues.token("USDC"), venues.token("WETH")
    fake = venues.v3_pool("USDC", "WETH", 500)
    route = Route(Lender.AAVE, usdc, AMOUNT, (Hop.algebra(fake, weth), Hop.uniswap_v3(fake, usdc)))
    with ape.reverts(flasharb.UnknownPool, hop=0, pool=fake):
        flasharb.execute(encode(route), sender=executor)
