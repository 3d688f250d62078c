"""Attacks on FlashArb: each must revert with FlashArb's own error and leave every balance unchanged.

FlashArb holds some USDC.e "sent by mistake" in these tests, so a callback that could be forged into
paying out would show up as a balance change.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak

from bot.route import Hop, Lender, Route, encode

from .venues import AAVE_POOL, V2_FACTORY, V2_PAIR, VAULT, Venues, contract, erc20

STRAY = 1_000 * 10**6  # USDC.e held by FlashArb by mistake
AMOUNT = 20_000 * 10**6


@pytest.fixture
def usdc(venues: Venues) -> Any:
    return erc20(venues.token("USDC.e"))


@pytest.fixture
def stray(flasharb: Any, venues: Venues, usdc: Any) -> int:
    venues.fund(usdc.address, flasharb, STRAY)
    return STRAY


@pytest.fixture
def attacker(project: Any, stranger: Any) -> Any:
    return stranger.deploy(project.CallForwarderTestOnly)


def _balances(token: Any, *holders: Any) -> list[int]:
    return [token.balanceOf(h) for h in holders]


def _v2_v3_route(venues: Venues, lender: Lender = Lender.AAVE) -> Route:
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    return Route(
        lender,
        usdc,
        AMOUNT,
        (
            Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC.e", "WETH"), weth),
            Hop.uniswap_v3(venues.v3_pool("USDC.e", "WETH", 500), usdc),
        ),
    )


# ---- callbacks nobody asked for ------------------------------------------------------------------


def test_direct_execute_operation(flasharb: Any, stranger: Any, usdc: Any, stray: int, book: Any) -> None:
    route = encode(_v2_v3_route_placeholder(usdc.address))
    with ape.reverts(flasharb.UnexpectedCallback):
        flasharb.executeOperation(usdc.address, stray, 0, flasharb.address, route, sender=stranger)
    assert usdc.balanceOf(flasharb) == stray


def test_direct_execute_operation_from_the_pool_address_needs_our_loan(
    flasharb: Any, usdc: Any, stray: int, book: Any, accounts: Any, chain: Any
) -> None:
    """Even the Aave Pool itself cannot call in when FlashArb did not start a loan."""
    pool = accounts[book.aave_v3.pool]
    chain.set_balance(pool.address, 10**18)
    with ape.reverts(flasharb.UnexpectedCallback):
        flasharb.executeOperation(usdc.address, stray, 0, flasharb.address, b"", sender=pool)
    assert usdc.balanceOf(flasharb) == stray


def test_stranger_aave_flash_loan_naming_flasharb(
    flasharb: Any, stranger: Any, usdc: Any, stray: int, book: Any
) -> None:
    aave = contract(book.aave_v3.pool, AAVE_POOL)
    before = _balances(usdc, flasharb, aave.address, stranger)
    with ape.reverts(flasharb.UnexpectedCallback):
        aave.flashLoanSimple(flasharb, usdc.address, AMOUNT, b"", 0, sender=stranger)
    assert _balances(usdc, flasharb, aave.address, stranger) == before


def test_stranger_balancer_flash_loan_naming_flasharb(
    flasharb: Any, stranger: Any, usdc: Any, stray: int, book: Any
) -> None:
    vault = contract(book.balancer_v2.vault, VAULT)
    before = _balances(usdc, flasharb, vault.address, stranger)
    with ape.reverts(flasharb.UnexpectedCallback):
        vault.flashLoan(flasharb, [usdc.address], [AMOUNT], b"", sender=stranger)
    assert _balances(usdc, flasharb, vault.address, stranger) == before


def test_direct_receive_flash_loan(flasharb: Any, stranger: Any, usdc: Any, stray: int) -> None:
    with ape.reverts(flasharb.UnexpectedCallback):
        flasharb.receiveFlashLoan([usdc.address], [stray], [0], b"", sender=stranger)
    assert usdc.balanceOf(flasharb) == stray


def test_forged_v3_swap_callback_from_attacker_contract(
    flasharb: Any, attacker: Any, stranger: Any, usdc: Any, stray: int
) -> None:
    """An attacker contract asks to be 'paid' the stray USDC.e as if it were a pool owed a swap."""
    data = flasharb.uniswapV3SwapCallback.encode_input(stray, 0, b"")
    with ape.reverts(flasharb.UnexpectedCallback):
        attacker.forward(flasharb, data, sender=stranger)
    assert _balances(usdc, flasharb, attacker) == [stray, 0]


def test_forged_v2_call_from_attacker_contract(
    flasharb: Any, attacker: Any, stranger: Any, usdc: Any, stray: int
) -> None:
    data = flasharb.uniswapV2Call.encode_input(flasharb.address, stray, 0, b"")
    with ape.reverts(flasharb.UnexpectedCallback):
        attacker.forward(flasharb, data, sender=stranger)
    assert _balances(usdc, flasharb, attacker) == [stray, 0]


def _v2_v3_route_placeholder(asset: str) -> Route:
    return Route(
        Lender.AAVE,
        asset,
        AMOUNT,
        (Hop.uniswap_v2("0x" + "11" * 20, "0x" + "22" * 20), Hop.uniswap_v3("0x" + "33" * 20, asset)),
    )


# ---- who may trade ---------------------------------------------------------------------------------


def test_non_executor_cannot_trade(flasharb: Any, venues: Venues, stranger: Any, owner: Any) -> None:
    with ape.reverts(flasharb.NotExecutor):
        flasharb.execute(encode(_v2_v3_route(venues)), sender=stranger)
    with ape.reverts(flasharb.NotExecutor):  # the owner is not an executor unless listed
        flasharb.execute(encode(_v2_v3_route(venues)), sender=owner)


def test_removed_executor_cannot_trade(flasharb: Any, venues: Venues, executor: Any, owner: Any) -> None:
    flasharb.setExecutor(executor, False, sender=owner)
    with ape.reverts(flasharb.NotExecutor):
        flasharb.execute(encode(_v2_v3_route(venues)), sender=executor)


# ---- routes that do not fit their pools --------------------------------------------------------------


def test_v3_pool_that_does_not_hold_the_tokens(
    flasharb: Any, venues: Venues, executor: Any, usdc: Any, stray: int, book: Any
) -> None:
    """Hop 1 names the WMATIC/USDC pool for WETH -> USDC.e: the pool refuses FlashArb's WETH."""
    usdc_addr, weth = venues.token("USDC.e"), venues.token("WETH")
    route = Route(
        Lender.AAVE,
        usdc_addr,
        AMOUNT,
        (
            Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC.e", "WETH"), weth),
            Hop.uniswap_v3(venues.v3_pool("WMATIC", "USDC", 500), usdc_addr),
        ),
    )
    before = _balances(usdc, flasharb, book.aave_v3.pool)
    with ape.reverts(flasharb.UnknownPool, hop=1, pool=venues.v3_pool("WMATIC", "USDC", 500)):
        flasharb.execute(encode(route), sender=executor)
    assert _balances(usdc, flasharb, book.aave_v3.pool) == before


