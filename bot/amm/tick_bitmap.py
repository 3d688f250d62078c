"""Mirrors Uniswap v3-core `TickBitmap` (contracts/libraries/TickBitmap.sol): where the initialised
ticks are, and `nextInitializedTickWithinOneWord`, the search the swap loop runs at every step.

Two forms of the same search: over the pool's bitmap words (the storage layout, `wordPos -> uint256`)
and over a sorted tuple of initialised ticks (what `v3_pool` keeps). Both stop at the edge of the
256-tick word the Solidity searches, because a step ends there and each step rounds on its own.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence

from bot.amm.bit_math import least_significant_bit, most_significant_bit
from bot.amm.tick_math import MAX_TICK, MIN_TICK
from bot.errors import AmmError

_MAX_UINT256 = (1 << 256) - 1


def position(compressed_tick: int) -> tuple[int, int]:
    """(wordPos, bitPos) of a compressed tick (tick / tickSpacing), as TickBitmap.position."""
    return compressed_tick >> 8, compressed_tick & 0xFF


def compress(tick: int, tick_spacing: int) -> int:
    """tick / tickSpacing rounded towards negative infinity, as the Solidity does before searching."""
    return tick // tick_spacing


def next_initialized_tick_within_one_word(
    bitmap: Mapping[int, int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """(next, initialized) over bitmap words (TickBitmap.nextInitializedTickWithinOneWord). A word
    missing from `bitmap` reads as zero, as unset storage does."""
    compressed = compress(tick, tick_spacing)
    if lte:
        word_pos, bit_pos = position(compressed)
        masked = bitmap.get(word_pos, 0) & ((1 << bit_pos) - 1 + (1 << bit_pos))
        if masked:
            return (compressed - (bit_pos - most_significant_bit(masked))) * tick_spacing, True
        return (compressed - bit_pos) * tick_spacing, False
    word_pos, bit_pos = position(compressed + 1)
    masked = bitmap.get(word_pos, 0) & (_MAX_UINT256 ^ ((1 << bit_pos) - 1))
    if masked:
        return (compressed + 1 + (least_significant_bit(masked) - bit_pos)) * tick_spacing, True
    return (compressed + 1 + (255 - bit_pos)) * tick_spacing, False


def next_initialized_tick_in_sorted(
    ticks: Sequence[int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """The same answer as `next_initialized_tick_within_one_word`, from a sorted sequence of the
    initialised ticks instead of bitmap words."""
    compressed = compress(tick, tick_spacing)
    if lte:
        word_start = ((compressed >> 8) << 8) * tick_spacing
        i = bisect_right(ticks, compressed * tick_spacing) - 1
        if i >= 0 and ticks[i] >= word_start:
            return ticks[i], True
        return word_start, False
    word_end = (((compressed + 1) >> 8) * 256 + 255) * tick_spacing
    i = bisect_left(ticks, (compressed + 1) * tick_spacing)
    if i < len(ticks) and ticks[i] <= word_end:
        return ticks[i], True
    return word_end, False


def ticks_from_bitmap(words: Mapping[int, int], tick_spacing: int) -> tuple[int, ...]:
    """The initialised ticks, ascending, that a set of bitmap words marks."""
    ticks = []
    for word_pos in sorted(words):
        word = words[word_pos]
        if not 0 <= word <= _MAX_UINT256:
            raise AmmError(f"tick bitmap word {word_pos} is not a uint256: {word}")
        while word:
            low = word & -word
            ticks.append((word_pos * 256 + low.bit_length() - 1) * tick_spacing)
            word ^= low
    return tuple(ticks)


def bitmap_from_ticks(ticks: Iterable[int], tick_spacing: int) -> dict[int, int]:
    """The bitmap words that mark `ticks` as initialised (TickBitmap.flipTick applied to each)."""
    words: dict[int, int] = {}
    for tick in ticks:
        if tick % tick_spacing:
            raise AmmError(f"tick {tick} is not a multiple of the tick spacing {tick_spacing}")
        word_pos, bit_pos = position(tick // tick_spacing)
        words[word_pos] = words.get(word_pos, 0) ^ (1 << bit_pos)
    return words


def word_range_ticks(word_lo: int, word_hi: int, tick_spacing: int) -> tuple[int, int]:
    """The inclusive tick range that bitmap words word_lo..word_hi describe, clipped to the ticks that
    can exist."""
    if word_lo > word_hi:
        raise AmmError(f"bitmap word range is empty: {word_lo} > {word_hi}")
    return max(MIN_TICK, word_lo * 256 * tick_spacing), min(MAX_TICK, (word_hi * 256 + 255) * tick_spacing)


def word_range_for_ticks(tick_lo: int, tick_hi: int, tick_spacing: int) -> tuple[int, int]:
    """The bitmap words (wordPos range, inclusive) that hold every tick in [tick_lo, tick_hi]."""
    return compress(tick_lo, tick_spacing) >> 8, compress(tick_hi, tick_spacing) >> 8
