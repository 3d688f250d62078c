"""TickBitmap mirror: the sorted-tick search equals the bitmap-word search of the Solidity (pure)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.amm.tick_bitmap import (
    bitmap_from_ticks,
    next_initialized_tick_in_sorted,
    next_initialized_tick_within_one_word,
    ticks_from_bitmap,
    word_range_for_ticks,
    word_range_ticks,
)
from bot.amm.tick_math import MAX_TICK, MIN_TICK
from bot.errors import AmmError


def test_known_searches() -> None:
    # the layout of v3-core's TickBitmap tests: ticks -200, -55, -4, 70, 78, 84, 139, 240, 535 (spacing 1)
    ticks = (-200, -55, -4, 70, 78, 84, 139, 240, 535)
    bitmap = bitmap_from_ticks(ticks, 1)
    search = lambda tick, lte: next_initialized_tick_within_one_word(bitmap, tick, 1, lte)  # noqa: E731
    assert search(78, False) == (84, True)
    assert search(77, False) == (78, True)
    assert search(-56, False) == (-55, True)
    assert search(255, False) == (511, False)  # stops at the end of word 1
    assert search(383, False) == (511, False)
    assert search(78, True) == (78, True)
    assert search(79, True) == (78, True)
    assert search(258, True) == (256, False)  # stops at the start of word 1
    assert search(-257, True) == (-512, False)
    assert search(1023, True) == (768, False)


@settings(max_examples=300, deadline=None)
@given(
    spacing=st.sampled_from([1, 10, 60, 200]),
    compressed=st.lists(st.integers(min_value=-3000, max_value=3000), max_size=40, unique=True),
    tick=st.integers(min_value=-700_000, max_value=700_000),
    lte=st.booleans(),
)
def test_sorted_search_equals_bitmap_search(
    spacing: int, compressed: list[int], tick: int, lte: bool
) -> None:
    ticks = tuple(sorted(c * spacing for c in compressed))
    bitmap = bitmap_from_ticks(ticks, spacing)
    assert ticks_from_bitmap(bitmap, spacing) == ticks
    assert next_initialized_tick_in_sorted(
        ticks, tick, spacing, lte
    ) == next_initialized_tick_within_one_word(bitmap, tick, spacing, lte)


def test_word_ranges() -> None:
    assert word_range_ticks(-1, 0, 60) == (-256 * 60, 255 * 60)
    assert word_range_ticks(-100, 100, 60) == (MIN_TICK, MAX_TICK)
    assert word_range_for_ticks(-1, 0, 1) == (-1, 0)
    assert word_range_for_ticks(MIN_TICK, MAX_TICK, 60) == (-58, 57)
    with pytest.raises(AmmError, match="empty"):
        word_range_ticks(1, 0, 60)
    with pytest.raises(AmmError, match="multiple"):
        bitmap_from_ticks([61], 60)