def test_v2_pair_that_does_not_hold_the_tokens(flasharb: Any, venues: Venues, executor: Any) -> None:
    """Hop 0 names the WETH/USDT pair for USDC.e -> WETH: the pair's invariant check fails."""
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    route = Route(
        Lender.BALANCER,
        usdc,
        AMOUNT,
        (
            Hop.uniswap_v2(venues.v2_pair("quickswap", "WETH", "USDT"), weth),
            Hop.uniswap_v3(venues.v3_pool("USDC.e", "WETH", 500), usdc),
        ),
    )
    with ape.reverts(flasharb.UnknownPool, hop=0, tokenIn=usdc, tokenOut=weth):
        flasharb.execute(encode(route), sender=executor)


def test_curve_indices_that_do_not_match_the_token(flasharb: Any, venues: Venues, executor: Any) -> None:
    """Hop 1 sells WETH in the Curve pool under the index of DAI: the pool cannot pull DAI."""
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    route = Route(
        Lender.AAVE,
        usdc,
        AMOUNT,
        (
            Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC.e", "WETH"), weth),
            Hop.curve(
                venues.curve_pool().address, venues.curve_index("DAI"), venues.curve_index("USDC.e"), usdc
            ),
        ),
    )
    with ape.reverts(flasharb.UnknownPool, hop=1, pool=venues.curve_pool().address):
        flasharb.execute(encode(route), sender=executor)


