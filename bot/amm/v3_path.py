"""Exact-input quotes on one Uniswap V3 snapshot in O(log n): the swap loop's full steps, computed
once per snapshot and direction, then a binary search and at most one partial step per quote.

Why this is exact. In UniswapV3Pool.swap each step runs SwapMath.computeSwapStep towards a target
(the next initialised tick, a bitmap word edge or the price limit). A step that reaches its target
takes amountIn = getAmount0Delta(target, price, L, true) (getAmount1Delta one-for-zero), a fee of
mulDivRoundingUp(amountIn, fee, 1e6 - fee), and pays getAmount1Delta(target, price, L, false)
(getAmount0Delta): numbers that depend on the step's starting state only, never on the input. So for
a given snapshot and direction the loop is a fixed sequence of such full steps, cut short by one
partial step where the input runs out. Which steps are full depends on the input A through one
threshold per step: with C_s the total amountIn + fee of steps 1..s, step s is full if and only if
A >= C_s, because the loop takes it in full iff mulDiv(A - C_{s-1}, 1e6 - fee, 1e6) >= a_s, that is
A - C_{s-1} >= ceil(a_s * 1e6 / (1e6 - fee)) = a_s + ceil(a_s * fee / (1e6 - fee)). The loop stops at
the first s with C_s == A (nothing remains), otherwise runs one partial step from the last full one
(a partial step never reaches its target: its input is below what the target needs and every
rounding in SqrtPriceMath keeps it short), or stops at the price limit with the input not all taken.

The full steps are found lazily, only as far as the largest input quoted so far needs. Only exact
input with the default price limit takes this path; everything else runs the loop in `v3_pool`.
tests/amm check both against each other, thresholds included, and against the chain's QuoterV2.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from typing import TYPE_CHECKING

from bot.amm.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    cached_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from bot.errors import AmmError, TickCoverageError

if TYPE_CHECKING:
    from bot.amm.v3_pool import V3PoolState

_TWO_256 = 1 << 256
_MAX_UINT128 = (1 << 128) - 1
_PIPS = 1_000_000
# Extending a path appends to several lists; one lock keeps concurrent extensions apart. Reads need
# no lock: `consumed` is appended last, so every index below its length is complete.
_EXTEND_LOCK = threading.Lock()


class ExactInputPath:
    """The full steps of exact-input swaps from one snapshot in one direction, to the default limit.

    Index s describes the state after s full steps (s = 0 is the snapshot itself); `targets[s]` is
    the target of the step that starts there.
    """

    __slots__ = (
        "address",
        "pool_ticks",
        "nets",
        "spacing",
        "fee",
        "covered_from",
        "covered_to",
        "zero_for_one",
        "limit",
        "consumed",
        "produced",
        "prices",
        "ticks",
        "liquidities",
        "crossed",
        "targets",
        "cursor",
        "done",
        "coverage_error",
    )

    def __init__(self, state: V3PoolState, zero_for_one: bool) -> None:
        # the snapshot's fields, not the snapshot: the snapshot holds this path, so no reference cycle
        self.address = state.address
        self.pool_ticks = state.ticks
        self.nets = state.liquidity_net
        self.spacing = state.tick_spacing
        self.fee = state.fee
        self.covered_from = state.covered_from
        self.covered_to = state.covered_to
        self.zero_for_one = zero_for_one
        self.limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        if zero_for_one:
            if not self.limit < state.sqrt_price_x96:
                raise AmmError(
                    f"swap on {state.address}: the price is already at the zero_for_one limit (SPL)"
                )
        elif not state.sqrt_price_x96 < self.limit:
            raise AmmError(f"swap on {state.address}: the price is already at the one_for_zero limit (SPL)")
        self.produced = [0]
        self.prices = [state.sqrt_price_x96]
        self.ticks = [state.tick]
        self.liquidities = [state.liquidity]
        self.crossed = [0]
        self.targets: list[int] = []
        # index into state.ticks of the initialised tick the next search finds first, and the near
        # end of the first search, the only near end to check against the coverage (as in the loop)
        spacing = state.tick_spacing
        start = (state.tick // spacing) * spacing if zero_for_one else (state.tick // spacing + 1) * spacing
        self.cursor = (
            bisect_left(state.ticks, start + 1) - 1 if zero_for_one else bisect_left(state.ticks, start)
        )
        self.done = False
        self.coverage_error: str | None = None
        if (start > state.covered_to) if zero_for_one else (start < state.covered_from):
            self._stop_uncovered(start)
        self.consumed = [0]

    def _stop_uncovered(self, tick: int) -> None:
        self.done = True
        self.coverage_error = (
            f"swap on {self.address}: the step from tick {self.ticks[-1]} needs the bitmap at tick {tick}, "
            f"beyond the snapshot's [{self.covered_from}, {self.covered_to}]"
        )

    def extend(self, amount: int) -> None:
        """Add full steps until their total input reaches `amount` or the path ends."""
        with _EXTEND_LOCK:
            if not self.done and self.consumed[-1] < amount:
                self._extend_until(amount)

    def _extend_until(self, amount: int) -> None:
        ticks = self.pool_ticks
        nets = self.nets
        spacing = self.spacing
        fee = self.fee
        fee_complement = _PIPS - fee
        covered_from, covered_to = self.covered_from, self.covered_to
        limit = self.limit
        zero_for_one = self.zero_for_one
        sqrt_at = cached_sqrt_ratio_at_tick
        consumed_total = self.consumed[-1]
        produced_total = self.produced[-1]
        price = self.prices[-1]
        tick = self.ticks[-1]
        liquidity = self.liquidities[-1]
        crossed = self.crossed[-1]
        i = self.cursor
        while consumed_total < amount:
            # TickBitmap.nextInitializedTickWithinOneWord, as in v3_pool's loop
            compressed = tick // spacing
            if zero_for_one:
                word_edge = (compressed & ~255) * spacing
                if i >= 0 and ticks[i] >= word_edge:
                    tick_next = ticks[i]
                    initialized = True
                else:
                    tick_next = word_edge if word_edge > MIN_TICK else MIN_TICK
                    initialized = False
                    if tick_next < covered_from:
                        self._stop_uncovered(tick_next)
                        break
            else:
                word_edge = ((compressed + 1) | 255) * spacing
                if i < len(ticks) and ticks[i] <= word_edge:
                    tick_next = ticks[i]
                    initialized = True
                else:
                    tick_next = word_edge if word_edge < MAX_TICK else MAX_TICK
                    initialized = False
                    if tick_next > covered_to:
                        self._stop_uncovered(tick_next)
                        break
            sqrt_next = sqrt_at(tick_next)

            # a full step of SwapMath.computeSwapStep: amountIn, fee and amountOut to the target
            if zero_for_one:
                target = limit if sqrt_next < limit else sqrt_next
                amount_in = -(-((liquidity << 96) * (price - target)) // (price * target))
                amount_out = (liquidity * (price - target)) >> 96
            else:
                target = limit if sqrt_next > limit else sqrt_next
                amount_in = -((-(liquidity * (target - price))) >> 96)
                amount_out = ((liquidity << 96) * (target - price)) // (target * price)
            consumed_total += amount_in - (-(amount_in * fee) // fee_complement)
            produced_total += amount_out
            price = target

            if price == sqrt_next:
                if initialized:
                    if zero_for_one:
                        liquidity -= nets[i]
                        i -= 1
                    else:
                        liquidity += nets[i]
                        i += 1
                    if liquidity < 0 or liquidity > _MAX_UINT128:
                        raise AmmError(
                            f"swap on {self.address}: liquidity {liquidity} out of uint128 range after "
                            f"crossing tick {tick_next} (LS/LA)"
                        )
                    crossed += 1
                tick = tick_next - 1 if zero_for_one else tick_next
            else:
                tick = get_tick_at_sqrt_ratio(price)

            self.targets.append(target)
            self.produced.append(produced_total)
            self.prices.append(price)
            self.ticks.append(tick)
            self.liquidities.append(liquidity)
            self.crossed.append(crossed)
            self.cursor = i
            self.consumed.append(consumed_total)  # last: marks the step complete for readers
            if price == limit:
                self.done = True
                break

    def quote(self, amount: int, want_tick: bool) -> tuple[int, int, int, int, int, int]:
        """(amount taken, amount paid, sqrt price, tick, liquidity, ticks crossed) for exact input
        `amount` > 0, as the swap loop computes them."""
        consumed = self.consumed
        if consumed[-1] < amount and not self.done:
            self.extend(amount)
            consumed = self.consumed
        steps = len(consumed)
        s = bisect_left(consumed, amount, 0, steps)
        if s < steps and consumed[s] == amount:
            # the input runs out exactly at the end of full step s
            return (
                amount,
                self.produced[s],
                self.prices[s],
                self.ticks[s],
                self.liquidities[s],
                self.crossed[s],
            )
        k = s - 1
        if k == steps - 1:
            if self.coverage_error is not None:
                raise TickCoverageError(self.coverage_error)
            # the price limit: the pool takes only what the path holds (a partial fill)
            return (
                consumed[k],
                self.produced[k],
                self.prices[k],
                self.ticks[k],
                self.liquidities[k],
                self.crossed[k],
            )

        # one partial step from state k towards targets[k], which it does not reach
        price = self.prices[k]
        liquidity = self.liquidities[k]
        rem_less_fee = (amount - consumed[k]) * (_PIPS - self.fee) // _PIPS
        if self.zero_for_one:
            # getNextSqrtPriceFromAmount0RoundingUp(price, liquidity, rem_less_fee, add=true)
            next_price = price
            if rem_less_fee:
                n1 = liquidity << 96
                product = rem_less_fee * price
                if product < _TWO_256 and n1 + product < _TWO_256:
                    next_price = -(-(n1 * price) // (n1 + product))
                else:
                    next_price = -(-n1 // (n1 // price + rem_less_fee))
            amount_out = (liquidity * (price - next_price)) >> 96
        else:
            # getNextSqrtPriceFromAmount1RoundingDown(price, liquidity, rem_less_fee, add=true)
            next_price = price + (rem_less_fee << 96) // liquidity
            amount_out = ((liquidity << 96) * (next_price - price)) // (next_price * price)
        tick = self.ticks[k]
        if want_tick and next_price != price:
            tick = get_tick_at_sqrt_ratio(next_price)
        return amount, self.produced[k] + amount_out, next_price, tick, liquidity, self.crossed[k]
