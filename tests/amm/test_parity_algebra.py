"""Parity on the fork: bot.amm.algebra_pool equals the Algebra quoter (the pool's own swap, reverted)
and the pool's real swaps to the wei, at the fee in force at the swap's block time: on fresh pools,
after traders moved the prices over several blocks (the adaptive fee rose), and a day later (the
fee's averaging window then starts inside the pool's history, or after its last timepoint)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from ape import Contract

from bot.amm.algebra_pool import AlgebraPoolState, algebra_swap
from bot.replica.artifacts import npm_artifact
from bot.replica.prices import amount_for_usd

from .algebra_reads import algebra_state, quote_at
from .chain_reads import call

USD_AMOUNTS = (
    Fraction(1, 100),
    Fraction(1),
    Fraction(50),
    Fraction(1_000),
    Fraction(20_000),
    Fraction(150_000),
    Fraction(600_000),
    Fraction(3_000_000),
)
DEADLINE = 2**63


def amounts(book: Any, token: str) -> list[int]:
    info = book.token_by_address(token)
    return [max(1, amount_for_usd(info.symbol, info.decimals, usd)) for usd in USD_AMOUNTS]


def compare(w3: Any, book: Any, state: AlgebraPoolState, time: int) -> tuple[int, set[int]]:
    """Our exact-input output against the quoter at `time`, both directions, every amount; returns
    the number of exact matches and the fees used."""
    quoter = book.quickswap_v3.quoter
    matches, fees = 0, set()
    for zero_to_one in (True, False):
        token_in, token_out = (state.token0, state.token1) if zero_to_one else (state.token1, state.token0)
        for amount in amounts(book, token_in):
            result, fee = algebra_swap(state, zero_to_one, amount, time)
            ours = -(result.amount1 if zero_to_one else result.amount0)
            assert quote_at(w3, quoter, token_in, token_out, amount, time) == ours, (
                state.address,
                amount,
                fee,
            )
            matches += 1
            fees.add(fee)
    return matches, fees


def pin_next_block(w3: Any, time: int) -> None:
    w3.provider.make_request("evm_setNextBlockTimestamp", [time])


def trade(
    w3: Any,
    trader: Any,
    fund: Any,
    erc20: Any,
    router: Any,
    token_in: str,
    token_out: str,
    amount: int,
    time: int,
) -> int:
    """Swap `amount` of token_in through the router in a block with timestamp `time`; returns the output."""
    fund(token_in, trader, amount)
    erc20(token_in).approve(router.address, amount, sender=trader)
    before = erc20(token_out).balanceOf(trader)
    pin_next_block(w3, time)
    router.exactInputSingle((token_in, token_out, trader.address, DEADLINE, amount, 0, 0), sender=trader)
    return int(erc20(token_out).balanceOf(trader) - before)


@pytest.fixture
def router(book: Any) -> Any:
    return Contract(book.quickswap_v3.swap_router, abi=npm_artifact("AlgebraSwapRouter").abi)


@pytest.fixture
def trader(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture
def erc20() -> Any:
    # WETH9's ABI carries the ERC20 functions these tests call (approve, balanceOf)
    return lambda address: Contract(address, abi=npm_artifact("WETH9").abi)


def test_fresh_pools_equal_the_quoter(w3: Any, book: Any, replica: Any) -> None:
    time = w3.eth.get_block("latest")["timestamp"] + 2
    total = 0
    for pool in replica.manifest.algebra_pools:
        state = algebra_state(w3, pool.address, time)
        matches, fees = compare(w3, book, state, time)
        total += matches
        assert fees == {state.fee_config.base_fee}  # no volatility yet
    assert total == len(replica.manifest.algebra_pools) * 2 * len(USD_AMOUNTS)


def move_market(
    w3: Any, book: Any, pool: Any, trader: Any, fund: Any, erc20: Any, router: Any, start: int
) -> int:
    """Trade the pool back and forth in six blocks 30-300 s apart; returns the last one's timestamp."""
    token0, token1 = pool.token0, pool.token1
    size0, size1 = amounts(book, token0)[5], amounts(book, token1)[5]
    time = start
    for step, gap in enumerate((30, 60, 300, 45, 120, 90)):
        time += gap
        if step % 2 == 0:
            trade(w3, trader, fund, erc20, router, token0, token1, size0 * (step + 1), time)
        else:
            trade(w3, trader, fund, erc20, router, token1, token0, size1 * (step + 1), time)
    return time


def test_after_the_market_moved_the_fee_and_amounts_equal_quoter_and_swap(
    w3: Any, book: Any, replica: Any, trader: Any, fund: Any, erc20: Any, router: Any
) -> None:
    total, raised = 0, 0
    for pool in replica.manifest.algebra_pools[:4]:
        last = move_market(
            w3, book, pool, trader, fund, erc20, router, w3.eth.get_block("latest")["timestamp"]
        )
        for later in (2, 600):  # the next block, and ten minutes later
            time = last + later
            state = algebra_state(w3, pool.address, time)
            matches, fees = compare(w3, book, state, time)
            total += matches
            raised += max(fees) > state.fee_config.base_fee
        # a real swap at that time pays exactly the predicted output and stores the predicted fee
        state = algebra_state(w3, pool.address, time)
        amount = amounts(book, pool.token0)[4]
        result, fee = algebra_swap(state, True, amount, time)
        received = trade(w3, trader, fund, erc20, router, pool.token0, pool.token1, amount, time)
        assert received == -result.amount1
        assert call(w3, pool.address, "globalState()", returns=("uint160", "int24", "uint16"))[2] == fee
        # a second swap in the same block time would pay the stored fee: the model says so too
        after = algebra_state(w3, pool.address, time)
        assert after.fee_at(time) == fee
    assert total == 4 * 2 * 2 * len(USD_AMOUNTS)
    assert raised >= 4  # the moves made the adaptive fee rise above the base fee


def test_a_day_later_both_window_cases_equal_the_quoter(
    w3: Any, book: Any, replica: Any, trader: Any, fund: Any, erc20: Any, router: Any
) -> None:
    pool = replica.manifest.algebra_pools[1]
    start = w3.eth.get_block("latest")["timestamp"]
    move_market(w3, book, pool, trader, fund, erc20, router, start)
    # trade again 23 hours later: the day before T = +25 h then starts inside the pool's history
    last = move_market(w3, book, pool, trader, fund, erc20, router, start + 23 * 3600)
    total = 0
    for time, needs_window_read in ((start + 25 * 3600, True), (last + 26 * 3600, False)):
        state = algebra_state(w3, pool.address, time)
        assert (state.window_start is not None) == needs_window_read
        if not needs_window_read:
            state = algebra_state(w3, pool.address)  # idle for over a day: computed without it
        matches, fees = compare(w3, book, state, time)
        assert fees != {state.fee}  # time alone moved the fee off the stored one
        total += matches
    assert total == 2 * 2 * len(USD_AMOUNTS)
