"""Discovery and the per-block refresh on the fork: what they find, what they read, how many round
trips they take, and what happens when a pool's read fails."""

from __future__ import annotations

from typing import Any

import pytest
from amm.chain_reads import deploy_quoter_v2
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from web3 import HTTPProvider, Web3

from bot.amm.tick_math import get_sqrt_ratio_at_tick
from bot.amm.v3_pool import exact_input, swap
from bot.market import MarketReader, Multicall, PoolSet, V2PairInfo, V3PoolInfo, discover
from bot.market.snapshots import (
    AlgebraPoolSnapshot,
    BalancerPoolSnapshot,
    CurvePoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)


def _swap_v3(w3: Any, book: Any, pool: V3PoolInfo, sender: str, amount: int) -> None:
    """Sell `amount` of token0 through SwapRouter.exactInputSingle."""
    router = book.uniswap_v3.swap_router
    for to, signature, types, args in (
        (pool.token0, "approve(address,uint256)", ["address", "uint256"], [router, amount]),
        (
            router,
            "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
            ["(address,address,uint24,address,uint256,uint256,uint256,uint160)"],
            [(pool.token0, pool.token1, pool.fee, sender, 2**64, amount, 0, 0)],
        ),
    ):
        data = bytes(function_signature_to_4byte_selector(signature)) + encode(types, args)
        tx = w3.eth.send_transaction({"from": sender, "to": to, "data": "0x" + data.hex(), "gas": 3_000_000})
        assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


