"""The bot end to end on the fork with a gap on a QuickSwap V3 (Algebra) pool: the real block loop
finds the cycle through the Algebra pool, simulates, sends, and the realised profit equals the
prediction to the wei (the trade lands in the block time its adaptive fee was priced for)."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode

from .conftest import balance_of, selector


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
        tx = w3.eth.send_transaction(
            {"from": trader, "to": to, "data": "0x" + payload.hex(), "gas": 5_000_000}
        )
        assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
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
    owner = deployed.owner.address
    before = {t.address: balance_of(w3, t.address, owner) for t in book.tokens.values()}
    # the reader prices the Algebra fee for the block 2 s after the one it reads, Polygon's block time:
    # make the fork's blocks that far apart so the trade lands there
    w3.provider.make_request("anvil_setBlockTimestampInterval", [2])
    try:
        reason = bot.loop.run()
    finally:
        w3.provider.make_request("anvil_removeBlockTimestampInterval", [])

    assert reason.startswith("once")
    trades = bot.events.of("trade")
    assert len(trades) == 1 and trades[0]["status"] == "mined"
    trade = trades[0]
    taken = [e for e in bot.events.of("opportunity") if e["decision"] == "taken"]
    assert len(taken) == 1 and pool in taken[0]["pools"]
    assert trade["realised_profit"] == trade["predicted_profit"] == taken[0]["predicted_profit"] > 0
    asset = taken[0]["asset"]
    assert balance_of(w3, asset, owner) - before[asset] == trade["realised_profit"]
