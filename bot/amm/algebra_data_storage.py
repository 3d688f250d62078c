"""Mirrors Algebra V1 `DataStorage` (core contracts/libraries/DataStorage.sol) and the fee step of
`DataStorageOperator.getFee`: what an Algebra V1 pool does to its fee when a swap is the first of a
new block.

The pool keeps a ring of 65,536 timepoints (tick, seconds-per-liquidity, volatility and
volume-per-liquidity accumulators). The first swap (or mint/burn) of a block with a new timestamp T
writes a timepoint for T (`write`) and recomputes the fee from the averages over the last day
(`get_averages` -> AdaptiveFee.getFee with volatility / 15). Every later swap in the same block pays
the fee stored in globalState.

`fee_at` runs exactly that, from the timepoints around the ring's head: timepoints(index-1),
timepoints(index), timepoints(index+1), timepoints(index+2) and timepoints(0) (the oldest is index+1
once the ring has wrapped, else 0). When the pool has history older than a day before T and its last
timepoint is newer than T - 1 day, the start of the window lies between two stored timepoints that
only a binary search over the ring finds; that point is an input (`window_start`: the pool's own
`getTimepoints([secondsAgo])` for T - 1 day, read at an earlier block of the same chain, gives it
exactly, because the interpolation between stored timepoints does not depend on the time it is
asked at). Every other case is computed here.

Solidity 0.7 arithmetic wraps silently: the accumulators wrap at their widths (int56, uint88,
uint144, uint160) and signed divisions truncate toward zero, as here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.amm.algebra_adaptive_fee import FeeConfiguration, get_fee
from bot.errors import AmmError

WINDOW = 86_400
"""DataStorage.WINDOW: the averages cover one day."""
UINT16_MODULO = 1 << 16
_U32 = 1 << 32
_U88 = 1 << 88
_U144 = 1 << 144
_U160 = 1 << 160


@dataclass(frozen=True, slots=True)
class Timepoint:
    """DataStorage.Timepoint, as DataStorageOperator.timepoints(i) returns it."""

    initialized: bool
    block_timestamp: int
    tick_cumulative: int
    seconds_per_liquidity_cumulative: int
    volatility_cumulative: int
    average_tick: int
    volume_per_liquidity_cumulative: int


@dataclass(frozen=True, slots=True)
class WindowStart:
    """The accumulators at T - WINDOW, as the pool's getTimepoints returns them for that time."""

    time: int
    """The timestamp T - WINDOW these values are for."""
    tick_cumulative: int
    volatility_cumulative: int
    volume_per_liquidity_cumulative: int


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _tdiv(a: int, b: int) -> int:
    """Solidity's signed division: truncates toward zero."""
    if b == 0:
        raise AmmError("DataStorage: division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def lte_considering_overflow(a: int, b: int, current_time: int) -> bool:
    """DataStorage.lteConsideringOverflow: a <= b for uint32 timestamps that may have wrapped."""
    res = a > current_time
    if res == (b > current_time):
        res = a <= b
    return res


def volatility_on_range(dt: int, tick0: int, tick1: int, avg_tick0: int, avg_tick1: int) -> int:
    """DataStorage._volatilityOnRange: the squared deviation of the tick from its average over dt."""
    k = (tick1 - tick0) - (avg_tick1 - avg_tick0)
    b = (tick0 - avg_tick0) * dt
    sum_of_squares = dt * (dt + 1) * (2 * dt + 1)
    sum_of_sequence = dt * (dt + 1)
    value = _tdiv(k**2 * sum_of_squares + 6 * b * k * sum_of_sequence + 6 * dt * b**2, 6 * dt**2)
    return value % (1 << 256)


def create_new_timepoint(
    last: Timepoint,
    block_timestamp: int,
    tick: int,
    prev_tick: int,
    liquidity: int,
    average_tick: int,
    volume_per_liquidity: int,
) -> Timepoint:
    """DataStorage.createNewTimepoint."""
    delta = (block_timestamp - last.block_timestamp) % _U32
    return Timepoint(
        initialized=True,
        block_timestamp=block_timestamp,
        tick_cumulative=_signed(last.tick_cumulative + tick * delta, 56),
        seconds_per_liquidity_cumulative=(
            last.seconds_per_liquidity_cumulative + (delta << 128) // max(liquidity, 1)
        )
        % _U160,
        volatility_cumulative=(
            last.volatility_cumulative
            + volatility_on_range(delta, prev_tick, tick, last.average_tick, average_tick) % _U88
        )
        % _U88,
        average_tick=_signed(average_tick, 24),
        volume_per_liquidity_cumulative=(last.volume_per_liquidity_cumulative + volume_per_liquidity) % _U144,
    )


def _interpolate(before: Timepoint, after: Timepoint, target: int) -> WindowStart:
    """The binary-search branch of DataStorage.getSingleTimepoint once (before, after) is found."""
    if target == after.block_timestamp:
        return WindowStart(
            target, after.tick_cumulative, after.volatility_cumulative, after.volume_per_liquidity_cumulative
        )
    if target == before.block_timestamp:
        return WindowStart(
            target,
            before.tick_cumulative,
            before.volatility_cumulative,
            before.volume_per_liquidity_cumulative,
        )
    span = (after.block_timestamp - before.block_timestamp) % _U32
    into = (target - before.block_timestamp) % _U32
    tick_cumulative = _signed(
        before.tick_cumulative
        + _tdiv(_signed(after.tick_cumulative - before.tick_cumulative, 56), span) * into,
        56,
    )
    volatility = (
        before.volatility_cumulative
        + (((after.volatility_cumulative - before.volatility_cumulative) % _U88) // span) * into
    ) % _U88
    volume = (
        before.volume_per_liquidity_cumulative
        + (((after.volume_per_liquidity_cumulative - before.volume_per_liquidity_cumulative) % _U144) // span)
        * into
    ) % _U144
    return WindowStart(target, tick_cumulative, volatility, volume)


@dataclass(frozen=True, slots=True)
class DataStorageHead:
    """The timepoints around the ring's head that the next block's fee depends on."""

    index: int
    """globalState.timepointIndex: the last written timepoint."""
    timepoints: Mapping[int, Timepoint]
    """timepoints(i) for i in index-1, index, index+1, index+2 and 0 (mod 65,536)."""
    volume_per_liquidity_in_block: int
    """The pool's volumePerLiquidityInBlock: volume already traded in the last timepoint's block."""

    def at(self, i: int) -> Timepoint:
        i %= UINT16_MODULO
        try:
            return self.timepoints[i]
        except KeyError:
            raise AmmError(f"DataStorageHead: timepoint {i} was not read (head {self.index})") from None


def _average_tick(
    head: DataStorageHead, time: int, tick: int, oldest: Timepoint, window_start: WindowStart | None
) -> int:
    """DataStorage._getAverageTick for `write` at `time`, before the new timepoint exists."""
    last = head.at(head.index)
    start_time = (time - WINDOW) % _U32
    if lte_considering_overflow(oldest.block_timestamp, start_time, time):
        if lte_considering_overflow(last.block_timestamp, start_time, time):
            start = head.at(head.index - 1)
            if not start.initialized:
                return tick
            span = (last.block_timestamp - start.block_timestamp) % _U32
            return _tdiv(_signed(last.tick_cumulative - start.tick_cumulative, 56), span)
        window = _window_start(window_start, start_time)
        span = (last.block_timestamp - time + WINDOW) % _U32
        return _tdiv(_signed(last.tick_cumulative - window.tick_cumulative, 56), span)
    if last.block_timestamp == oldest.block_timestamp:
        return tick
    span = (last.block_timestamp - oldest.block_timestamp) % _U32
    return _tdiv(_signed(last.tick_cumulative - oldest.tick_cumulative, 56), span)


def _window_start(window_start: WindowStart | None, start_time: int) -> WindowStart:
    if window_start is None or window_start.time != start_time:
        have = "none" if window_start is None else f"one for {window_start.time}"
        raise AmmError(
            f"the Algebra fee at {start_time + WINDOW} needs the accumulators at {start_time} "
            f"(pool getTimepoints), {have} was read"
        )
    return window_start


def write(
    head: DataStorageHead, time: int, tick: int, liquidity: int, window_start: WindowStart | None = None
) -> Timepoint | None:
    """DataStorage.write: the timepoint a swap at `time` writes, or None if `time` already has one."""
    last = head.at(head.index)
    if last.block_timestamp == time:
        return None
    following = head.at(head.index + 1)
    oldest_index = (head.index + 1) % UINT16_MODULO if following.initialized else 0
    oldest = head.at(oldest_index)
    average_tick = _average_tick(head, time, tick, oldest, window_start)
    prev_tick = tick
    if head.index % UINT16_MODULO != oldest_index:
        prev = head.at(head.index - 1)
        span = (last.block_timestamp - prev.block_timestamp) % _U32
        prev_tick = _signed(_tdiv(_signed(last.tick_cumulative - prev.tick_cumulative, 56), span), 24)
    return create_new_timepoint(
        last, time, tick, prev_tick, liquidity, _signed(average_tick, 24), head.volume_per_liquidity_in_block
    )


def get_averages(
    head: DataStorageHead, new: Timepoint, time: int, window_start: WindowStart | None = None
) -> tuple[int, int]:
    """DataStorage.getAverages right after `write` put `new` at index + 1: (volatility, volume) averages."""
    new_index = head.index + 1
    after_new = head.at(new_index + 1)
    if after_new.initialized:
        oldest = after_new
    else:
        oldest = new if new_index % UINT16_MODULO == 0 else head.at(0)
    start_time = (time - WINDOW) % _U32
    if lte_considering_overflow(oldest.block_timestamp, start_time, time):
        last = head.at(head.index)
        if lte_considering_overflow(last.block_timestamp, start_time, time):
            start = _interpolate(last, new, start_time)
        else:
            start = _window_start(window_start, start_time)
        return (
            ((new.volatility_cumulative - start.volatility_cumulative) % _U88) // WINDOW,
            ((new.volume_per_liquidity_cumulative - start.volume_per_liquidity_cumulative) % _U144) >> 57,
        )
    if time != oldest.block_timestamp:
        span = (time - oldest.block_timestamp) % _U32
        return (
            ((new.volatility_cumulative - oldest.volatility_cumulative) % _U88) // span,
            ((new.volume_per_liquidity_cumulative - oldest.volume_per_liquidity_cumulative) % _U144) >> 57,
        )
    return 0, 0


def fee_at(
    head: DataStorageHead,
    current_fee: int,
    time: int,
    tick: int,
    liquidity: int,
    config: FeeConfiguration,
    window_start: WindowStart | None = None,
) -> int:
    """The fee a swap at block timestamp `time` pays, given the pool's state before it: the stored
    fee if the last timepoint is at `time`, else DataStorageOperator.getFee after `write`."""
    new = write(head, time, tick, liquidity, window_start)
    if new is None:
        return current_fee
    volatility, volume = get_averages(head, new, time, window_start)
    return get_fee(volatility // 15, volume, config)
