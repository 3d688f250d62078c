"""FlashArb trades on the fork: every hop kind, 2- to 4-hop cycles, every lender.

Each test first moves one price with a trader's big swap (the replica is balanced, so a cycle only
pays after something moved), then runs the route and checks: the Trade event, profit at the owner,
and nothing left in FlashArb (no balance of any token on the route, no allowance to any spender).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest

from bot.route import Hop, Lender, Route, encode

from .venues import AAVE_POOL, Venues, contract, erc20

AMOUNT = 20_000 * 10**6  # USDC.e


def weth_cheap_on_quickswap(v: Venues, trader: Any) -> None:
    v.push_v2("quickswap", "WETH", "USDC.e", 50 * 10**18, trader)


def weth_dear_on_quickswap(v: Venues, trader: Any) -> None:
    v.push_v2("quickswap", "USDC.e", "WETH", 150_000 * 10**6, trader)
    v.push_v2("quickswap", "USDT", "WETH", 150_000 * 10**6, trader)


def usdt_dear_on_quickswap(v: Venues, trader: Any) -> None:
    v.push_v2("quickswap", "USDC.e", "USDT", 100_000 * 10**6, trader)


def v2(v: Venues, dex: str, a: str, b: str) -> Hop:
    return Hop.uniswap_v2(v.v2_pair(dex, a, b), v.token(b), 30)


def v3(v: Venues, a: str, b: str, fee: int) -> Hop:
    return Hop.uniswap_v3(v.v3_pool(a, b, fee), v.token(b))


def bal(v: Venues, a: str, b: str) -> Hop:
    return Hop.balancer(v.balancer_pool_id(a, b), v.token(b))


def curve(v: Venues, a: str, b: str) -> Hop:
    return Hop.curve(v.curve_pool().address, v.curve_index(a), v.curve_index(b), v.token(b))


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[Venues, Any], None]
    hops: Callable[[Venues], tuple[Hop, ...]]
    tokens: tuple[str, ...]


CASES = [
    Case(
        "V2>V3",
        weth_cheap_on_quickswap,
        lambda v: (v2(v, "quickswap", "USDC.e", "WETH"), v3(v, "WETH", "USDC.e", 500)),
        ("WETH",),
    ),
    Case(
        "V2>V2",
        weth_cheap_on_quickswap,
        lambda v: (v2(v, "quickswap", "USDC.e", "WETH"), v2(v, "sushiswap", "WETH", "USDC.e")),
        ("WETH",),
    ),
    Case(
        "V2>Balancer",
        weth_cheap_on_quickswap,
        lambda v: (v2(v, "quickswap", "USDC.e", "WETH"), bal(v, "WETH", "USDC.e")),
        ("WETH",),
    ),
    Case(
        "Curve>V2",
        usdt_dear_on_quickswap,
        lambda v: (curve(v, "USDC.e", "USDT"), v2(v, "quickswap", "USDT", "USDC.e")),
        ("USDT",),
    ),
    Case(
        "V2>V3>Curve",
        weth_cheap_on_quickswap,
        lambda v: (
            v2(v, "quickswap", "USDC.e", "WETH"),
            v3(v, "WETH", "USDT", 500),
            curve(v, "USDT", "USDC.e"),
        ),
        ("WETH", "USDT"),
    ),
    Case(
        "V2>V3>Curve>V2",
        weth_cheap_on_quickswap,
        lambda v: (
            v2(v, "quickswap", "USDC.e", "WETH"),
            v3(v, "WETH", "USDT", 500),
            curve(v, "USDT", "DAI"),
            v2(v, "sushiswap", "DAI", "USDC.e"),
        ),
        ("WETH", "USDT", "DAI"),
    ),
    Case(
        "V2>Balancer>V2>V3",
        weth_cheap_on_quickswap,
        lambda v: (
            v2(v, "quickswap", "USDC.e", "WETH"),
            bal(v, "WETH", "WBTC"),
            v2(v, "sushiswap", "WBTC", "WETH"),
            v3(v, "WETH", "USDC.e", 500),
        ),
        ("WETH", "WBTC"),
    ),
    Case(
        "V3>V2",
        weth_dear_on_quickswap,
        lambda v: (v3(v, "USDC.e", "WETH", 500), v2(v, "quickswap", "WETH", "USDC.e")),
        ("WETH",),
    ),
    Case(
        "V3>V2>Curve",
        weth_dear_on_quickswap,
        lambda v: (
            v3(v, "USDC.e", "WETH", 500),
            v2(v, "quickswap", "WETH", "USDT"),
            curve(v, "USDT", "USDC.e"),
        ),
        ("WETH", "USDT"),
    ),
]


PARAMS = [
    pytest.param(case, lender, id=f"{case.name.replace('>', '-')}-{lender.name}")
    for case in CASES
    for lender in (Lender.AAVE, Lender.BALANCER, Lender.UNISWAP_V2, Lender.UNISWAP_V3)
    if (lender is not Lender.BALANCER or "Balancer" not in case.name)
    and (lender is not Lender.UNISWAP_V2 or case.name.startswith("V2"))
    and (lender is not Lender.UNISWAP_V3 or case.name.startswith("V3"))
]


@pytest.mark.parametrize(("case", "lender"), PARAMS)
def test_profitable_cycle(
    case: Case,
    lender: Lender,
    flasharb: Any,
    venues: Venues,
    owner: Any,
    executor: Any,
    trader: Any,
    assert_clean: Any,
    book: Any,
) -> None:
    case.setup(venues, trader)
    usdc = erc20(venues.token("USDC.e"))
    hops = case.hops(venues)
    route = Route(lender, usdc.address, AMOUNT, hops)
    owner_before = usdc.balanceOf(owner)

    tx = flasharb.execute(encode(route), sender=executor)

    [trade] = tx.decode_logs(flasharb.Trade)
    premium = contract(book.aave_v3.pool, AAVE_POOL).FLASHLOAN_PREMIUM_TOTAL()
    expected_fee = (AMOUNT * premium + 5_000) // 10_000 if lender is Lender.AAVE else 0
    assert (trade.lender, trade.asset, trade.amount, trade.fee, trade.hops) == (
        lender,
        usdc.address,
        AMOUNT,
        expected_fee,
        len(hops),
    )
    assert trade.profit > 0
    assert usdc.balanceOf(owner) - owner_before == trade.profit
    spenders = [book.aave_v3.pool, book.balancer_v2.vault, venues.curve_pool().address]
    assert_clean(flasharb, spenders, "USDC.e", *case.tokens)


def test_same_route_same_gross_through_every_lender(
    flasharb: Any, venues: Venues, executor: Any, trader: Any, chain: Any
) -> None:
    """The lender changes only the fee: profit + fee is the same wei for Aave, Balancer and the pool."""
    weth_cheap_on_quickswap(venues, trader)
    hops = (v2(venues, "quickswap", "USDC.e", "WETH"), v3(venues, "WETH", "USDC.e", 500))
    gross = set()
    for lender in (Lender.AAVE, Lender.BALANCER, Lender.UNISWAP_V2):
        snapshot = chain.snapshot()
        tx = flasharb.execute(encode(Route(lender, venues.token("USDC.e"), AMOUNT, hops)), sender=executor)
        [trade] = tx.decode_logs(flasharb.Trade)
        gross.add(trade.profit + trade.fee)
        chain.restore(snapshot)
    assert len(gross) == 1


def test_profit_matches_exact_v2_math(flasharb: Any, venues: Venues, executor: Any, trader: Any) -> None:
    """A V2 -> V2 cycle's profit equals UniswapV2Library arithmetic on the reserves, to the wei."""
    from bot.amm import uniswap_v2 as amm_v2

    weth_cheap_on_quickswap(venues, trader)
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    quick = contract(
        venues.v2_pair("quickswap", "USDC.e", "WETH"), "@uniswap/v2-core/build/UniswapV2Pair.json"
    )
    sushi = contract(
        venues.v2_pair("sushiswap", "USDC.e", "WETH"), "@uniswap/v2-core/build/UniswapV2Pair.json"
    )

    def out(pair: Any, amount: int, token_in: str) -> int:
        r0, r1, _ = pair.getReserves()
        r_in, r_out = (r0, r1) if pair.token0() == token_in else (r1, r0)
        return amm_v2.get_amount_out(amount, r_in, r_out, amm_v2.fee_from_bps(30))

    expected = out(sushi, out(quick, AMOUNT, usdc), weth) - AMOUNT
    route = Route(
        Lender.BALANCER,
        usdc,
        AMOUNT,
        (v2(venues, "quickswap", "USDC.e", "WETH"), v2(venues, "sushiswap", "WETH", "USDC.e")),
    )
    [trade] = flasharb.execute(encode(route), sender=executor).decode_logs(flasharb.Trade)
    assert trade.profit == expected


