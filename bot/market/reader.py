"""The per-block refresh: read what changes in every tracked pool through Multicall3 and build a
MarketState of immutable snapshots.

What one refresh reads (static data comes from discovery and is never re-read):
- Uniswap V2: getReserves();
- Uniswap V3: slot0(), liquidity(), the tickBitmap words `words_each_side` either side of the word
  of the pool's last known tick, and ticks(t).liquidityNet of every initialised tick this reader
  already knows in those words (see `v3_window`);
- Balancer: Vault.getPoolTokens(poolId) (the balances); for a ComposableStable pool also its
  getScalingFactors() (token rates included, as the pool cached them), getAmplificationParameter() and
  getSwapFeePercentage(), which its owner and rate providers can change; for each token with a rate
  provider, getTokenRateCache(token) and the provider's getRate(), with Multicall3's block timestamp:
  a swap in a later block first refreshes a cache that has expired by then, so where it will have
  (the next block is NEXT_BLOCK_S later) the snapshot scales that token by the provider's rate;
- Curve: balances(i), A (A_precise() where the pool has it) and fee(); lending pools (Curve's aave
  pool) also offpeg_fee_multiplier(), which sets their dynamic fee;
- QuickSwap V3 (Algebra): globalState, liquidity, the fee inputs and a tick window (bot.market.algebra),
  plus one follow-up JSON-RPC batch per block for their volumePerLiquidityInBlock (a storage word no
  contract call returns);
plus Multicall3.getBlockNumber(), so the snapshots carry the block they were read at even when the
refresh asks for "latest", and the ERC20 balances given as `balances` (what the flash lenders can lend:
each Aave reserve's balance in its aToken, the Balancer Vault's), so the guards see the block's
liquidity without a round trip of their own (`read` returns them; a failed one is left out).

Round trips: ONE eth_call per block in the steady state. A second one, at the same block, only when a
bitmap word shows an initialised tick whose liquidityNet this reader has not read yet (a new position,
or the window moved with the price); it reads just those ticks. The very first refresh also starts
with a round trip that reads each V3 pool's slot0, to know where to place the bitmap window (a pool
whose slot0 fails then is placed by a later block's main read and reported failed for that block). The
covered tick range of every V3PoolState is exactly the words read at that block.

A sub-call that reverts, or returns data that does not decode, marks its pool as failed for this
block: the pool is left out of the MarketState, listed in RefreshResult.failed and logged; the other
pools refresh normally. Transport errors surface as RpcError from bot.market.multicall.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eth_abi.abi import encode

from bot.amm.balancer_fixed_point import mul_down
from bot.amm.balancer_stable import StablePoolState
from bot.amm.balancer_weighted import WeightedPoolState
from bot.amm.curve_stableswap import CurvePoolState
from bot.amm.v3_pool import V3PoolState
from bot.errors import AmmError, ConfigError, RpcError
from bot.market import abi
from bot.market.algebra import DEFAULT_BLOCK_INTERVAL_S, AlgebraLayout, AlgebraPending, AlgebraTracker
from bot.market.multicall import BlockId, Call, CallResult, Multicall
from bot.market.pools import (
    AlgebraPoolInfo,
    BalancerPoolInfo,
    BalancerStablePoolInfo,
    CurvePoolInfo,
    PoolInfo,
    PoolSet,
    V2PairInfo,
    V3PoolInfo,
)
from bot.market.snapshots import (
    BalancerPoolSnapshot,
    BalancerStablePoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.market.state import MarketState, PoolFailure, RefreshResult
from bot.market.v3_window import V3Window

logger = logging.getLogger(__name__)

NEXT_BLOCK_S = 2
"""Seconds to the block a trade decided now lands in (Polygon PoS: about 2)."""
DEFAULT_WORDS_EACH_SIDE = 2
"""Bitmap words read either side of the current word: 2 covers about +-58 % of price at tick
spacing 10 (a word spans 2,560 ticks), +-5 % at tick spacing 1."""


BALANCE_OF = abi.selector("balanceOf(address)")


class _Failed(Exception):
    """A pool's results for this block are unusable; the message says why."""