def test_balancer_pool_that_does_not_hold_the_tokens(flasharb: Any, venues: Venues, executor: Any) -> None:
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    route = Route(
        Lender.AAVE,
        usdc,
        AMOUNT,
        (
            Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC.e", "WETH"), weth),
            Hop.balancer(venues.balancer_pool_id("WBTC", "WETH"), usdc),
        ),
    )
    with ape.reverts(flasharb.CallFailed):
        flasharb.execute(encode(route), sender=executor)


# ---- malicious pools -----------------------------------------------------------------------------


@pytest.fixture
def evil_pool(project: Any, stranger: Any, venues: Venues, chain: Any) -> Any:
    """The malicious pool's code placed at the genuine USDC.e/WETH 0.05% pool's address: it passes the
    CREATE2 check, so the callback defenses behind it are what is tested (as if the factory were bad)."""
    own = stranger.deploy(project.MaliciousV3PoolTestOnly, venues.token("WETH"), venues.token("USDC.e"))
    genuine = venues.v3_pool("USDC.e", "WETH", 500)
    chain.provider.set_code(genuine, chain.provider.get_code(own.address))
    for slot in range(5):  # the pool's own storage would garble the stand-in's (mode, tokens, target, data)
        chain.provider.set_storage(genuine, slot, b"\x00" * 32)
    return project.MaliciousV3PoolTestOnly.at(genuine)


def test_v3_pool_not_from_the_factory_is_refused(
    project: Any, flasharb: Any, venues: Venues, executor: Any, stranger: Any
) -> None:
    fake = stranger.deploy(project.MaliciousV3PoolTestOnly, venues.token("WETH"), venues.token("USDC.e"))
    with ape.reverts(flasharb.UnknownPool, hop=1, pool=fake.address):
        flasharb.execute(encode(_route_through(venues, fake, Lender.AAVE)), sender=executor)


def _route_through(venues: Venues, pool: Any, lender: Lender) -> Route:
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    if lender is Lender.UNISWAP_V3:
        hops = (
            Hop.uniswap_v3(pool.address, weth),
            Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC.e", "WETH"), usdc),
        )
    else:
        hops = (
            Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC.e", "WETH"), weth),
            Hop.uniswap_v3(pool.address, usdc),
        )
    return Route(lender, usdc, AMOUNT, hops)


@pytest.mark.parametrize(
    ("mode", "lender", "error"),
    [
        (0, Lender.AAVE, "UnexpectedCallback"),  # calls back twice to be paid twice
        (4, Lender.AAVE, "PartialFill"),  # asks for twice the input
        (1, Lender.UNISWAP_V3, "CallbackDataMismatch"),  # as lender, calls back with a forged route
        (2, Lender.UNISWAP_V3, "CallbackMissing"),  # as lender, never calls back (never gets paid)
    ],
)
def test_malicious_v3_pool(
    mode: int,
    lender: Lender,
    error: str,
    flasharb: Any,
    venues: Venues,
    executor: Any,
    evil_pool: Any,
    stranger: Any,
    usdc: Any,
    stray: int,
    book: Any,
) -> None:
    evil_pool.configure(mode, "0x" + "00" * 20, b"", sender=stranger)
    weth = erc20(venues.token("WETH"))
    before = _balances(usdc, flasharb, evil_pool, book.aave_v3.pool) + _balances(weth, flasharb, evil_pool)
    with ape.reverts(getattr(flasharb, error)):
        flasharb.execute(encode(_route_through(venues, evil_pool, lender)), sender=executor)
    assert (
        _balances(usdc, flasharb, evil_pool, book.aave_v3.pool) + _balances(weth, flasharb, evil_pool)
        == before
    )


def test_reentrancy_through_a_malicious_pool(
    flasharb: Any,
    venues: Venues,
    executor: Any,
    owner: Any,
    evil_pool: Any,
    stranger: Any,
    usdc: Any,
    stray: int,
) -> None:
    """Mid-trade, the pool calls execute again; even listed as an executor it meets the lock."""
    route = encode(_route_through(venues, evil_pool, Lender.AAVE))
    flasharb.setExecutor(evil_pool, True, sender=owner)
    evil_pool.configure(3, flasharb.address, flasharb.execute.encode_input(route), sender=stranger)
    with ape.reverts(flasharb.Reentered):
        flasharb.execute(route, sender=executor)
    assert usdc.balanceOf(flasharb) == stray


