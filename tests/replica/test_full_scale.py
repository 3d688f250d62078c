"""The replica at Polygon scale (`--scale full`): 600+ pools over every venue kind and every token of
the address book, deep majors and a thin long tail, all found by discovery from the chain itself. The
full replica is built once (about a minute) and cached like the small one."""

from __future__ import annotations

import json
import statistics
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import HTTPProvider, Web3

from bot.addressbook import load
from bot.errors import ReplicaError
from bot.execution.rpc import Rpc
from bot.market import Multicall
from bot.replica import ReplicaNode, algebra, ensure_replica, sushiswap_v3
from bot.replica.build import _drop_stale, input_hash
from bot.replica.full_build import SEEDERS
from bot.replica.full_layout import HUBS, SUSHI_V3_FEE_BY_PAIR, VENUES, layout, tier
from bot.replica.prices import raw_price
from bot.runtime.pools import tracked_pools

SYMBOLS = list(load(137).tokens)


def test_the_layout_covers_every_token_on_every_venue_kind_with_600_pools() -> None:
    full = layout(SYMBOLS)
    assert set(full) == set(VENUES) == set(SEEDERS), "every venue kind of the layout is built"
    assert all(full[venue] for venue in VENUES), "every venue kind has pools"
    assert sum(len(pools) for pools in full.values()) >= 600
    v2_tokens = {s for _, a, b, _ in full["quickswap"] for s in (a, b)}
    v3_tokens = {s for a, b, _, _ in full["uniswap_v3"] for s in (a, b)}
    balancer_tokens = {s for _, _, weights, _, _ in full["balancer_weighted"] for s in weights}
    assert v2_tokens == v3_tokens == balancer_tokens == set(SYMBOLS)
    assert {s for spec in full["curve"] for s in spec.coins} == {"USDC", "USDC.e", "USDT", "DAI"}


def test_quickswap_v3_and_sushiswap_v3_reach_every_token_and_keep_the_small_replicas_pools() -> None:
    full = layout(SYMBOLS)
    algebra_pairs = [frozenset((a, b)) for a, b, _ in full["quickswap_v3"]]
    assert len(set(algebra_pairs)) == len(algebra_pairs), "Algebra V1 has one pool per pair"
    assert set().union(*algebra_pairs) == set(SYMBOLS)
    upper = [s for s in SYMBOLS if tier(s) < 3]
    tail = [s for s in SYMBOLS if tier(s) == 3]
    assert {frozenset((a, b)) for i, a in enumerate(upper) for b in upper[i + 1 :]} <= set(algebra_pairs)
    assert {frozenset((s, hub)) for s in tail for hub in HUBS} <= set(algebra_pairs)
    assert {frozenset((a, b)) for a, b, _ in algebra.POOLS} <= set(algebra_pairs)

    sushi = [(frozenset((a, b)), fee) for a, b, fee, _ in full["sushiswap_v3"]]
    assert len(set(sushi)) == len(sushi), "no pool is created twice"
    assert set().union(*(pair for pair, _ in sushi)) == set(SYMBOLS)
    assert {(frozenset((a, b)), fee) for a, b, fee, _ in sushiswap_v3.POOLS} <= set(sushi)
    assert {fee for _, fee in sushi} == set(SUSHI_V3_FEE_BY_PAIR.values())
    assert len(sushi) < len(algebra_pairs) < len(full["quickswap"]), "fewer pools on the smaller venues"


def test_depth_is_spread_like_the_market() -> None:
    full = layout(SYMBOLS)
    pairs = full["quickswap"]
    majors = [usd for _, a, b, usd in pairs if tier(a) == tier(b) == 1]
    tail = [usd for _, a, b, usd in pairs if tier(a) == tier(b) == 3]
    assert statistics.median(majors) >= 100 * statistics.median(tail)
    assert min(majors) > max(tail)
    assert len({usd for *_, usd in pairs}) > len(pairs) // 2, "pools of a kind are not all alike"
    for venue in ("quickswap_v3", "sushiswap_v3"):
        pools = [(a, b, p[-1]) for a, b, *p in full[venue]]
        majors = [usd for a, b, usd in pools if tier(a) == tier(b) == 1]
        tail = [usd for a, b, usd in pools if 3 in (tier(a), tier(b))]
        assert statistics.median(majors) >= 10 * statistics.median(tail), venue
        assert min(majors) > max(tail), venue
        assert len({usd for *_, usd in pools}) > len(pools) // 2, venue
    algebra_usd = sum(usd for *_, usd in full["quickswap_v3"])
    sushi_usd = sum(usd for *_, usd in full["sushiswap_v3"])
    assert 3 * sushi_usd < algebra_usd, "SushiSwap V3 is shallower than QuickSwap V3"


