"""The part of a Uniswap V3 pool's tick map the reader keeps reading: a window of tickBitmap words
around the current price, and the liquidityNet of the initialised ticks found in it.

The window is centred on the word of the tick seen at the previous block. Between blocks the reader
remembers which ticks were initialised, so the next block reads their liquidityNet in the same round
trip as the bitmap words; only ticks that newly appear in the words need a second round trip.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.amm.tick_bitmap import ticks_from_bitmap
from bot.amm.tick_math import MAX_TICK, MIN_TICK


class V3Window:
    """The bitmap window and tick cache of one pool."""

    def __init__(self, tick_spacing: int, words_each_side: int) -> None:
        self.tick_spacing = tick_spacing
        self.words_each_side = words_each_side
        self.min_word = (MIN_TICK // tick_spacing) >> 8
        self.max_word = (MAX_TICK // tick_spacing) >> 8
        self.center: int | None = None
        """The word the next read is centred on (None until the pool's tick is known)."""
        self.known: dict[int, int] = {}
        """Initialised tick -> liquidityNet, as of the last block read."""

    def word_of(self, tick: int) -> int:
        """The bitmap word holding `tick` (TickBitmap.position of the compressed tick)."""
        return (tick // self.tick_spacing) >> 8

    def recentre(self, tick: int) -> None:
        """Centre the next reads on the word of `tick`."""
        self.center = self.word_of(tick)

    def words(self) -> tuple[int, ...]:
        """The words to read, ascending and contiguous."""
        if self.center is None:
            raise ValueError("V3Window has no centre yet: read the pool's slot0 first")
        low = max(self.min_word, self.center - self.words_each_side)
        high = min(self.max_word, self.center + self.words_each_side)
        return tuple(range(low, high + 1))

    def known_ticks(self) -> tuple[int, ...]:
        """The cached initialised ticks that lie in the words to read."""
        words = self.words()
        low, high = words[0], words[-1]
        return tuple(t for t in self.known if low <= self.word_of(t) <= high)

    def initialised(self, words: Mapping[int, int]) -> tuple[int, ...]:
        """The initialised ticks the bitmap words mark."""
        return ticks_from_bitmap(words, self.tick_spacing)

    def update(self, ticks: tuple[int, ...], nets: tuple[int, ...], tick: int) -> None:
        """Remember a block's initialised ticks and centre the next read on its tick."""
        self.known = dict(zip(ticks, nets, strict=True))
        self.recentre(tick)
