"""Mirrors Uniswap v3-core `TickMath` (contracts/libraries/TickMath.sol): getSqrtRatioAtTick and
getTickAtSqrtRatio, with the same constants, bit by bit.

sqrt prices are Q64.96 fixed point: sqrt(1.0001 ** tick) * 2**96.
"""

from functools import lru_cache

from bot.errors import AmmError

MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342

_MAX_UINT256 = (1 << 256) - 1
_ONE_Q128 = 1 << 128
_MASK_32 = (1 << 32) - 1

# ratio multipliers for bits 1 .. 19 of |tick|: 2**128 / sqrt(1.0001 ** (2 ** bit)), as in TickMath.
_BIT_FACTORS = (
    (0x2, 0xFFF97272373D413259A46990580E213A),
    (0x4, 0xFFF2E50F5F656932EF12357CF3C7FDCC),
    (0x8, 0xFFE5CACA7E10E4E61C3624EAA0941CD0),
    (0x10, 0xFFCB9843D60F6159C9DB58835C926644),
    (0x20, 0xFF973B41FA98C081472E6896DFB254C0),
    (0x40, 0xFF2EA16466C96A3843EC78B326B52861),
    (0x80, 0xFE5DEE046A99A2A811C461F1969C3053),
    (0x100, 0xFCBE86C7900A88AEDCFFC83B479AA3A4),
    (0x200, 0xF987A7253AC413176F2B074CF7815E54),
    (0x400, 0xF3392B0822B70005940C7A398E4B70F3),
    (0x800, 0xE7159475A2C29B7443B29C7FA6E889D9),
    (0x1000, 0xD097F3BDFD2022B8845AD8F792AA5825),
    (0x2000, 0xA9F746462D870FDF8A65DC1F90E061E5),
    (0x4000, 0x70D869A156D2A1B890BB3DF62BAF32F7),
    (0x8000, 0x31BE135F97D08FD981231505542FCFA6),
    (0x10000, 0x9AA508B5B7A84E1C677DE54F3E99BC9),
    (0x20000, 0x5D6AF8DEDB81196699C329225EE604),
    (0x40000, 0x2216E584F5FA1EA926041BEDFE98),
    (0x80000, 0x48A170391F7DC42444E8FA2),
)


def get_sqrt_ratio_at_tick(tick: int) -> int:
    """sqrt(1.0001 ** tick) as Q64.96, rounded up (TickMath.getSqrtRatioAtTick). Reverts ('T') for a
    tick outside [MIN_TICK, MAX_TICK]."""
    abs_tick = -tick if tick < 0 else tick
    if abs_tick > MAX_TICK:
        raise AmmError(f"TickMath.getSqrtRatioAtTick: tick {tick} is outside [{MIN_TICK}, {MAX_TICK}] (T)")
    ratio = 0xFFFCB933BD6FAD37AA2D162D1A594001 if abs_tick & 0x1 else _ONE_Q128
    for bit, factor in _BIT_FACTORS:
        if abs_tick & bit:
            ratio = (ratio * factor) >> 128
    if tick > 0:
        ratio = _MAX_UINT256 // ratio
    # Q128.128 -> Q64.96, rounding up so that getTickAtSqrtRatio of the result is consistent.
    return (ratio >> 32) + (1 if ratio & _MASK_32 else 0)


# The swap loop looks up the same word-boundary ticks again and again; the function is pure.
cached_sqrt_ratio_at_tick = lru_cache(maxsize=1 << 16)(get_sqrt_ratio_at_tick)


def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """The greatest tick whose sqrt ratio is <= sqrt_price_x96 (TickMath.getTickAtSqrtRatio). Reverts
    ('R') unless MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO."""
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise AmmError(
            f"TickMath.getTickAtSqrtRatio: sqrt price {sqrt_price_x96} is outside "
            f"[{MIN_SQRT_RATIO}, {MAX_SQRT_RATIO}) (R)"
        )
    ratio = sqrt_price_x96 << 32
    msb = ratio.bit_length() - 1  # the Solidity's assembly binary search for the most significant bit
    r = ratio >> (msb - 127) if msb >= 128 else ratio << (127 - msb)
    log_2 = (msb - 128) << 64  # signed, Q64.64
    # fourteen rounds of squaring, each yielding one more fractional bit of log2 (bits 63 .. 50)
    for bit in range(63, 50, -1):
        r = (r * r) >> 127
        f = r >> 128
        log_2 |= f << bit
        r >>= f
    r = (r * r) >> 127
    log_2 |= (r >> 128) << 50

    log_sqrt10001 = log_2 * 255738958999603826347141  # Q128.128
    tick_low = (log_sqrt10001 - 3402992956809132418596140100660247210) >> 128
    tick_high = (log_sqrt10001 + 291339464771989622907027621153398088495) >> 128
    if tick_low == tick_high:
        return tick_low
    return tick_high if get_sqrt_ratio_at_tick(tick_high) <= sqrt_price_x96 else tick_low
