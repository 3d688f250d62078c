"""QuickSwap V3 (Algebra V1) pools in the market: discovery through the factory's poolByPair, and the
per-block read that feeds `bot.amm.algebra_pool`.

Discovery (two Multicall3 round trips): factory.poolByPair for every token pair, then each found
pool's dataStorageOperator(). token0/token1 are the sorted pair (Algebra sorts them the same way).

The per-block read puts these calls into the market reader's one Multicall3 batch, per pool:
globalState(), liquidity(), Multicall3.getCurrentBlockTimestamp(), the operator's feeConfig(), the
pool's getTimepoints([1 day - block interval]) (the accumulators at the start of the next block's fee
window; it reverts for pools younger than that, which then do not need it), the operator's
timepoints(i) around the ring head seen at the previous block, the tickTable words of a window around
the price and ticks(t) of the initialised ticks already known (the same windowing as Uniswap V3, see
`bot.market.v3_window`). A follow-up request reads, at the same block number, what no contract call
can return: the pool's volumePerLiquidityInBlock (storage slot 3, high 128 bits), in one JSON-RPC
batch of eth_getStorageAt for all Algebra pools, together with any timepoints or ticks that the
first batch did not cover (the ring head moved by more than one, or a new tick appeared).

The snapshot's V3 state carries the fee a swap pays in the next block, assumed `block_interval_s`
after the read block (2 s on Polygon); the full state is kept for any other time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from eth_abi.abi import encode

from bot.amm.algebra_adaptive_fee import FeeConfiguration
from bot.amm.algebra_data_storage import UINT16_MODULO, WINDOW, DataStorageHead, Timepoint, WindowStart
from bot.amm.algebra_pool import TICK_SPACING, AlgebraPoolState
from bot.amm.v3_pool import V3PoolState
from bot.errors import AmmError, RpcError
from bot.market import abi
from bot.market.multicall import BlockId, Call, CallResult, Multicall
from bot.market.pools import AlgebraPoolInfo
from bot.market.snapshots import AlgebraPoolSnapshot
from bot.market.state import PoolFailure
from bot.market.v3_window import V3Window

logger = logging.getLogger(__name__)

POOL_BY_PAIR = abi.selector("poolByPair(address,address)")
DATA_STORAGE_OPERATOR = abi.selector("dataStorageOperator()")
GLOBAL_STATE = abi.selector("globalState()")
FEE_CONFIG = abi.selector("feeConfig()")
GET_CURRENT_BLOCK_TIMESTAMP = abi.selector("getCurrentBlockTimestamp()")
_TIMEPOINTS = abi.selector("timepoints(uint256)")
_TICK_TABLE = abi.selector("tickTable(int16)")
_GET_TIMEPOINTS = abi.selector("getTimepoints(uint32[])")
LIQUIDITY_SLOT = 3
"""AlgebraPool storage slot 3: liquidity (low 128 bits), volumePerLiquidityInBlock (high 128 bits)."""
DEFAULT_BLOCK_INTERVAL_S = 2
_FIXED_CALLS = 5
_ZERO = "0x" + "00" * 20


def discover_algebra(
    multicall: Multicall, factory: str, tokens: Sequence[str], block: BlockId = "latest"
) -> tuple[AlgebraPoolInfo, ...]:
    """The Algebra pools among `tokens` (addresses): factory.poolByPair for each pair."""
    pairs = [tuple(sorted((a, b), key=str.lower)) for a, b in combinations(dict.fromkeys(tokens), 2)]
    calls = [Call(factory, POOL_BY_PAIR + encode(["address", "address"], list(pair))) for pair in pairs]
    found = []
    for pair, result in zip(pairs, multicall.aggregate3(calls, block), strict=True):
        if result.success and len(result.data) >= 32:
            pool = abi.address(result.data)
            if pool != _ZERO and int(pool, 16) != 0:
                found.append((pair, pool))
    results = multicall.aggregate3([Call(pool, DATA_STORAGE_OPERATOR) for _, pool in found], block)
    pools = []
    for (pair, pool), result in zip(found, results, strict=True):
        if not result.success or len(result.data) < 32:
            logger.warning("discovery: Algebra pool %s has no dataStorageOperator(); left out", pool)
            continue
        pools.append(AlgebraPoolInfo(pool, pair[0], pair[1], abi.address(result.data)))
    logger.info("discovery: %d Algebra pools among %d token pairs", len(pools), len(pairs))
    return tuple(pools)


def _first(data: bytes, head_index: int, signed: bool = False) -> int:
    """The first entry of the array whose offset is in word `head_index` of `data`."""
    offset = abi.word(data, head_index)
    if offset % 32 or offset + 64 > len(data) or abi.word(data, offset // 32) == 0:
        raise ValueError(f"array {head_index}: no first entry at offset {offset} in {len(data)} bytes")
    return abi.signed_word(data, offset // 32 + 1) if signed else abi.word(data, offset // 32 + 1)


def _timepoint(data: bytes) -> Timepoint:
    """DataStorageOperator.timepoints(i): seven static words (bool, uint32, int56, uint160, uint88,
    int24, uint144), sliced like bot.market.abi's decoders; eth_abi's generic decoder was two thirds of
    an Algebra pool's decode time."""
    if len(data) < 224:
        raise ValueError(f"timepoints: expected at least 224 bytes of return data, got {len(data)}")
    word = int.from_bytes
    return Timepoint(
        word(data[0:32], "big") != 0,
        word(data[32:64], "big"),
        word(data[64:96], "big", signed=True),
        word(data[96:128], "big"),
        word(data[128:160], "big"),
        word(data[160:192], "big", signed=True),
        word(data[192:224], "big"),
    )


