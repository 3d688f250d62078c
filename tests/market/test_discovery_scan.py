"""Discovery on a long chain, on the fork: factory and Vault logs read in chunks from the deployment
block, ranges the node refuses split, failing chunks retried then reported (never skipped), the
cache resumed, and a cache of another chain (other genesis) never used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from web3 import HTTPProvider, Web3

from bot.execution.rpc import Rpc
from bot.market import Multicall
from bot.market.logscan import LogScanError, LogScanner, ScanProgress
from bot.market.pool_sources import (
    EVENT_LAYOUTS,
    RegisteredPool,
    balancer_pools_among,
    factory_pools,
    start_block,
    topic,
    v3_like_factories,
)
from bot.replica.anvil import AnvilProcess
from bot.runtime.pools import tracked_pools

POOL_CREATED = topic(EVENT_LAYOUTS["uniswap_v3"].signature)
LONG = 120_000
"""Blocks mined on top of the fork: with 5,000-block chunks, a scan needs at least 24 requests."""


class ScriptedProvider(HTTPProvider):
    """An HTTP provider whose eth_getLogs can refuse large ranges or fail for given blocks, and whose
    genesis hash can be replaced (another chain with the same id)."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.max_range: int | None = None
        self.timeout_over: int | None = None
        self.failing_block: int | None = None
        self.transient_failures = 0
        self.genesis: str | None = None
        self.ranges: list[tuple[int, int]] = []

    def make_request(self, method: Any, params: Any) -> Any:
        if method == "eth_getBlockByNumber" and params[0] == "0x0" and self.genesis is not None:
            reply = super().make_request(method, params)
            reply["result"]["hash"] = self.genesis
            return reply
        if method == "eth_getLogs":
            low, high = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
            self.ranges.append((low, high))
            if self.timeout_over is not None and high - low + 1 > self.timeout_over:
                raise requests.exceptions.ReadTimeout("Read timed out. (read timeout=2)")
            if self.max_range is not None and high - low + 1 > self.max_range:
                return {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "error": {"code": -32005, "message": "query returned more than 10000 results"},
                }
            if self.transient_failures > 0:
                self.transient_failures -= 1
                return {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "header not found"}}
            if self.failing_block is not None and low <= self.failing_block <= high:
                return {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "header not found"}}
        return super().make_request(method, params)


def _send(w3: Any, to: str, signature: str, types: list[str], args: list[Any]) -> None:
    data = bytes(function_signature_to_4byte_selector(signature)) + encode(types, args)
    tx = w3.eth.send_transaction(
        {"from": w3.eth.accounts[0], "to": to, "data": "0x" + data.hex(), "gas": 6_000_000}
    )
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


@pytest.fixture(scope="module")
def long_chain(w3: Any, book: Any) -> Iterator[dict[str, Any]]:
    """A fork of the test chain with LONG empty blocks mined on top and one more V3 pool created at the
    end. Its own anvil, with --prune-history: anvil keeps a state per block otherwise, and mining
    100,000 blocks would take minutes instead of seconds."""
    with AnvilProcess(extra_args=["--prune-history", "--fork-url", w3.provider.endpoint_uri]) as node:
        long = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        long.provider.make_request("anvil_mine", [hex(LONG)])
        a, b = sorted((book.token("GHST").address, book.token("QUICK").address), key=str.lower)
        _send(
            long,
            book.uniswap_v3.factory,
            "createPool(address,address,uint24)",
            ["address", "address", "uint24"],
            [a, b, 3000],
        )
        yield {"url": node.url, "w3": long, "head": long.eth.block_number, "new_pool_tokens": (a, b)}


@pytest.fixture
def scripted(long_chain: dict[str, Any]) -> Any:
    return Web3(ScriptedProvider(long_chain["url"]))