@dataclass(slots=True)
class _Slot:
    """Where one pool's results sit in the batch, and how to read them."""

    pool: PoolInfo
    start: int
    count: int
    words: tuple[int, ...] = ()
    """V3: the bitmap words asked for."""
    ticks: tuple[int, ...] = ()
    """V3: the ticks whose liquidityNet was asked for."""
    algebra: AlgebraLayout | None = None
    """Algebra: what the pool's calls ask for."""


@dataclass(slots=True)
class Plan:
    """The calls of one refresh's main round trip and where each pool's results are."""

    calls: list[Call] = field(default_factory=list)
    slots: list[_Slot] = field(default_factory=list)
    balances_start: int = 0
    """Where the balance calls start (they come last, one per watched (token, holder))."""
    balances: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BlockRead:
    """One refresh and the watched balances read in the same batch, at the same block."""

    refresh: RefreshResult
    balances: dict[tuple[str, str], int]
    """(token, holder) -> balance; a balance whose call failed is left out."""


@dataclass(slots=True)
class _PendingV3:
    """A V3 pool decoded from the main round trip that needs liquidityNet of ticks not read yet."""

    slot: _Slot
    sqrt_price_x96: int
    tick: int
    liquidity: int
    words: dict[int, int]
    nets: dict[int, int]
    missing: tuple[int, ...]


_LastRead = tuple[tuple[int, ...], tuple[int, ...], Sequence[CallResult], PoolSnapshot]
"""A pool's last read: V3 bitmap words and ticks asked, the results, the snapshot decoded from them."""


