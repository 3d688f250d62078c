"""QuickSwap V3 (Algebra) in the market on the fork: discovery through poolByPair, the per-block read
(in the same Multicall3 batch as the other venues, plus one JSON-RPC batch for a storage word), and
snapshots whose quotes equal the Algebra quoter at the block time they were priced for."""

from __future__ import annotations

from typing import Any

from ape import Contract
from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3

from bot.amm.v3_pool import exact_input
from bot.errors import TickCoverageError
from bot.market import MarketReader, Multicall, PoolSet, discover
from bot.market.snapshots import AlgebraPoolSnapshot
from bot.replica.artifacts import npm_artifact

from .test_fork_reader import CountingProvider


def quote_at(w3: Any, quoter: str, token_in: str, token_out: str, amount_in: int, time: int) -> int:
    """The Algebra quoter's quoteExactInputSingle as if in a block at `time`."""
    selector = function_signature_to_4byte_selector("quoteExactInputSingle(address,address,uint256,uint160)")
    data = selector + encode(
        ["address", "address", "uint256", "uint160"], [token_in, token_out, amount_in, 0]
    )
    reply = w3.provider.make_request(
        "eth_call", [{"to": quoter, "data": "0x" + data.hex()}, "latest", {}, {"time": hex(time)}]
    )
    return int(decode(["uint256", "uint16"], bytes.fromhex(reply["result"][2:]))[0])


def _pools(w3: Any, book: Any, replica: Any) -> PoolSet:
    return discover(Multicall(w3, book.multicall3.address), book, list(replica.manifest.tokens))


def test_discovery_finds_every_algebra_pool_by_pair(w3: Any, book: Any, replica: Any) -> None:
    found = {
        (p.address, p.token0, p.token1, p.data_storage_operator) for p in _pools(w3, book, replica).algebra
    }
    expected = {
        (p.address, p.token0, p.token1, p.data_storage_operator) for p in replica.manifest.algebra_pools
    }
    assert found == expected


def _check_quotes(w3: Any, book: Any, snapshot: AlgebraPoolSnapshot) -> int:
    state, checked = snapshot.state, 0
    for zero_for_one in (True, False):
        token_in, token_out = (state.token0, state.token1) if zero_for_one else (state.token1, state.token0)
        for amount in (10**6, 10**12, 10**18, 10**21):
            try:
                ours = exact_input(state, zero_for_one, amount)
            except TickCoverageError:  # beyond the reader's tick window: the bot does not quote it
                continue
            assert (
                quote_at(w3, book.quickswap_v3.quoter, token_in, token_out, amount, snapshot.next_time)
                == ours
            )
            checked += 1
    return checked


def test_refresh_reads_algebra_pools_and_prices_them_for_the_next_block(
    w3: Any, book: Any, replica: Any, accounts: Any, fund: Any
) -> None:
    pools = _pools(w3, book, replica)
    counting = CountingProvider(w3.provider.endpoint_uri)
    multicall = Multicall(Web3(counting), book.multicall3.address)
    reader = MarketReader(multicall, pools, vault=book.balancer_v2.vault)
    reader.refresh()  # places the tick windows and learns the ring heads
    counting.methods.clear()
    result = reader.refresh()
    assert not result.failed
    assert result.eth_calls == 1  # every venue, Algebra included, in one Multicall3 eth_call
    snapshots = [s for s in result.market.pools.values() if isinstance(s, AlgebraPoolSnapshot)]
    assert len(snapshots) == len(replica.manifest.algebra_pools)
    # move one pool over a few blocks so its fee rises, then check the next block's quotes
    pool = pools.algebra[1]
    router = Contract(book.quickswap_v3.swap_router, abi=npm_artifact("AlgebraSwapRouter").abi)
    trader = accounts[5]
    for k, (token_in, token_out) in enumerate([(pool.token0, pool.token1), (pool.token1, pool.token0)] * 2):
        amount = 10 ** (22 + k % 2) if token_in == pool.token0 else 10**20
        fund(token_in, trader, amount)
        Contract(token_in, abi=npm_artifact("WETH9").abi).approve(router.address, amount, sender=trader)
        w3.provider.make_request("evm_setNextBlockTimestamp", [w3.eth.get_block("latest")["timestamp"] + 120])
        router.exactInputSingle((token_in, token_out, trader.address, 2**63, amount, 0, 0), sender=trader)
    after = reader.refresh().market.pools
    moved = after[pool.address]
    assert isinstance(moved, AlgebraPoolSnapshot) and moved.algebra is not None
    assert moved.state.fee > moved.algebra.fee_config.base_fee
    fresh = [s for s in after.values() if isinstance(s, AlgebraPoolSnapshot)]
    checked = sum(_check_quotes(w3, book, s) for s in fresh)
    assert checked >= len(fresh) * 5  # the largest amounts leave some windows