def _scanner(web3: Any, cache: Path | None, **kwargs: Any) -> LogScanner:
    kwargs.setdefault("chunk_blocks", 5_000)
    kwargs.setdefault("sleep", lambda _s: None)
    return LogScanner(Rpc(web3), cache, **kwargs)


def test_a_long_chain_is_scanned_in_chunks_with_progress(
    scripted: Any, book: Any, long_chain: dict[str, Any], tmp_path: Path
) -> None:
    progress: list[ScanProgress] = []
    scanner = _scanner(scripted, tmp_path, progress_interval_s=0.0, on_progress=progress.append)
    factory = v3_like_factories(book)[0]
    head = long_chain["head"]
    pools = factory_pools(scanner, factory, head, [t.address for t in book.tokens.values()])
    # the replica's 18 pools from the build, and the one created after LONG blocks
    assert len(pools) == 19
    assert (pools[-1].token0, pools[-1].token1, pools[-1].fee) == (*long_chain["new_pool_tokens"], 3000)
    ranges = scripted.provider.ranges
    assert ranges[0][0] == 0 and ranges[-1][1] == head  # from block 0 (the replica is short of 22.7M)
    assert all(high - low + 1 <= 5_000 for low, high in ranges)
    assert all(b[0] == a[1] + 1 for a, b in zip(ranges, ranges[1:], strict=False)), "no block left out"
    assert len(ranges) == -(-(head + 1) // 5_000)
    assert progress and progress[-1].scanned_blocks == progress[-1].total_blocks == head + 1
    assert progress[-1].logs == 19
    assert [p.scanned_blocks for p in progress] == sorted(p.scanned_blocks for p in progress)


def test_a_range_the_node_refuses_is_split_until_served(
    scripted: Any, book: Any, long_chain: dict[str, Any]
) -> None:
    factory = v3_like_factories(book)[0]
    head = long_chain["head"]
    whole = _scanner(long_chain["w3"], None).scan("v3", factory.address, [POOL_CREATED], 0, head)
    scripted.provider.max_range = 1_500
    split = _scanner(scripted, None, chunk_blocks=50_000).scan("v3", factory.address, [POOL_CREATED], 0, head)
    assert split.logs == whole.logs and len(split.logs) == 19
    served = [r for r in scripted.provider.ranges if r[1] - r[0] + 1 <= 1_500]
    refused = [r for r in scripted.provider.ranges if r[1] - r[0] + 1 > 1_500]
    assert refused, "the scan asked for more than the node serves, and was told so"
    # what was served covers every block exactly once
    covered = sorted(served)
    assert covered[0][0] == 0 and covered[-1][1] == head
    assert all(b[0] == a[1] + 1 for a, b in zip(covered, covered[1:], strict=False))


def test_a_failing_chunk_is_retried_then_reported_and_the_scan_resumes_there(
    scripted: Any, book: Any, long_chain: dict[str, Any], tmp_path: Path
) -> None:
    factory = v3_like_factories(book)[0]
    head = long_chain["head"]
    # transient: two failures, then served
    scripted.provider.transient_failures = 2
    result = _scanner(scripted, None, retries=3).scan("v3", factory.address, [POOL_CREATED], 0, head)
    assert len(result.logs) == 19
    # persistent: the chunk holding block 60,000 fails every time
    scripted.provider.failing_block = 60_000
    scanner = _scanner(scripted, tmp_path, retries=2)
    with pytest.raises(LogScanError) as failure:
        scanner.scan("v3", factory.address, [POOL_CREATED], 0, head)
    assert failure.value.from_block == 60_000 - 60_000 % 5_000 and failure.value.to_block == 64_999
    assert "blocks 60000-64999 failed" in str(failure.value)
    # what came before the failure is kept; the next scan starts there (less the re-org margin)
    scripted.provider.failing_block = None
    scripted.provider.ranges.clear()
    resumed = _scanner(scripted, tmp_path, retries=2).scan("v3", factory.address, [POOL_CREATED], 0, head)
    assert resumed.from_cache_to == 59_999 - 128
    assert scripted.provider.ranges[0][0] == 59_999 - 128 + 1
    assert resumed.logs == result.logs


def test_a_later_scan_reads_only_new_blocks_and_another_genesis_starts_over(
    scripted: Any, book: Any, long_chain: dict[str, Any], tmp_path: Path
) -> None:
    factory = v3_like_factories(book)[0]
    first = _scanner(scripted, tmp_path).scan("v3", factory.address, [POOL_CREATED], 0)
    assert first.from_cache_to == -1 and len(first.logs) == 19
    long_chain["w3"].provider.make_request("anvil_mine", [hex(1_000)])
    scripted.provider.ranges.clear()
    second = _scanner(scripted, tmp_path).scan("v3", factory.address, [POOL_CREATED], 0)
    assert second.from_cache_to == first.to_block - 128
    assert scripted.provider.ranges == [(first.to_block - 127, first.to_block + 1_000)]
    assert second.logs == first.logs
    # the same chain id with another genesis (real Polygon vs the replica) never reads this cache
    scripted.provider.genesis = "0x" + "ab" * 32
    scripted.provider.ranges.clear()
    other = _scanner(scripted, tmp_path).scan("v3", factory.address, [POOL_CREATED], 0)
    assert other.from_cache_to == -1 and scripted.provider.ranges[0][0] == 0
    assert len(list(tmp_path.glob("137-*"))) == 2


def test_the_cache_file_is_written_whole(scripted: Any, book: Any, tmp_path: Path) -> None:
    factory = v3_like_factories(book)[0]
    scanner = _scanner(scripted, tmp_path)
    scanner.scan("v3", factory.address, [POOL_CREATED], 0)
    path = scanner.cache_path("v3", factory.address, [POOL_CREATED])
    assert path is not None and path.is_file()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".scan-")]
    path.write_text('{"version": 2, "truncated')  # a torn file is read as no cache, not as a crash
    scripted.provider.ranges.clear()
    again = _scanner(scripted, tmp_path).scan("v3", factory.address, [POOL_CREATED], 0)
    assert again.from_cache_to == -1 and len(again.logs) == 19