@dataclass(slots=True)
class AlgebraLayout:
    """What one pool's calls in the main batch ask for, in order after the fixed calls."""

    indices: tuple[int, ...]
    words: tuple[int, ...]
    ticks: tuple[int, ...]


@dataclass(slots=True)
class AlgebraPending:
    """One pool decoded from the main batch, waiting for the follow-up request."""

    pool: AlgebraPoolInfo
    price: int
    tick: int
    fee: int
    index: int
    liquidity: int
    timestamp: int
    config: FeeConfiguration
    window: WindowStart | None
    timepoints: dict[int, Timepoint]
    words: tuple[int, ...]
    word_values: dict[int, int]
    nets: dict[int, int]
    missing_points: tuple[int, ...] = ()
    missing_ticks: tuple[int, ...] = ()
    extra: list[CallResult] = field(default_factory=list)


class AlgebraTracker:
    """The Algebra part of the market reader: per-pool calls, decoding, and the follow-up request."""

    def __init__(
        self,
        pools: Sequence[AlgebraPoolInfo],
        multicall_address: str,
        *,
        words_each_side: int,
        block_interval_s: int = DEFAULT_BLOCK_INTERVAL_S,
    ) -> None:
        self.pools = tuple(pools)
        self.multicall_address = multicall_address
        self.block_interval_s = block_interval_s
        self.windows = {p.address: V3Window(TICK_SPACING, words_each_side) for p in self.pools}
        self.heads: dict[str, int] = {}
        """pool -> the timepoint index seen at the previous read."""

    def prime(self, multicall: Multicall, block: BlockId) -> int:
        """Read globalState of pools whose window is not placed yet; returns the sub-calls made."""
        todo = [p for p in self.pools if self.windows[p.address].center is None]
        if not todo:
            return 0
        for pool, result in zip(
            todo, multicall.aggregate3([Call(p.address, GLOBAL_STATE) for p in todo], block), strict=True
        ):
            if result.success and len(result.data) >= 128:
                self.windows[pool.address].recentre(abi.signed_word(result.data, 1))
                self.heads[pool.address] = abi.word(result.data, 3)
        return len(todo)

    def plan_pool(self, pool: AlgebraPoolInfo) -> tuple[list[Call], AlgebraLayout]:
        head = self.heads.get(pool.address, 0)
        indices = tuple(sorted({(head + k) % UINT16_MODULO for k in (-1, 0, 1, 2, 3)} | {0}))
        window = self.windows[pool.address]
        words = window.words() if window.center is not None else ()
        ticks = window.known_ticks() if window.center is not None else ()
        seconds_ago = WINDOW - self.block_interval_s
        calls = [
            Call(pool.address, GLOBAL_STATE),
            Call(pool.address, abi.LIQUIDITY),
            Call(self.multicall_address, GET_CURRENT_BLOCK_TIMESTAMP),
            Call(pool.data_storage_operator, FEE_CONFIG),
            Call(pool.address, _GET_TIMEPOINTS + encode(["uint32[]"], [[seconds_ago]])),
        ]
        calls += [Call(pool.data_storage_operator, _TIMEPOINTS + encode(["uint256"], [i])) for i in indices]
        calls += [Call(pool.address, _TICK_TABLE + encode(["int16"], [w])) for w in words]
        calls += [Call(pool.address, abi.ticks(t)) for t in ticks]
        return calls, AlgebraLayout(indices, words, ticks)

    def decode_pool(
        self, pool: AlgebraPoolInfo, layout: AlgebraLayout, own: Sequence[CallResult]
    ) -> AlgebraPending:
        """Raises ValueError (a failed call, or data that does not decode) for the reader to report."""
        for k, result in enumerate(own):
            if not result.success and k != 4:
                raise ValueError(
                    f"Algebra pool {pool.address}: call {k} reverted with 0x{result.data.hex()[:200]}"
                )
        price, tick, fee, index = (
            abi.word(own[0].data, 0),
            abi.signed_word(own[0].data, 1),
            abi.word(own[0].data, 2),
            abi.word(own[0].data, 3),
        )
        liquidity = abi.word(own[1].data)
        timestamp = abi.word(own[2].data)
        config = FeeConfiguration(*(abi.word(own[3].data, k) for k in range(9)))
        window = None
        if own[4].success:
            # getTimepoints([WINDOW]) -> (int56[], uint160[], uint112[], uint256[]): the first of each
            data = own[4].data
            window = WindowStart(
                timestamp + self.block_interval_s - WINDOW,
                _first(data, 0, signed=True),
                _first(data, 2),
                _first(data, 3),
            )
        at = _FIXED_CALLS
        points = {i: _timepoint(own[at + k].data) for k, i in enumerate(layout.indices)}
        at += len(layout.indices)
        word_values = {w: abi.word(own[at + k].data) for k, w in enumerate(layout.words)}
        at += len(layout.words)
        nets = {t: abi.liquidity_net(own[at + k].data) for k, t in enumerate(layout.ticks)}
        needed = {(index + k) % UINT16_MODULO for k in (-1, 0, 1, 2)} | {0}
        missing_points = tuple(sorted(needed - set(points)))
        window_obj = self.windows[pool.address]
        if not layout.words:
            window_obj.recentre(tick)
            raise ValueError("the tick window was not placed yet; it is read from the next block")
        missing_ticks = tuple(t for t in window_obj.initialised(word_values) if t not in nets)
        return AlgebraPending(
            pool,
            price,
            tick,
            fee,
            index,
            liquidity,
            timestamp,
            config,
            window,
            points,
            layout.words,
            word_values,
            nets,
            missing_points,
            missing_ticks,
        )

    def finish(
        self, multicall: Multicall, pending: Sequence[AlgebraPending], block: int
    ) -> tuple[list[AlgebraPoolSnapshot], list[PoolFailure], int]:
        """The follow-up request and the snapshots; returns (snapshots, failures, sub-calls)."""
        if not pending:
            return [], [], 0
        calls: list[Call] = []
        for item in pending:
            calls += [
                Call(item.pool.data_storage_operator, _TIMEPOINTS + encode(["uint256"], [i]))
                for i in item.missing_points
            ]
            calls += [Call(item.pool.address, abi.ticks(t)) for t in item.missing_ticks]
        more = iter(multicall.aggregate3(calls, block)) if calls else iter(())
        words = self._storage_words(multicall, [item.pool.address for item in pending], block)
        snapshots, failures = [], []
        for item, word in zip(pending, words, strict=True):
            try:
                for i in item.missing_points:
                    result = next(more)
                    if not result.success:
                        raise ValueError(f"timepoints({i}) reverted")
                    item.timepoints[i] = _timepoint(result.data)
                for t in item.missing_ticks:
                    result = next(more)
                    if not result.success:
                        raise ValueError(f"ticks({t}) reverted")
                    item.nets[t] = abi.liquidity_net(result.data)
                snapshots.append(self._snapshot(item, word >> 128, block))
            except (ValueError, AmmError) as exc:
                failures.append(PoolFailure(item.pool.address, f"AlgebraPoolInfo: {exc}"))
        return snapshots, failures, len(calls) + len(pending)

    def _storage_words(self, multicall: Multicall, pools: Sequence[str], block: int) -> list[int]:
        """Slot 3 of each pool at `block`, one JSON-RPC batch; transport failures are retried as the
        Multicall retries its eth_call (`retries` times, waiting `backoff_s`, then twice that, ...)."""
        requests = [("eth_getStorageAt", [pool, hex(LIQUIDITY_SLOT), hex(block)]) for pool in pools]
        attempt = 0
        while True:
            try:
                replies = multicall.w3.provider.make_batch_request(requests)
                if not isinstance(replies, list) or len(replies) != len(pools):
                    raise ValueError(f"the batch answered {str(replies)[:200]}")
                break
            except Exception as exc:  # transport failures of any kind
                if attempt >= multicall.retries:
                    raise RpcError(
                        f"eth_getStorageAt batch for {len(pools)} Algebra pools failed after {attempt + 1} "
                        f"attempts: {exc}"
                    ) from exc
                delay = multicall.backoff_s * (2**attempt)
                logger.warning(
                    "eth_getStorageAt batch failed (%s); retry %d in %.2f s", exc, attempt + 1, delay
                )
                time.sleep(delay)
                attempt += 1
        words = []
        for pool, reply in zip(pools, replies, strict=True):
            result = reply.get("result") if isinstance(reply, dict) else None
            if not isinstance(result, str):
                raise RpcError(f"eth_getStorageAt({pool}, 3) answered {str(reply)[:200]}")
            words.append(int(result, 16))
        return words

    def _snapshot(self, item: AlgebraPending, volume_in_block: int, block: int) -> AlgebraPoolSnapshot:
        pool = item.pool
        probe = V3PoolState.from_bitmap(
            address=pool.address,
            token0=pool.token0,
            token1=pool.token1,
            fee=item.fee,
            tick_spacing=TICK_SPACING,
            sqrt_price_x96=item.price,
            tick=item.tick,
            liquidity=item.liquidity,
            word_range=(item.words[0], item.words[-1]),
            words=item.word_values,
            liquidity_net=item.nets,
        )
        head = DataStorageHead(item.index, dict(item.timepoints), volume_in_block)
        state = AlgebraPoolState(
            address=pool.address,
            token0=pool.token0,
            token1=pool.token1,
            sqrt_price_x96=item.price,
            tick=item.tick,
            fee=item.fee,
            liquidity=item.liquidity,
            ticks=probe.ticks,
            liquidity_net=probe.liquidity_net,
            covered_from=probe.covered_from,
            covered_to=probe.covered_to,
            block_timestamp=item.timestamp,
            head=head,
            fee_config=item.config,
            window_start=item.window,
        )
        next_time = item.timestamp + self.block_interval_s
        fee = state.fee_at(next_time)
        self.windows[pool.address].update(probe.ticks, probe.liquidity_net, item.tick)
        self.heads[pool.address] = item.index
        return AlgebraPoolSnapshot(replace(probe, fee=fee), block, algebra=state, next_time=next_time)
