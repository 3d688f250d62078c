"""Parity on the fork: bot.amm.v3_pool.swap equals QuoterV2 (the pool's own swap, reverted) to the
wei, for the replica's pools and for a pool built here with many narrow positions across bitmap words:
exact input and output, swaps that cross many ticks, and swaps that run out of liquidity."""

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.amm.tick_bitmap import bitmap_from_ticks
from bot.amm.tick_math import get_sqrt_ratio_at_tick
from bot.amm.v3_pool import V3PoolState, exact_output, swap, swap_loop
from bot.errors import AmmError, TickCoverageError
from bot.replica.deal import deal

from .chain_reads import Reverted, quote_exact_input_single, quote_exact_output_single, v3_state
from .v3_reference import reference_swap

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_UINT = 2**256 - 1
# Each bitmap word a swap walks through is a step of several thousand gas: a drained 1 bp pool walks
# some 3466 words to the price limit, and the pool's own swap (so QuoterV2 too) runs out of the 30M
# block gas. Such a swap cannot execute on chain at all; the parity tests leave those examples out.
MAX_WORD_STEPS = 1000


def word_steps(state: V3PoolState, tick_after: int) -> int:
    return abs((tick_after // state.tick_spacing >> 8) - (state.tick // state.tick_spacing >> 8))


@pytest.fixture(scope="module")
def replica_pools(w3: Any, replica: Any) -> dict[str, V3PoolState]:
    # 1 bp pools (tick spacing 1) have 6932 bitmap words; their positions lie within 100 words of the
    # price, and a swap that walks further cannot execute within the block gas limit anyway
    return {pool.address: v3_state(w3, pool.address, max_words=100) for pool in replica.manifest.v3_pools}


def check_exact_input(w3: Any, quoter: str, state: V3PoolState, zero_for_one: bool, amount: int) -> Any:
    """Our swap against quoteExactInputSingle; returns our result, or None where the two cannot be
    compared (the snapshot does not cover the swap, or the swap is beyond the block gas limit)."""
    token_in, token_out = (state.token0, state.token1) if zero_for_one else (state.token1, state.token0)
    try:
        ours = swap(state, zero_for_one, amount)
    except TickCoverageError:
        return None
    assert swap_loop(state, zero_for_one, amount) == ours  # the cached path and the plain loop agree
    if word_steps(state, ours.tick) > MAX_WORD_STEPS:
        return None
    try:
        amount_out, price_after, _ = quote_exact_input_single(
            w3, quoter, token_in, token_out, state.fee, amount
        )
    except Reverted:
        # the quoter's callback refuses swaps that move nothing (entirely in zero liquidity)
        assert ours.amount0 <= 0 and ours.amount1 <= 0, ours
        return ours
    assert -(ours.amount1 if zero_for_one else ours.amount0) == amount_out
    assert ours.sqrt_price_x96 == price_after
    return ours


def check_exact_output(w3: Any, quoter: str, state: V3PoolState, zero_for_one: bool, amount: int) -> bool:
    """exact_output against quoteExactOutputSingle; False where they cannot be compared."""
    token_in, token_out = (state.token0, state.token1) if zero_for_one else (state.token1, state.token0)
    try:
        ours = swap(state, zero_for_one, -amount)
    except TickCoverageError:
        return False
    if word_steps(state, ours.tick) > MAX_WORD_STEPS:
        return False
    try:
        amount_in, price_after, _ = quote_exact_output_single(
            w3, quoter, token_in, token_out, state.fee, amount
        )
    except Reverted:
        # the quoter reverts when the pool cannot pay the whole output; exact_output must refuse too
        with pytest.raises(AmmError, match="liquidity runs out"):
            exact_output(state, zero_for_one, amount)
        return True
    assert exact_output(state, zero_for_one, amount) == amount_in
    assert ours.sqrt_price_x96 == price_after
    return True


def amounts(decimals: int) -> st.SearchStrategy[int]:
    """From one unit of the smallest denomination up to 1e9 whole tokens, log-uniformly."""
    return st.tuples(st.integers(0, decimals + 9), st.integers(1, 999)).map(
        lambda p: max(1, 10 ** p[0] * p[1] // 100)
    )


def decimals_of(replica: Any, token: str) -> int:
    return next(t.decimals for t in replica.manifest.tokens.values() if t.address.lower() == token.lower())


@SETTINGS
@given(data=st.data())
def test_replica_pools_exact_input(
    w3: Any, book: Any, replica: Any, replica_pools: dict, data: st.DataObject
) -> None:
    state = data.draw(st.sampled_from(sorted(replica_pools.values(), key=lambda s: s.address)), label="pool")
    zero_for_one = data.draw(st.booleans(), label="zero_for_one")
    token_in = state.token0 if zero_for_one else state.token1
    amount = data.draw(amounts(decimals_of(replica, token_in)), label="amount")
    assume(check_exact_input(w3, book.uniswap_v3.quoter_v2, state, zero_for_one, amount) is not None)


@SETTINGS
@given(data=st.data())
def test_replica_pools_exact_output(
    w3: Any, book: Any, replica: Any, replica_pools: dict, data: st.DataObject
) -> None:
    state = data.draw(st.sampled_from(sorted(replica_pools.values(), key=lambda s: s.address)), label="pool")
    zero_for_one = data.draw(st.booleans(), label="zero_for_one")
    token_out = state.token1 if zero_for_one else state.token0
    amount = data.draw(amounts(decimals_of(replica, token_out)), label="amount")
    assume(check_exact_output(w3, book.uniswap_v3.quoter_v2, state, zero_for_one, amount))


# --- a pool of our own: many narrow positions over many bitmap words ------------------------------

FEE = 500  # tick spacing 10: a bitmap word is 2560 ticks, so the positions below span ~16 words
CENTER = 64_000  # about the raw WBTC/USDT price


@pytest.fixture(scope="module")
def dense_pool(w3: Any, book: Any, accounts: Any) -> V3PoolState:
    """WBTC/USDT at the 5 bp tier (not on the replica): 48 positions of 100 to 8000 ticks spread over
    +-20000 ticks around the price, through the real factory and NonfungiblePositionManager."""
    lp = accounts[5].address
    v3 = book.uniswap_v3
    wbtc, usdt = book.token("WBTC").address, book.token("USDT").address
    token0, token1 = sorted((wbtc, usdt), key=str.lower)
    npm = w3.eth.contract(v3.nonfungible_position_manager, abi=_abi("NonfungiblePositionManager"))
    sent = [
        npm.functions.createAndInitializePoolIfNecessary(
            token0, token1, FEE, get_sqrt_ratio_at_tick(CENTER) + 7
        )
    ]
    for token in (token0, token1):
        deal(w3, token, lp, 10**30)
        sent.append(w3.eth.contract(token, abi=_erc20_abi()).functions.approve(npm.address, MAX_UINT))
    for k in range(48):
        width = 100 + (k * 997) % 7900 // 10 * 10
        lower = CENTER - width // 2 // 10 * 10 + ((k * 7919) % 4001 - 2000) * 10
        liquidity_scale = 10 ** (7 + k % 4)
        amount = liquidity_scale * width
        sent.append(
            npm.functions.mint((token0, token1, FEE, lower, lower + width, amount, amount, 0, 0, lp, 2**40))
        )
    for call_ in sent:
        receipt = w3.eth.wait_for_transaction_receipt(call_.transact({"from": lp}))
        assert receipt.status == 1
    factory = w3.eth.contract(v3.factory, abi=_abi("UniswapV3Factory", core=True))
    return v3_state(w3, factory.functions.getPool(token0, token1, FEE).call())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zero_for_one=st.booleans(), exponent=st.integers(2, 14), mantissa=st.integers(1, 999))
def test_dense_pool_exact_input(
    w3: Any, book: Any, dense_pool: V3PoolState, zero_for_one: bool, exponent: int, mantissa: int
) -> None:
    amount = 10**exponent * mantissa
    assume(check_exact_input(w3, book.uniswap_v3.quoter_v2, dense_pool, zero_for_one, amount) is not None)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zero_for_one=st.booleans(), exponent=st.integers(2, 13), mantissa=st.integers(1, 999))
def test_dense_pool_exact_output(
    w3: Any, book: Any, dense_pool: V3PoolState, zero_for_one: bool, exponent: int, mantissa: int
) -> None:
    assume(
        check_exact_output(w3, book.uniswap_v3.quoter_v2, dense_pool, zero_for_one, 10**exponent * mantissa)
    )


def test_dense_pool_crosses_many_ticks_and_words_as_the_pool_does(
    w3: Any, book: Any, dense_pool: V3PoolState
) -> None:
    quoter = book.uniswap_v3.quoter_v2
    crossed = []
    for zero_for_one in (True, False):
        for amount in (10**8, 10**9, 10**10, 10**11, 10**13):
            crossed.append(check_exact_input(w3, quoter, dense_pool, zero_for_one, amount).ticks_crossed)
    assert max(crossed) >= 50, crossed  # deep swaps run through most of the 96 initialised ticks
    # drained: the swap stops at the price limit with liquidity 0, a partial fill the quoter reports too
    drained = check_exact_input(w3, quoter, dense_pool, True, 10**20)
    assert drained.liquidity == 0 and drained.amount0 < 10**20


def test_word_edges_are_where_the_pool_ends_steps(w3: Any, book: Any, dense_pool: V3PoolState) -> None:
    """Find swaps whose result changes if steps ran on past empty word edges; the pool agrees with
    the loop that stops there."""
    net = dict(zip(dense_pool.ticks, dense_pool.liquidity_net, strict=True))
    common = dict(
        bitmap=bitmap_from_ticks(dense_pool.ticks, dense_pool.tick_spacing),
        liquidity_net=net,
        tick_spacing=dense_pool.tick_spacing,
        fee=dense_pool.fee,
        sqrt_price_x96=dense_pool.sqrt_price_x96,
        tick=dense_pool.tick,
        liquidity=dense_pool.liquidity,
    )
    differing = 0
    for k in range(1, 400):
        amount = 10**9 * k + 12345
        zero_for_one = k % 2 == 0
        edges = reference_swap(**common, zero_for_one=zero_for_one, amount_specified=amount)
        no_edges = reference_swap(
            **common, zero_for_one=zero_for_one, amount_specified=amount, stop_at_word_edges=False
        )
        if edges[:2] != no_edges[:2]:
            differing += 1
            ours = check_exact_input(w3, book.uniswap_v3.quoter_v2, dense_pool, zero_for_one, amount)
            assert ours[:5] == edges
            if differing == 5:
                break
    assert differing == 5


def _abi(name: str, core: bool = False) -> list:
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "node_modules" / "@uniswap"
    sub = "v3-core/artifacts/contracts" if core else "v3-periphery/artifacts/contracts"
    return json.loads((root / sub / f"{name}.sol" / f"{name}.json").read_text())["abi"]


def _erc20_abi() -> list:
    return [
        {
            "type": "function",
            "name": "approve",
            "stateMutability": "nonpayable",
            "inputs": [{"name": "s", "type": "address"}, {"name": "v", "type": "uint256"}],
            "outputs": [{"name": "", "type": "bool"}],
        }
    ]
