"""A Uniswap V3 pool snapshot and its swap: the loop of UniswapV3Pool.swap (v3-core
contracts/UniswapV3Pool.sol), over the initialised ticks of the snapshot.

`swap` returns the integers the pool's own swap returns for the same state and arguments: the two
amounts, the final sqrt price, tick and liquidity. It runs the same steps as the pool: one per
initialised tick or 256-tick bitmap word boundary (TickBitmap.nextInitializedTickWithinOneWord),
each through SwapMath.computeSwapStep, crossing ticks with LiquidityMath.addDelta. Each step rounds
on its own, so the step boundaries are kept exactly, word edges included (merging two steps at an
empty word edge changes the output by a wei or two; tests/amm show a case, and the chain agrees).

This is the bot's hot path, so the step math of `swap_math`/`sqrt_price_math` is written out inline
with plain ints; tests/amm check it against a loop composed of those one-to-one functions and against
the chain's QuoterV2. The inlined forms use two exact identities: FullMath.mulDiv(a, b, c) / d equals
a * b // (c * d) (nested floors), likewise for ceilings, and mulDiv(x, y, 2**96) equals (x * y) >> 96.
Exact-input swaps without a price limit, the quotes the bot repeats while it sizes a trade, are
answered from the snapshot's path of full steps (`v3_path`): a binary search and one partial step.

A snapshot knows the initialised ticks only inside [covered_from, covered_to]. A swap that would need
to search beyond that range raises TickCoverageError instead of treating the unknown ticks as empty.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.amm.tick_bitmap import ticks_from_bitmap, word_range_ticks
from bot.amm.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    cached_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from bot.amm.v3_path import ExactInputPath
from bot.errors import AmmError, TickCoverageError

_TWO_256 = 1 << 256
_MAX_UINT160 = (1 << 160) - 1
_MAX_UINT128 = (1 << 128) - 1
_MIN_INT128 = -(1 << 127)
_MAX_INT128 = (1 << 127) - 1
_MIN_INT256 = -(1 << 255)
_MAX_INT256 = (1 << 255) - 1
_PIPS = 1_000_000
_MAX_TICK_SPACING = 16384  # UniswapV3Factory.enableFeeAmount: tickSpacing < 16384


@dataclass(frozen=True, slots=True)
class V3PoolState:
    """An immutable snapshot of one Uniswap V3 pool, enough to run its swap exactly."""

    address: str
    """The pool's address."""
    token0: str
    """token0 of the pool (the lower address)."""
    token1: str
    """token1 of the pool."""
    fee: int
    """Swap fee in hundredths of a bip (500 = 0.05 %), as UniswapV3Pool.fee()."""
    tick_spacing: int
    """UniswapV3Pool.tickSpacing()."""
    sqrt_price_x96: int
    """slot0.sqrtPriceX96."""
    tick: int
    """slot0.tick."""
    liquidity: int
    """UniswapV3Pool.liquidity(): the in-range liquidity."""
    ticks: tuple[int, ...]
    """Every initialised tick inside [covered_from, covered_to], ascending."""
    liquidity_net: tuple[int, ...]
    """ticks(t).liquidityNet for each tick in `ticks`, same order."""
    covered_from: int
    """Lowest tick of the range whose initialised ticks the snapshot knows completely."""
    covered_to: int
    """Highest tick of that range (inclusive). MIN_TICK..MAX_TICK means the whole tick map."""
    _paths: dict[bool, ExactInputPath] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Per direction, the exact-input path found so far (a cache; see v3_path)."""

    def __post_init__(self) -> None:
        where = f"V3PoolState {self.address}"
        if not 0 <= self.fee < _PIPS:
            raise AmmError(f"{where}: fee {self.fee} must be in [0, {_PIPS}) hundredths of a bip")
        if not 0 < self.tick_spacing < _MAX_TICK_SPACING:
            raise AmmError(f"{where}: tick_spacing {self.tick_spacing} must be in [1, {_MAX_TICK_SPACING})")
        if not MIN_SQRT_RATIO <= self.sqrt_price_x96 < MAX_SQRT_RATIO:
            raise AmmError(
                f"{where}: sqrt_price_x96 {self.sqrt_price_x96} is outside "
                f"[{MIN_SQRT_RATIO}, {MAX_SQRT_RATIO}) (pool not initialised?)"
            )
        if not MIN_TICK <= self.tick <= MAX_TICK:
            raise AmmError(f"{where}: tick {self.tick} is outside [{MIN_TICK}, {MAX_TICK}]")
        if not 0 <= self.liquidity <= _MAX_UINT128:
            raise AmmError(f"{where}: liquidity {self.liquidity} is not a uint128")
        if not MIN_TICK <= self.covered_from <= self.covered_to <= MAX_TICK:
            raise AmmError(
                f"{where}: covered tick range [{self.covered_from}, {self.covered_to}] must lie "
                f"within [{MIN_TICK}, {MAX_TICK}] and not be empty"
            )
        if len(self.ticks) != len(self.liquidity_net):
            raise AmmError(
                f"{where}: {len(self.ticks)} ticks but {len(self.liquidity_net)} liquidity_net values"
            )
        previous = None
        for tick, net in zip(self.ticks, self.liquidity_net, strict=True):
            if previous is not None and tick <= previous:
                raise AmmError(f"{where}: ticks must be strictly ascending, {tick} follows {previous}")
            if tick % self.tick_spacing:
                raise AmmError(f"{where}: tick {tick} is not a multiple of tick_spacing {self.tick_spacing}")
            if not self.covered_from <= tick <= self.covered_to:
                raise AmmError(
                    f"{where}: tick {tick} is outside the covered range "
                    f"[{self.covered_from}, {self.covered_to}]"
                )
            if not _MIN_INT128 <= net <= _MAX_INT128:
                raise AmmError(f"{where}: liquidity_net {net} at tick {tick} is not an int128")
            previous = tick

    @classmethod
    def from_bitmap(
        cls,
        *,
        address: str,
        token0: str,
        token1: str,
        fee: int,
        tick_spacing: int,
        sqrt_price_x96: int,
        tick: int,
        liquidity: int,
        word_range: tuple[int, int],
        words: Mapping[int, int],
        liquidity_net: Mapping[int, int],
    ) -> V3PoolState:
        """Build a snapshot from the pool's storage as read on chain: the tickBitmap words of
        `word_range` (inclusive; a word missing from `words` is read as zero) and ticks(t).liquidityNet
        for every tick those words mark."""
        word_lo, word_hi = word_range
        stray = [w for w in words if not word_lo <= w <= word_hi]
        if stray:
            raise AmmError(f"V3PoolState {address}: bitmap words {sorted(stray)} lie outside {word_range}")
        ticks = ticks_from_bitmap(words, tick_spacing)
        missing = [t for t in ticks if t not in liquidity_net]
        if missing:
            raise AmmError(
                f"V3PoolState {address}: liquidity_net missing for initialised ticks {missing[:5]}"
            )
        covered_from, covered_to = word_range_ticks(word_lo, word_hi, tick_spacing)
        return cls(
            address=address,
            token0=token0,
            token1=token1,
            fee=fee,
            tick_spacing=tick_spacing,
            sqrt_price_x96=sqrt_price_x96,
            tick=tick,
            liquidity=liquidity,
            ticks=ticks,
            liquidity_net=tuple(liquidity_net[t] for t in ticks),
            covered_from=covered_from,
            covered_to=covered_to,
        )


class V3SwapResult(NamedTuple):
    """What UniswapV3Pool.swap returns and leaves behind. Amounts are from the pool's side: positive
    is paid into the pool, negative is paid out of it."""

    amount0: int
    amount1: int
    sqrt_price_x96: int
    """slot0.sqrtPriceX96 after the swap."""
    tick: int
    """slot0.tick after the swap."""
    liquidity: int
    """In-range liquidity after the swap."""
    ticks_crossed: int
    """How many initialised ticks the swap crossed (each applied its liquidityNet)."""


def swap(
    state: V3PoolState,
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit: int | None = None,
) -> V3SwapResult:
    """UniswapV3Pool.swap on the snapshot: exact input for amount_specified > 0, exact output for < 0.

    Without a price limit, the limit QuoterV2 uses (MIN_SQRT_RATIO + 1 or MAX_SQRT_RATIO - 1); the
    swap then stops early only when it runs out of liquidity, which shows as an input (exact input) or
    output (exact output) smaller than asked: check it, or use `exact_input` / `exact_output`.
    Exact input without a limit is answered from the snapshot's cached path (v3_path), the rest by
    the loop (`swap_loop`); both give the same integers.
    """
    if sqrt_price_limit is None and 0 < amount_specified <= _MAX_INT256:
        taken, paid, price, tick, liquidity, crossed = _path(state, zero_for_one).quote(
            amount_specified, True
        )
        if zero_for_one:
            return V3SwapResult(taken, -paid, price, tick, liquidity, crossed)
        return V3SwapResult(-paid, taken, price, tick, liquidity, crossed)
    return _swap(state, zero_for_one, amount_specified, sqrt_price_limit, True)


def swap_loop(
    state: V3PoolState,
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit: int | None = None,
) -> V3SwapResult:
    """`swap` by the pool's loop, step by step, without the cached path."""
    return _swap(state, zero_for_one, amount_specified, sqrt_price_limit, True)


