"""A plain transcription of the UniswapV3Pool.swap loop built only from the one-to-one library
mirrors (tick_bitmap over bitmap words, swap_math, liquidity_math, tick_math). The fast inlined loop
in bot.amm.v3_pool must agree with it on every input."""

from collections.abc import Mapping

from bot.amm.liquidity_math import add_delta
from bot.amm.swap_math import compute_swap_step
from bot.amm.tick_bitmap import next_initialized_tick_within_one_word
from bot.amm.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)


def reference_swap(
    *,
    bitmap: Mapping[int, int],
    liquidity_net: Mapping[int, int],
    tick_spacing: int,
    fee: int,
    sqrt_price_x96: int,
    tick: int,
    liquidity: int,
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit_x96: int | None = None,
    stop_at_word_edges: bool = True,
) -> tuple[int, int, int, int, int]:
    """(amount0, amount1, sqrt price, tick, liquidity) after the swap. With stop_at_word_edges=False
    the search runs on past empty words, as a loop that ignored the bitmap's word structure would."""
    limit = sqrt_price_limit_x96
    if limit is None:
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    assert amount_specified != 0
    exact_input = amount_specified > 0
    remaining = amount_specified
    calculated = 0
    price = sqrt_price_x96
    while remaining != 0 and price != limit:
        start = price
        t = tick
        while True:
            tick_next, initialized = next_initialized_tick_within_one_word(
                bitmap, t, tick_spacing, zero_for_one
            )
            if initialized or stop_at_word_edges or not MIN_TICK < tick_next < MAX_TICK:
                break
            t = tick_next - 1 if zero_for_one else tick_next
        tick_next = max(MIN_TICK, min(MAX_TICK, tick_next))
        sqrt_next = get_sqrt_ratio_at_tick(tick_next)
        if zero_for_one:
            target = limit if sqrt_next < limit else sqrt_next
        else:
            target = limit if sqrt_next > limit else sqrt_next
        price, amount_in, amount_out, fee_amount = compute_swap_step(price, target, liquidity, remaining, fee)
        if exact_input:
            remaining -= amount_in + fee_amount
            calculated -= amount_out
        else:
            remaining += amount_out
            calculated += amount_in + fee_amount
        if price == sqrt_next:
            if initialized:
                net = liquidity_net[tick_next]
                liquidity = add_delta(liquidity, -net if zero_for_one else net)
            tick = tick_next - 1 if zero_for_one else tick_next
        elif price != start:
            tick = get_tick_at_sqrt_ratio(price)
    if zero_for_one == exact_input:
        return amount_specified - remaining, calculated, price, tick, liquidity
    return calculated, amount_specified - remaining, price, tick, liquidity