class MarketReader:
    """Refreshes a fixed PoolSet block by block. Holds the V3 tick caches between blocks; everything
    it returns is immutable."""

    def __init__(
        self,
        multicall: Multicall,
        pools: PoolSet,
        *,
        vault: str | None = None,
        words_each_side: int = DEFAULT_WORDS_EACH_SIDE,
        balances: Sequence[tuple[str, str]] = (),
        block_interval_s: int = DEFAULT_BLOCK_INTERVAL_S,
    ) -> None:
        """`vault`: the Balancer Vault (book.balancer_v2.vault), needed when Balancer pools are tracked;
        `words_each_side`: bitmap words read either side of a V3 pool's current word; `balances`:
        (token, holder) ERC20 balances read in the same batch (`read`); `block_interval_s`: the seconds
        to the next block, whose timestamp sets the fee an Algebra pool will charge."""
        if words_each_side < 0:
            raise ConfigError(f"words_each_side must not be negative, got {words_each_side}")
        if (pools.balancer or pools.balancer_stable) and not vault:
            raise ConfigError("MarketReader tracks Balancer pools but was given no vault address")
        self.vault = vault or ""
        self.multicall = multicall
        self.pools = pools
        self.words_each_side = words_each_side
        self.balances = tuple(balances)
        self._primed = False
        self._balancer_tokens: dict[str, tuple[int, ...]] = {}
        self._last_block = 0
        """The block of the last decoded read (a lower one clears `_last`)."""
        self._last: dict[str, _LastRead] = {}
        """Pool -> (V3 bitmap words and ticks asked, the results, the snapshot decoded from them) of
        its last read: a pool asked the same questions and given the same answers keeps its snapshot
        (in a quiet block, almost every pool), so decoding costs one C-level comparison per pool."""
        self.windows: dict[str, V3Window] = {
            p.address: V3Window(p.tick_spacing, words_each_side) for p in pools.v3
        }
        self.algebra = AlgebraTracker(
            pools.algebra,
            multicall.address,
            words_each_side=words_each_side,
            block_interval_s=block_interval_s,
        )
        """QuickSwap V3 (Algebra) pools: their calls, decoding and follow-up request (bot.market.algebra)."""
        self._algebra_pending: list[AlgebraPending] = []

    # --- the round trips ------------------------------------------------------------------------

    def refresh(self, block: BlockId = "latest") -> RefreshResult:
        """Read every tracked pool at `block` (a number or "latest") into a MarketState."""
        return self.read(block).refresh

    def read(self, block: BlockId = "latest") -> BlockRead:
        """`refresh`, and the watched balances from the same Multicall3 batch."""
        eth_calls_before = self.multicall.eth_calls
        sub_calls = 0
        if not self._primed:
            unprimed = [p for p in self.pools.v3 if self.windows[p.address].center is None]
            if unprimed:
                sub_calls += self._prime(unprimed, block)
            sub_calls += self.algebra.prime(self.multicall, block)
            self._primed = True
        plan = self.plan()
        results = self.multicall.aggregate3(plan.calls, block)
        sub_calls += len(plan.calls)
        block_number = self.block_of(results)
        self._algebra_pending = []
        snapshots, failures, pending = self.decode(plan, results, block_number)
        balances = self.balances_of(plan, results)
        if pending:
            snapshots, more_calls = self.complete(
                plan,
                snapshots,
                failures,
                pending,
                lambda calls: self.multicall.aggregate3(calls, block_number),
                block_number,
            )
            sub_calls += more_calls
        if self._algebra_pending:
            algebra_snapshots, algebra_failures, algebra_calls = self.algebra.finish(
                self.multicall, self._algebra_pending, block_number
            )
            snapshots.extend(algebra_snapshots)
            failures.extend(algebra_failures)
            sub_calls += algebra_calls
        for failure in failures:
            logger.warning(
                "refresh: pool %s failed at block %d: %s", failure.address, block_number, failure.reason
            )
        result = RefreshResult(
            market=MarketState(block_number, {s.address: s for s in snapshots}),
            failed=tuple(failures),
            eth_calls=self.multicall.eth_calls - eth_calls_before,
            sub_calls=sub_calls,
        )
        logger.debug(
            "refresh: block %d, %d pools, %d failed, %d eth_calls, %d sub-calls",
            block_number,
            len(result.market),
            len(failures),
            result.eth_calls,
            sub_calls,
        )
        return BlockRead(result, balances)

    def complete(
        self,
        plan: Plan,
        snapshots: list[PoolSnapshot],
        failures: list[PoolFailure],
        pending: Sequence[_PendingV3],
        fetch: Callable[[list[Call]], Sequence[CallResult]],
        block: int,
    ) -> tuple[list[PoolSnapshot], int]:
        """Finish the V3 pools `decode` left pending with the ticks they miss (`fetch` runs the second
        round trip at `block`); their failures go to `failures`. Returns every snapshot in the plan's
        order (as in a block without a second round trip: the searcher keeps its price adjacency while
        the market's pools come in the same order) and the sub-calls made."""
        calls = [Call(p.slot.pool.address, abi.ticks(t)) for p in pending for t in p.missing]
        more = iter(fetch(calls))
        for item in pending:
            extra = [next(more) for _ in item.missing]
            snapshot, failure = self._finish_v3(item, extra, block)
            if snapshot is not None:
                snapshots.append(snapshot)
            if failure is not None:
                failures.append(failure)
        done = {snapshot.address: snapshot for snapshot in snapshots}
        ordered = [done[a] for a in (slot.pool.address for slot in plan.slots) if a in done]
        return ordered, len(calls)

    def _prime(self, pools: Sequence[V3PoolInfo], block: BlockId) -> int:
        """Read slot0 of V3 pools whose window has no centre yet (the first refresh)."""
        results = self.multicall.aggregate3([Call(p.address, abi.SLOT0) for p in pools], block)
        for pool, result in zip(pools, results, strict=True):
            if result.success:
                try:
                    self.windows[pool.address].recentre(abi.slot0(result.data)[1])
                except ValueError:
                    pass  # the main round trip reports the pool as failed
        return len(pools)

    # --- building and reading the main batch ------------------------------------------------------

    def plan(self) -> Plan:
        """The calls of the main round trip (the block-number call first)."""
        plan = Plan()
        plan.calls.append(Call(self.multicall.address, abi.GET_BLOCK_NUMBER))
        for pool in self.pools:
            start = len(plan.calls)
            words: tuple[int, ...] = ()
            ticks: tuple[int, ...] = ()
            if isinstance(pool, V2PairInfo):
                plan.calls.append(Call(pool.address, abi.GET_RESERVES))
            elif isinstance(pool, V3PoolInfo):
                window = self.windows[pool.address]
                if window.center is not None:
                    words = window.words()
                    ticks = window.known_ticks()
                plan.calls.append(Call(pool.address, abi.SLOT0))
                plan.calls.append(Call(pool.address, abi.LIQUIDITY))
                plan.calls.extend(Call(pool.address, abi.tick_bitmap(w)) for w in words)
                plan.calls.extend(Call(pool.address, abi.ticks(t)) for t in ticks)
            elif isinstance(pool, BalancerPoolInfo):
                plan.calls.append(Call(self.vault, abi.get_pool_tokens(pool.pool_id_bytes)))
            elif isinstance(pool, BalancerStablePoolInfo):
                plan.calls.append(Call(self.vault, abi.get_pool_tokens(pool.pool_id_bytes)))
                plan.calls.extend(
                    Call(pool.address, data)
                    for data in (
                        abi.GET_SCALING_FACTORS,
                        abi.GET_AMPLIFICATION_PARAMETER,
                        abi.GET_SWAP_FEE_PERCENTAGE,
                    )
                )
                rated = pool.rated()
                if rated:
                    plan.calls.append(Call(self.multicall.address, abi.GET_CURRENT_BLOCK_TIMESTAMP))
                    for k in rated:
                        plan.calls.append(Call(pool.address, abi.get_token_rate_cache(pool.tokens[k])))
                        plan.calls.append(Call(pool.rate_providers[k], abi.GET_RATE))
            elif isinstance(pool, AlgebraPoolInfo):
                calls, layout = self.algebra.plan_pool(pool)
                plan.calls.extend(calls)
                plan.slots.append(_Slot(pool, start, len(plan.calls) - start, algebra=layout))
                continue
            else:
                plan.calls.extend(Call(pool.address, abi.balances(i)) for i in range(len(pool.coins)))
                a_call = abi.CURVE_A_PRECISE if pool.a_precision > 1 else abi.CURVE_A
                plan.calls.append(Call(pool.address, a_call))
                plan.calls.append(Call(pool.address, abi.FEE))
                if pool.lending:
                    plan.calls.append(Call(pool.address, abi.CURVE_OFFPEG_FEE_MULTIPLIER))
            plan.slots.append(_Slot(pool, start, len(plan.calls) - start, words, ticks))
        plan.balances_start = len(plan.calls)
        plan.balances = self.balances
        plan.calls.extend(
            Call(token, BALANCE_OF + encode(["address"], [holder])) for token, holder in self.balances
        )
        return plan

    @staticmethod
    def balances_of(plan: Plan, results: Sequence[CallResult]) -> dict[tuple[str, str], int]:
        """The watched balances in the main round trip's results (a failed or malformed one left out)."""
        found: dict[tuple[str, str], int] = {}
        for k, watch in enumerate(plan.balances):
            result = results[plan.balances_start + k]
            if result.success and len(result.data) >= 32:
                found[watch] = abi.word(result.data)
            else:
                logger.warning("refresh: balanceOf(%s) of token %s failed; taken as 0", watch[1], watch[0])
        return found

    @staticmethod
    def block_of(results: Sequence[CallResult]) -> int:
        """The block number the main round trip ran at (its first call)."""
        if not results or not results[0].success:
            raise RpcError("Multicall3.getBlockNumber() failed inside the refresh batch")
        return abi.word(results[0].data)

    def decode(
        self, plan: Plan, results: Sequence[CallResult], block: int
    ) -> tuple[list[PoolSnapshot], list[PoolFailure], list[_PendingV3]]:
        """Snapshots from the main round trip's results: (snapshots, failures, V3 pools that need a
        second round trip for ticks not read yet). This is the whole per-block decoding cost."""
        if len(results) != len(plan.calls):
            raise RpcError(f"refresh: {len(results)} results for {len(plan.calls)} calls")
        snapshots: list[PoolSnapshot] = []
        failures: list[PoolFailure] = []
        pending: list[_PendingV3] = []
        last_reads = self._last
        if block < self._last_block:  # the chain went back: what was read since is another history
            last_reads.clear()
        self._last_block = block
        for slot in plan.slots:
            own = results[slot.start : slot.start + slot.count]
            pool = slot.pool
            if isinstance(pool, AlgebraPoolInfo):  # priced at the next block's time: decoded every block
                assert slot.algebra is not None
                self._algebra_pending.append(self.algebra.decode_pool(pool, slot.algebra, own))
                continue
            last = last_reads.get(pool.address)
            if last is not None and last[2] == own and last[0] == slot.words and last[1] == slot.ticks:
                snapshots.append(last[3])  # same questions, same answers: the same pool state
                continue
            try:
                if not all(r.success for r in own):
                    bad = next(k for k, r in enumerate(own) if not r.success)
                    selector = plan.calls[slot.start + bad].data[:4].hex()
                    raise _Failed(f"call 0x{selector} reverted with 0x{own[bad].data.hex()[:200]}")
                snapshot: PoolSnapshot
                if isinstance(pool, V2PairInfo):
                    reserve0, reserve1 = abi.reserves(own[0].data)
                    snapshot = V2PairSnapshot(
                        pool.address,
                        pool.dex,
                        pool.token0,
                        pool.token1,
                        reserve0,
                        reserve1,
                        pool.fee_bps,
                        block,
                    )
                elif isinstance(pool, V3PoolInfo):
                    item = self._decode_v3(slot, own)
                    if item.missing:
                        pending.append(item)  # finished after the second round trip, not kept
                        last_reads.pop(pool.address, None)
                        continue
                    done, failure = self._finish_v3(item, [], block)
                    if failure is not None:
                        raise _Failed(failure.reason)
                    assert done is not None
                    snapshot = done
                elif isinstance(pool, BalancerPoolInfo):
                    snapshot = self._decode_balancer(pool, own, block)
                elif isinstance(pool, BalancerStablePoolInfo):
                    snapshot = self._decode_balancer_stable(pool, own, block)
                else:
                    snapshot = self._decode_curve(pool, own, block)
            except (_Failed, ValueError, AmmError) as exc:
                last_reads.pop(pool.address, None)
                failures.append(PoolFailure(pool.address, f"{type(pool).__name__}: {exc}"))
                continue
            last_reads[pool.address] = (slot.words, slot.ticks, own, snapshot)
            snapshots.append(snapshot)
        return snapshots, failures, pending

    def _decode_v3(self, slot: _Slot, own: Sequence[CallResult]) -> _PendingV3:
        sqrt_price, tick = abi.slot0(own[0].data)
        liquidity = abi.word(own[1].data)
        pool = slot.pool
        assert isinstance(pool, V3PoolInfo)
        if not slot.words:
            # slot0 failed when the window was to be placed; place it now, read the ticks next block
            self.windows[pool.address].recentre(tick)
            raise _Failed(
                "the tick window was not placed yet (slot0 failed before); it is read from the next block"
            )
        n_words = len(slot.words)
        words = {w: abi.word(r.data) for w, r in zip(slot.words, own[2 : 2 + n_words], strict=True)}
        nets = {t: abi.liquidity_net(r.data) for t, r in zip(slot.ticks, own[2 + n_words :], strict=True)}
        initialised = self.windows[pool.address].initialised(words)
        missing = tuple(t for t in initialised if t not in nets)
        return _PendingV3(slot, sqrt_price, tick, liquidity, words, nets, missing)

    def _finish_v3(
        self, item: _PendingV3, extra: Sequence[CallResult], block: int
    ) -> tuple[V3PoolSnapshot | None, PoolFailure | None]:
        pool = item.slot.pool
        assert isinstance(pool, V3PoolInfo)
        try:
            for tick, result in zip(item.missing, extra, strict=True):
                if not result.success:
                    raise _Failed(f"ticks({tick}) reverted: 0x{result.data.hex()[:200]}")
                item.nets[tick] = abi.liquidity_net(result.data)
            window = self.windows[pool.address]
            words = item.slot.words
            state = V3PoolState.from_bitmap(
                address=pool.address,
                token0=pool.token0,
                token1=pool.token1,
                fee=pool.fee,
                tick_spacing=pool.tick_spacing,
                sqrt_price_x96=item.sqrt_price_x96,
                tick=item.tick,
                liquidity=item.liquidity,
                word_range=(words[0], words[-1]),
                words=item.words,
                liquidity_net=item.nets,
            )
        except (_Failed, ValueError, AmmError) as exc:
            return None, PoolFailure(pool.address, f"V3PoolInfo: {exc}")
        window.update(state.ticks, state.liquidity_net, item.tick)
        return V3PoolSnapshot(state, block, pool.dex), None

    def _decode_balancer(
        self, pool: BalancerPoolInfo, own: Sequence[CallResult], block: int
    ) -> BalancerPoolSnapshot:
        raw_tokens, balances = abi.pool_tokens_raw(own[0].data)
        if raw_tokens != self._token_ints(pool):
            tokens, _ = abi.pool_tokens(own[0].data)
            raise _Failed(f"the Vault lists tokens {tokens}, discovery found {pool.tokens}")
        state = WeightedPoolState(
            pool_id=pool.pool_id,
            address=pool.address,
            tokens=pool.tokens,
            balances=balances,
            normalized_weights=pool.normalized_weights,
            swap_fee_percentage=pool.swap_fee_percentage,
            scaling_factors=pool.scaling_factors,
        )
        return BalancerPoolSnapshot(state, block)

    def _decode_balancer_stable(
        self, pool: BalancerStablePoolInfo, own: Sequence[CallResult], block: int
    ) -> BalancerStablePoolSnapshot:
        raw_tokens, balances = abi.pool_tokens_raw(own[0].data)
        if raw_tokens != self._token_ints(pool):
            tokens, _ = abi.pool_tokens(own[0].data)
            raise _Failed(f"the Vault lists tokens {tokens}, discovery found {pool.tokens}")
        scaling = list(abi.uint_array(own[1].data))
        if len(scaling) != len(pool.tokens):
            raise _Failed(f"getScalingFactors gave {len(scaling)} factors for {len(pool.tokens)} tokens")
        rated = pool.rated()
        if rated:
            now = abi.word(own[4].data)
            for n, k in enumerate(rated):
                expires = abi.word(own[5 + 2 * n].data, 3)
                if now + NEXT_BLOCK_S > expires:
                    # the swap will refresh the expired cache first, then scale by the provider's rate
                    scaling[k] = mul_down(pool.base_scaling_factors[k], abi.word(own[6 + 2 * n].data))
        state = StablePoolState(
            pool_id=pool.pool_id,
            address=pool.address,
            tokens=pool.tokens,
            balances=balances,
            bpt_index=pool.bpt_index,
            scaling_factors=tuple(scaling),
            amp=abi.word(own[2].data),
            swap_fee_percentage=abi.word(own[3].data),
        )
        return BalancerStablePoolSnapshot(state, block)

    def _token_ints(self, pool: BalancerPoolInfo | BalancerStablePoolInfo) -> tuple[int, ...]:
        found = self._balancer_tokens.get(pool.address)
        if found is None:
            found = tuple(int(t, 16) for t in pool.tokens)
            self._balancer_tokens[pool.address] = found
        return found

    def _decode_curve(self, pool: CurvePoolInfo, own: Sequence[CallResult], block: int) -> CurvePoolSnapshot:
        n = len(pool.coins)
        balances = tuple(abi.word(r.data) for r in own[:n])
        a_value = abi.word(own[n].data)
        amp = a_value if pool.a_precision > 1 else a_value * pool.a_precision
        state = CurvePoolState(
            address=pool.address,
            coins=pool.coins,
            balances=balances,
            precision_multipliers=pool.precision_multipliers,
            amp=amp,
            fee=abi.word(own[n + 1].data),
            a_precision=pool.a_precision,
            lending=pool.lending,
            offpeg_fee_multiplier=abi.word(own[n + 2].data) if pool.lending else 0,
            underlying_coins=pool.underlying_coins,
        )
        return CurvePoolSnapshot(state, block, pool.admin_fee)
