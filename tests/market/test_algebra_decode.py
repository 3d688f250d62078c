"""The Algebra reader's sliced decoders equal eth_abi's generic decoding of the same return data, and
refuse data too short to hold what they read."""

from __future__ import annotations

import random

import pytest
from eth_abi.abi import decode, encode

from bot.amm.algebra_data_storage import Timepoint
from bot.market.algebra import _first, _timepoint

TIMEPOINT = ["bool", "uint32", "int56", "uint160", "uint88", "int24", "uint144"]
WINDOW = ["int56[]", "uint160[]", "uint112[]", "uint256[]"]


def _value(rng: random.Random, kind: str) -> object:
    if kind == "bool":
        return rng.random() < 0.5
    bits = int(kind.removeprefix("u").removeprefix("int"))
    if kind.startswith("u"):
        return rng.choice([0, 1, 2**bits - 1, rng.randrange(2**bits)])
    return rng.choice(
        [-(2 ** (bits - 1)), -1, 0, 2 ** (bits - 1) - 1, rng.randrange(-(2 ** (bits - 1)), 2 ** (bits - 1))]
    )


def test_timepoints_decode_like_eth_abi() -> None:
    rng = random.Random(1)
    for _ in range(500):
        values = [_value(rng, kind) for kind in TIMEPOINT]
        data = encode(TIMEPOINT, values)
        assert _timepoint(data) == Timepoint(*decode(TIMEPOINT, data)) == Timepoint(*values)
    with pytest.raises(ValueError, match="224 bytes"):
        _timepoint(bytes(223))


def test_window_arrays_give_their_first_entries_like_eth_abi() -> None:
    rng = random.Random(2)
    for _ in range(200):
        length = rng.randint(1, 3)
        arrays = [[_value(rng, kind.removesuffix("[]")) for _ in range(length)] for kind in WINDOW]
        data = encode(WINDOW, arrays)
        ticks, _, volatility, volume = decode(WINDOW, data)
        assert (_first(data, 0, signed=True), _first(data, 2), _first(data, 3)) == (
            ticks[0],
            volatility[0],
            volume[0],
        )
    empty = encode(WINDOW, [[], [], [], []])
    with pytest.raises(ValueError, match="no first entry"):
        _first(empty, 0)
