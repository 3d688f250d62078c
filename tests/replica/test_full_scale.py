"""The replica at Polygon scale (`--scale full`): 500+ pools over every venue kind and every token of
the address book, deep majors and a thin long tail, all found by discovery from the chain itself. The
full replica is built once (about a minute) and cached like the small one."""

from __future__ import annotations

import json
import statistics
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from web3 import HTTPProvider, Web3

from bot.addressbook import load
from bot.errors import ReplicaError
from bot.execution.rpc import Rpc
from bot.market import Multicall
from bot.replica import ReplicaNode, ensure_replica
from bot.replica.build import _drop_stale, input_hash
from bot.replica.full_build import SEEDERS
from bot.replica.full_layout import VENUES, layout, tier
from bot.replica.prices import raw_price
from bot.runtime.pools import tracked_pools

SYMBOLS = list(load(137).tokens)


def test_the_layout_covers_every_token_on_every_venue_kind_with_500_pools() -> None:
    full = layout(SYMBOLS)
    assert set(full) == set(VENUES) == set(SEEDERS), "every venue kind of the layout is built"
    assert all(full[venue] for venue in VENUES), "every venue kind has pools"
    assert sum(len(pools) for pools in full.values()) >= 500
    v2_tokens = {s for _, a, b, _ in full["quickswap"] for s in (a, b)}
    v3_tokens = {s for a, b, _, _ in full["uniswap_v3"] for s in (a, b)}
    balancer_tokens = {s for _, _, weights, _, _ in full["balancer_weighted"] for s in weights}
    assert v2_tokens == v3_tokens == balancer_tokens == set(SYMBOLS)
    assert {s for spec in full["curve"] for s in spec.coins} == {"USDC", "USDC.e", "USDT", "DAI"}


def test_depth_is_spread_like_the_market() -> None:
    pairs = layout(SYMBOLS)["quickswap"]
    majors = [usd for _, a, b, usd in pairs if tier(a) == tier(b) == 1]
    tail = [usd for _, a, b, usd in pairs if tier(a) == tier(b) == 3]
    assert statistics.median(majors) >= 100 * statistics.median(tail)
    assert min(majors) > max(tail)
    assert len({usd for *_, usd in pairs}) > len(pairs) // 2, "pools of a kind are not all alike"


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
    book = load(137)
    with ReplicaNode(full_replica) as node:
        w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        pools = tracked_pools(
            Rpc(w3), Multicall(w3, book.multicall3.address), book, SYMBOLS, cache_dir=tmp_path
        )
        assert len(pools) >= 500
        assert {p.address for p in pools.v2} == {p.address for p in manifest.v2_pairs}
        assert {p.address for p in pools.v3} == {
            p.address for p in (*manifest.v3_pools, *manifest.v3_fork_pools)
        }
        assert {p.pool_id for p in pools.balancer} == {p.pool_id for p in manifest.balancer_pools}
        assert {p.pool_id for p in pools.balancer_stable} == {
            p.pool_id for p in manifest.balancer_stable_pools
        }
        assert {p.address for p in pools.curve} == {p.address for p in manifest.curve_pools}
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