@pytest.mark.parametrize("lender", [Lender.AAVE, Lender.BALANCER, Lender.UNISWAP_V2])
def test_unprofitable_route_reverts_and_moves_nothing(
    lender: Lender, flasharb: Any, venues: Venues, owner: Any, executor: Any, book: Any
) -> None:
    """On balanced prices the cycle loses its fees: InsufficientProfit with the numbers, nothing moves."""
    usdc = erc20(venues.token("USDC.e"))
    pair = venues.v2_pair("quickswap", "USDC.e", "WETH")
    watched = [owner.address, flasharb.address, pair, book.aave_v3.pool, book.balancer_v2.vault]
    before = [usdc.balanceOf(a) for a in watched]
    hops = (v2(venues, "quickswap", "USDC.e", "WETH"), v3(venues, "WETH", "USDC.e", 500))
    route = Route(lender, usdc.address, AMOUNT, hops)
    with ape.reverts(flasharb.InsufficientProfit):
        flasharb.execute(encode(route), sender=executor)
    assert [usdc.balanceOf(a) for a in watched] == before


def test_min_profit_is_enforced_to_the_wei(
    flasharb: Any, venues: Venues, executor: Any, trader: Any, chain: Any
) -> None:
    """A route whose profit is P passes with minProfit = P and reverts with minProfit = P + 1."""
    weth_cheap_on_quickswap(venues, trader)
    hops = (v2(venues, "quickswap", "USDC.e", "WETH"), v3(venues, "WETH", "USDC.e", 500))
    usdc = venues.token("USDC.e")
    snapshot = chain.snapshot()
    [trade] = flasharb.execute(
        encode(Route(Lender.BALANCER, usdc, AMOUNT, hops)), sender=executor
    ).decode_logs(flasharb.Trade)
    profit = trade.profit
    chain.restore(snapshot)
    with ape.reverts(
        flasharb.InsufficientProfit, received=AMOUNT + profit, owed=AMOUNT, minProfit=profit + 1
    ):
        flasharb.execute(
            encode(Route(Lender.BALANCER, usdc, AMOUNT, hops, min_profit=profit + 1)), sender=executor
        )
    tx = flasharb.execute(
        encode(Route(Lender.BALANCER, usdc, AMOUNT, hops, min_profit=profit)), sender=executor
    )
    assert tx.decode_logs(flasharb.Trade)[0].profit == profit


@pytest.mark.parametrize("hop_index", [0, 1])
def test_hop_min_out_is_enforced(
    hop_index: int, flasharb: Any, venues: Venues, executor: Any, trader: Any
) -> None:
    weth_cheap_on_quickswap(venues, trader)
    hops = [v2(venues, "quickswap", "USDC.e", "WETH"), v3(venues, "WETH", "USDC.e", 500)]
    h = hops[hop_index]
    hops[hop_index] = Hop(h.kind, h.pool, h.token_out, min_out=2**128 - 1, fee_bps=h.fee_bps)
    route = Route(Lender.AAVE, venues.token("USDC.e"), AMOUNT, tuple(hops))
    with ape.reverts(flasharb.InsufficientOutput, hop=hop_index, minOut=2**128 - 1):
        flasharb.execute(encode(route), sender=executor)