def test_each_scale_has_its_own_cache_key_and_cache(tmp_path: Path) -> None:
    assert input_hash() == input_hash("small") != input_hash("full")
    with pytest.raises(ReplicaError, match="unknown replica scale 'huge'"):
        input_hash("huge")
    for name, scale in (("a" * 16, "small"), ("b" * 16, "full"), ("c" * 16, "small")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps({"scale": scale}))
    _drop_stale(tmp_path, keep=tmp_path / ("c" * 16), scale="small")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b" * 16, "c" * 16]


@pytest.fixture(scope="module")
def full_replica() -> Any:
    return ensure_replica(scale="full")


def test_the_full_replica_holds_the_layout_and_discovery_finds_all_of_it(
    full_replica: Any, tmp_path: Path
) -> None:
    manifest = full_replica.manifest
    assert manifest.scale == "full"
    full = layout(SYMBOLS)
    assert len(manifest.v2_pairs) == len(full["quickswap"]) + len(full["sushiswap"])
    assert len(manifest.v3_pools) == len(full["uniswap_v3"])
    assert len(manifest.balancer_pools) == len(full["balancer_weighted"])
    assert len(manifest.curve_pools) == len(full["curve"]) + 1  # and the address book's 3pool
    assert len(manifest.algebra_pools) == len(full["quickswap_v3"])
    assert len(manifest.v3_fork_pools) == len(full["sushiswap_v3"])
    book = load(137)
    with ReplicaNode(full_replica) as node:
        w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        pools = tracked_pools(
            Rpc(w3), Multicall(w3, book.multicall3.address), book, SYMBOLS, cache_dir=tmp_path
        )
        assert len(pools) >= 600
        assert {p.address for p in pools.v2} == {p.address for p in manifest.v2_pairs}
        assert {p.address for p in pools.v3} == {
            p.address for p in (*manifest.v3_pools, *manifest.v3_fork_pools)
        }
        assert {p.pool_id for p in pools.balancer} == {p.pool_id for p in manifest.balancer_pools}
        assert {p.pool_id for p in pools.balancer_stable} == {
            p.pool_id for p in manifest.balancer_stable_pools
        }
        assert {p.address for p in pools.curve} == {p.address for p in manifest.curve_pools}
        assert {p.address for p in pools.algebra} == {p.address for p in manifest.algebra_pools}
        every = {t for p in pools for t in p.tokens if t != p.address}  # a stable pool lists its own BPT
        assert every == {t.address for t in book.tokens.values()}
        # a long-tail V2 pair is priced from the same table as the majors
        pair = next(
            p for p in pools.v2 if {book.token_by_address(t).symbol for t in p.tokens} == {"GHST", "BAL"}
        )
        raw = w3.eth.call({"to": pair.address, "data": "0x0902f1ac"})
        r0, r1 = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")
        t0, t1 = book.token_by_address(pair.token0), book.token_by_address(pair.token1)
        price = raw_price(t0.symbol, t0.decimals, t1.symbol, t1.decimals)
        assert abs(Fraction(r1, r0) / price - 1) < Fraction(1, 10**6)
        # so are the long tail's QuickSwap V3 (Algebra) and SushiSwap V3 pools, with liquidity in range
        for pool, state_call in (
            (_pool(pools.algebra, book, {"GHST", "USDC"}), "globalState()"),
            (_pool(pools.v3, book, {"GHST", "WETH"}, dex="sushiswap-v3"), "slot0()"),
        ):
            sqrt_price = int.from_bytes(_call(w3, pool.address, state_call)[:32], "big")
            t0, t1 = book.token_by_address(pool.token0), book.token_by_address(pool.token1)
            price = raw_price(t0.symbol, t0.decimals, t1.symbol, t1.decimals)
            assert abs(Fraction(sqrt_price**2, 2**192) / price - 1) < Fraction(1, 10**6)
            assert int.from_bytes(_call(w3, pool.address, "liquidity()")[:32], "big") > 0


def _call(w3: Web3, address: str, signature: str) -> bytes:
    return bytes(
        w3.eth.call({"to": address, "data": "0x" + function_signature_to_4byte_selector(signature).hex()})
    )


def _pool(pools: Any, book: Any, symbols: set[str], dex: str | None = None) -> Any:
    return next(
        p
        for p in pools
        if {book.token_by_address(t).symbol for t in (p.token0, p.token1)} == symbols
        and (dex is None or p.dex == dex)
    )