class CountingProvider(HTTPProvider):
    """An HTTP provider that records the JSON-RPC methods it sends."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.methods: list[str] = []

    def make_request(self, method: Any, params: Any) -> Any:
        self.methods.append(str(method))
        return super().make_request(method, params)


def _call(
    w3: Any,
    to: str,
    signature: str,
    types: list[str] | None = None,
    args: list[Any] | None = None,
    block: Any = "latest",
) -> bytes:
    data = bytes(function_signature_to_4byte_selector(signature)) + (encode(types, args) if types else b"")
    return bytes(w3.eth.call({"to": to, "data": "0x" + data.hex()}, block_identifier=block))


@pytest.fixture
def counting(w3: Any) -> Any:
    return Web3(CountingProvider(w3.provider.endpoint_uri))


@pytest.fixture
def pools(w3: Any, book: Any, replica: Any) -> PoolSet:
    manifest = replica.manifest
    return discover(
        Multicall(w3, book.multicall3.address),
        book,
        list(manifest.tokens),
        balancer_pool_ids=[p.pool_id for p in manifest.balancer_pools],
        curve_pools=[p.address for p in manifest.curve_pools],
    )


def test_discovery_finds_the_replica_pools(pools: PoolSet, replica: Any) -> None:
    manifest = replica.manifest
    assert {(p.dex, p.address, p.token0, p.token1) for p in pools.v2} == {
        (p.dex, p.address, p.token0, p.token1) for p in manifest.v2_pairs
    }
    assert {(p.dex, p.address, p.token0, p.token1, p.fee, p.tick_spacing) for p in pools.v3} == {
        ("uniswap-v3", p.address, p.token0, p.token1, p.fee, p.tick_spacing) for p in manifest.v3_pools
    } | {(p.dex, p.address, p.token0, p.token1, p.fee, p.tick_spacing) for p in manifest.v3_fork_pools}
    assert any(p.dex == "sushiswap-v3" for p in pools.v3), "SushiSwap V3 pools are found at its factory"
    assert {
        (p.pool_id, p.address, p.tokens, p.normalized_weights, p.swap_fee_percentage) for p in pools.balancer
    } == {(p.pool_id, p.address, p.tokens, p.weights, p.swap_fee) for p in manifest.balancer_pools}
    assert {(p.address, p.coins) for p in pools.curve} == {(p.address, p.coins) for p in manifest.curve_pools}
    assert all(p.a_precision == 100 for p in pools.curve)
    sushi = [p for p in pools.v2 if p.dex == "sushiswap"]
    assert sushi, "SushiSwap pairs are found through factory.getPair"


def test_a_refresh_is_one_eth_call(counting: Any, book: Any, pools: PoolSet) -> None:
    reader = MarketReader(Multicall(counting, book.multicall3.address), pools, vault=book.balancer_v2.vault)
    first = reader.refresh()
    # the first one also reads slot0 (to place the V3 windows) and the ticks it has never seen; the
    # Algebra pools' globalState and ticks, for the same reasons, take one more each
    expected_first = 3 + (2 if pools.algebra else 0)
    assert first.eth_calls == expected_first
    assert counting.provider.methods.count("eth_call") == expected_first
    counting.provider.methods.clear()
    second = reader.refresh()
    assert counting.provider.methods == ["eth_call"]
    assert second.eth_calls == 1 and second.failed == ()
    assert len(second.market) == len(pools)
    assert second.market == first.market  # nothing moved in between
    latest = counting.eth.block_number
    assert second.market.block == latest
    assert all(s.block == latest for s in second.market)


def test_snapshots_equal_the_pools_own_answers(w3: Any, book: Any, pools: PoolSet) -> None:
    quoters = {"uniswap-v3": book.uniswap_v3.quoter_v2}
    for fork in book.uniswap_v3_forks:
        quoters[fork.name] = deploy_quoter_v2(w3, fork.factory, book.token("WMATIC").address)
    reader = MarketReader(
        Multicall(w3, book.multicall3.address), pools, vault=book.balancer_v2.vault, words_each_side=3
    )
    market = reader.refresh().market
    block = market.block
    checked = set()
    for snapshot in market:
        if isinstance(snapshot, V2PairSnapshot):
            raw = _call(w3, snapshot.address, "getReserves()", block=block)
            assert (snapshot.reserve0, snapshot.reserve1) == (
                int.from_bytes(raw[:32], "big"),
                int.from_bytes(raw[32:64], "big"),
            )
        elif isinstance(snapshot, AlgebraPoolSnapshot):  # tests/market/test_algebra_market.py
            raw = _call(w3, snapshot.address, "globalState()", block=block)
            assert snapshot.state.sqrt_price_x96 == int.from_bytes(raw[:32], "big")
        elif isinstance(snapshot, V3PoolSnapshot):
            state = snapshot.state
            raw = _call(w3, state.address, "slot0()", block=block)
            assert state.sqrt_price_x96 == int.from_bytes(raw[:32], "big")
            assert state.liquidity == int.from_bytes(
                _call(w3, state.address, "liquidity()", block=block), "big"
            )
            # the covered range is exactly the words read: 3 either side of the current word
            word = (state.tick // state.tick_spacing) >> 8
            assert state.covered_from == max(-887272, (word - 3) * 256 * state.tick_spacing)
            assert state.covered_to == min(887272, ((word + 3) * 256 + 255) * state.tick_spacing)
            # and the swap over it equals the chain's own quote
            amount = (state.liquidity << 96) // state.sqrt_price_x96 // 1_000 or 1  # 0.1 % of token0 in range
            quote = _call(
                w3,
                quoters[snapshot.dex],
                "quoteExactInputSingle((address,address,uint256,uint24,uint160))",
                ["(address,address,uint256,uint24,uint160)"],
                [(state.token0, state.token1, amount, state.fee, 0)],
                block=block,
            )
            assert exact_input(state, True, amount) == int.from_bytes(quote[:32], "big")
        elif isinstance(snapshot, BalancerPoolSnapshot):
            raw = _call(
                w3,
                book.balancer_v2.vault,
                "getPoolTokens(bytes32)",
                ["bytes32"],
                [bytes.fromhex(snapshot.state.pool_id[2:])],
                block=block,
            )
            from bot.market.abi import pool_tokens

            assert pool_tokens(raw) == (snapshot.state.tokens, snapshot.state.balances)
        elif isinstance(snapshot, CurvePoolSnapshot):
            for i, balance in enumerate(snapshot.state.balances):
                assert balance == int.from_bytes(
                    _call(w3, snapshot.address, "balances(uint256)", ["uint256"], [i], block=block), "big"
                )
            assert snapshot.state.amp == 200 * 100
        checked.add(type(snapshot))
    assert checked == {
        V2PairSnapshot,
        V3PoolSnapshot,
        BalancerPoolSnapshot,
        CurvePoolSnapshot,
        AlgebraPoolSnapshot,
    }


def test_a_failing_pool_is_reported_and_skipped(
    w3: Any, book: Any, pools: PoolSet, caplog: pytest.LogCaptureFixture
) -> None:
    v3 = pools.v3[0]
    pair = pools.v2[0]
    # a "pair" that is really a V3 pool (no getReserves) and a "V3 pool" that is really a pair (no slot0)
    bogus_pair = V2PairInfo(v3.address, "quickswap", v3.token0, v3.token1, 30)
    bogus_pool = V3PoolInfo(pair.address, pair.token0, pair.token1, 500, 10)
    broken = PoolSet(pools.v2[1:] + (bogus_pair,), pools.v3[1:] + (bogus_pool,), pools.balancer, pools.curve)
    reader = MarketReader(Multicall(w3, book.multicall3.address), broken, vault=book.balancer_v2.vault)
    with caplog.at_level("WARNING", logger="bot.market.reader"):
        result = reader.refresh()
        again = reader.refresh()
    assert {f.address for f in result.failed} == {v3.address, pair.address}
    assert all("reverted" in f.reason for f in result.failed)
    assert len(result.market) == len(broken) - 2
    assert v3.address not in result.market and pair.address not in result.market
    assert f"pool {v3.address} failed at block" in caplog.text
    assert again.eth_calls == 1 and len(again.failed) == 2


def test_a_price_move_into_new_words_costs_one_extra_round_trip(
    w3: Any, book: Any, pools: PoolSet, fund: Any
) -> None:
    pool = next(p for p in pools.v3 if p.fee == 500)
    multicall = Multicall(w3, book.multicall3.address)
    wide = (
        MarketReader(multicall, PoolSet(v3=(pool,)), words_each_side=2)
        .refresh()
        .market.pools[pool.address]
        .state
    )  # type: ignore[union-attr]
    reader = MarketReader(multicall, PoolSet(v3=(pool,)), words_each_side=0)
    reader.refresh()
    steady = reader.refresh()
    assert steady.eth_calls == 1
    # sell token0 until the price is 100 spacings into the word below the current one
    word = (wide.tick // wide.tick_spacing) >> 8
    target = (word * 256 - 100) * wide.tick_spacing
    amount = swap(wide, True, 2**200, get_sqrt_ratio_at_tick(target)).amount0
    trader = w3.eth.accounts[0]
    fund(pool.token0, trader, amount)
    _swap_v3(w3, book, pool, trader, amount)
    moved = reader.refresh()
    state = moved.market.pools[pool.address].state  # type: ignore[union-attr]
    assert (state.tick // state.tick_spacing) >> 8 == word - 1
    # this block still reads the old word (the window follows the price one block late) ...
    assert moved.eth_calls == 1 and (state.covered_from, state.covered_to) == (
        steady.market.pools[pool.address].state.covered_from,
        steady.market.pools[pool.address].state.covered_to,
    )  # type: ignore[union-attr]
    # ... the next one reads the new word, and its ticks it has never seen in a second round trip
    recentred = reader.refresh()
    fresh = MarketReader(multicall, PoolSet(v3=(pool,)), words_each_side=0).refresh()
    snapshot = recentred.market.pools[pool.address]
    assert snapshot == fresh.market.pools[pool.address]
    assert recentred.eth_calls == (2 if snapshot.state.ticks else 1)  # type: ignore[union-attr]
    assert reader.refresh().eth_calls == 1


def test_an_unchanged_pool_keeps_its_snapshot_and_a_moved_one_is_read_anew(
    w3: Any, book: Any, pools: PoolSet, fund: Any
) -> None:
    """A quiet block costs no decoding: a pool whose answers did not change keeps the very snapshot
    object of the block it was first read at; the pool a trade moved is decoded again."""
    reader = MarketReader(Multicall(w3, book.multicall3.address), pools, vault=book.balancer_v2.vault)
    reader.refresh()
    before = reader.refresh().market
    # Algebra pools and stable pools with a rate provider are priced at the next block's time: they
    # are decoded every block; every other pool's state is a function of its answers alone
    timed = {p.address for p in pools.algebra} | {p.address for p in pools.balancer_stable if p.rated()}
    steady = [a for a in before.pools if a not in timed]
    assert steady and timed
    w3.provider.make_request("evm_mine", [])
    quiet = reader.refresh().market
    assert quiet.block == before.block + 1
    assert all(quiet.pools[a] is before.pools[a] for a in steady)
    assert {quiet.pools[a].block for a in steady} == {before.block}  # the first block read with these values
    assert all(quiet.pools[a].block == quiet.block for a in timed)

    pool = next(p for p in pools.v3 if p.fee == 500)
    amount = before.pools[pool.address].state.liquidity // 10**6 or 1  # type: ignore[union-attr]
    trader = w3.eth.accounts[0]
    fund(pool.token0, trader, amount)
    _swap_v3(w3, book, pool, trader, amount)
    moved = reader.refresh().market
    changed = {a for a in steady if moved.pools[a] is not before.pools[a]}
    assert changed == {pool.address}
    fresh = MarketReader(Multicall(w3, book.multicall3.address), pools, vault=book.balancer_v2.vault)
    fresh.refresh()
    assert fresh.refresh().market.pools[pool.address] == moved.pools[pool.address]
    assert moved.pools[pool.address].block == moved.block
