"""Plain eth_call reads of an Algebra V1 pool for the parity tests (one call per value; the batched
reader the bot uses lives in bot/market), and the Algebra quoter's answer at a chosen block time."""

from __future__ import annotations

from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from bot.amm.algebra_adaptive_fee import FeeConfiguration
from bot.amm.algebra_data_storage import WINDOW, DataStorageHead, Timepoint, WindowStart
from bot.amm.algebra_pool import TICK_SPACING, AlgebraPoolState
from bot.amm.tick_bitmap import ticks_from_bitmap, word_range_for_ticks
from bot.amm.tick_math import MAX_TICK, MIN_TICK

from .chain_reads import Reverted, call

TIMEPOINT = ("bool", "uint32", "int56", "uint160", "uint88", "int24", "uint144")
LIQUIDITY_SLOT = 3
"""AlgebraPool storage slot 3: liquidity (low 128 bits) and volumePerLiquidityInBlock (high 128)."""


def head_of(w3: Any, dso: str, index: int, volume_in_block: int) -> DataStorageHead:
    indices = {(index + k) % 65536 for k in (-1, 0, 1, 2)} | {0}
    points = {i: Timepoint(*call(w3, dso, "timepoints(uint256)", (i,), TIMEPOINT)) for i in indices}
    return DataStorageHead(index=index, timepoints=points, volume_per_liquidity_in_block=volume_in_block)


def window_start(w3: Any, pool: str, time: int) -> WindowStart | None:
    """The accumulators at `time` - 1 day from the pool's getTimepoints at the latest block, or None
    where the pool cannot answer (no history that old)."""
    now = w3.eth.get_block("latest")["timestamp"]
    seconds_ago = WINDOW - (time - now)
    if seconds_ago < 0:  # the window starts after the latest block: after the last timepoint too
        return None
    try:
        ticks, _, volatility, volume = call(
            w3,
            pool,
            "getTimepoints(uint32[])",
            ([seconds_ago],),
            ("int56[]", "uint160[]", "uint112[]", "uint256[]"),
        )
    except Reverted:
        return None
    return WindowStart(time - WINDOW, ticks[0], volatility[0], volume[0])


def algebra_state(w3: Any, pool: str, time: int | None = None) -> AlgebraPoolState:
    """The pool's full snapshot (every initialised tick); with `time`, also the window start that the
    fee at that block time may need."""
    price, tick, fee, index, _, _, _ = call(
        w3, pool, "globalState()", returns=("uint160", "int24", "uint16", "uint16", "uint8", "uint8", "bool")
    )
    slot = int.from_bytes(w3.eth.get_storage_at(to_checksum_address(pool), LIQUIDITY_SLOT), "big")
    liquidity, volume_in_block = slot & ((1 << 128) - 1), slot >> 128
    word_lo, word_hi = word_range_for_ticks(MIN_TICK, MAX_TICK, TICK_SPACING)
    words = {}
    for word in range(word_lo, word_hi + 1):
        value = call(w3, pool, "tickTable(int16)", (word,))
        if value:
            words[word] = value
    ticks = ticks_from_bitmap(words, TICK_SPACING)
    net = tuple(
        call(
            w3,
            pool,
            "ticks(int24)",
            (t,),
            ("uint128", "int128", "uint256", "uint256", "int56", "uint160", "uint32", "bool"),
        )[1]
        for t in ticks
    )
    dso = call(w3, pool, "dataStorageOperator()", returns=("address",))
    config = call(
        w3,
        dso,
        "feeConfig()",
        returns=("uint16", "uint16", "uint32", "uint32", "uint16", "uint16", "uint32", "uint16", "uint16"),
    )
    return AlgebraPoolState(
        address=pool,
        token0=call(w3, pool, "token0()", returns=("address",)),
        token1=call(w3, pool, "token1()", returns=("address",)),
        sqrt_price_x96=price,
        tick=tick,
        fee=fee,
        liquidity=liquidity,
        ticks=ticks,
        liquidity_net=net,
        covered_from=MIN_TICK,
        covered_to=MAX_TICK,
        block_timestamp=w3.eth.get_block("latest")["timestamp"],
        head=head_of(w3, dso, index, volume_in_block),
        fee_config=FeeConfiguration(*config),
        window_start=None if time is None else window_start(w3, pool, time),
    )


def quote_at(w3: Any, quoter: str, token_in: str, token_out: str, amount_in: int, time: int) -> int:
    """Quoter.quoteExactInputSingle(tokenIn, tokenOut, amountIn, 0) as if in a block at `time`."""
    selector = function_signature_to_4byte_selector("quoteExactInputSingle(address,address,uint256,uint160)")
    data = selector + encode(
        ["address", "address", "uint256", "uint160"], [token_in, token_out, amount_in, 0]
    )
    reply = w3.provider.make_request(
        "eth_call", [{"to": quoter, "data": "0x" + data.hex()}, "latest", {}, {"time": hex(time)}]
    )
    if "error" in reply:
        raise Reverted(f"quoteExactInputSingle: {reply['error']}")
    return int(decode(["uint256", "uint16"], bytes.fromhex(reply["result"][2:]))[0])
