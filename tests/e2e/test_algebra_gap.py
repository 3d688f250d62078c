"""The bot end to end on the fork with a gap on a QuickSwap V3 (Algebra) pool: the real block loop
finds the cycle through the Algebra pool, simulates, sends, and the realised profit equals the
prediction to the wei (the trade lands in the block time its adaptive fee was priced for)."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode

from .conftest import capture_once, selector, send


def _push_algebra(w3: Any, book: Any, fund: Any, trader: str, sell: str, buy: str, amount: int) -> str:
    """A trader sells `amount` of `sell` for `buy` through the Algebra SwapRouter; returns the pool."""
    token_in, token_out = book.token(sell).address, book.token(buy).address
    router = book.quickswap_v3.swap_router
    fund(token_in, trader, amount)
    approve = selector("approve(address,uint256)") + encode(["address", "uint256"], [router, amount])
    swap = selector("exactInputSingle((address,address,address,uint256,uint256,uint256,uint160))") + encode(
        ["(address,address,address,uint256,uint256,uint256,uint160)"],
        [(token_in, token_out, trader, 2**63, amount, 0, 0)],
    )
    for to, payload in ((token_in, approve), (router, swap)):
        send(w3, trader, to, payload)
    data = selector("poolByPair(address,address)") + encode(["address", "address"], [token_in, token_out])
    return str(
        w3.to_checksum_address(
            "0x"
            + bytes(w3.eth.call({"to": book.quickswap_v3.factory, "data": "0x" + data.hex()}))[-20:].hex()
        )
    )


def test_once_live_captures_an_algebra_gap_to_the_wei(
    make_bot: Any, deployed: Any, w3: Any, book: Any, fund: Any, accounts: Any
) -> None:
    pool = _push_algebra(w3, book, fund, accounts[3].address, "WETH", "USDC", 60 * 10**18)
    bot = make_bot(once=True)

    def run_two_seconds_apart() -> str:
        # the reader prices the Algebra fee for the block 2 s after the one it reads, Polygon's block
        # time: make the fork's blocks that far apart so the trade lands there
        w3.provider.make_request("anvil_setBlockTimestampInterval", [2])
        try:
            return str(bot.loop.run())
        finally:
            w3.provider.make_request("anvil_removeBlockTimestampInterval", [])

    capture_once(bot, deployed, w3, book, pool, run_two_seconds_apart)