def test_tracked_pools_find_every_replica_pool_from_logs_and_the_curve_registry(
    w3: Any, book: Any, replica: Any, tmp_path: Path
) -> None:
    manifest = replica.manifest
    rpc = Rpc(w3)
    pools = tracked_pools(
        rpc,
        Multicall(w3, book.multicall3.address),
        book,
        list(book.tokens),
        cache_dir=tmp_path,
        chunk_blocks=50,
    )
    assert {(p.address, p.token0, p.token1, p.fee, p.tick_spacing, p.dex) for p in pools.v3} == {
        (p.address, p.token0, p.token1, p.fee, p.tick_spacing, "uniswap-v3") for p in manifest.v3_pools
    } | {(p.address, p.token0, p.token1, p.fee, p.tick_spacing, p.dex) for p in manifest.v3_fork_pools}
    assert {p.pool_id for p in pools.balancer} == {p.pool_id for p in manifest.balancer_pools}
    assert {p.pool_id for p in pools.balancer_stable} == {p.pool_id for p in manifest.balancer_stable_pools}
    assert {(p.address, p.coins) for p in pools.curve} == {(p.address, p.coins) for p in manifest.curve_pools}
    assert {p.address for p in pools.v2} == {p.address for p in manifest.v2_pairs}
    # only the book's tokens: a subset of them keeps only the pools among it
    some = ["WMATIC", "WETH", "USDC"]
    wanted = {book.token(s).address for s in some}
    subset = tracked_pools(rpc, Multicall(w3, book.multicall3.address), book, some, cache_dir=tmp_path)
    assert subset.v3 and all({p.token0, p.token1} <= wanted for p in subset.v3)
    assert subset.balancer and all(set(p.tokens) <= wanted for p in subset.balancer)
    assert not subset.curve