# ---- a malicious token ------------------------------------------------------------------------


@pytest.fixture
def evil_market(project: Any, venues: Venues, book: Any, stranger: Any, trader: Any) -> dict[str, Any]:
    """REENTER/USDC.e pairs on QuickSwap and SushiSwap (real factories), REENTER dearer on SushiSwap."""
    token = stranger.deploy(project.ReentrantTokenTestOnly)
    usdc = venues.token("USDC.e")
    pairs = {}
    for dex, usdc_amount in (("quickswap", 100_000 * 10**6), ("sushiswap", 120_000 * 10**6)):
        factory = contract(next(d.factory for d in book.uniswap_v2_dexes if d.name == dex), V2_FACTORY)
        factory.createPair(token.address, usdc, sender=trader)
        pair = contract(factory.getPair(token.address, usdc), V2_PAIR)
        token.mint(pair.address, 100_000 * 10**18, sender=trader)
        venues.fund(usdc, pair.address, usdc_amount)
        pair.mint(trader, sender=trader)
        pairs[dex] = pair
    return {"token": token, **pairs}


def _evil_route(venues: Venues, market: dict[str, Any]) -> bytes:
    """Borrow REENTER from the SushiSwap pair, sell it there for USDC.e, buy it back on QuickSwap."""
    token = market["token"].address
    usdc = venues.token("USDC.e")
    return encode(
        Route(
            Lender.UNISWAP_V2,
            token,
            1_000 * 10**18,
            (
                Hop.uniswap_v2(market["sushiswap"].address, usdc),
                Hop.uniswap_v2(market["quickswap"].address, token),
            ),
        )
    )


def test_malicious_token_route_works_unarmed(
    flasharb: Any, venues: Venues, executor: Any, evil_market: Any
) -> None:
    """The market is a real arbitrage: without the hook the same route goes through."""
    tx = flasharb.execute(_evil_route(venues, evil_market), sender=executor)
    [trade] = tx.decode_logs(flasharb.Trade)
    assert trade.profit > 0


@pytest.mark.parametrize("listed", [True, False])
def test_reentrancy_through_a_malicious_token(
    listed: bool, flasharb: Any, venues: Venues, executor: Any, owner: Any, evil_market: Any, stranger: Any
) -> None:
    """When FlashArb moves the token, the token calls execute again: the lock (or the allow-list)."""
    token = evil_market["token"]
    route = _evil_route(venues, evil_market)
    if listed:
        flasharb.setExecutor(token, True, sender=owner)
    token.arm(flasharb.address, flasharb.address, flasharb.execute.encode_input(route), sender=stranger)
    holders = [flasharb, owner, evil_market["quickswap"], evil_market["sushiswap"]]
    before = _balances(token, *holders)
    # A token's revert is always wrapped (a token could forge any selector); inside is FlashArb's refusal.
    inner = _selector("Reentered()") if listed else _selector("NotExecutor(address)") + _word(token.address)
    with ape.reverts(flasharb.CallFailed, target=token.address, reason=inner):
        flasharb.execute(route, sender=executor)
    assert _balances(token, *holders) == before


def test_malicious_token_forging_a_callback_mid_trade(
    flasharb: Any, venues: Venues, executor: Any, evil_market: Any, stranger: Any
) -> None:
    token = evil_market["token"]
    forged = flasharb.uniswapV2Call.encode_input(
        flasharb.address, 10**18, 0, _evil_route(venues, evil_market)
    )
    token.arm(flasharb.address, flasharb.address, forged, sender=stranger)
    inner = _selector("UnexpectedCallback(address)") + _word(token.address)
    with ape.reverts(flasharb.CallFailed, target=token.address, reason=inner):
        flasharb.execute(_evil_route(venues, evil_market), sender=executor)


def _selector(signature: str) -> bytes:
    return bytes(keccak(text=signature)[:4])


def _word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])