def _path(state: V3PoolState, zero_for_one: bool) -> ExactInputPath:
    path = state._paths.get(zero_for_one)
    if path is None:
        path = state._paths.setdefault(zero_for_one, ExactInputPath(state, zero_for_one))
    return path


def _swap(
    state: V3PoolState,
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit: int | None,
    want_tick: bool,
) -> V3SwapResult:
    """The swap loop. With want_tick False the final tick is left as it was before the last step when
    that step ended between ticks (TickMath.getTickAtSqrtRatio is the priciest call of a short swap,
    and no amount depends on the tick after the last step)."""
    if amount_specified == 0:
        raise AmmError(f"swap on {state.address}: amount_specified must be non-zero (AS)")
    if not _MIN_INT256 <= amount_specified <= _MAX_INT256:
        raise AmmError(f"swap on {state.address}: amount_specified {amount_specified} is not an int256")
    sqrt_price = state.sqrt_price_x96
    if sqrt_price_limit is None:
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    else:
        limit = sqrt_price_limit
    if zero_for_one:
        if not MIN_SQRT_RATIO < limit < sqrt_price:
            raise AmmError(
                f"swap on {state.address}: zero_for_one price limit {limit} must be in "
                f"({MIN_SQRT_RATIO}, {sqrt_price}) (SPL)"
            )
    elif not sqrt_price < limit < MAX_SQRT_RATIO:
        raise AmmError(
            f"swap on {state.address}: one_for_zero price limit {limit} must be in "
            f"({sqrt_price}, {MAX_SQRT_RATIO}) (SPL)"
        )

    ticks = state.ticks
    nets = state.liquidity_net
    n_ticks = len(ticks)
    spacing = state.tick_spacing
    fee = state.fee
    fee_complement = _PIPS - fee
    covered_from = state.covered_from
    covered_to = state.covered_to
    sqrt_at = cached_sqrt_ratio_at_tick
    exact_in = amount_specified > 0
    remaining = amount_specified
    calculated = 0
    tick = state.tick
    liquidity = state.liquidity
    crossed = 0

    # Index of the initialised tick the next search finds first: the pool's bitmap search from the
    # current tick, done once by bisection; after that the walk is monotonic, so each step's search
    # starts at the next index (crossing a tick moves past it; a word edge does not). The searches
    # move away from the current tick, so the near end of the first one is the only near end to check
    # against the snapshot's coverage; the far ends are checked where they are word edges.
    start = (tick // spacing) * spacing if zero_for_one else (tick // spacing + 1) * spacing
    if (start > covered_to) if zero_for_one else (start < covered_from):
        raise TickCoverageError(
            f"swap on {state.address}: the first step searches from tick {start}, beyond the "
            f"snapshot's [{covered_from}, {covered_to}]"
        )
    i = bisect_right(ticks, start) - 1 if zero_for_one else bisect_left(ticks, start)
    tick_stale = False  # the tick is only needed again if another step follows

    while remaining and sqrt_price != limit:
        if tick_stale:
            tick = get_tick_at_sqrt_ratio(sqrt_price)
            tick_stale = False
        # TickBitmap.nextInitializedTickWithinOneWord: the nearest initialised tick within the word
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
                    raise TickCoverageError(
                        f"swap on {state.address}: the step from tick {tick} searches down to tick "
                        f"{tick_next}, beyond the snapshot's [{covered_from}, {covered_to}]"
                    )
        else:
            word_edge = ((compressed + 1) | 255) * spacing
            if i < n_ticks and ticks[i] <= word_edge:
                tick_next = ticks[i]
                initialized = True
            else:
                tick_next = word_edge if word_edge < MAX_TICK else MAX_TICK
                initialized = False
                if tick_next > covered_to:
                    raise TickCoverageError(
                        f"swap on {state.address}: the step from tick {tick} searches up to tick "
                        f"{tick_next}, beyond the snapshot's [{covered_from}, {covered_to}]"
                    )
        sqrt_next = sqrt_at(tick_next)

        # SwapMath.computeSwapStep(sqrt_price, target, liquidity, remaining, fee), written out
        price = sqrt_price
        n1 = liquidity << 96
        if zero_for_one:
            target = limit if sqrt_next < limit else sqrt_next
            if exact_in:
                rem_less_fee = remaining * fee_complement // _PIPS
                amount_in = -(-(n1 * (price - target)) // (price * target))  # getAmount0Delta, up
                if rem_less_fee >= amount_in:
                    sqrt_price = target
                else:
                    # getNextSqrtPriceFromAmount0RoundingUp(price, liquidity, rem_less_fee, add=true)
                    if rem_less_fee:
                        product = rem_less_fee * price
                        if product < _TWO_256 and n1 + product < _TWO_256:
                            sqrt_price = -(-(n1 * price) // (n1 + product))
                        else:
                            sqrt_price = -(-n1 // (n1 // price + rem_less_fee))
                    amount_in = -(-(n1 * (price - sqrt_price)) // (price * sqrt_price))
                amount_out = (liquidity * (price - sqrt_price)) >> 96  # getAmount1Delta, down
            else:
                wanted = -remaining
                amount_out = (liquidity * (price - target)) >> 96
                if wanted >= amount_out:
                    sqrt_price = target
                else:
                    # getNextSqrtPriceFromAmount1RoundingDown(price, liquidity, wanted, add=false)
                    quotient = -(-(wanted << 96) // liquidity)
                    if price <= quotient:
                        raise AmmError(f"swap on {state.address}: output {wanted} exceeds the liquidity")
                    sqrt_price = price - quotient
                    amount_out = (liquidity * (price - sqrt_price)) >> 96
                amount_in = -(-(n1 * (price - sqrt_price)) // (price * sqrt_price))
        else:
            target = limit if sqrt_next > limit else sqrt_next
            if exact_in:
                rem_less_fee = remaining * fee_complement // _PIPS
                amount_in = -((-(liquidity * (target - price))) >> 96)  # getAmount1Delta, up
                if rem_less_fee >= amount_in:
                    sqrt_price = target
                else:
                    # getNextSqrtPriceFromAmount1RoundingDown(price, liquidity, rem_less_fee, add=true)
                    sqrt_price = price + (rem_less_fee << 96) // liquidity
                    if sqrt_price > _MAX_UINT160:
                        raise AmmError(f"swap on {state.address}: next sqrt price overflows uint160")
                    amount_in = -((-(liquidity * (sqrt_price - price))) >> 96)
                amount_out = (n1 * (sqrt_price - price)) // (sqrt_price * price)  # getAmount0Delta, down
            else:
                wanted = -remaining
                amount_out = (n1 * (target - price)) // (target * price)
                if wanted >= amount_out:
                    sqrt_price = target
                else:
                    # getNextSqrtPriceFromAmount0RoundingUp(price, liquidity, wanted, add=false)
                    product = wanted * price
                    if product >= _TWO_256 or n1 <= product:
                        raise AmmError(f"swap on {state.address}: output {wanted} exceeds the liquidity")
                    sqrt_price = -(-(n1 * price) // (n1 - product))
                    if sqrt_price > _MAX_UINT160:
                        raise AmmError(f"swap on {state.address}: next sqrt price overflows uint160")
                    amount_out = (n1 * (sqrt_price - price)) // (sqrt_price * price)
                amount_in = -((-(liquidity * (sqrt_price - price))) >> 96)

        if exact_in:
            if sqrt_price != target:
                remaining = 0  # the rest of the input is the fee: amount_in + fee == remaining
            else:
                remaining -= amount_in - (-(amount_in * fee) // fee_complement)
            calculated -= amount_out
        else:
            if amount_out > wanted:
                amount_out = wanted
            remaining += amount_out
            calculated += amount_in - (-(amount_in * fee) // fee_complement)

        if sqrt_price == sqrt_next:
            # the step reached the next tick: cross it if it is initialised (Tick.cross)
            if initialized:
                if zero_for_one:
                    liquidity -= nets[i]
                    i -= 1
                else:
                    liquidity += nets[i]
                    i += 1
                if liquidity < 0 or liquidity > _MAX_UINT128:
                    raise AmmError(
                        f"swap on {state.address}: liquidity {liquidity} out of uint128 range after "
                        f"crossing tick {tick_next} (LS/LA)"
                    )
                crossed += 1
            tick = tick_next - 1 if zero_for_one else tick_next
        elif sqrt_price != price:
            tick_stale = True

    if tick_stale and want_tick:
        tick = get_tick_at_sqrt_ratio(sqrt_price)

    if zero_for_one == exact_in:
        amount0, amount1 = amount_specified - remaining, calculated
    else:
        amount0, amount1 = calculated, amount_specified - remaining
    return V3SwapResult(amount0, amount1, sqrt_price, tick, liquidity, crossed)


def exact_input(state: V3PoolState, zero_for_one: bool, amount_in: int) -> int:
    """The output of swapping exactly `amount_in`; raises AmmError if the pool cannot take it all
    (liquidity runs out before the price limit)."""
    if not 0 < amount_in <= _MAX_INT256:
        raise AmmError(f"exact_input on {state.address}: amount_in must be in [1, 2**255), got {amount_in}")
    taken, paid, *_ = _path(state, zero_for_one).quote(amount_in, False)
    if taken != amount_in:
        raise AmmError(
            f"exact_input on {state.address}: liquidity runs out after taking {taken} of {amount_in}"
        )
    return paid


def exact_output(state: V3PoolState, zero_for_one: bool, amount_out: int) -> int:
    """The input needed to receive exactly `amount_out`; raises AmmError if the pool cannot pay it."""
    if amount_out <= 0:
        raise AmmError(f"exact_output on {state.address}: amount_out must be positive, got {amount_out}")
    result = _swap(state, zero_for_one, -amount_out, None, False)
    paid = -(result.amount1 if zero_for_one else result.amount0)
    if paid != amount_out:
        raise AmmError(
            f"exact_output on {state.address}: liquidity runs out after paying {paid} of {amount_out}"
        )
    return result.amount0 if zero_for_one else result.amount1