def test_sources_keep_only_the_book_tokens_and_start_at_the_deployment_block() -> None:
    bpt = "0x" + "11" * 20
    a, b, c = ("0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20)
    pools = [
        RegisteredPool("0x01", bpt, 0, (bpt, a, b)),  # a composable pool lists its own BPT
        RegisteredPool("0x02", "0x" + "22" * 20, 2, (a, c)),
        RegisteredPool("0x03", "0x" + "33" * 20, 2, (a,)),
    ]
    assert [p.pool_id for p in balancer_pools_among(pools, [a, b])] == ["0x01"]
    assert start_block(15_832_990, 70_000_000) == 15_832_990
    assert start_block(15_832_990, 400) == 0
    assert book_blocks_are_set()


def book_blocks_are_set() -> bool:
    from bot.addressbook import load

    book = load(137)
    return (
        book.balancer_v2.vault_deployment_block == 15_832_990
        and book.uniswap_v3.factory_deployment_block == 22_757_547
        and book.curve.address_provider == "0x0000000022D53366457F9d5E68Ec105046FC4383"
    )


def test_a_reorganisation_deeper_than_the_margin_starts_the_scan_over(
    scripted: Any, book: Any, long_chain: dict[str, Any], tmp_path: Path
) -> None:
    long = long_chain["w3"]
    factory = v3_like_factories(book)[0]
    tokens = [t.address for t in book.tokens.values()]
    snapshot = long.provider.make_request("evm_snapshot", [])["result"]
    try:
        # branch A: a pool, then 300 blocks; scanned and cached
        a0, a1 = sorted((book.token("BAL").address, book.token("GHST").address), key=str.lower)
        _send(
            long,
            factory.address,
            "createPool(address,address,uint24)",
            ["address", "address", "uint24"],
            [a0, a1, 500],
        )
        long.provider.make_request("anvil_mine", [hex(300)])
        on_a = factory_pools(_scanner(scripted, tmp_path), factory, long.eth.block_number, tokens)
        assert (a0, a1, 500) in {(p.token0, p.token1, p.fee) for p in on_a}
        # branch B replaces the last 301 blocks: another pool, no BAL/GHST one
        long.provider.make_request("evm_revert", [snapshot])
        long.provider.make_request("anvil_mine", [hex(200)])
        b0, b1 = sorted((book.token("CRV").address, book.token("GHST").address), key=str.lower)
        _send(
            long,
            factory.address,
            "createPool(address,address,uint24)",
            ["address", "address", "uint24"],
            [b0, b1, 500],
        )
        long.provider.make_request("anvil_mine", [hex(100)])
        scripted.provider.ranges.clear()
        on_b = factory_pools(_scanner(scripted, tmp_path), factory, long.eth.block_number, tokens)
        found = {(p.token0, p.token1, p.fee) for p in on_b}
        assert (b0, b1, 500) in found and (a0, a1, 500) not in found
        assert scripted.provider.ranges[0][0] == 0, "the cache of the abandoned branch was not used"
    finally:
        long.provider.make_request("evm_revert", [snapshot])


def test_a_range_that_times_out_is_split_too(scripted: Any, book: Any, long_chain: dict[str, Any]) -> None:
    factory = v3_like_factories(book)[0]
    head = long_chain["head"]
    scripted.provider.timeout_over = 20_000
    result = _scanner(scripted, None, chunk_blocks=100_000).scan(
        "v3", factory.address, [POOL_CREATED], 0, head
    )
    assert len(result.logs) == 19
    assert any(high - low + 1 > 20_000 for low, high in scripted.provider.ranges)
    served = sorted(r for r in scripted.provider.ranges if r[1] - r[0] + 1 <= 20_000)
    assert served[0][0] == 0 and served[-1][1] == head
    assert all(b[0] == a[1] + 1 for a, b in zip(served, served[1:], strict=False))
