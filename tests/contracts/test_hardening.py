"""Issue 10: a stolen executor key takes nothing.

Before, a route of two lying pools drained FlashArb: the first "pool" reported a large output it never
sent, and the second hop paid that amount out of FlashArb's own holdings (by transfer for a V2 hop, in
the callback for a V3 hop, by approval for a Curve hop). Now every pool must be genuine for the hop's
tokens (CREATE2 from an accepted factory, or an owner-listed Curve pool), and every output is a measured
balance change. Each attack below reverts with a named error and moves nothing; no allowance survives.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak

from bot.route import Hop, Lender, Route, encode

from .venues import AAVE_POOL, Venues, contract, erc20

HELD = 32 * 10**18  # WETH FlashArb holds (sent by mistake, or profit kept)
AMOUNT = 10 * 10**6  # USDC.e borrowed: the drain costs only gas


@pytest.fixture
def held(flasharb: Any, venues: Venues) -> Any:
    weth = erc20(venues.token("WETH"))
    venues.fund(weth.address, flasharb, HELD)
    return weth


def _lying(project: Any, stranger: Any, venues: Venues, refund: int = 0) -> Any:
    """A lying pool of USDC.e/WETH that claims HELD WETH for any input and refunds `refund` USDC.e."""
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    pool = stranger.deploy(project.LyingPoolTestOnly, usdc, weth)
    pool.configure(HELD, usdc, refund, 0, sender=stranger)
    if refund:
        venues.fund(usdc, pool, refund * 4)
    return pool


def _hop(kind: str, pool: Any, venues: Venues, sell: str, buy: str) -> Hop:
    out = venues.token(buy)
    if kind == "v2":
        return Hop.uniswap_v2(pool.address, out)
    if kind == "v3":
        return Hop.uniswap_v3(pool.address, out)
    coins = [pool.coins(0), pool.coins(1)]
    return Hop.curve(pool.address, coins.index(venues.token(sell)), coins.index(out), out)


def _snapshot(flasharb: Any, venues: Venues, *others: Any) -> list[int]:
    usdc, weth = erc20(venues.token("USDC.e")), erc20(venues.token("WETH"))
    holders = [flasharb, *others]
    allowances = [t.allowance(flasharb, o) for t in (usdc, weth) for o in others]
    return [t.balanceOf(h) for t in (usdc, weth) for h in holders] + allowances


@pytest.mark.parametrize("kind", ["v2", "v3", "curve"])
def test_drain_through_lying_pools_is_refused(
    kind: str, project: Any, flasharb: Any, venues: Venues, executor: Any, stranger: Any, held: Any, book: Any
) -> None:
    """The drain of the issue: USDC.e -> WETH in lying pool A (claims 32 WETH), WETH -> USDC.e in lying
    pool B (takes FlashArb's 32 WETH and refunds the loan and its premium): refused at hop 0."""
    premium = contract(book.aave_v3.pool, AAVE_POOL).FLASHLOAN_PREMIUM_TOTAL()
    first = _lying(project, stranger, venues)
    second = _lying(project, stranger, venues, refund=AMOUNT + AMOUNT * premium // 10_000 + 1)
    route = Route(
        Lender.AAVE,
        venues.token("USDC.e"),
        AMOUNT,
        (_hop(kind, first, venues, "USDC.e", "WETH"), _hop(kind, second, venues, "WETH", "USDC.e")),
    )
    before = _snapshot(flasharb, venues, first, second, stranger)
    with ape.reverts(
        flasharb.UnknownPool, hop=0, pool=first.address, tokenIn=venues.token("USDC.e"), tokenOut=held.address
    ):
        flasharb.execute(encode(route), sender=executor)
    assert _snapshot(flasharb, venues, first, second, stranger) == before
    assert held.balanceOf(flasharb) == HELD


def test_owner_listed_lying_curve_pool_gets_measured(
    project: Any, flasharb: Any, venues: Venues, executor: Any, owner: Any, stranger: Any, held: Any
) -> None:
    """Even a lying pool the owner listed by mistake cannot make a hop pay out FlashArb's holdings: its
    output is measured (nothing arrived), and its approval does not outlive the transaction."""
    liar = _lying(project, stranger, venues)
    flasharb.setCurvePool(liar.address, True, sender=owner)
    pair = venues.v2_pair("quickswap", "USDC.e", "WETH")
    route = Route(
        Lender.AAVE,
        venues.token("USDC.e"),
        AMOUNT,
        (_hop("curve", liar, venues, "USDC.e", "WETH"), Hop.uniswap_v2(pair, venues.token("USDC.e"))),
    )
    before = _snapshot(flasharb, venues, liar, pair)
    with ape.reverts(flasharb.InsufficientOutput, hop=0, amountOut=0, minOut=0):
        flasharb.execute(encode(route), sender=executor)
    assert _snapshot(flasharb, venues, liar, pair) == before


def test_lying_code_at_a_genuine_pair_address_gets_measured(
    project: Any, flasharb: Any, venues: Venues, executor: Any, stranger: Any, held: Any, chain: Any
) -> None:
    """Defense in depth: lying code placed at a real pair's address (as if a factory were compromised)
    passes the CREATE2 check, and is still caught by measuring its output."""
    liar = _lying(project, stranger, venues)
    pair = venues.v2_pair("quickswap", "USDC.e", "WETH")
    chain.provider.set_code(pair, chain.provider.get_code(liar.address))
    for slot in range(6):
        chain.provider.set_storage(pair, slot, b"\x00" * 32)
    project.LyingPoolTestOnly.at(pair).configure(HELD, venues.token("USDC.e"), 0, 0, sender=stranger)
    route = Route(
        Lender.AAVE,
        venues.token("USDC.e"),
        AMOUNT,
        (
            Hop.uniswap_v2(pair, held.address),
            Hop.uniswap_v3(venues.v3_pool("USDC.e", "WETH", 500), venues.token("USDC.e")),
        ),
    )
    with ape.reverts(flasharb.InsufficientOutput, hop=0, amountOut=0, minOut=0):
        flasharb.execute(encode(route), sender=executor)
    assert held.balanceOf(flasharb) == HELD


def test_pool_cannot_pass_off_a_flasharb_error(
    project: Any, flasharb: Any, venues: Venues, executor: Any, owner: Any, stranger: Any
) -> None:
    """A (listed) pool reverting with FlashArb's own InsufficientProfit selector comes back wrapped in
    CallFailed naming it, so logs cannot be misled into 'prices moved'."""
    liar = _lying(project, stranger, venues)
    liar.configure(HELD, venues.token("USDC.e"), 0, 1, sender=stranger)
    flasharb.setCurvePool(liar.address, True, sender=owner)
    pair = venues.v2_pair("quickswap", "USDC.e", "WETH")
    route = Route(
        Lender.AAVE,
        venues.token("USDC.e"),
        AMOUNT,
        (_hop("curve", liar, venues, "USDC.e", "WETH"), Hop.uniswap_v2(pair, venues.token("USDC.e"))),
    )
    forged = keccak(text="InsufficientProfit(uint256,uint256,uint256)")[:4] + (0).to_bytes(32, "big")
    forged += (1).to_bytes(32, "big") + (0).to_bytes(32, "big")
    with ape.reverts(flasharb.CallFailed, target=liar.address, reason=forged):
        flasharb.execute(encode(route), sender=executor)


# ---- routes whose tokens do not match the pool: an honest bot's encoding mistake --------------------


def _wrong_token_routes(v: Venues) -> list[Any]:
    usdc, weth, usdt = v.token("USDC.e"), v.token("WETH"), v.token("USDT")
    quick = v.v2_pair("quickswap", "USDC.e", "WETH")
    pool = v.v3_pool("USDC.e", "WETH", 500)
    curve = v.curve_pool().address
    return [
        # the USDC.e/WETH pair named for USDC.e -> USDT
        (
            Route(Lender.AAVE, usdc, AMOUNT, (Hop.uniswap_v2(quick, usdt), Hop.uniswap_v3(pool, usdc))),
            0,
            quick,
        ),
        # the USDC.e/WETH V3 pool named for WETH -> USDT
        (
            Route(
                Lender.BALANCER,
                usdc,
                AMOUNT,
                (Hop.uniswap_v2(quick, weth), Hop.uniswap_v3(pool, usdt), Hop.curve(curve, 1, 0, usdc)),
            ),
            1,
            pool,
        ),
        # Curve: USDT sold under USDC.e's index
        (
            Route(
                Lender.AAVE,
                usdc,
                AMOUNT,
                (
                    Hop.curve(curve, v.curve_index("USDC.e"), v.curve_index("DAI"), usdt),
                    Hop.uniswap_v2(quick, usdc),
                ),
            ),
            0,
            curve,
        ),
    ]


@pytest.mark.parametrize("case", [0, 1, 2], ids=["v2", "v3", "curve"])
def test_wrong_token_route_is_refused(case: int, flasharb: Any, venues: Venues, executor: Any) -> None:
    route, hop, pool = _wrong_token_routes(venues)[case]
    with ape.reverts(flasharb.UnknownPool, hop=hop, pool=pool):
        flasharb.execute(encode(route), sender=executor)


def test_unlisted_curve_pool_is_refused(flasharb: Any, venues: Venues, executor: Any, owner: Any) -> None:
    curve = venues.curve_pool().address
    flasharb.setCurvePool(curve, False, sender=owner)
    usdc, usdt = venues.token("USDC.e"), venues.token("USDT")
    route = Route(
        Lender.AAVE,
        usdc,
        AMOUNT,
        (
            Hop.curve(curve, venues.curve_index("USDC.e"), venues.curve_index("USDT"), usdt),
            Hop.uniswap_v2(venues.v2_pair("quickswap", "USDT", "USDC.e"), usdc),
        ),
    )
    with ape.reverts(flasharb.UnknownPool, hop=0, pool=curve):
        flasharb.execute(encode(route), sender=executor)
