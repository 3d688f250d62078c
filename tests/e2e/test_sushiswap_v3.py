"""The bot end to end on a SushiSwap V3 gap: a trader moves SushiSwap's WETH/USDC pool, the bot
discovers SushiSwap V3 pools at their factory, names the venue in the route, and the trade realises
the predicted profit to the wei."""

from __future__ import annotations

import json
from typing import Any

from eth_abi.abi import encode

from bot.replica.anvil import PROJECT_ROOT

from .conftest import capture_once, selector, send

SWAP_ROUTER = (
    PROJECT_ROOT / "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"
)
SUSHI = "sushiswap-v3"


def push_sushi_v3(
    w3: Any, book: Any, fund: Any, trader: str, sell: str, buy: str, fee: int, amount: int
) -> str:
    """Sells `amount` of `sell` in SushiSwap V3's pool through a SwapRouter bound to SushiSwap's
    factory (deployed for the test: the replica carries no SushiSwap router); returns the pool."""
    (sushi,) = book.uniswap_v3_forks
    artifact = json.loads(SWAP_ROUTER.read_text())
    creation = bytes.fromhex(artifact["bytecode"][2:]) + encode(
        ["address", "address"], [sushi.factory, book.token("WMATIC").address]
    )
    router = send(w3, trader, None, creation)["contractAddress"]
    token_in, token_out = book.token(sell).address, book.token(buy).address
    fund(token_in, trader, amount)
    send(
        w3,
        trader,
        token_in,
        selector("approve(address,uint256)") + encode(["address", "uint256"], [router, amount]),
    )
    params = encode(
        ["(address,address,uint24,address,uint256,uint256,uint256,uint160)"],
        [(token_in, token_out, fee, trader, 2**63, amount, 0, 0)],
    )
    send(
        w3,
        trader,
        router,
        selector("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))")
        + params,
    )
    data = selector("getPool(address,address,uint24)") + encode(
        ["address", "address", "uint24"], [token_in, token_out, fee]
    )
    return str(
        w3.to_checksum_address(
            "0x" + bytes(w3.eth.call({"to": sushi.factory, "data": "0x" + data.hex()}))[-20:].hex()
        )
    )


def test_bot_captures_a_sushiswap_v3_gap_to_the_wei(
    make_bot: Any, deployed: Any, w3: Any, book: Any, fund: Any, accounts: Any
) -> None:
    pool = push_sushi_v3(w3, book, fund, accounts[3].address, "WETH", "USDC", 500, 60 * 10**18)
    trade, taken = capture_once(make_bot(once=True), deployed, w3, book, pool)
    assert f"-{SUSHI}:{pool[:8]}->" in taken["route"]
